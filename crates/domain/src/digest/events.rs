//! What the digest reads of an event: its ticket, action and time, and the few details of
//! a report, a return and a resumption that the numbers count.

use chrono::{DateTime, Utc};

use crate::ids::{DepartmentId, TicketId};
use crate::kinds::{ActionKind, Satisfaction};
use crate::ticket::EventKind;

/// An event the digest counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventFact {
    pub ticket_id: TicketId,
    pub action: ActionKind,
    pub at: DateTime<Utc>,
    /// For `report`: the satisfaction recorded.
    pub satisfaction: Option<Satisfaction>,
    /// For `return`: the department that returned it (the ticket no longer names it).
    pub department_id: Option<DepartmentId>,
    /// For `resume`: the working time the ticket spent paused.
    pub paused_secs: Option<i64>,
}

impl EventFact {
    /// What the digest reads of an event of `ticket_id` at `at`.
    pub fn of(ticket_id: TicketId, at: DateTime<Utc>, kind: &EventKind) -> Self {
        EventFact {
            ticket_id,
            action: kind.action(),
            at,
            satisfaction: match kind {
                EventKind::Reported { satisfaction, .. }
                | EventKind::FollowedUp { satisfaction, .. } => Some(*satisfaction),
                _ => None,
            },
            department_id: match kind {
                EventKind::Returned { previous, .. } => Some(previous.department_id),
                _ => None,
            },
            paused_secs: match kind {
                EventKind::Resumed { paused_secs, .. } => Some(*paused_secs),
                _ => None,
            },
        }
    }
}
