//! `POST/GET /api/v1/task-forces`.

use axum::extract::State;
use axum::http::StatusCode;
use gridline_store::entity::task_forces;
use gridline_store::from_ms;
use serde::Serialize;
use utoipa::ToSchema;

use gridline_app::org::{self, NewTaskForceInput};

use crate::auth::AuthUser;
use crate::error::{ApiResult, Problem};
use crate::extract::Json;
use gridline_app::AppState;

/// A task force (专班).
#[derive(Debug, Serialize, ToSchema)]
pub struct TaskForceDto {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

impl TryFrom<task_forces::Model> for TaskForceDto {
    type Error = gridline_store::StoreError;

    fn try_from(t: task_forces::Model) -> Result<Self, Self::Error> {
        Ok(Self {
            id: t.id,
            name: t.name,
            description: t.description,
            created_at: from_ms(t.created_at)?,
        })
    }
}

/// Creates a task force (admins only).
#[utoipa::path(
    post,
    path = "/api/v1/task-forces",
    tag = "organisation",
    security(("bearer" = [])),
    request_body = NewTaskForceInput,
    responses((status = 201, body = TaskForceDto), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem))
)]
pub async fn create_task_force(
    State(state): State<AppState>,
    auth: AuthUser,
    Json(req): Json<NewTaskForceInput>,
) -> ApiResult<(StatusCode, axum::Json<TaskForceDto>)> {
    let row = org::create_task_force(&state, &auth, req).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(TaskForceDto::try_from(row)?),
    ))
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
    Ok(axum::Json(
        rows.into_iter()
            .map(TaskForceDto::try_from)
            .collect::<Result<Vec<_>, _>>()?,
    ))
}
