//! `GET /api/v1/audit`: the organisation's audit log (admins only).

use axum::extract::State;
use gridline_app::AppState;
use gridline_app::audit::{self, AuditEntry, AuditQuery};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::AuthUser;
use crate::error::{ApiResult, Problem};
use crate::extract::Query;

/// Filters.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AuditParams {
    /// user | grid | department | task_force | enterprise
    pub object_kind: Option<String>,
    /// One object of that kind.
    pub object_id: Option<i64>,
    /// Changes made by this user.
    pub actor_id: Option<i64>,
    /// Older than this id (the next page: the last id seen).
    pub before: Option<i64>,
    /// At most this many, newest first (1–500, default 100).
    pub limit: Option<u64>,
}

/// Lists administrative changes, newest first (admins only).
#[utoipa::path(
    get,
    path = "/api/v1/audit",
    tag = "admin",
    security(("bearer" = [])),
    params(AuditParams),
    responses(
        (status = 200, body = Vec<AuditEntry>),
        (status = 403, body = Problem),
        (status = 422, body = Problem),
    )
)]
pub async fn list_audit(
    State(state): State<AppState>,
    auth: AuthUser,
    Query(q): Query<AuditParams>,
) -> ApiResult<axum::Json<Vec<AuditEntry>>> {
    let rows = audit::list(
        &state,
        &auth,
        AuditQuery {
            object_kind: q.object_kind,
            object_id: q.object_id,
            actor_id: q.actor_id,
            before: q.before,
            limit: q.limit,
        },
    )
    .await?;
    Ok(axum::Json(rows))
}
