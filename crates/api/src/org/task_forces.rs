//! `POST/GET /api/v1/task-forces`.

use axum::extract::State;
use axum::http::StatusCode;
use gridline_domain::text::{Name, Remark};
use gridline_store::entity::task_forces;
use gridline_store::from_ms;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::Json;
use crate::state::AppState;

/// A task force (专班).
#[derive(Debug, Serialize, ToSchema)]
pub struct TaskForceDto {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

impl From<task_forces::Model> for TaskForceDto {
    fn from(t: task_forces::Model) -> Self {
        Self {
            id: t.id,
            name: t.name,
            description: t.description,
            created_at: from_ms(t.created_at),
        }
    }
}

/// A task force to create.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTaskForce {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
}

/// Creates a task force (admins only).
#[utoipa::path(
    post,
    path = "/api/v1/task-forces",
    tag = "organisation",
    security(("bearer" = [])),
    request_body = CreateTaskForce,
    responses((status = 201, body = TaskForceDto), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem))
)]
pub async fn create_task_force(
    State(state): State<AppState>,
    auth: AuthUser,
    Json(req): Json<CreateTaskForce>,
) -> ApiResult<(StatusCode, axum::Json<TaskForceDto>)> {
    auth.require_admin()?;
    let name = Name::parse(&req.name).map_err(|e| ApiError::on_field(e, "name"))?;
    let description = match req.description.as_deref().filter(|d| !d.trim().is_empty()) {
        Some(d) => Remark::parse(d)
            .map_err(|e| ApiError::on_field(e, "description"))?
            .into_inner(),
        None => String::new(),
    };
    let row = state
        .store
        .create_task_force(name.into_inner(), description, state.now())
        .await?;
    Ok((StatusCode::CREATED, axum::Json(row.into())))
}

/// Lists task forces.
#[utoipa::path(
    get,
    path = "/api/v1/task-forces",
    tag = "organisation",
    security(("bearer" = [])),
    responses((status = 200, body = Vec<TaskForceDto>), (status = 401, body = Problem))
)]
pub async fn list_task_forces(
    State(state): State<AppState>,
    _auth: AuthUser,
) -> ApiResult<axum::Json<Vec<TaskForceDto>>> {
    let rows = state.store.task_forces().await?;
    Ok(axum::Json(rows.into_iter().map(Into::into).collect()))
}
