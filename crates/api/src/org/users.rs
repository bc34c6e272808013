//! `POST/GET /api/v1/users`.

use axum::extract::State;
use axum::http::StatusCode;
use gridline_app::org::{self, NewUserInput};
use gridline_domain::Role;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use gridline_app::Caller;
use gridline_app::directory::Person;

use crate::auth::AuthUser;
use crate::error::{ApiResult, Problem};
use crate::extract::{Json, Path, Query};
use gridline_app::AppState;

/// A user as shown (never the password hash).
#[derive(Debug, Serialize, ToSchema)]
pub struct UserDto {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    /// admin | dispatcher | liaison | department_officer | task_force_member | tracker | leader
    pub role: String,
    /// Shown to administrators and to the user themselves; `null` for everyone else.
    pub email: Option<String>,
    pub department_id: Option<i64>,
    pub grid_id: Option<i64>,
    pub task_force_id: Option<i64>,
    pub top_leader: bool,
    /// A dispatcher of the service centre: dispatches for every grid.
    pub service_centre: bool,
    pub active: bool,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

impl UserDto {
    /// The user as `viewer` may see them: addresses are for administrators (who manage
    /// them) and for the user themselves, not a directory for everyone signed in.
    pub fn seen_by(p: Person, viewer: &Caller) -> Self {
        let shows_email = viewer.actor.role() == Role::Admin || viewer.user.id == p.id;
        let mut dto = Self::from(p);
        if !shows_email {
            dto.email = None;
        }
        dto
    }
}

impl From<Person> for UserDto {
    fn from(u: Person) -> Self {
        Self {
            id: u.id,
            username: u.username,
            display_name: u.display_name,
            role: u.role,
            email: u.email,
            department_id: u.department_id,
            grid_id: u.grid_id,
            task_force_id: u.task_force_id,
            top_leader: u.top_leader,
            service_centre: u.service_centre,
            active: u.active,
            created_at: u.created_at,
        }
    }
}

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
    Ok((StatusCode::CREATED, axum::Json(UserDto::from(row))))
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
        people
            .into_iter()
            .map(|p| UserDto::seen_by(p, &auth))
            .collect(),
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
    Ok(axum::Json(UserDto::seen_by(person, &auth)))
}
