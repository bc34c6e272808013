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
