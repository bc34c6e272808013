//! Visits (走访) on a phone: the enterprises due a visit, the visit form (with photos and
//! the problems found, each filed as a ticket in the same step), a visit, and the list with
//! each grid's coverage and the .xlsx export.

use std::collections::BTreeMap;

use axum::extract::{Multipart, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use gridline_app::visits::{self, ListQuery, NewVisitInput, ProblemInput, Recorded};
use gridline_app::{AppState, ErrorKind};
use gridline_domain::attachment::{MAX_BYTES, MAX_FILES, NewAttachment};
use gridline_domain::visit::{Recorder, Topic, VisitMode, recorder};
use gridline_domain::{Category, EnterpriseId, GridId, Priority, Role, Scope};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::i18n::{app_error_text, t};
use crate::pages::file::{Upload, field_error, multipart_csrf, read_file_field, unreadable};
use crate::pages::{opt, opt_id};
use crate::render::{PageError, page};
use crate::session::Viewer;
use crate::view::Directory;

/// Problem blocks on the form (a visit may file more through the API).
const FORM_PROBLEMS: usize = 3;

/// What the form holds, to show again after an error.
#[derive(Debug, Default, Serialize)]
struct Input {
    visited_on: String,
    mode: String,
    people_met: String,
    topics: Vec<String>,
    topic_note: String,
    notes: String,
    idempotency_key: String,
    problems: Vec<ProblemFields>,
}

#[derive(Debug, Default, Clone, Serialize)]
struct ProblemFields {
    category: String,
    title: String,
    description: String,
}

impl ProblemFields {
    fn is_blank(&self) -> bool {
        self.title.trim().is_empty() && self.description.trim().is_empty()
    }
}

async fn show_form(
    state: &AppState,
    v: &Viewer,
    enterprise: i64,
    input: &Input,
    errors: &BTreeMap<String, String>,
) -> Result<Response, PageError> {
    v.require(&[Role::Liaison])?;
    let e = gridline_app::org::enterprise(state, EnterpriseId(enterprise)).await?;
    if recorder(&v.auth.actor, GridId(e.grid_id)) != Recorder::Yes {
        return Err(PageError::not_found());
    }
    let mut res = page(
        "visit_form.html",
        &v.ctx("/visits"),
        serde_json::json!({
            "enterprise": {"id": e.id, "name": e.name, "credit_code": e.credit_code},
            "modes": VisitMode::ALL.iter().map(|m| m.as_str()).collect::<Vec<_>>(),
            "topics": Topic::ALL.iter().map(|m| m.as_str()).collect::<Vec<_>>(),
            "categories": Category::ALL.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
            "input": input,
            "errors": errors,
            "max_files": MAX_FILES,
            "max_mb": MAX_BYTES >> 20,
            "today": visits::today(state).to_string(),
        }),
    );
    if !errors.is_empty() {
        *res.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

/// `GET /visits/new/{enterprise}`: the visit form.
pub async fn form(
    State(state): State<AppState>,
    v: Viewer,
    Path(enterprise): Path<i64>,
) -> Result<Response, PageError> {
    let input = Input {
        visited_on: visits::today(&state).to_string(),
        mode: VisitMode::OnSite.as_str().to_owned(),
        idempotency_key: uuid::Uuid::new_v4().to_string(),
        problems: vec![ProblemFields::default(); FORM_PROBLEMS],
        ..Input::default()
    };
    show_form(&state, &v, enterprise, &input, &BTreeMap::new()).await
}

/// `POST /visits/new` (multipart): records the visit, its photos and its problems' tickets
/// in one transaction. The CSRF token is checked before the rest of the body is read.
pub async fn submit(
    State(state): State<AppState>,
    v: Viewer,
    headers: axum::http::HeaderMap,
    mut multipart: Multipart,
) -> Result<Response, PageError> {
    v.require(&[Role::Liaison])?;
    multipart_csrf(&v, &headers, &mut multipart).await?;
    let _turn = state.uploads.turn().await?;
    let lang = v.lang;
    let mut enterprise = None;
    let mut input = Input {
        problems: vec![ProblemFields::default(); FORM_PROBLEMS],
        ..Input::default()
    };
    let mut files = Vec::new();
    let mut errors = BTreeMap::new();
    while let Some(mut field) = multipart.next_field().await.map_err(unreadable)? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "photos" {
            match read_file_field(&mut field).await? {
                Upload::TooLarge => {
                    errors.insert(
                        "photos".to_owned(),
                        format!(
                            "{} {} MB",
                            t(lang, "visit.photo_too_large"),
                            MAX_BYTES >> 20
                        ),
                    );
                }
                Upload::File(n, d) => files.push((n, d)),
                Upload::Empty => {}
            }
            continue;
        }
        let text = field.text().await.map_err(unreadable)?;
        if let Some((i, part)) = problem_field(&name) {
            let p = &mut input.problems[i];
            match part {
                "category" => p.category = text,
                "title" => p.title = text,
                _ => p.description = text,
            }
            continue;
        }
        match name.as_str() {
            "_csrf" => {}
            "enterprise_id" => enterprise = text.trim().parse::<i64>().ok(),
            "visited_on" => input.visited_on = text,
            "mode" => input.mode = text,
            "people_met" => input.people_met = text,
            "topics" => input.topics.push(text),
            "topic_note" => input.topic_note = text,
            "notes" => input.notes = text,
            "idempotency_key" => input.idempotency_key = text,
            _ => return Err(PageError::bad_request()),
        }
    }
    let enterprise = enterprise.ok_or_else(PageError::bad_request)?;
    let visited_on = chrono::NaiveDate::parse_from_str(input.visited_on.trim(), "%Y-%m-%d");
    if visited_on.is_err() {
        errors.insert("visited_on".into(), t(lang, "visit.pick_date"));
    }
    let mode = VisitMode::parse(&input.mode);
    if mode.is_none() {
        errors.insert("mode".into(), t(lang, "visit.pick_mode"));
    }
    let mut problems = Vec::new();
    for (i, p) in input.problems.iter().enumerate() {
        if p.is_blank() {
            continue;
        }
        match Category::parse(&p.category) {
            Some(category) => problems.push((
                i,
                ProblemInput {
                    category,
                    title: p.title.clone(),
                    description: p.description.clone(),
                    priority: Priority::Normal,
                },
            )),
            None => {
                errors.insert(
                    format!("problems[{i}].category"),
                    t(lang, "file.pick_category"),
                );
            }
        }
    }
    let mut photos = Vec::new();
    if let Err(e) = NewAttachment::check_count(files.len()) {
        errors.insert("photos".into(), field_error(lang, &e).1);
    }
    for (name, data) in files {
        match NewAttachment::parse(&name, data) {
            Ok(a) => photos.push(a),
            Err(e) => {
                errors.insert(
                    "photos".into(),
                    format!("{name}: {}", field_error(lang, &e).1),
                );
            }
        }
    }
    let (Ok(visited_on), Some(mode), true) = (visited_on, mode, errors.is_empty()) else {
        return show_form(&state, &v, enterprise, &input, &errors).await;
    };
    // Errors on a problem name its place among those sent; the form names its block.
    let blocks: Vec<usize> = problems.iter().map(|(i, _)| *i).collect();
    let req = NewVisitInput {
        enterprise_id: enterprise,
        visited_on,
        mode,
        people_met: input.people_met.clone(),
        topics: input.topics.clone(),
        topic_note: opt(&Some(input.topic_note.clone())).map(str::to_owned),
        notes: input.notes.clone(),
        problems: problems.into_iter().map(|(_, p)| p).collect(),
    };
    let idem = idempotency(&input.idempotency_key, &req, &photos);
    match visits::record(&state, &v.auth, &req, &photos, idem).await {
        Ok(Recorded::New(visit, _) | Recorded::Replayed(visit, _)) => {
            Ok(Redirect::to(&format!("/visits/{}?done=visit", visit.id)).into_response())
        }
        Err(e) if e.kind() == ErrorKind::Invalid => {
            let field = e.field_name().unwrap_or("form").to_owned();
            let field = renumber(&field, &blocks);
            errors.insert(field, app_error_text(lang, &e));
            show_form(&state, &v, enterprise, &input, &errors).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `p0_title` → (0, "title").
fn problem_field(name: &str) -> Option<(usize, &str)> {
    let rest = name.strip_prefix('p')?;
    let (i, part) = rest.split_once('_')?;
    let i: usize = i.parse().ok()?;
    (i < FORM_PROBLEMS && matches!(part, "category" | "title" | "description")).then_some((i, part))
}

/// `problems[1].title` among the problems sent → the same field of its block on the form.
fn renumber(field: &str, blocks: &[usize]) -> String {
    let Some(rest) = field.strip_prefix("problems[") else {
        return field.to_owned();
    };
    let Some((n, tail)) = rest.split_once(']') else {
        return field.to_owned();
    };
    match n.parse::<usize>().ok().and_then(|n| blocks.get(n)) {
        Some(b) => format!("problems[{b}]{tail}"),
        None => field.to_owned(),
    }
}

/// A double tap records once (as the filing form does).
fn idempotency(
    key: &str,
    req: &NewVisitInput,
    photos: &[NewAttachment],
) -> Option<gridline_app::tickets::Idempotency> {
    let key = Some(key.trim()).filter(|k| !k.is_empty())?;
    let body = serde_json::to_vec(req).ok()?;
    let digests: Vec<_> = photos.iter().map(|f| Sha256::digest(&f.data)).collect();
    let mut parts: Vec<&[u8]> = vec![&body];
    parts.extend(digests.iter().map(|d| &d[..]));
    gridline_app::tickets::idempotency_for(&format!("page:{key}"), &parts).ok()
}

#[derive(Debug, Deserialize)]
pub struct Done {
    done: Option<String>,
}

/// `GET /visits/{id}`.
pub async fn show(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    Query(q): Query<Done>,
) -> Result<Response, PageError> {
    let visit = visits::visible(&state, &v.auth, id).await?;
    let e = gridline_app::org::enterprise(&state, visit.enterprise_id).await?;
    let dir = Directory::load(&state).await?;
    let mut tickets = Vec::new();
    for tid in &visit.ticket_ids {
        // A ticket of the visit the viewer may not see is left out, as everywhere.
        if let Ok(t) = gridline_app::tickets::visible_ticket(&state, &v.auth, *tid).await {
            tickets.push(serde_json::json!({
                "id": t.id.0, "number": t.number, "title": t.title.as_str(), "status": t.status.as_str(),
            }));
        }
    }
    Ok(page(
        "visit.html",
        &v.ctx("/visits"),
        serde_json::json!({
            "v": visits::VisitView::from(&visit),
            "enterprise": {"id": e.id, "name": e.name},
            "grid": dir.grid(visit.grid_id.0),
            "recorded_by": dir.user(Some(visit.recorded_by.0)),
            "tickets": tickets,
            "done": q.done,
        }),
    ))
}

/// `GET /visits/{id}/photos/{photo}`.
pub async fn photo(
    State(state): State<AppState>,
    v: Viewer,
    Path((id, photo)): Path<(i64, i64)>,
) -> Result<Response, PageError> {
    let d = visits::photo(&state, &v.auth, id, photo).await?;
    Ok(d.into_response()
        .map(axum::body::Body::from)
        .into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct ListParams {
    grid: Option<String>,
    from: Option<String>,
    to: Option<String>,
    after: Option<String>,
    format: Option<String>,
}

fn day(s: &Option<String>) -> Result<Option<chrono::NaiveDate>, PageError> {
    opt(s)
        .map(|d| {
            chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| PageError::bad_request())
        })
        .transpose()
}

/// `GET /visits`: for a liaison, the enterprises due a visit first; for everyone who sees
/// grids, each grid's coverage and the visits (50 a page; `format=xlsx` for all).
pub async fn list(
    State(state): State<AppState>,
    v: Viewer,
    Query(p): Query<ListParams>,
) -> Result<Response, PageError> {
    let scope = Scope::of(&v.auth.actor);
    if gridline_domain::visit::visible_grids(&scope).is_some_and(|g| g.is_empty()) {
        return Err(PageError::forbidden());
    }
    let grid = opt_id(&p.grid)?.map(GridId);
    let query = ListQuery {
        grid_id: grid,
        from: day(&p.from)?,
        to: day(&p.to)?,
        after: opt(&p.after).map(visits::parse_cursor).transpose()?,
        limit: 50,
        ..ListQuery::default()
    };
    if opt(&p.format) == Some("xlsx") {
        let bytes = visits::export(&state, &v.auth, &query).await?;
        return Ok(crate::render::xlsx("visits.xlsx", bytes));
    }
    let dir = Directory::load(&state).await?;
    let items = visits::list(&state, &v.auth, &query).await?;
    let next = (items.len() == 50)
        .then(|| items.last().map(visits::cursor_of))
        .flatten();
    let names =
        gridline_app::org::enterprise_names(&state, items.iter().map(|x| x.enterprise_id.0))
            .await?;
    let rows: Vec<_> = items
        .iter()
        .map(|x| {
            serde_json::json!({
                "id": x.id,
                "day": x.visited_on.to_string(),
                "enterprise": names.get(&x.enterprise_id.0),
                "grid": dir.grid(x.grid_id.0),
                "mode": x.mode.as_str(),
                "topics": x.topics.iter().map(|t| t.as_str()).collect::<Vec<_>>(),
                "tickets": x.ticket_ids.len(),
                "by": dir.user(Some(x.recorded_by.0)),
            })
        })
        .collect();
    let coverage = visits::coverage(&state, &scope, grid, visits::today(&state)).await?;
    let due = if v.role() == Role::Liaison {
        visits::due(&state, &v.auth, None).await?
    } else {
        vec![]
    };
    Ok(page(
        "visits.html",
        &v.ctx("/visits"),
        serde_json::json!({
            "rows": rows,
            "next": next,
            "coverage": coverage_rows(&dir, &coverage),
            "due": due,
            "grids": dir.grids_in(&scope),
            "grid": grid.map(|g| g.0),
            "from": opt(&p.from),
            "to": opt(&p.to),
            "liaison": v.role() == Role::Liaison,
        }),
    ))
}

/// Coverage lines with grid names and percentages, for the list and the dashboard.
pub(crate) fn coverage_rows(
    dir: &Directory,
    lines: &[gridline_domain::visit::Coverage],
) -> Vec<serde_json::Value> {
    lines
        .iter()
        .map(|c| {
            serde_json::json!({
                "grid_id": c.grid_id.0,
                "grid": dir.grid(c.grid_id.0),
                "due": c.due,
                "visited": c.visited,
                "overdue": c.overdue,
                "rate": gridline_report::pct(c.rate()),
            })
        })
        .collect()
}
