//! Per-person workload (个人工作量): a department head's page of their own people, and the
//! rows the leaders' dashboard shows for its scope. The numbers are the digest's
//! ([`gridline_app::digest::workload`]).

use axum::extract::{Query, State};
use axum::response::Response;
use gridline_app::AppState;
use gridline_app::digest::workload;
use gridline_domain::calendar::ZONE;
use gridline_domain::digest::PersonLine;
use serde::Deserialize;

use crate::pages::dashboard::periods;
use crate::pages::opt;
use crate::render::{PageError, page};
use crate::session::Viewer;
use crate::view::Directory;

/// The rows of a workload table, at most `limit`.
pub(crate) fn people_rows(
    dir: &Directory,
    lines: &[PersonLine],
    limit: usize,
) -> Vec<serde_json::Value> {
    lines
        .iter()
        .take(limit)
        .map(|p| {
            serde_json::json!({
                "name": dir.user(Some(p.person_id.0)),
                "department": dir.department(p.department_id.map(|d| d.0)),
                "held": p.held,
                "signed": format!("{}/{}", p.signed_on_time, p.signed),
                "resolved": format!("{}/{}", p.resolved_on_time, p.resolved),
                "days": p.avg_working_days.map_or_else(|| "—".to_owned(), |d| format!("{d:.1}")),
                "reopenings": p.reopenings,
            })
        })
        .collect()
}

#[derive(Debug, Default, Deserialize)]
pub struct WorkloadQuery {
    period: Option<String>,
}

/// `GET /workload?period=2026-11`: a department head's people (leaders and administrators
/// see their scope's; anyone else is refused).
pub async fn show(
    State(state): State<AppState>,
    v: Viewer,
    Query(q): Query<WorkloadQuery>,
) -> Result<Response, PageError> {
    let w = workload(&state, &v.auth, opt(&q.period)).await?;
    let dir = Directory::load(&state).await?;
    let today = state.now().with_timezone(&ZONE).date_naive();
    Ok(page(
        "workload.html",
        &v.ctx("/workload"),
        serde_json::json!({
            "period": w.period.to_string(),
            "periods": periods(today).iter().map(ToString::to_string).collect::<Vec<_>>(),
            "department": w.department_id.map(|d| dir.department(Some(d.0))),
            "people": people_rows(&dir, &w.people, usize::MAX),
        }),
    ))
}
