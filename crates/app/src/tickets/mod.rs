//! Ticket use cases: file one, act on one, read what the caller may see.

mod act;
mod download;
mod file;
mod read;

pub use act::{ActionFields, act, unknown_action};
pub use download::{Download, download};
pub use file::{NewTicketInput, file, idempotency_for};
pub use read::{visible_attachment, visible_ticket};
