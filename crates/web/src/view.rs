//! What the templates show: tickets turned into rows and facts with names, local times,
//! working days left and the traffic light.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use gridline_app::AppState;
use gridline_domain::Ticket;
use gridline_domain::calendar::ZONE;
use gridline_domain::notice::{Light, light};
use serde::Serialize;

pub use gridline_app::directory::Directory;

use crate::render::PageError;

/// A local date and time, `2026-11-26 14:05`.
pub fn local(t: DateTime<Utc>) -> String {
    use chrono::{Datelike as _, Timelike as _};
    // Written out rather than through `format`, which parses its pattern on every call (a
    // list page formats two times a row).
    let l = t.with_timezone(&ZONE).naive_local();
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}",
        l.year(),
        l.month(),
        l.day(),
        l.hour(),
        l.minute()
    )
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
    let names: HashMap<i64, String> =
        gridline_app::org::enterprise_names(state, tickets.iter().map(|t| t.enterprise_id.0))
            .await?;
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
    let days_left = due.map(|d| state.calendar.working_days_between(now, d));
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
        days_left,
        overdue_days: days_left.map(|d| -d).filter(|d| *d > 0),
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
