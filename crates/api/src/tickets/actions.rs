//! `POST /api/v1/tickets/{id}/actions/{action}`: every step of the closed loop.
//!
//! The body is the application's [`ActionFields`] (documented here as `ActionBody`); the
//! use case `gridline_app::tickets::act` does the rest.

use axum::extract::State;
use gridline_app::AppState;
use gridline_app::tickets::{ActionFields, act, unknown_action};
use gridline_domain::ActionKind;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::AuthUser;
use crate::error::{ApiResult, Problem};
use crate::extract::{Json, Path};
use crate::tickets::dto::{EventDto, TicketDto};

/// The ticket after the action, and the events it recorded.
#[derive(Debug, Serialize, ToSchema)]
pub struct ActionResponse {
    pub ticket: TicketDto,
    pub events: Vec<EventDto>,
}

/// Takes an action on a ticket.
#[utoipa::path(
    post,
    path = "/api/v1/tickets/{id}/actions/{action}",
    tag = "tickets",
    security(("bearer" = [])),
    params(
        ("id" = i64, Path),
        ("action" = String, Path, description = "dispatch | accept | return | escalate | add_co_departments | request_extension | decide_extension | resolve | report | urge | supervise | comment | reassign | mark_duplicate | withdraw | mark_invalid | request_pause | decide_pause | resume"),
    ),
    request_body = ActionFields,
    responses(
        (status = 200, body = ActionResponse),
        (status = 403, description = "the caller's role may not take this action", body = Problem),
        (status = 404, description = "ticket missing or not visible, or unknown action", body = Problem),
        (status = 409, description = "stale expected_version, or the state does not allow the action", body = Problem),
        (status = 422, body = Problem),
    )
)]
pub async fn take_action(
    State(state): State<AppState>,
    auth: AuthUser,
    Path((id, action)): Path<(i64, String)>,
    Json(fields): Json<ActionFields>,
) -> ApiResult<axum::Json<ActionResponse>> {
    let action = ActionKind::parse(&action).ok_or_else(unknown_action)?;
    let now = state.now();
    let (ticket, events) = act(&state, &auth, id, action, &fields).await?;
    Ok(axum::Json(ActionResponse {
        ticket: TicketDto::new(&ticket, now),
        events: events.into_iter().map(Into::into).collect(),
    }))
}
