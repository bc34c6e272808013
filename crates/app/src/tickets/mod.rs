//! Ticket use cases: file one, act on one, read what the caller may see.

mod act;
mod download;
pub mod evidence;
mod file;
mod list;
mod read;
mod related;
mod view;

pub use act::{ActionFields, act, unknown_action};
pub use download::{Download, download, download_file};
pub(crate) use file::active_enterprise;
pub use file::{NewTicketInput, file, idempotency_for};
pub use list::{
    AttachmentMeta, Created, Cursor, Idempotency, Page, Sort, StoredEvent, TicketFilter,
    attachments, count_in, events, files_of, history, list, list_in,
};
pub use read::{visible_attachment, visible_ticket};
pub use related::{Similar, SimilarQuery, duplicates, similar, similar_to};
pub use view::{Original, TicketView, view};
