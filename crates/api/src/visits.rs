//! `/api/v1/visits`: visits (走访), their photos, coverage and the enterprises due a visit.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use gridline_app::tickets::{Idempotency, idempotency_for};
use gridline_app::visits::{
    self, DueEnterprise, ListQuery, NewVisitInput, Recorded, VisitView, cursor_of, parse_cursor,
};
use gridline_app::{AppError, AppState};
use gridline_domain::{EnterpriseId, GridId, Scope};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::AuthUser;
use crate::error::{ApiResult, Problem};
use crate::extract::{Json, Path, Query};

/// A recorded visit and the tickets filed with it.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecordedVisit {
    pub visit: VisitView,
    /// The tickets filed from the visit (numbers and ids).
    pub tickets: Vec<FiledTicket>,
}

/// A ticket filed from a visit.
#[derive(Debug, Serialize, ToSchema)]
pub struct FiledTicket {
    pub id: i64,
    pub number: String,
}

/// Records a visit; each problem in `problems` is filed as a ticket linked to it, in the
/// same transaction (all or nothing).
#[utoipa::path(
    post,
    path = "/api/v1/visits",
    tag = "visits",
    security(("bearer" = [])),
    request_body = NewVisitInput,
    params(("Idempotency-Key" = Option<String>, Header, description = "makes retries return the first visit")),
    responses(
        (status = 201, body = RecordedVisit),
        (status = 403, description = "only liaisons record visits", body = Problem),
        (status = 422, description = "visited_on.in_future | visited_on.too_old | topics.required | enterprise_id.outside_grid, and others", body = Problem),
    )
)]
pub async fn record_visit(
    State(state): State<AppState>,
    auth: AuthUser,
    headers: HeaderMap,
    Json(req): Json<NewVisitInput>,
) -> ApiResult<Response> {
    let idem: Option<Idempotency> = match headers.get("idempotency-key") {
        Some(raw) => {
            let body = serde_json::to_vec(&req).map_err(|e| AppError::internal(&e))?;
            Some(idempotency_for(raw.to_str().unwrap_or_default(), &[&body])?)
        }
        None => None,
    };
    let (visit, tickets, replayed) = match visits::record(&state, &auth, &req, &[], idem).await? {
        Recorded::New(v, t) => (v, t, false),
        Recorded::Replayed(v, t) => (v, t, true),
    };
    let filed = tickets
        .iter()
        .map(|t| FiledTicket {
            id: t.id.0,
            number: t.number.clone(),
        })
        .collect();
    let mut res = (
        StatusCode::CREATED,
        axum::Json(RecordedVisit {
            visit: VisitView::from(&visit),
            tickets: filed,
        }),
    )
        .into_response();
    if replayed {
        res.headers_mut()
            .insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    res.headers_mut().insert(
        "location",
        HeaderValue::from_str(&format!("/api/v1/visits/{}", visit.id))
            .map_err(|e| AppError::internal(&e))?,
    );
    Ok(res)
}

/// Filters of the visit list and export.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct VisitQuery {
    pub grid_id: Option<i64>,
    pub enterprise_id: Option<i64>,
    /// First day (`YYYY-MM-DD`), inclusive.
    #[param(value_type = Option<String>)]
    pub from: Option<NaiveDate>,
    /// Last day, inclusive.
    #[param(value_type = Option<String>)]
    pub to: Option<NaiveDate>,
    /// The `next` of the previous page.
    pub after: Option<String>,
    /// At most this many (1–500, default 100).
    pub limit: Option<u64>,
}

impl VisitQuery {
    fn to_query(&self) -> ApiResult<ListQuery> {
        Ok(ListQuery {
            grid_id: self.grid_id.map(GridId),
            enterprise_id: self.enterprise_id.map(EnterpriseId),
            from: self.from,
            to: self.to,
            after: self.after.as_deref().map(parse_cursor).transpose()?,
            limit: self.limit.unwrap_or(100),
        })
    }
}

/// One page of visits.
#[derive(Debug, Serialize, ToSchema)]
pub struct VisitPage {
    pub items: Vec<VisitView>,
    /// Pass as `after` for the next page; absent on the last.
    pub next: Option<String>,
}

/// Visits of the grids the caller sees, latest day first.
#[utoipa::path(
    get,
    path = "/api/v1/visits",
    tag = "visits",
    security(("bearer" = [])),
    params(VisitQuery),
    responses((status = 200, body = VisitPage), (status = 401, body = Problem))
)]
pub async fn list_visits(
    State(state): State<AppState>,
    auth: AuthUser,
    Query(q): Query<VisitQuery>,
) -> ApiResult<axum::Json<VisitPage>> {
    let query = q.to_query()?;
    let items = visits::list(&state, &auth, &query).await?;
    let full = items.len() as u64 == query.limit.clamp(1, 500);
    Ok(axum::Json(VisitPage {
        next: items.last().filter(|_| full).map(cursor_of),
        items: items.iter().map(VisitView::from).collect(),
    }))
}

/// One visit.
#[utoipa::path(
    get,
    path = "/api/v1/visits/{id}",
    tag = "visits",
    security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = VisitView), (status = 404, body = Problem))
)]
pub async fn get_visit(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<VisitView>> {
    Ok(axum::Json(VisitView::from(
        &visits::visible(&state, &auth, id).await?,
    )))
}

/// A photo of a visit.
#[utoipa::path(
    get,
    path = "/api/v1/visits/{id}/photos/{photo}",
    tag = "visits",
    security(("bearer" = [])),
    params(("id" = i64, Path), ("photo" = i64, Path)),
    responses(
        (status = 200, description = "the photo, with its own type", content(
            (Vec<u8> = "image/jpeg"),
            (Vec<u8> = "image/png"),
            (Vec<u8> = "image/webp"),
            (Vec<u8> = "image/heic"),
            (Vec<u8> = "application/pdf"),
        )),
        (status = 404, body = Problem),
    )
)]
pub async fn get_photo(
    State(state): State<AppState>,
    auth: AuthUser,
    Path((id, photo)): Path<(i64, i64)>,
) -> ApiResult<Response> {
    Ok(visits::photo(&state, &auth, id, photo)
        .await?
        .into_response()
        .map(axum::body::Body::from)
        .into_response())
}

/// Which coverage to show.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CoverageQuery {
    pub grid_id: Option<i64>,
    /// The day (`YYYY-MM-DD`, default today): coverage of the periods holding it.
    #[param(value_type = Option<String>)]
    pub day: Option<NaiveDate>,
}

/// One grid's coverage.
#[derive(Debug, Serialize, ToSchema)]
pub struct CoverageLine {
    pub grid_id: i64,
    /// Active enterprises due a visit in their current period.
    pub due: u64,
    /// Of those, visited in it.
    pub visited: u64,
    /// Of those, not visited in the previous period either.
    pub overdue: u64,
    /// visited ÷ due (absent when nothing is due).
    pub rate: Option<f64>,
}

/// Coverage (visited ÷ due) per grid the caller sees, on a day.
#[utoipa::path(
    get,
    path = "/api/v1/visits/coverage",
    tag = "visits",
    security(("bearer" = [])),
    params(CoverageQuery),
    responses((status = 200, body = Vec<CoverageLine>), (status = 404, description = "grid not visible", body = Problem))
)]
pub async fn coverage(
    State(state): State<AppState>,
    auth: AuthUser,
    Query(q): Query<CoverageQuery>,
) -> ApiResult<axum::Json<Vec<CoverageLine>>> {
    let today = visits::today(&state);
    let day = q.day.unwrap_or(today);
    gridline_domain::visit::check_coverage_day(day, today).map_err(AppError::from)?;
    let lines =
        visits::coverage(&state, &Scope::of(&auth.actor), q.grid_id.map(GridId), day).await?;
    Ok(axum::Json(
        lines
            .iter()
            .map(|c| CoverageLine {
                grid_id: c.grid_id.0,
                due: c.due,
                visited: c.visited,
                overdue: c.overdue,
                rate: c.rate(),
            })
            .collect(),
    ))
}

/// Which grid's due list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct DueQuery {
    pub grid_id: Option<i64>,
}

/// The enterprises of the caller's grids not yet visited in their period, overdue first.
#[utoipa::path(
    get,
    path = "/api/v1/visits/due",
    tag = "visits",
    security(("bearer" = [])),
    params(DueQuery),
    responses((status = 200, body = Vec<DueEnterprise>))
)]
pub async fn due(
    State(state): State<AppState>,
    auth: AuthUser,
    Query(q): Query<DueQuery>,
) -> ApiResult<axum::Json<Vec<DueEnterprise>>> {
    Ok(axum::Json(
        visits::due(&state, &auth, q.grid_id.map(GridId)).await?,
    ))
}

/// The visits as .xlsx (the list's filters; at most 10 000 rows).
#[utoipa::path(
    get,
    path = "/api/v1/visits/export",
    tag = "visits",
    security(("bearer" = [])),
    params(VisitQuery),
    responses((status = 200, description = "the workbook", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>))
)]
pub async fn export_visits(
    State(state): State<AppState>,
    auth: AuthUser,
    Query(q): Query<VisitQuery>,
) -> ApiResult<Response> {
    let bytes = visits::export(&state, &auth, &q.to_query()?).await?;
    Ok(crate::org::register::workbook("visits.xlsx", bytes))
}
