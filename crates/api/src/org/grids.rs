//! `POST/GET /api/v1/grids`: grids with their five-ones (五个一).

use axum::extract::State;
use axum::http::StatusCode;
use gridline_domain::GridId;

use gridline_app::org::{self, NewGridInput};

use gridline_app::org::Grid as GridDto;

use crate::auth::AuthUser;
use crate::error::{ApiResult, Problem};
use crate::extract::{Json, Path};
use gridline_app::AppState;

/// Creates a grid (admins only). The head and the liaison are attached to it.
#[utoipa::path(
    post,
    path = "/api/v1/grids",
    tag = "organisation",
    security(("bearer" = [])),
    request_body = NewGridInput,
    responses((status = 201, body = GridDto), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem))
)]
pub async fn create_grid(
    State(state): State<AppState>,
    auth: AuthUser,
    Json(req): Json<NewGridInput>,
) -> ApiResult<(StatusCode, axum::Json<GridDto>)> {
    let row = org::create_grid(&state, &auth, req).await?;
    Ok((StatusCode::CREATED, axum::Json(row)))
}

/// Lists grids.
#[utoipa::path(
    get,
    path = "/api/v1/grids",
    tag = "organisation",
    security(("bearer" = [])),
    responses((status = 200, body = Vec<GridDto>), (status = 401, body = Problem))
)]
pub async fn list_grids(
    State(state): State<AppState>,
    _auth: AuthUser,
) -> ApiResult<axum::Json<Vec<GridDto>>> {
    Ok(axum::Json(org::grids(&state).await?))
}

/// One grid.
#[utoipa::path(
    get,
    path = "/api/v1/grids/{id}",
    tag = "organisation",
    security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = GridDto), (status = 404, body = Problem))
)]
pub async fn get_grid(
    State(state): State<AppState>,
    _auth: AuthUser,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<GridDto>> {
    Ok(axum::Json(org::grid(&state, GridId(id)).await?))
}

/// Edits a grid (admins only): any of the five-ones, checked as at creation, and the team.
/// A seat that changes hands is kept in the grid's seat history.
#[utoipa::path(
    patch,
    path = "/api/v1/grids/{id}",
    tag = "organisation",
    security(("bearer" = [])),
    params(("id" = i64, Path)),
    request_body = org::GridPatch,
    responses(
        (status = 200, body = GridDto),
        (status = 403, body = Problem),
        (status = 404, body = Problem),
        (status = 409, description = "stale_version", body = Problem),
        (status = 422, body = Problem),
    )
)]
pub async fn update_grid(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<i64>,
    Json(req): Json<org::GridPatch>,
) -> ApiResult<axum::Json<GridDto>> {
    Ok(axum::Json(
        org::edit_grid(&state, &auth, GridId(id), req).await?,
    ))
}

/// Who held the grid's seats, and its team.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct GridHistory {
    /// Every seat holder, oldest first (`to` is null while held).
    pub seats: Vec<org::SeatHeld>,
    /// The service team's members.
    pub team_member_ids: Vec<i64>,
}

/// A grid's seat history and team.
#[utoipa::path(
    get,
    path = "/api/v1/grids/{id}/seats",
    tag = "organisation",
    security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = GridHistory), (status = 404, body = Problem))
)]
pub async fn grid_seats(
    State(state): State<AppState>,
    _auth: AuthUser,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<GridHistory>> {
    let (seats, team_member_ids) = org::grid_history(&state, GridId(id)).await?;
    Ok(axum::Json(GridHistory {
        seats,
        team_member_ids,
    }))
}
