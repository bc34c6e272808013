//! The quiet part of a digest's tickets, counted by the database instead of loaded: tickets
//! still open that nothing touched since the period began (no date of theirs in the period,
//! no pause, no closure, no co-handling opinion due in it). Of such a ticket the digest reads
//! only its state at the period's end: open or not, waiting past the dispatch deadline or
//! not, overdue or not, and whose it is. At a million tickets half are of this kind, and
//! loading them was most of a digest's time and memory.
//!
//! [`super::compute_with`] adds a [`Baseline`] to what it computes from the loaded tickets;
//! the result equals [`super::compute`] over both (the store's property test checks it on
//! both engines).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{DepartmentId, TicketId, UserId};

/// How many of the overdue tickets a digest lists, most overdue first (the count is whole).
pub const OVERDUE_ROWS: usize = 200;

/// An overdue ticket as the database returns it: the deadline it had running at the end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverdueFact {
    pub ticket_id: TicketId,
    pub number: String,
    pub title: String,
    pub accountable_leader_id: Option<UserId>,
    pub department_id: Option<DepartmentId>,
    pub responsible_person_id: Option<UserId>,
    pub due_at: DateTime<Utc>,
}

/// A responsible person's quiet tickets: how many they hold at the end, and the department
/// of the lowest-numbered one (a person's line names the department of their first ticket).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeldFact {
    pub person_id: UserId,
    pub first_ticket: TicketId,
    pub department_id: Option<DepartmentId>,
    pub held: u32,
}

/// What the quiet tickets add to a digest.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Baseline {
    /// Open at the period's end.
    pub open_at_end: u32,
    /// Waiting in a queue past the dispatch deadline at the end.
    pub dispatch_overdue_at_end: u32,
    /// Overdue at the end, by responsible department (`None`: no department yet).
    pub overdue: Vec<(Option<DepartmentId>, u32)>,
    /// The most overdue of them, by deadline then id, at most [`OVERDUE_ROWS`].
    pub overdue_rows: Vec<OverdueFact>,
    /// One line per responsible person.
    pub held: Vec<HeldFact>,
}

impl Baseline {
    /// How many quiet tickets were overdue at the end.
    pub fn overdue_total(&self) -> u32 {
        self.overdue.iter().map(|(_, n)| n).sum()
    }
}
