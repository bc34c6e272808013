//! `GET /api/v1/admin/outbox` and `POST /api/v1/admin/outbox/{id}/retry`: what the notifier
//! has sent, is retrying, or gave up on.

use axum::extract::State;
use gridline_app::AppError;
use gridline_store::entity::outbox;
use gridline_store::from_ms;
use gridline_store::outbox::state;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::AuthUser;
use crate::error::{ApiResult, Problem};
use crate::extract::{Path, Query};
use gridline_app::AppState;

/// One message in the outbox.
#[derive(Debug, Serialize, ToSchema)]
pub struct OutboxDto {
    pub id: i64,
    /// dispatch, return, ..., response_warning, ..., digest
    pub kind: String,
    pub ticket_id: Option<i64>,
    pub event_id: Option<i64>,
    /// pending | sent | dead | skipped
    pub state: String,
    pub attempts: i32,
    pub next_attempt_at: chrono::DateTime<chrono::Utc>,
    /// Why the last attempt failed (or why there was nobody to send to).
    pub last_error: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub sent_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl TryFrom<outbox::Model> for OutboxDto {
    type Error = gridline_store::StoreError;

    fn try_from(r: outbox::Model) -> Result<Self, Self::Error> {
        Ok(Self {
            id: r.id,
            kind: r.kind,
            ticket_id: r.ticket_id,
            event_id: r.event_id,
            state: r.state,
            attempts: r.attempts,
            next_attempt_at: from_ms(r.next_attempt_at)?,
            last_error: r.last_error,
            created_at: from_ms(r.created_at)?,
            sent_at: r.sent_at.map(from_ms).transpose()?,
        })
    }
}

/// Filters.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct OutboxQuery {
    /// pending | sent | dead | skipped
    pub state: Option<String>,
    /// At most this many, newest first (1–500, default 100).
    pub limit: Option<u64>,
}

/// Lists outbox rows (admins only).
#[utoipa::path(
    get,
    path = "/api/v1/admin/outbox",
    tag = "admin",
    security(("bearer" = [])),
    params(OutboxQuery),
    responses((status = 200, body = Vec<OutboxDto>), (status = 403, body = Problem), (status = 422, body = Problem))
)]
pub async fn list_outbox(
    State(state): State<AppState>,
    auth: AuthUser,
    Query(q): Query<OutboxQuery>,
) -> ApiResult<axum::Json<Vec<OutboxDto>>> {
    auth.require_admin()?;
    if let Some(s) = q.state.as_deref()
        && ![state::PENDING, state::SENT, state::DEAD, state::SKIPPED].contains(&s)
    {
        return Err(AppError::invalid(
            "state",
            "unknown_state",
            "state is one of pending, sent, dead, skipped",
        )
        .into());
    }
    let rows = state
        .store
        .outbox(q.state.as_deref(), q.limit.unwrap_or(100).clamp(1, 500))
        .await?;
    Ok(axum::Json(
        rows.into_iter()
            .map(OutboxDto::try_from)
            .collect::<Result<Vec<_>, _>>()?,
    ))
}

/// Puts a dead (or skipped) message back in the queue (admins only).
#[utoipa::path(
    post,
    path = "/api/v1/admin/outbox/{id}/retry",
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = OutboxDto), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, description = "not dead or skipped", body = Problem))
)]
pub async fn retry_outbox(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<OutboxDto>> {
    auth.require_admin()?;
    let row = state.store.outbox_retry(id, state.now()).await?;
    Ok(axum::Json(OutboxDto::try_from(row)?))
}
