//! `POST/GET /api/v1/departments`.

use axum::extract::State;
use axum::http::StatusCode;
use gridline_store::entity::departments;
use gridline_store::from_ms;
use serde::Serialize;
use utoipa::ToSchema;

use gridline_app::org::{self, NewDepartmentInput};

use crate::auth::AuthUser;
use crate::error::{ApiResult, Problem};
use crate::extract::Json;
use gridline_app::AppState;

/// A department (责任部门).
#[derive(Debug, Serialize, ToSchema)]
pub struct DepartmentDto {
    pub id: i64,
    pub name: String,
    /// The department's shared mailbox.
    pub email: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

impl TryFrom<departments::Model> for DepartmentDto {
    type Error = gridline_store::StoreError;

    fn try_from(d: departments::Model) -> Result<Self, Self::Error> {
        Ok(Self {
            id: d.id,
            name: d.name,
            email: d.email,
            created_at: from_ms(d.created_at)?,
        })
    }
}

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
    Ok((
        StatusCode::CREATED,
        axum::Json(DepartmentDto::try_from(row)?),
    ))
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
    let rows = state.store.departments().await?;
    Ok(axum::Json(
        rows.into_iter()
            .map(DepartmentDto::try_from)
            .collect::<Result<Vec<_>, _>>()?,
    ))
}
