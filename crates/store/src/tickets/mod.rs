//! Tickets: the idempotent create, commands as one transaction each, lists and history.
//!
//! - `create`: filing, with its attachments and the idempotency guard;
//! - `filing`: group commit, concurrent filings written in one transaction;
//! - `transition`: one command, one transaction (ticket row, events, outbox rows);
//! - `events`: the history;
//! - `lists`: scoped, filtered, keyset-paginated lists and counts;
//! - `digest`: what the leaders' digest and the deadline sweeper read;
//! - `baseline`: the digest's quiet tickets, counted in SQL;
//! - `files`: attachments (photos and PDFs);
//! - `numbers`: ticket numbers, a counter row (SQLite) or a sequence (PostgreSQL) per year;
//! - `search`: the bigram index a search reads first;
//! - `indexer`: writing that index on SQLite, and its catch-up on both engines;
//! - `mapping`: rows to domain values and back.

mod baseline;
pub(crate) mod create;
mod digest;
mod events;
#[cfg(test)]
pub(crate) use events::events_select;
mod files;
#[cfg(test)]
pub(crate) use files::attachments_select;
pub(crate) mod filing;
mod folded;
mod indexer;
mod lists;
pub(crate) mod mapping;
pub(crate) mod numbers;
mod packed;
mod pg_rows;
pub use packed::Runs;
#[cfg(test)]
mod plans;
mod related;
pub(crate) mod search;
mod transition;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use gridline_domain::text::SearchText;
use gridline_domain::{
    Category, DepartmentId, EnterpriseId, GridId, Status, Ticket, TicketId, UserId,
};
use serde::{Deserialize, Serialize};

/// A retried create carries the same key; the hash tells a retry from a different request.
#[derive(Debug, Clone)]
pub struct Idempotency {
    pub key: String,
    pub request_hash: String,
}

/// The result of a create: a new ticket, or the one an earlier request with the key made.
#[derive(Debug, Clone)]
pub enum Created {
    New(Ticket),
    Replayed(Ticket),
}

/// One entry of a ticket's history, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEvent {
    pub id: i64,
    pub ticket_id: TicketId,
    pub actor_id: UserId,
    pub action: String,
    pub from: String,
    pub to: String,
    pub payload: serde_json::Value,
    pub at: DateTime<Utc>,
}

/// Ticket list order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sort {
    /// Newest first.
    #[default]
    CreatedAt,
    /// Nearest running deadline first; tickets without one come last.
    Deadline,
}

/// Where the next page starts. Opaque to clients (base64 of a small JSON).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    #[serde(rename = "s")]
    pub sort: Sort,
    /// The sort key of the last row seen (`None`: past the rows without a deadline).
    #[serde(rename = "k")]
    pub key: Option<i64>,
    #[serde(rename = "i")]
    pub id: i64,
}

impl Cursor {
    /// The token handed to clients.
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).unwrap_or_default())
    }

    /// Reads a token; `None` if it is not one of ours.
    pub fn decode(token: &str) -> Option<Cursor> {
        if token.len() > 200 {
            return None;
        }
        let bytes = URL_SAFE_NO_PAD.decode(token).ok()?;
        serde_json::from_slice(&bytes).ok()
    }
}

/// What the ticket list is narrowed to (on top of what the caller may see).
#[derive(Debug, Clone, Default)]
pub struct TicketFilter {
    pub status: Option<Status>,
    pub department_id: Option<DepartmentId>,
    pub grid_id: Option<GridId>,
    pub enterprise_id: Option<EnterpriseId>,
    pub category: Option<Category>,
    /// Only tickets whose running deadline has passed at `now`.
    pub overdue: bool,
    /// Substring of the title or the description.
    pub q: Option<SearchText>,
    /// Only tickets still being worked (submitted, dispatched, accepted, escalated).
    pub open_only: bool,
    /// Only tickets with an extension request waiting for a leader.
    pub pending_extension: bool,
    pub sort: Sort,
    pub after: Option<Cursor>,
    pub limit: u64,
}

/// An attachment without its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentMeta {
    pub id: i64,
    pub ticket_id: TicketId,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    /// The event it is evidence for; none: filed with the ticket.
    pub event_id: Option<i64>,
    pub created_at: DateTime<Utc>,
}

/// One page of tickets.
#[derive(Debug, Clone)]
pub struct Page {
    pub items: Vec<Ticket>,
    pub next: Option<Cursor>,
}

/// The stored names of the open states (still being worked), for queries.
pub(crate) fn open_statuses() -> Vec<&'static str> {
    gridline_domain::Status::ALL
        .iter()
        .filter(|s| s.is_open())
        .map(|s| s.as_str())
        .collect()
}
