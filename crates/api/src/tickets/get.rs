//! `GET /api/v1/tickets/{id}` and `GET /api/v1/tickets/{id}/events`.

use axum::extract::State;
use gridline_domain::permission::can_see;
use gridline_domain::{Ticket, TicketId};
use gridline_store::StoreError;

use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::Path;
use crate::state::AppState;
use crate::tickets::dto::{EventDto, TicketDto};

/// Loads a ticket the caller may see; anything else is the same 404.
pub async fn visible_ticket(state: &AppState, auth: &AuthUser, id: i64) -> ApiResult<Ticket> {
    match state.store.ticket(TicketId(id)).await {
        Ok(t) if can_see(&auth.actor, &t) => Ok(t),
        Ok(_) | Err(StoreError::NotFound(_)) => Err(ApiError::ticket_not_found()),
        Err(e) => Err(e.into()),
    }
}

/// One ticket.
#[utoipa::path(
    get,
    path = "/api/v1/tickets/{id}",
    tag = "tickets",
    security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = TicketDto), (status = 404, description = "missing or not visible", body = Problem))
)]
pub async fn get_ticket(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<TicketDto>> {
    let t = visible_ticket(&state, &auth, id).await?;
    Ok(axum::Json(TicketDto::new(&t, state.now())))
}

/// A ticket's whole history, oldest first.
#[utoipa::path(
    get,
    path = "/api/v1/tickets/{id}/events",
    tag = "tickets",
    security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = Vec<EventDto>), (status = 404, body = Problem))
)]
pub async fn ticket_events(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<Vec<EventDto>>> {
    let t = visible_ticket(&state, &auth, id).await?;
    let events = state.store.events(t.id).await?;
    Ok(axum::Json(events.into_iter().map(Into::into).collect()))
}
