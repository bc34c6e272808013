//! `POST/GET /api/v1/departments`.

use axum::extract::State;
use axum::http::StatusCode;

use gridline_app::org::{self, NewDepartmentInput};

use gridline_app::org::Department as DepartmentDto;

use crate::auth::AuthUser;
use crate::error::{ApiResult, Problem};
use crate::extract::Json;
use gridline_app::AppState;

/// Creates a department (admins only).
#[utoipa::path(
    post,
    path = "/api/v1/departments",
    tag = "organisation",
    security(("bearer" = [])),
    request_body = NewDepartmentInput,
    responses((status = 201, body = DepartmentDto), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem))
)]
pub async fn create_department(
    State(state): State<AppState>,
    auth: AuthUser,
    Json(req): Json<NewDepartmentInput>,
) -> ApiResult<(StatusCode, axum::Json<DepartmentDto>)> {
    let row = org::create_department(&state, &auth, req).await?;
    Ok((StatusCode::CREATED, axum::Json(row)))
}

/// Lists departments.
#[utoipa::path(
    get,
    path = "/api/v1/departments",
    tag = "organisation",
    security(("bearer" = [])),
    responses((status = 200, body = Vec<DepartmentDto>), (status = 401, body = Problem))
)]
pub async fn list_departments(
    State(state): State<AppState>,
    _auth: AuthUser,
) -> ApiResult<axum::Json<Vec<DepartmentDto>>> {
    Ok(axum::Json(org::departments(&state).await?))
}

/// Edits a department (admins only): name, mailbox, or `active: false` to deactivate it
/// (refused while it is responsible for open tickets: 422 `department_in_use`).
#[utoipa::path(
    patch,
    path = "/api/v1/departments/{id}",
    tag = "organisation",
    security(("bearer" = [])),
    params(("id" = i64, Path)),
    request_body = org::DepartmentPatch,
    responses(
        (status = 200, body = DepartmentDto),
        (status = 403, body = Problem),
        (status = 404, body = Problem),
        (status = 409, description = "stale_version", body = Problem),
        (status = 422, body = Problem),
    )
)]
pub async fn update_department(
    State(state): State<AppState>,
    auth: AuthUser,
    crate::extract::Path(id): crate::extract::Path<i64>,
    Json(req): Json<org::DepartmentPatch>,
) -> ApiResult<axum::Json<DepartmentDto>> {
    Ok(axum::Json(
        org::edit_department(&state, &auth, gridline_domain::DepartmentId(id), req).await?,
    ))
}
