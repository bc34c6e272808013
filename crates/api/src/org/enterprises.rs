//! `POST/GET /api/v1/enterprises`.

use axum::extract::State;
use axum::http::StatusCode;
use gridline_domain::text::SearchText;
use gridline_domain::{EnterpriseId, GridId};
use serde::Deserialize;
use utoipa::IntoParams;

use gridline_app::org::{self, EnterpriseFilter, NewEnterpriseInput};

use gridline_app::org::Enterprise as EnterpriseDto;

use crate::auth::AuthUser;
use crate::error::{ApiResult, Problem};
use crate::extract::{Json, Path, Query};
use gridline_app::AppState;

/// Creates an enterprise (admins only). A bad credit code is a 422 naming the rule.
#[utoipa::path(
    post,
    path = "/api/v1/enterprises",
    tag = "organisation",
    security(("bearer" = [])),
    request_body = NewEnterpriseInput,
    responses(
        (status = 201, body = EnterpriseDto),
        (status = 403, body = Problem),
        (status = 409, description = "credit code already registered", body = Problem),
        (status = 422, description = "credit_code.length | credit_code.charset | credit_code.region | credit_code.check, and others", body = Problem),
    )
)]
pub async fn create_enterprise(
    State(state): State<AppState>,
    auth: AuthUser,
    Json(req): Json<NewEnterpriseInput>,
) -> ApiResult<(StatusCode, axum::Json<EnterpriseDto>)> {
    let row = org::create_enterprise(&state, &auth, req).await?;
    Ok((StatusCode::CREATED, axum::Json(row)))
}

/// Filters for the enterprise list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct EnterpriseQuery {
    pub grid_id: Option<i64>,
    /// Substring of the name, or the start of the credit code.
    pub q: Option<String>,
    /// electronic_information | food_beverage_water | machinery_moulds | other
    pub cluster: Option<String>,
    /// 规上企业 only (`true`) or the others (`false`).
    pub above_size: Option<bool>,
    /// Deactivated enterprises too (default: only active ones).
    pub include_inactive: Option<bool>,
    /// Only ids after this one (the next page: the last id seen).
    pub after: Option<i64>,
    /// At most this many (1–500, default 100).
    pub limit: Option<u64>,
}

/// Lists enterprises.
#[utoipa::path(
    get,
    path = "/api/v1/enterprises",
    tag = "organisation",
    security(("bearer" = [])),
    params(EnterpriseQuery),
    responses((status = 200, body = Vec<EnterpriseDto>), (status = 401, body = Problem))
)]
pub async fn list_enterprises(
    State(state): State<AppState>,
    _auth: AuthUser,
    Query(q): Query<EnterpriseQuery>,
) -> ApiResult<axum::Json<Vec<EnterpriseDto>>> {
    let filter = EnterpriseFilter {
        grid_id: q.grid_id.map(GridId),
        q: SearchText::parse_opt(q.q.as_deref())?,
        cluster: org::cluster_param(q.cluster.as_deref())?,
        above_size: q.above_size,
        include_inactive: q.include_inactive.unwrap_or(false),
        after_id: q.after,
    };
    Ok(axum::Json(
        org::enterprises(&state, &filter, q.limit.unwrap_or(100)).await?,
    ))
}

/// One enterprise.
#[utoipa::path(
    get,
    path = "/api/v1/enterprises/{id}",
    tag = "organisation",
    security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = EnterpriseDto), (status = 404, body = Problem))
)]
pub async fn get_enterprise(
    State(state): State<AppState>,
    _auth: AuthUser,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<EnterpriseDto>> {
    Ok(axum::Json(org::enterprise(&state, EnterpriseId(id)).await?))
}
