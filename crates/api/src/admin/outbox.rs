//! `GET /api/v1/admin/outbox` and `POST /api/v1/admin/outbox/{id}/retry`: what the notifier
//! has sent, is retrying, or gave up on.

use axum::extract::State;
use serde::Deserialize;
use utoipa::IntoParams;

use gridline_app::admin::{self, OutboxRow as OutboxDto};

use crate::auth::AuthUser;
use crate::error::{ApiResult, Problem};
use crate::extract::{Path, Query};
use gridline_app::AppState;

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
    let rows = admin::outbox(&state, &auth, q.state.as_deref(), q.limit.unwrap_or(100)).await?;
    Ok(axum::Json(rows))
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
    Ok(axum::Json(admin::retry(&state, &auth, id).await?))
}
