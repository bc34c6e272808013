//! `POST/GET /api/v1/grids`: grids with their five-ones (五个一).

use axum::extract::State;
use axum::http::StatusCode;
use gridline_domain::GridId;
use gridline_store::entity::grids;
use gridline_store::from_ms;
use serde::Serialize;
use utoipa::ToSchema;

use gridline_app::org::{self, NewGridInput};

use crate::auth::AuthUser;
use crate::error::{ApiResult, Problem};
use crate::extract::{Json, Path};
use gridline_app::AppState;

/// A grid and its five-ones.
#[derive(Debug, Serialize, ToSchema)]
pub struct GridDto {
    pub id: i64,
    pub name: String,
    /// 网格挂钩领导
    pub linked_leader_id: i64,
    /// 网格负责人 (dispatches the grid's tickets)
    pub head_id: i64,
    /// 网格服务专班
    pub task_force_id: i64,
    /// 联络员
    pub liaison_id: i64,
    /// 一支队伍
    pub team: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

impl TryFrom<grids::Model> for GridDto {
    type Error = gridline_store::StoreError;

    fn try_from(g: grids::Model) -> Result<Self, Self::Error> {
        Ok(Self {
            id: g.id,
            name: g.name,
            linked_leader_id: g.linked_leader_id,
            head_id: g.head_id,
            task_force_id: g.task_force_id,
            liaison_id: g.liaison_id,
            team: g.team,
            created_at: from_ms(g.created_at)?,
        })
    }
}

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
    Ok((StatusCode::CREATED, axum::Json(GridDto::try_from(row)?)))
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
    let rows = state.store.grids().await?;
    Ok(axum::Json(
        rows.into_iter()
            .map(GridDto::try_from)
            .collect::<Result<Vec<_>, _>>()?,
    ))
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
    let row = state.store.grid(GridId(id)).await?;
    Ok(axum::Json(GridDto::try_from(row)?))
}
