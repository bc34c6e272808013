//! `POST/GET /api/v1/enterprises`.

use axum::extract::State;
use axum::http::StatusCode;
use gridline_domain::text::SearchText;
use gridline_domain::{EnterpriseId, GridId};
use gridline_store::entity::enterprises;
use gridline_store::from_ms;
use gridline_store::org::EnterpriseFilter;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use gridline_app::org::{self, NewEnterpriseInput};

use crate::auth::AuthUser;
use crate::error::{ApiResult, Problem};
use crate::extract::{Json, Path, Query};
use gridline_app::AppState;

/// An enterprise (企业).
#[derive(Debug, Serialize, ToSchema)]
pub struct EnterpriseDto {
    pub id: i64,
    pub name: String,
    /// 统一社会信用代码 (GB 32100-2015).
    pub credit_code: String,
    /// electronic_information | food_beverage_water | machinery_moulds | other
    pub cluster: String,
    pub grid_id: i64,
    /// 规上企业: above designated size.
    pub above_size: bool,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

impl TryFrom<enterprises::Model> for EnterpriseDto {
    type Error = gridline_store::StoreError;

    fn try_from(e: enterprises::Model) -> Result<Self, Self::Error> {
        Ok(Self {
            id: e.id,
            name: e.name,
            credit_code: e.credit_code,
            cluster: e.cluster,
            grid_id: e.grid_id,
            above_size: e.above_size,
            created_at: from_ms(e.created_at)?,
        })
    }
}

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
    Ok((
        StatusCode::CREATED,
        axum::Json(EnterpriseDto::try_from(row)?),
    ))
}

/// Filters for the enterprise list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct EnterpriseQuery {
    pub grid_id: Option<i64>,
    /// Substring of the name, or the start of the credit code.
    pub q: Option<String>,
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
    };
    let rows = state
        .store
        .enterprises(&filter, q.limit.unwrap_or(100).clamp(1, 500))
        .await?;
    Ok(axum::Json(
        rows.into_iter()
            .map(EnterpriseDto::try_from)
            .collect::<Result<Vec<_>, _>>()?,
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
    let row = state.store.enterprise(EnterpriseId(id)).await?;
    Ok(axum::Json(EnterpriseDto::try_from(row)?))
}
