//! `POST/GET /api/v1/users`.

use axum::extract::State;
use axum::http::StatusCode;
use gridline_app::org::{self, NewUserInput};
use gridline_domain::Role;
use serde::Deserialize;
use utoipa::IntoParams;

pub use gridline_app::directory::Person as UserDto;

use crate::auth::AuthUser;
use crate::error::{ApiResult, Problem};
use crate::extract::{Json, Path, Query};
use gridline_app::AppState;

/// Creates a user (admins only).
#[utoipa::path(
    post,
    path = "/api/v1/users",
    tag = "organisation",
    security(("bearer" = [])),
    request_body = NewUserInput,
    responses(
        (status = 201, body = UserDto),
        (status = 403, body = Problem),
        (status = 409, description = "username taken", body = Problem),
        (status = 422, body = Problem),
    )
)]
pub async fn create_user(
    State(state): State<AppState>,
    auth: AuthUser,
    Json(req): Json<NewUserInput>,
) -> ApiResult<(StatusCode, axum::Json<UserDto>)> {
    let row = org::create_user(&state, &auth, req).await?;
    Ok((StatusCode::CREATED, axum::Json(row)))
}

/// Filters for the user list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct UserQuery {
    /// Only users of this role.
    #[param(value_type = Option<String>)]
    pub role: Option<Role>,
}

/// Lists users.
#[utoipa::path(
    get,
    path = "/api/v1/users",
    tag = "organisation",
    security(("bearer" = [])),
    params(UserQuery),
    responses((status = 200, body = Vec<UserDto>), (status = 401, body = Problem))
)]
pub async fn list_users(
    State(state): State<AppState>,
    auth: AuthUser,
    Query(q): Query<UserQuery>,
) -> ApiResult<axum::Json<Vec<UserDto>>> {
    let people = org::people(&state, q.role).await?;
    Ok(axum::Json(
        people.into_iter().map(|p| p.seen_by(&auth)).collect(),
    ))
}

/// One user.
#[utoipa::path(
    get,
    path = "/api/v1/users/{id}",
    tag = "organisation",
    security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = UserDto), (status = 404, body = Problem))
)]
pub async fn get_user(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<UserDto>> {
    let person = org::person(&state, gridline_domain::UserId(id)).await?;
    Ok(axum::Json(person.seen_by(&auth)))
}
