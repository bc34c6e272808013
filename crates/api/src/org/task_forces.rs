//! `POST/GET /api/v1/task-forces`.

use axum::extract::State;
use axum::http::StatusCode;

use gridline_app::org::{self, NewTaskForceInput};

use gridline_app::org::TaskForce as TaskForceDto;

use crate::auth::AuthUser;
use crate::error::{ApiResult, Problem};
use crate::extract::Json;
use gridline_app::AppState;

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
    Ok((StatusCode::CREATED, axum::Json(row)))
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
    Ok(axum::Json(org::task_forces(&state).await?))
}

/// Edits a task force (admins only): name, description, or `active: false` to deactivate
/// it (refused while it coordinates open tickets or serves a grid: 422 `task_force_in_use`).
#[utoipa::path(
    patch,
    path = "/api/v1/task-forces/{id}",
    tag = "organisation",
    security(("bearer" = [])),
    params(("id" = i64, Path)),
    request_body = org::TaskForcePatch,
    responses(
        (status = 200, body = TaskForceDto),
        (status = 403, body = Problem),
        (status = 404, body = Problem),
        (status = 409, description = "stale_version", body = Problem),
        (status = 422, body = Problem),
    )
)]
pub async fn update_task_force(
    State(state): State<AppState>,
    auth: AuthUser,
    crate::extract::Path(id): crate::extract::Path<i64>,
    Json(req): Json<org::TaskForcePatch>,
) -> ApiResult<axum::Json<TaskForceDto>> {
    Ok(axum::Json(
        org::edit_task_force(&state, &auth, gridline_domain::TaskForceId(id), req).await?,
    ))
}
