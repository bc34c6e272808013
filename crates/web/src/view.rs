//! What the templates show: tickets turned into rows and facts with names, local times,
//! working days left and the traffic light.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use gridline_app::AppState;
use gridline_domain::calendar::ZONE;
use gridline_domain::notice::{Light, light};
use gridline_domain::{Scope, Ticket};
use gridline_store::entity::{grids, users};
use gridline_store::org::OrgVersion;
use serde::Serialize;

use crate::render::PageError;

/// Names of the organisation, loaded once per page (a zone has hundreds of these, not
/// millions).
pub struct Directory {
    pub departments: Vec<(i64, String)>,
    pub task_forces: Vec<(i64, String)>,
    pub grids: Vec<grids::Model>,
    pub users: Vec<users::Model>,
    dept: HashMap<i64, String>,
    user: HashMap<i64, String>,
    grid: HashMap<i64, String>,
    tf: HashMap<i64, String>,
}

/// How long a loaded directory is trusted even when the marker has not moved (a change
/// made straight in the database, say).
const DIRECTORY_TTL: Duration = Duration::from_secs(60);

type Cached = Mutex<Option<(OrgVersion, Instant, Arc<Directory>)>>;

impl Directory {
    /// The directory, reloaded only when the organisation changed (one small query tells)
    /// or the copy is a minute old: every page needs names, and on SQLite each row costs a
    /// thread hop.
    pub async fn load(state: &AppState) -> Result<Arc<Directory>, PageError> {
        static CACHE: OnceLock<Cached> = OnceLock::new();
        let cache = CACHE.get_or_init(Mutex::default);
        let version = state.store.org_version().await?;
        if let Ok(c) = cache.lock()
            && let Some((v, at, dir)) = c.as_ref()
            && *v == version
            && at.elapsed() < DIRECTORY_TTL
        {
            return Ok(dir.clone());
        }
        let dir = Arc::new(Self::read(state).await?);
        if let Ok(mut c) = cache.lock() {
            *c = Some((version, Instant::now(), dir.clone()));
        }
        Ok(dir)
    }

    async fn read(state: &AppState) -> Result<Directory, PageError> {
        let s = &state.store;
        let departments: Vec<(i64, String)> = s
            .departments()
            .await?
            .into_iter()
            .map(|d| (d.id, d.name))
            .collect();
        let task_forces: Vec<(i64, String)> = s
            .task_forces()
            .await?
            .into_iter()
            .map(|d| (d.id, d.name))
            .collect();
        let grids = s.grids().await?;
        let users = s.users(None).await?;
        Ok(Directory {
            dept: departments.iter().cloned().collect(),
            tf: task_forces.iter().cloned().collect(),
            grid: grids.iter().map(|g| (g.id, g.name.clone())).collect(),
            user: users
                .iter()
                .map(|u| (u.id, u.display_name.clone()))
                .collect(),
            departments,
            task_forces,
            grids,
            users,
        })
    }

    pub fn department(&self, id: Option<i64>) -> String {
        id.and_then(|i| self.dept.get(&i).cloned())
            .unwrap_or_default()
    }

    pub fn user(&self, id: Option<i64>) -> String {
        id.and_then(|i| self.user.get(&i).cloned())
            .unwrap_or_default()
    }

    pub fn grid(&self, id: i64) -> String {
        self.grid.get(&id).cloned().unwrap_or_default()
    }

    pub fn task_force(&self, id: Option<i64>) -> String {
        id.and_then(|i| self.tf.get(&i).cloned())
            .unwrap_or_default()
    }

    /// The grids a scope covers (all of them for zone-wide scopes).
    pub fn grids_in(&self, scope: &Scope) -> Vec<(i64, String)> {
        self.grids
            .iter()
            .filter(|g| scope.covers_grid(gridline_domain::GridId(g.id)))
            .map(|g| (g.id, g.name.clone()))
            .collect()
    }
}

/// A local date and time, `2026-11-26 14:05`.
pub fn local(t: DateTime<Utc>) -> String {
    t.with_timezone(&ZONE).format("%Y-%m-%d %H:%M").to_string()
}

/// The CSS name of a light.
pub fn light_name(l: Light) -> &'static str {
    match l {
        Light::Red => "red",
        Light::Yellow => "yellow",
        Light::Green => "green",
    }
}

/// One line of a ticket list.
#[derive(Debug, Serialize)]
pub struct Row {
    pub id: i64,
    pub number: String,
    pub title: String,
    pub status: &'static str,
    pub category: &'static str,
    pub priority: &'static str,
    pub enterprise_id: i64,
    pub enterprise: String,
    pub grid: String,
    pub department: String,
    pub person: String,
    /// The running deadline, local.
    pub due: Option<String>,
    /// Working days from now to the running deadline (negative: overdue by so many).
    pub days_left: Option<i64>,
    /// Working days past the running deadline (when past).
    pub overdue_days: Option<i64>,
    /// red | yellow | green.
    pub light: Option<&'static str>,
    /// The last return reason, while the ticket waits for a new dispatch.
    pub return_code: Option<&'static str>,
    pub return_text: Option<String>,
    pub pending_extension: Option<u32>,
    pub satisfaction: Option<&'static str>,
    pub version: i64,
    pub created: String,
}

/// Rows for tickets, with enterprise names loaded in one query.
pub async fn rows(
    state: &AppState,
    dir: &Directory,
    tickets: &[Ticket],
) -> Result<Vec<Row>, PageError> {
    let mut ids: Vec<i64> = tickets.iter().map(|t| t.enterprise_id.0).collect();
    ids.sort_unstable();
    ids.dedup();
    let names: HashMap<i64, String> = state
        .store
        .enterprises_by_ids(&ids)
        .await?
        .into_iter()
        .map(|e| (e.id, e.name))
        .collect();
    let now = state.now();
    Ok(tickets
        .iter()
        .map(|t| row(state, dir, t, names.get(&t.enterprise_id.0).cloned(), now))
        .collect())
}

fn row(
    state: &AppState,
    dir: &Directory,
    t: &Ticket,
    enterprise: Option<String>,
    now: DateTime<Utc>,
) -> Row {
    let due = t.next_due_at();
    let waiting_after_return = t.status == gridline_domain::Status::Submitted;
    Row {
        id: t.id.0,
        number: t.number.clone(),
        title: t.title.clone(),
        status: t.status.as_str(),
        category: t.category.as_str(),
        priority: t.priority.as_str(),
        enterprise_id: t.enterprise_id.0,
        enterprise: enterprise.unwrap_or_default(),
        grid: dir.grid(t.grid_id.0),
        department: dir.department(t.department_id.map(|d| d.0)),
        person: dir.user(t.responsible_person_id.map(|u| u.0)),
        due: due.map(local),
        days_left: due.map(|d| state.calendar.working_days_between(now, d)),
        overdue_days: due
            .map(|d| -state.calendar.working_days_between(now, d))
            .filter(|d| *d > 0),
        light: light(t, now, &state.notice).map(light_name),
        return_code: t
            .last_return
            .as_ref()
            .filter(|_| waiting_after_return)
            .map(|r| r.code.as_str()),
        return_text: t
            .last_return
            .as_ref()
            .filter(|_| waiting_after_return)
            .and_then(|r| r.text.clone()),
        pending_extension: t.pending_extension.as_ref().map(|p| p.days),
        satisfaction: t.satisfaction.map(|s| s.as_str()),
        version: t.version,
        created: local(t.created_at),
    }
}
