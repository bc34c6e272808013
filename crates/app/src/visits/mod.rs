//! Visits (走访): a liaison records a visit, with photos, and files each problem found as a
//! ticket linked to it in the same transaction; visits are seen by those who see the grid
//! (`domain::visit::visible_grids`); coverage (visited ÷ due) per grid and the enterprises
//! due a visit come from `domain::visit` over the stored days.

use chrono::{DateTime, NaiveDate, Utc};
use gridline_domain::attachment::NewAttachment;
use gridline_domain::calendar::ZONE;
use gridline_domain::text::{Description, PeopleMet, TicketTitle, TopicNote, VisitNotes};
use gridline_domain::ticket::{NewTicket, file};
use gridline_domain::visit::{
    self, Coverage, MAX_PROBLEMS, Recorder, Topic, VisitMode, VisitState, recorder, visible_grids,
};
use gridline_domain::{Category, EnterpriseId, GridId, Priority, Scope};
use gridline_store::StoreError;
use gridline_store::tickets::Idempotency;
use gridline_store::visits::{FoundProblem, NewVisit, VisitFilter};
use serde::{Deserialize, Serialize};

pub use gridline_store::visits::{PhotoMeta, Recorded, Visit};

use crate::auth::Caller;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::tickets::Download;

mod export;
pub use export::{EXPORT_MAX, export};

/// A problem found on the visit, to file as a ticket with it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = FoundProblem))]
#[serde(deny_unknown_fields)]
pub struct ProblemInput {
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "utilities"))]
    pub category: Category,
    pub title: String,
    pub description: String,
    #[serde(default = "normal")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "normal"))]
    pub priority: Priority,
}

fn normal() -> Priority {
    Priority::Normal
}

/// A visit to record, as a door received it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = RecordVisit))]
#[serde(deny_unknown_fields)]
pub struct NewVisitInput {
    pub enterprise_id: i64,
    /// The local day of the visit (`YYYY-MM-DD`): not in the future, at most 31 days back.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "2026-11-27"))]
    pub visited_on: NaiveDate,
    /// on_site | phone | video | meeting
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "on_site"))]
    pub mode: VisitMode,
    /// Whom the liaison met (接待人员).
    pub people_met: String,
    /// operations | land | utilities | permits | hiring | finance | policy | safety | other
    pub topics: Vec<String>,
    /// A topic not on the list.
    #[serde(default)]
    pub topic_note: Option<String>,
    /// What the visit found (a visit that found nothing says so).
    pub notes: String,
    /// Problems to file as tickets with the visit (at most 10).
    #[serde(default)]
    pub problems: Vec<ProblemInput>,
}

/// A visit as the doors show it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = Visit))]
pub struct VisitView {
    pub id: i64,
    pub enterprise_id: i64,
    pub grid_id: i64,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "2026-11-27"))]
    pub visited_on: NaiveDate,
    pub mode: String,
    pub people_met: String,
    pub topics: Vec<String>,
    pub topic_note: Option<String>,
    pub notes: String,
    pub recorded_by: i64,
    pub created_at: DateTime<Utc>,
    /// The tickets filed from the visit.
    pub ticket_ids: Vec<i64>,
    pub photos: Vec<PhotoView>,
}

/// A photo of a visit (its bytes at `/api/v1/visits/{id}/photos/{photo}`).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = VisitPhoto))]
pub struct PhotoView {
    pub id: i64,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
}

impl From<&Visit> for VisitView {
    fn from(v: &Visit) -> Self {
        VisitView {
            id: v.id,
            enterprise_id: v.enterprise_id.0,
            grid_id: v.grid_id.0,
            visited_on: v.visited_on,
            mode: v.mode.as_str().to_owned(),
            people_met: v.people_met.clone(),
            topics: v.topics.iter().map(|t| t.as_str().to_owned()).collect(),
            topic_note: v.topic_note.clone(),
            notes: v.notes.clone(),
            recorded_by: v.recorded_by.0,
            created_at: v.created_at,
            ticket_ids: v.ticket_ids.clone(),
            photos: v
                .photos
                .iter()
                .map(|p| PhotoView {
                    id: p.id,
                    filename: p.filename.clone(),
                    content_type: p.content_type.clone(),
                    size: p.size,
                })
                .collect(),
        }
    }
}

/// The local day now.
pub fn today(state: &AppState) -> NaiveDate {
    state.now().with_timezone(&ZONE).date_naive()
}

fn refuse(r: Recorder) -> AppResult<()> {
    match r {
        Recorder::Yes => Ok(()),
        Recorder::WrongRole => Err(AppError::forbidden(
            "liaisons_only",
            "only liaisons record visits / 仅联络员可登记走访",
        )),
        Recorder::OtherGrid => Err(AppError::invalid(
            "enterprise_id",
            "outside_grid",
            "the enterprise is not in your grid / 该企业不在您的网格内",
        )),
    }
}

/// Records a visit with its photos and the tickets for the problems found, in one
/// transaction: the visit and every ticket, or nothing. A retry under the same idempotency
/// key returns the first visit.
pub async fn record(
    state: &AppState,
    caller: &Caller,
    input: &NewVisitInput,
    photos: &[NewAttachment],
    idem: Option<Idempotency>,
) -> AppResult<Recorded> {
    if caller.actor.role() != gridline_domain::Role::Liaison {
        refuse(Recorder::WrongRole)?;
    }
    let enterprise =
        crate::tickets::active_enterprise(state, EnterpriseId(input.enterprise_id)).await?;
    let grid = GridId(enterprise.grid_id);
    refuse(recorder(&caller.actor, grid))?;
    let now = state.now();
    visit::check_date(input.visited_on, today(state))?;
    let topics: Vec<Topic> = visit::parse_topics(&input.topics)?;
    let topic_note = input
        .topic_note
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .map(TopicNote::parse)
        .transpose()?;
    if input.problems.len() > MAX_PROBLEMS {
        return Err(AppError::invalid(
            "problems",
            "too_many",
            format!(
                "at most {MAX_PROBLEMS} problems per visit / 每次走访最多登记 {MAX_PROBLEMS} 个问题"
            ),
        ));
    }
    NewAttachment::check_count(photos.len())?;
    let mut problems = Vec::new();
    for (i, p) in input.problems.iter().enumerate() {
        let at = |e: gridline_domain::DomainError| {
            let e = AppError::from(e);
            let field = format!("problems[{i}].{}", e.field_name().unwrap_or("problem"));
            e.field(field)
        };
        problems.push(FoundProblem {
            ticket: NewTicket {
                enterprise_id: EnterpriseId(enterprise.id),
                category: p.category,
                priority: p.priority,
                title: TicketTitle::parse(&p.title).map_err(at)?,
                description: Description::parse(&p.description).map_err(at)?,
                dispatch_due_at: Some(state.sla.dispatch_due(
                    &state.calendar,
                    p.category,
                    p.priority,
                    now,
                )),
            },
            filed: file(&caller.actor, grid, now)?,
        });
    }
    let new = NewVisit {
        enterprise_id: EnterpriseId(enterprise.id),
        grid_id: grid,
        visited_on: input.visited_on,
        mode: input.mode,
        people_met: PeopleMet::parse(&input.people_met)?.into_inner(),
        topics,
        topic_note: topic_note.map(TopicNote::into_inner),
        notes: VisitNotes::parse(&input.notes)?.into_inner(),
        recorded_by: caller.actor.id(),
        at: now,
    };
    Ok(state
        .store
        .record_visit(&new, photos, &problems, idem.as_ref())
        .await?)
}

/// The grids of the caller's visits (`None`: every grid).
fn grids_of(caller: &Caller) -> Option<Vec<GridId>> {
    visible_grids(&Scope::of(&caller.actor))
}

/// One visit the caller may see (404 otherwise, as for a ticket).
pub async fn visible(state: &AppState, caller: &Caller, id: i64) -> AppResult<Visit> {
    let v = match state.store.visit(id).await {
        Ok(v) => v,
        Err(StoreError::NotFound(_)) => return Err(AppError::not_found("visit")),
        Err(e) => return Err(e.into()),
    };
    match grids_of(caller) {
        Some(g) if !g.contains(&v.grid_id) => Err(AppError::not_found("visit")),
        _ => Ok(v),
    }
}

/// A photo of a visit the caller may see, ready to send.
pub async fn photo(
    state: &AppState,
    caller: &Caller,
    visit: i64,
    photo: i64,
) -> AppResult<Download> {
    let v = visible(state, caller, visit).await?;
    if !v.photos.iter().any(|p| p.id == photo) {
        return Err(AppError::not_found("photo"));
    }
    let p = state.store.visit_photo(photo).await?;
    Ok(crate::tickets::download_file(
        &p.content_type,
        &p.filename,
        p.data,
    ))
}

/// What the visit list is narrowed to (within what the caller sees).
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    pub grid_id: Option<GridId>,
    pub enterprise_id: Option<EnterpriseId>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub after: Option<(NaiveDate, i64)>,
    pub limit: u64,
}

/// Reads a list cursor: `2026-11-27.123`.
pub fn parse_cursor(s: &str) -> AppResult<(NaiveDate, i64)> {
    let bad = || AppError::bad_request("invalid_cursor", "not a visit list cursor / 分页游标无效");
    let (d, id) = s.split_once('.').ok_or_else(bad)?;
    Ok((
        NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| bad())?,
        id.parse().map_err(|_| bad())?,
    ))
}

/// The cursor after `v`.
pub fn cursor_of(v: &Visit) -> String {
    format!("{}.{}", v.visited_on.format("%Y-%m-%d"), v.id)
}

/// Visits the caller may see, latest day first (at most 500 a page).
pub async fn list(state: &AppState, caller: &Caller, q: &ListQuery) -> AppResult<Vec<Visit>> {
    if let (Some(from), Some(to)) = (q.from, q.to)
        && from > to
    {
        return Err(AppError::invalid(
            "from",
            "range",
            "from must not be after to / 开始日期不能晚于结束日期",
        ));
    }
    Ok(state
        .store
        .visits(&VisitFilter {
            grids: grids_of(caller),
            grid_id: q.grid_id,
            enterprise_id: q.enterprise_id,
            from: q.from,
            to: q.to,
            after: q.after,
            limit: q.limit.clamp(1, 500),
        })
        .await?)
}

/// How far back coverage reads visits: the start of the previous period of the longer
/// configured cadence (nothing older can change a state).
fn since(state: &AppState, day: NaiveDate) -> NaiveDate {
    let t = &state.visits;
    t.above_size.previous(day).0.min(t.others.previous(day).0)
}

/// Coverage per grid the caller sees on `day` (every grid with an enterprise), narrowed to
/// `grid` when given (404 for a grid outside the caller's).
pub async fn coverage(
    state: &AppState,
    scope: &Scope,
    grid: Option<GridId>,
    day: NaiveDate,
) -> AppResult<Vec<Coverage>> {
    let grids = narrow(scope, grid)?;
    let facts = state
        .store
        .visit_facts(grids.as_deref(), since(state, day), day)
        .await?;
    Ok(visit::coverage(&state.visits, &facts, day))
}

fn narrow(scope: &Scope, grid: Option<GridId>) -> AppResult<Option<Vec<GridId>>> {
    let mine = visible_grids(scope);
    match (grid, mine) {
        (Some(g), Some(m)) if !m.contains(&g) => Err(AppError::not_found("grid")),
        (Some(g), _) => Ok(Some(vec![g])),
        (None, m) => Ok(m),
    }
}

/// An enterprise not yet visited in its current period.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = VisitDue))]
pub struct DueEnterprise {
    pub enterprise_id: i64,
    pub name: String,
    pub grid_id: i64,
    pub above_size: bool,
    /// `due` or `overdue` (not visited in the previous period either).
    pub state: String,
    /// The first day after the period it is due in.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub by: NaiveDate,
    /// The last visit on record, if within this period or the one before.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub last_visit: Option<NaiveDate>,
}

/// The enterprises of the caller's grids not yet visited in their period: overdue first,
/// then by the end of their period, then by name.
pub async fn due(
    state: &AppState,
    caller: &Caller,
    grid: Option<GridId>,
) -> AppResult<Vec<DueEnterprise>> {
    let day = today(state);
    let grids = narrow(&Scope::of(&caller.actor), grid)?;
    let facts = state
        .store
        .visit_facts(grids.as_deref(), since(state, day), day)
        .await?;
    let mut out = Vec::new();
    for f in &facts {
        let (label, by) = match visit::state_on(&state.visits, f, day) {
            VisitState::Visited { .. } => continue,
            VisitState::Due { by } => ("due", by),
            VisitState::Overdue { by } => ("overdue", by),
        };
        out.push(DueEnterprise {
            enterprise_id: f.enterprise_id.0,
            name: String::new(),
            grid_id: f.grid_id.0,
            above_size: f.above_size,
            state: label.to_owned(),
            by,
            last_visit: f.last_visits.iter().copied().max(),
        });
    }
    let names = crate::org::enterprise_names(state, out.iter().map(|d| d.enterprise_id)).await?;
    for d in &mut out {
        if let Some(n) = names.get(&d.enterprise_id) {
            d.name.clone_from(n);
        }
    }
    out.sort_by(|a, b| {
        (b.state == "overdue")
            .cmp(&(a.state == "overdue"))
            .then(a.by.cmp(&b.by))
            .then(a.name.cmp(&b.name))
    });
    Ok(out)
}
