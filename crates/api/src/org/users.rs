//! `POST/GET /api/v1/users`.

use axum::extract::State;
use axum::http::StatusCode;
use gridline_app::org::{self, NewUserInput};
use gridline_app::people::{self, HandedOver, UserPatch, Versioned};
use gridline_domain::{Role, UserId};
use serde::{Deserialize, Serialize};
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

/// Edits a user (admins only): only the fields given change; `null` clears an optional one.
/// A new role, department or grid is refused while the user holds open tickets or grid
/// seats (409 `handover_needed`, listing them); a new role signs them out everywhere.
#[utoipa::path(
    patch,
    path = "/api/v1/users/{id}",
    tag = "organisation",
    security(("bearer" = [])),
    params(("id" = i64, Path)),
    request_body = UserPatch,
    responses(
        (status = 200, body = UserDto),
        (status = 403, body = Problem),
        (status = 404, body = Problem),
        (status = 409, description = "stale_version, handover_needed or own_role", body = Problem),
        (status = 422, body = Problem),
    )
)]
pub async fn update_user(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<i64>,
    Json(req): Json<UserPatch>,
) -> ApiResult<axum::Json<UserDto>> {
    Ok(axum::Json(
        people::edit_user(&state, &auth, UserId(id), req).await?,
    ))
}

/// Deactivates a user (admins only): they cannot sign in and every token of theirs is
/// refused; their name stays in every history. Refused while they hold open tickets or grid
/// seats (409 `handover_needed`, listing them).
#[utoipa::path(
    post,
    path = "/api/v1/users/{id}/deactivate",
    tag = "organisation",
    security(("bearer" = [])),
    params(("id" = i64, Path)),
    request_body = Versioned,
    responses(
        (status = 200, body = UserDto),
        (status = 403, body = Problem),
        (status = 404, body = Problem),
        (status = 409, description = "stale_version, handover_needed or own_account", body = Problem),
    )
)]
pub async fn deactivate_user(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<i64>,
    Json(req): Json<Versioned>,
) -> ApiResult<axum::Json<UserDto>> {
    Ok(axum::Json(
        people::set_active(&state, &auth, UserId(id), req.expected_version, false).await?,
    ))
}

/// Reactivates a user (admins only).
#[utoipa::path(
    post,
    path = "/api/v1/users/{id}/reactivate",
    tag = "organisation",
    security(("bearer" = [])),
    params(("id" = i64, Path)),
    request_body = Versioned,
    responses(
        (status = 200, body = UserDto),
        (status = 403, body = Problem),
        (status = 404, body = Problem),
        (status = 409, description = "stale_version", body = Problem),
    )
)]
pub async fn reactivate_user(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<i64>,
    Json(req): Json<Versioned>,
) -> ApiResult<axum::Json<UserDto>> {
    Ok(axum::Json(
        people::set_active(&state, &auth, UserId(id), req.expected_version, true).await?,
    ))
}

/// What a user holds that must be handed over before they leave their post (admins only).
#[utoipa::path(
    get,
    path = "/api/v1/users/{id}/holdings",
    tag = "organisation",
    security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses(
        (status = 200, body = HoldingsDto),
        (status = 403, body = Problem),
        (status = 404, body = Problem),
    )
)]
pub async fn user_holdings(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<HoldingsDto>> {
    let h = people::holdings(&state, &auth, UserId(id)).await?;
    Ok(axum::Json(HoldingsDto::from(h)))
}

/// A temporary password an administrator sets.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetPassword {
    /// 10 to 128 characters, not among the most common passwords; the user must replace it
    /// at their next sign-in.
    pub password: String,
}

impl std::fmt::Debug for ResetPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ResetPassword { *** }")
    }
}

/// Resets a user's password (admins only): they are signed out everywhere and must choose
/// a new password at their next sign-in.
#[utoipa::path(
    post,
    path = "/api/v1/users/{id}/password",
    tag = "organisation",
    security(("bearer" = [])),
    params(("id" = i64, Path)),
    request_body = ResetPassword,
    responses(
        (status = 204, description = "reset"),
        (status = 403, body = Problem),
        (status = 404, body = Problem),
        (status = 422, body = Problem),
    )
)]
pub async fn reset_password(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<i64>,
    Json(req): Json<ResetPassword>,
) -> ApiResult<StatusCode> {
    people::reset_password(&state, &auth, UserId(id), &req.password).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// An open ticket someone holds.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct HeldTicketDto {
    pub id: i64,
    pub number: String,
}

/// A grid seat someone holds.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct HeldSeatDto {
    pub grid_id: i64,
    pub grid: String,
    /// linked_leader | head | liaison
    pub seat: String,
}

/// What a person holds that must be handed over before they leave their post.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct HoldingsDto {
    /// Open tickets they are the responsible person of.
    pub responsible: Vec<HeldTicketDto>,
    /// Open tickets they track.
    pub tracking: Vec<HeldTicketDto>,
    /// Seats of grids' five-ones.
    pub seats: Vec<HeldSeatDto>,
}

impl From<gridline_domain::handover::Holdings> for HoldingsDto {
    fn from(h: gridline_domain::handover::Holdings) -> Self {
        let tickets = |ts: Vec<gridline_domain::handover::HeldTicket>| {
            ts.into_iter()
                .map(|t| HeldTicketDto {
                    id: t.id.0,
                    number: t.number,
                })
                .collect()
        };
        Self {
            responsible: tickets(h.responsible),
            tracking: tickets(h.tracking),
            seats: h
                .seats
                .into_iter()
                .map(|s| HeldSeatDto {
                    grid_id: s.grid_id.0,
                    grid: s.grid,
                    seat: serde_json::to_value(s.seat)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default(),
                })
                .collect(),
        }
    }
}

/// A bulk handover: who takes over, and why.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HandoverRequest {
    /// The colleague: an officer of the same department (for tickets someone is responsible
    /// for) or a tracker (for tickets someone tracks).
    pub to_user_id: i64,
    pub reason: String,
}

/// Hands every open ticket the user holds to a colleague (admins only): one reassign event
/// per ticket, each mailed to the colleague, all or nothing.
#[utoipa::path(
    post,
    path = "/api/v1/users/{id}/handover",
    tag = "organisation",
    security(("bearer" = [])),
    params(("id" = i64, Path)),
    request_body = HandoverRequest,
    responses(
        (status = 200, body = HandedOver),
        (status = 403, body = Problem),
        (status = 404, body = Problem),
        (status = 422, description = "the colleague cannot take one of the tickets (none moved)", body = Problem),
    )
)]
pub async fn hand_over(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<i64>,
    Json(req): Json<HandoverRequest>,
) -> ApiResult<axum::Json<HandedOver>> {
    Ok(axum::Json(
        people::hand_over(
            &state,
            &auth,
            UserId(id),
            UserId(req.to_user_id),
            &req.reason,
        )
        .await?,
    ))
}
