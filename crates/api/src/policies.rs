//! `/api/v1/policies` and `/api/v1/deliveries`: the policy catalogue, publishing, the
//! delivery tasks (送政策上门) and their figures.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, NaiveDate, Utc};
use gridline_app::AppState;
use gridline_app::policies::{self, Delivery, DeliveryInput, DeliveryQuery, Policy, PolicyInput};
use gridline_domain::policy::DeliveryStats;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::AuthUser;
use crate::error::{ApiResult, Problem};
use crate::extract::{Json, Path, Query};

/// A policy of the catalogue.
#[derive(Debug, Serialize, ToSchema)]
pub struct PolicyDto {
    pub id: i64,
    pub title: String,
    pub issuer: String,
    pub doc_number: String,
    pub summary: String,
    pub link: Option<String>,
    #[schema(value_type = String)]
    pub valid_from: NaiveDate,
    #[schema(value_type = Option<String>)]
    pub valid_to: Option<NaiveDate>,
    #[schema(value_type = Option<String>)]
    pub apply_by: Option<NaiveDate>,
    #[schema(value_type = Object)]
    pub targeting: serde_json::Value,
    /// When its deliveries are due.
    pub due_at: DateTime<Utc>,
    pub published_by: i64,
    pub published_at: DateTime<Utc>,
}

impl From<&Policy> for PolicyDto {
    fn from(p: &Policy) -> Self {
        PolicyDto {
            id: p.id,
            title: p.title.clone(),
            issuer: p.issuer.clone(),
            doc_number: p.doc_number.clone(),
            summary: p.summary.clone(),
            link: p.link.clone(),
            valid_from: p.valid_from,
            valid_to: p.valid_to,
            apply_by: p.apply_by,
            targeting: serde_json::to_value(&p.targeting).unwrap_or_default(),
            due_at: p.due_at,
            published_by: p.published_by.0,
            published_at: p.published_at,
        }
    }
}

/// Delivery figures.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatsDto {
    pub targeted: u64,
    pub delivered: u64,
    pub interested: u64,
    pub will_apply: u64,
    /// Not delivered and past due.
    pub overdue: u64,
    /// delivered ÷ targeted.
    pub rate: Option<f64>,
}

impl From<&DeliveryStats> for StatsDto {
    fn from(s: &DeliveryStats) -> Self {
        StatsDto {
            targeted: s.targeted,
            delivered: s.delivered,
            interested: s.interested,
            will_apply: s.will_apply,
            overdue: s.overdue,
            rate: s.rate(),
        }
    }
}

/// One grid's figures.
#[derive(Debug, Serialize, ToSchema)]
pub struct GridStatsDto {
    pub grid_id: i64,
    #[serde(flatten)]
    pub stats: StatsDto,
}

/// A policy with its delivery figures (per grid the caller sees, and in all).
#[derive(Debug, Serialize, ToSchema)]
pub struct PolicyDetail {
    pub policy: PolicyDto,
    pub total: StatsDto,
    pub grids: Vec<GridStatsDto>,
}

/// Publishes a policy: a delivery task per targeted enterprise for its grid's liaison.
#[utoipa::path(
    post,
    path = "/api/v1/policies",
    tag = "policies",
    security(("bearer" = [])),
    request_body = PolicyInput,
    responses(
        (status = 201, body = PolicyDto),
        (status = 403, description = "publishers_only", body = Problem),
        (status = 422, description = "targeting.no_targets | valid_to.before_valid_from | apply_by.outside_validity | link.format, and others", body = Problem),
    )
)]
pub async fn publish_policy(
    State(state): State<AppState>,
    auth: AuthUser,
    Json(req): Json<PolicyInput>,
) -> ApiResult<(StatusCode, axum::Json<PolicyDto>)> {
    let p = policies::publish(&state, &auth, &req).await?;
    Ok((StatusCode::CREATED, axum::Json(PolicyDto::from(&p))))
}

/// Paging of the catalogue.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PolicyQuery {
    /// Only policies with a smaller id (the next page: the last id seen).
    pub before: Option<i64>,
    /// At most this many (1–200, default 50).
    pub limit: Option<u64>,
}

/// The catalogue, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/policies",
    tag = "policies",
    security(("bearer" = [])),
    params(PolicyQuery),
    responses((status = 200, body = Vec<PolicyDto>))
)]
pub async fn list_policies(
    State(state): State<AppState>,
    _auth: AuthUser,
    Query(q): Query<PolicyQuery>,
) -> ApiResult<axum::Json<Vec<PolicyDto>>> {
    let list = policies::list(&state, q.before, q.limit.unwrap_or(50)).await?;
    Ok(axum::Json(list.iter().map(PolicyDto::from).collect()))
}

/// One policy and its delivery figures.
#[utoipa::path(
    get,
    path = "/api/v1/policies/{id}",
    tag = "policies",
    security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = PolicyDetail), (status = 404, body = Problem))
)]
pub async fn get_policy(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<PolicyDetail>> {
    let p = policies::get(&state, id).await?;
    let (grids, total) = policies::stats(&state, &auth, Some(id)).await?;
    Ok(axum::Json(PolicyDetail {
        policy: PolicyDto::from(&p),
        total: StatsDto::from(&total),
        grids: grids
            .iter()
            .map(|(g, s)| GridStatsDto {
                grid_id: g.0,
                stats: StatsDto::from(s),
            })
            .collect(),
    }))
}

/// A delivery task.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryDto {
    pub id: i64,
    pub policy_id: i64,
    pub enterprise_id: i64,
    pub grid_id: i64,
    pub liaison_id: i64,
    pub due_at: DateTime<Utc>,
    /// Absent while pending.
    #[schema(value_type = Option<String>)]
    pub delivered_on: Option<NaiveDate>,
    pub channel: Option<String>,
    pub contact: Option<String>,
    pub answer: Option<String>,
    pub note: Option<String>,
    /// The ticket filed for the help to apply.
    pub ticket_id: Option<i64>,
}

impl From<&Delivery> for DeliveryDto {
    fn from(d: &Delivery) -> Self {
        DeliveryDto {
            id: d.id,
            policy_id: d.policy_id,
            enterprise_id: d.enterprise_id.0,
            grid_id: d.grid_id.0,
            liaison_id: d.liaison_id.0,
            due_at: d.due_at,
            delivered_on: d.delivered_on,
            channel: d.channel.map(|c| c.as_str().to_owned()),
            contact: d.contact.clone(),
            answer: d.answer.map(|a| a.as_str().to_owned()),
            note: d.note.clone(),
            ticket_id: d.ticket_id,
        }
    }
}

/// Filters of the delivery list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct DeliveryParams {
    pub policy_id: Option<i64>,
    pub enterprise_id: Option<i64>,
    /// Only those not yet delivered.
    pub pending: Option<bool>,
    /// Only ids after this one (the next page: the last id seen).
    pub after: Option<i64>,
    /// At most this many (1–500, default 100).
    pub limit: Option<u64>,
}

/// Delivery tasks in the grids the caller sees (every one for publishers), oldest first.
#[utoipa::path(
    get,
    path = "/api/v1/deliveries",
    tag = "policies",
    security(("bearer" = [])),
    params(DeliveryParams),
    responses((status = 200, body = Vec<DeliveryDto>))
)]
pub async fn list_deliveries(
    State(state): State<AppState>,
    auth: AuthUser,
    Query(q): Query<DeliveryParams>,
) -> ApiResult<axum::Json<Vec<DeliveryDto>>> {
    let list = policies::deliveries(
        &state,
        &auth,
        &DeliveryQuery {
            policy_id: q.policy_id,
            enterprise_id: q.enterprise_id,
            pending_only: q.pending.unwrap_or(false),
            after_id: q.after,
            limit: q.limit.unwrap_or(100),
        },
    )
    .await?;
    Ok(axum::Json(list.iter().map(DeliveryDto::from).collect()))
}

/// A recorded delivery and the ticket it filed, if any.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecordedDelivery {
    pub delivery: DeliveryDto,
    pub ticket_number: Option<String>,
}

/// Records a delivery (the grid's liaison, once); `will_apply` may file a `policy` ticket.
#[utoipa::path(
    post,
    path = "/api/v1/deliveries/{id}",
    tag = "policies",
    security(("bearer" = [])),
    params(("id" = i64, Path)),
    request_body = DeliveryInput,
    responses(
        (status = 200, body = RecordedDelivery),
        (status = 403, description = "liaisons_only", body = Problem),
        (status = 404, body = Problem),
        (status = 409, description = "already_delivered", body = Problem),
        (status = 422, body = Problem),
    )
)]
pub async fn record_delivery(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<i64>,
    Json(req): Json<DeliveryInput>,
) -> ApiResult<axum::Json<RecordedDelivery>> {
    let (d, t) = policies::record(&state, &auth, id, &req).await?;
    Ok(axum::Json(RecordedDelivery {
        delivery: DeliveryDto::from(&d),
        ticket_number: t.map(|t| t.number),
    }))
}

/// A policy's deliveries (the caller's grids) as .xlsx.
#[utoipa::path(
    get,
    path = "/api/v1/policies/{id}/export",
    tag = "policies",
    security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, description = "the workbook", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>), (status = 404, body = Problem))
)]
pub async fn export_deliveries(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    let bytes = policies::export(&state, &auth, id).await?;
    Ok(crate::org::register::workbook(
        &format!("policy-{id}-deliveries.xlsx"),
        bytes,
    ))
}
