//! Ticket lists: everything the viewer may see (with filters), the dispatcher's queue, the
//! department's inbox, the task force's list. Each downloads as .xlsx with its filters.

use axum::extract::{Query, State};
use axum::response::Response;
use gridline_app::AppState;
use gridline_app::tickets::{self, Cursor, Sort, TicketFilter};
use gridline_domain::text::SearchText;
use gridline_domain::{Category, DepartmentId, EnterpriseId, GridId, Role, Scope, Status, Ticket};
use serde::{Deserialize, Serialize};

use crate::i18n::{Lang, t as tr};
use crate::pages::{opt, opt_id};
use crate::render::{PageError, page};
use crate::session::{Viewer, urlencoding};
use crate::view::{Directory, Row, rows};

/// Page size on screen.
const PAGE: u64 = 50;
/// Rows in a download at most.
const XLSX_MAX: usize = 10_000;

/// The filters of a list, as the form sends them.
#[derive(Debug, Default, Deserialize, Serialize)]
pub struct ListQuery {
    pub status: Option<String>,
    pub category: Option<String>,
    pub grid: Option<String>,
    pub department: Option<String>,
    pub enterprise: Option<String>,
    pub overdue: Option<String>,
    pub q: Option<String>,
    pub cursor: Option<String>,
    pub format: Option<String>,
}

impl ListQuery {
    /// The query string without cursor and format (for "next page" and downloads).
    fn base(&self) -> String {
        let mut parts = vec![];
        for (k, v) in [
            ("status", &self.status),
            ("category", &self.category),
            ("grid", &self.grid),
            ("department", &self.department),
            ("enterprise", &self.enterprise),
            ("overdue", &self.overdue),
            ("q", &self.q),
        ] {
            if let Some(v) = opt(v) {
                parts.push(format!("{k}={}", urlencoding(v)));
            }
        }
        parts.join("&")
    }

    fn apply(&self, f: &mut TicketFilter) -> Result<(), PageError> {
        if let Some(s) = opt(&self.status) {
            f.status = Some(Status::parse(s).ok_or_else(PageError::bad_request)?);
        }
        if let Some(c) = opt(&self.category) {
            f.category = Some(Category::parse(c).ok_or_else(PageError::bad_request)?);
        }
        if let Some(g) = opt_id(&self.grid)? {
            f.grid_id = Some(GridId(g));
        }
        if let Some(d) = opt_id(&self.department)? {
            f.department_id = Some(DepartmentId(d));
        }
        if let Some(e) = opt_id(&self.enterprise)? {
            f.enterprise_id = Some(EnterpriseId(e));
        }
        if opt(&self.overdue).is_some() {
            f.overdue = true;
            f.sort = Sort::Deadline;
        }
        f.q = SearchText::parse_opt(opt(&self.q)).map_err(PageError::from)?;
        Ok(())
    }
}

/// A titled group of rows.
#[derive(Debug, Serialize)]
struct Section {
    title: &'static str,
    rows: Vec<Row>,
}

/// What kind of list.
#[derive(Clone, Copy)]
enum Kind {
    All,
    Queue,
    Inbox,
    TaskForce,
}

impl Kind {
    fn path(self) -> &'static str {
        match self {
            Kind::All => "/tickets",
            Kind::Queue => "/queue",
            Kind::Inbox => "/inbox",
            Kind::TaskForce => "/task-force",
        }
    }
    fn title(self) -> &'static str {
        match self {
            Kind::All => "list.all",
            Kind::Queue => "list.queue",
            Kind::Inbox => "list.inbox",
            Kind::TaskForce => "list.task_force",
        }
    }
}

async fn fetch(
    state: &AppState,
    scope: &Scope,
    filter: &TicketFilter,
    all: bool,
) -> Result<(Vec<Ticket>, Option<Cursor>), PageError> {
    let mut f = filter.clone();
    let mut out = vec![];
    loop {
        let page = tickets::list_in(state, scope, &f).await?;
        out.extend(page.items);
        match page.next {
            Some(next) if all && out.len() < XLSX_MAX => f.after = Some(next),
            next => return Ok((out, next)),
        }
    }
}

async fn list(state: AppState, v: Viewer, q: ListQuery, kind: Kind) -> Result<Response, PageError> {
    let scope = Scope::of(&v.auth.actor);
    let mine = v.auth.actor.user.department_id;
    let mut filter = TicketFilter {
        limit: if matches!(kind, Kind::Inbox) {
            100
        } else {
            PAGE
        },
        ..TicketFilter::default()
    };
    match kind {
        Kind::All => {}
        Kind::Queue => {
            v.require(&[Role::Dispatcher, Role::Admin])?;
            filter.status = Some(Status::Submitted);
        }
        Kind::Inbox => {
            v.require(&[Role::DepartmentOfficer])?;
            filter.open_only = true;
            filter.sort = Sort::Deadline;
        }
        Kind::TaskForce => {
            v.require(&[Role::TaskForceMember])?;
            filter.status = Some(Status::Escalated);
            filter.sort = Sort::Deadline;
        }
    }
    q.apply(&mut filter)?;
    if let Some(c) = opt(&q.cursor) {
        filter.after = Some(
            Cursor::decode(c)
                .filter(|c| c.sort == filter.sort)
                .ok_or_else(PageError::bad_request)?,
        );
    }
    let xlsx = opt(&q.format) == Some("xlsx");
    if xlsx {
        // The largest page the store hands out: fewer round trips for a download.
        filter.limit = 100;
        filter.after = None;
    }
    let (tickets, next) = fetch(&state, &scope, &filter, xlsx).await?;
    let dir = Directory::load(&state).await?;
    let mut all_rows = rows(&state, &dir, &tickets).await?;
    if xlsx {
        return workbook(v.lang, kind, &all_rows);
    }
    let sections = match kind {
        Kind::Inbox => {
            let (mut own, mut co) = (vec![], vec![]);
            for (r, t) in all_rows.into_iter().zip(tickets.iter()) {
                if t.department_id.is_some() && t.department_id == mine {
                    own.push(r);
                } else {
                    co.push(r);
                }
            }
            vec![
                Section {
                    title: "list.own",
                    rows: own,
                },
                Section {
                    title: "list.co_handled",
                    rows: co,
                },
            ]
        }
        Kind::Queue => {
            // Returned tickets first: they have already waited once.
            all_rows.sort_by_key(|r| r.return_code.is_none());
            let mut sections = vec![];
            // The service centre arbitrates what was returned once too often (退单审核).
            if v.auth.actor.user.service_centre {
                let disputed = tickets::list_in(
                    &state,
                    &scope,
                    &TicketFilter {
                        status: Some(Status::Arbitration),
                        limit: 100,
                        ..TicketFilter::default()
                    },
                )
                .await?
                .items;
                sections.push(Section {
                    title: "list.arbitration",
                    rows: rows(&state, &dir, &disputed).await?,
                });
            }
            sections.push(Section {
                title: kind.title(),
                rows: all_rows,
            });
            sections
        }
        _ => vec![Section {
            title: kind.title(),
            rows: all_rows,
        }],
    };
    let base = q.base();
    let sep = if base.is_empty() { "" } else { "&" };
    let ctx = v.ctx(kind.path());
    Ok(page(
        "list.html",
        &ctx,
        minijinja::context! {
            title => kind.title(),
            action => kind.path(),
            sections => sections,
            q => q,
            statuses => Status::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
            categories => Category::ALL.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
            grids => dir.grids_in(&scope),
            departments => if matches!(scope, Scope::All | Scope::Leader { .. }) && !matches!(kind, Kind::Queue) { dir.departments.clone() } else { vec![] },
            show_overdue => !matches!(kind, Kind::Queue),
            show_status => matches!(kind, Kind::All),
            next => next.map(|c| format!("{}?{base}{sep}cursor={}", kind.path(), c.encode())),
            xlsx => format!("{}?{base}{sep}format=xlsx", kind.path()),
        },
    ))
}

/// `GET /tickets`.
pub async fn all(
    State(state): State<AppState>,
    v: Viewer,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    list(state, v, q, Kind::All).await
}

/// `GET /queue`: submitted and returned tickets waiting for a dispatch.
pub async fn queue(
    State(state): State<AppState>,
    v: Viewer,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    list(state, v, q, Kind::Queue).await
}

/// `GET /inbox`: the department's open tickets, nearest deadline first.
pub async fn inbox(
    State(state): State<AppState>,
    v: Viewer,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    list(state, v, q, Kind::Inbox).await
}

/// `GET /task-force`: escalated tickets.
pub async fn task_force(
    State(state): State<AppState>,
    v: Viewer,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    list(state, v, q, Kind::TaskForce).await
}

/// The rows as a workbook.
fn workbook(lang: Lang, kind: Kind, rows: &[Row]) -> Result<Response, PageError> {
    use gridline_report::{Cell, table_workbook};
    let heads: Vec<String> = [
        "col.number",
        "col.title",
        "col.enterprise",
        "col.grid",
        "col.category",
        "col.priority",
        "col.status",
        "col.department",
        "col.person",
        "col.due",
        "col.days_left",
        "col.created",
    ]
    .iter()
    .map(|h| tr(lang, h))
    .collect();
    let cells: Vec<Vec<Cell>> = rows
        .iter()
        .map(|r| {
            vec![
                Cell::Text(r.number.clone()),
                Cell::Text(r.title.clone()),
                Cell::Text(r.enterprise.clone()),
                Cell::Text(r.grid.clone()),
                Cell::Text(tr(lang, &format!("category.{}", r.category))),
                Cell::Text(tr(lang, &format!("priority.{}", r.priority))),
                Cell::Text(tr(lang, &format!("status.{}", r.status))),
                Cell::Text(r.department.clone()),
                Cell::Text(r.person.clone()),
                Cell::Text(r.due.clone().unwrap_or_default()),
                r.days_left.map_or(Cell::Empty, |d| Cell::Number(d as f64)),
                Cell::Text(r.created.clone()),
            ]
        })
        .collect();
    let build = || table_workbook(&heads, &cells, &[(1, 40.0), (2, 24.0)]);
    let bytes = build().map_err(|e| PageError::internal(&e))?;
    let name = format!("gridline-{}.xlsx", kind.path().trim_start_matches('/'));
    Ok(crate::render::xlsx(&name, bytes))
}
