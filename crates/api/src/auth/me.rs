//! `GET /api/v1/me`: who the token speaks for.

use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::AnyAuthUser;
use crate::error::Problem;
use crate::org::users::UserDto;

/// The caller, with the grids they are the linked leader of.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeResponse {
    #[serde(flatten)]
    pub user: UserDto,
    /// The role's Chinese name.
    pub role_label: &'static str,
    pub linked_grid_ids: Vec<i64>,
}

/// The current user.
#[utoipa::path(
    get,
    path = "/api/v1/me",
    tag = "auth",
    security(("bearer" = [])),
    responses((status = 200, body = MeResponse), (status = 401, body = Problem))
)]
pub async fn me(auth: AnyAuthUser) -> axum::Json<MeResponse> {
    axum::Json(MeResponse {
        role_label: auth.actor.role().label_zh(),
        linked_grid_ids: auth.actor.linked_grids.iter().map(|g| g.0).collect(),
        user: auth.0.user,
    })
}
