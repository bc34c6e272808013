//! The circulated bulletin (通报) pages: the list with its history (and the publish form for
//! top leaders and the service centre), and a bulletin as published, printable on A4.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use gridline_app::appraisal;
use gridline_app::{AppState, ErrorKind};
use gridline_domain::calendar::ZONE;
use gridline_domain::digest::Period;

use crate::i18n::app_error_text;
use crate::pages::PageForm;
use crate::pages::people::Fields;
use crate::render::{PageError, page};
use crate::session::Viewer;
use crate::view::Directory;

async fn list_page(
    state: &AppState,
    v: &Viewer,
    period: String,
    error: Option<(StatusCode, String)>,
) -> Result<Response, PageError> {
    let dir = Directory::load(state).await?;
    let rows: Vec<_> = appraisal::list(state, &v.auth)
        .await?
        .into_iter()
        .map(|r| {
            serde_json::json!({
                "period": r.period,
                "published_at": r.published_at.with_timezone(&ZONE).format("%Y-%m-%d %H:%M").to_string(),
                "by": dir.user(Some(r.published_by)),
            })
        })
        .collect();
    let mut res = page(
        "bulletins.html",
        &v.ctx("/bulletins"),
        serde_json::json!({
            "rows": rows,
            "may_publish": appraisal::may_publish(&v.auth),
            "period": period,
            "error": error.as_ref().map(|(_, m)| m),
        }),
    );
    if let Some((status, _)) = error {
        *res.status_mut() = status;
    }
    Ok(res)
}

/// `GET /bulletins`.
pub async fn list(State(state): State<AppState>, v: Viewer) -> Result<Response, PageError> {
    let today = state.now().with_timezone(&ZONE).date_naive();
    list_page(&state, &v, Period::month_before(today).to_string(), None).await
}

/// `POST /bulletins`: publishes the bulletin of an ended period.
pub async fn publish(
    State(state): State<AppState>,
    v: Viewer,
    PageForm(f): PageForm<Fields>,
) -> Result<Response, PageError> {
    v.check_csrf(&f.csrf)?;
    let period = f.get("period").unwrap_or_default();
    match appraisal::publish(&state, &v.auth, &period).await {
        Ok(b) => Ok(Redirect::to(&format!("/bulletins/{}", b.period)).into_response()),
        Err(e) if matches!(e.kind(), ErrorKind::Invalid | ErrorKind::Conflict) => {
            let status = if e.kind() == ErrorKind::Conflict {
                StatusCode::CONFLICT
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            let message = app_error_text(v.lang, &e);
            list_page(&state, &v, period, Some((status, message))).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `GET /bulletins/{period}`: the bulletin as published.
pub async fn show(
    State(state): State<AppState>,
    v: Viewer,
    Path(period): Path<String>,
) -> Result<Response, PageError> {
    let b = appraisal::get(&state, &v.auth, &period).await?;
    let dir = Directory::load(&state).await?;
    let view = gridline_report::bulletin::view(&b, &|d| dir.department(Some(d)), &|u| dir.user(u));
    Ok(page(
        "bulletin.html",
        &v.ctx("/bulletins"),
        serde_json::json!({ "b": view }),
    ))
}
