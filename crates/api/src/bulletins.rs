//! `/api/v1/bulletins`: the circulated bulletin (通报) — each department's weighted score for a
//! period, the red and black lists (红黑榜) and the tickets named for chronic lateness,
//! frozen when published.

use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use gridline_app::AppState;
use gridline_app::appraisal;
use gridline_domain::appraisal::Bulletin;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::AuthUser;
use crate::error::{ApiResult, Problem};
use crate::extract::{Json, Path, Query};

/// A bulletin as published.
#[derive(Debug, Serialize, ToSchema)]
pub struct BulletinDto {
    /// `2026-11` (a month) or `2026-W47` (an ISO week).
    pub period: String,
    pub published_at: DateTime<Utc>,
    pub published_by: i64,
    /// Each department's score, best first: `department_id`, `score` (0–100, the sum of its
    /// indicators' `points`), `active`, and `indicators` (`indicator`, `value` in [0, 1] or
    /// null when not applicable, `weight`, `points`).
    #[schema(value_type = Vec<Object>)]
    pub scores: serde_json::Value,
    /// 红榜: department ids, best first.
    pub red: Vec<i64>,
    /// 黑榜: department ids, worst first.
    pub black: Vec<i64>,
    /// Tickets overdue at the period's end by at least `named_threshold_days` working days
    /// (supervision's threshold plus `appraisal.named_after_days`), named (通报).
    #[schema(value_type = Vec<Object>)]
    pub named: serde_json::Value,
    pub named_threshold_days: i64,
    /// The period's numbers (the digest's) the scores come from.
    #[schema(value_type = Object)]
    pub stats: serde_json::Value,
}

impl From<Bulletin> for BulletinDto {
    fn from(b: Bulletin) -> Self {
        Self {
            period: b.period,
            published_at: b.published_at,
            published_by: b.published_by.0,
            scores: serde_json::to_value(&b.scores).unwrap_or_default(),
            red: b.red.iter().map(|d| d.0).collect(),
            black: b.black.iter().map(|d| d.0).collect(),
            named: serde_json::to_value(&b.named).unwrap_or_default(),
            named_threshold_days: b.named_threshold_days,
            stats: serde_json::to_value(&b.stats).unwrap_or_default(),
        }
    }
}

/// A bulletin in the list.
#[derive(Debug, Serialize, ToSchema)]
pub struct BulletinItem {
    pub period: String,
    pub published_at: DateTime<Utc>,
    pub published_by: i64,
}

/// What to publish.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublishRequest {
    /// `2026-11` or `2026-W47`; the period must have ended.
    pub period: String,
}

/// Publishes the bulletin of an ended period (top leaders and the service centre): computed
/// over the whole zone, frozen, and mailed to every department and leader. Once per period.
#[utoipa::path(
    post,
    path = "/api/v1/bulletins",
    tag = "bulletins",
    security(("bearer" = [])),
    request_body = PublishRequest,
    responses(
        (status = 201, body = BulletinDto),
        (status = 403, description = "publishers_only", body = Problem),
        (status = 409, description = "already_published", body = Problem),
        (status = 422, description = "invalid_period | period_not_ended", body = Problem),
    )
)]
pub async fn publish_bulletin(
    State(state): State<AppState>,
    auth: AuthUser,
    Json(req): Json<PublishRequest>,
) -> ApiResult<(StatusCode, axum::Json<BulletinDto>)> {
    let b = appraisal::publish(&state, &auth, &req.period).await?;
    Ok((StatusCode::CREATED, axum::Json(b.into())))
}

/// The published bulletins, newest first (anyone signed in: bulletins are circulated).
#[utoipa::path(
    get,
    path = "/api/v1/bulletins",
    tag = "bulletins",
    security(("bearer" = [])),
    responses((status = 200, body = Vec<BulletinItem>))
)]
pub async fn list_bulletins(
    State(state): State<AppState>,
    auth: AuthUser,
) -> ApiResult<axum::Json<Vec<BulletinItem>>> {
    let rows = appraisal::list(&state, &auth).await?;
    Ok(axum::Json(
        rows.into_iter()
            .map(|r| BulletinItem {
                period: r.period,
                published_at: r.published_at,
                published_by: r.published_by,
            })
            .collect(),
    ))
}

/// A published bulletin, exactly as published (later changes to tickets never reach it).
#[utoipa::path(
    get,
    path = "/api/v1/bulletins/{period}",
    tag = "bulletins",
    security(("bearer" = [])),
    params(("period" = String, Path, description = "2026-11 or 2026-W47")),
    responses(
        (status = 200, body = BulletinDto),
        (status = 404, description = "not_found", body = Problem),
        (status = 422, description = "invalid_period", body = Problem),
    )
)]
pub async fn get_bulletin(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(period): Path<String>,
) -> ApiResult<axum::Json<BulletinDto>> {
    Ok(axum::Json(
        appraisal::get(&state, &auth, &period).await?.into(),
    ))
}

/// Which period's workload.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct WorkloadQuery {
    /// A recent month (`2026-11`) or ISO week (`2026-W47`); this month when absent.
    pub period: Option<String>,
}

/// One responsible person's workload and timeliness in the period.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonWorkload {
    pub person_id: i64,
    pub department_id: Option<i64>,
    /// Open and theirs at the period's end.
    pub held: u32,
    pub signed: u32,
    pub signed_on_time: u32,
    pub resolved: u32,
    pub resolved_on_time: u32,
    /// Mean working days from signing to resolution of those resolved in the period.
    pub avg_working_days: Option<f64>,
    /// Their tickets reopened (重办) in the period.
    pub reopenings: u32,
}

/// Per-person workload (个人工作量).
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkloadDto {
    pub period: String,
    /// A department head's own department; null for leaders and administrators.
    pub department_id: Option<i64>,
    /// Most held first.
    pub people: Vec<PersonWorkload>,
}

/// Per-person workload and timeliness: a department head sees the people of their own
/// department; leaders and administrators every responsible person of their scope. The
/// numbers are the digest's.
#[utoipa::path(
    get,
    path = "/api/v1/workload",
    tag = "bulletins",
    security(("bearer" = [])),
    params(WorkloadQuery),
    responses(
        (status = 200, body = WorkloadDto),
        (status = 403, description = "heads_only", body = Problem),
        (status = 422, description = "invalid_period", body = Problem),
    )
)]
pub async fn workload(
    State(state): State<AppState>,
    auth: AuthUser,
    Query(q): Query<WorkloadQuery>,
) -> ApiResult<axum::Json<WorkloadDto>> {
    let w = gridline_app::digest::workload(&state, &auth, q.period.as_deref()).await?;
    Ok(axum::Json(WorkloadDto {
        period: w.period.to_string(),
        department_id: w.department_id.map(|d| d.0),
        people: w
            .people
            .into_iter()
            .map(|p| PersonWorkload {
                person_id: p.person_id.0,
                department_id: p.department_id.map(|d| d.0),
                held: p.held,
                signed: p.signed,
                signed_on_time: p.signed_on_time,
                resolved: p.resolved,
                resolved_on_time: p.resolved_on_time,
                avg_working_days: p.avg_working_days,
                reopenings: p.reopenings,
            })
            .collect(),
    }))
}
