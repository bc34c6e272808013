//! `GET /api/v1/tickets/{id}` and `GET /api/v1/tickets/{id}/events`.

use axum::extract::State;
use gridline_app::tickets::{events, visible_ticket};

use crate::auth::AuthUser;
use crate::error::{ApiResult, Problem};
use crate::extract::Path;
use crate::tickets::dto::{EventDto, TicketDto};
use gridline_app::AppState;

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
    let events = events(&state, &auth, id).await?;
    Ok(axum::Json(events.into_iter().map(Into::into).collect()))
}
