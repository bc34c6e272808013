//! Everything the ticket page shows of one ticket, read at once.

use std::sync::Arc;

use gridline_domain::ticket::available_actions;
use gridline_domain::{ActionKind, Ticket, TicketId};

use super::{AttachmentMeta, Similar, StoredEvent};
use crate::auth::Caller;
use crate::directory::Directory;
use crate::error::AppResult;
use crate::org::Enterprise;
use crate::state::AppState;

/// A ticket as its page shows it.
#[derive(Debug)]
pub struct TicketView {
    pub ticket: Ticket,
    /// What the caller may do to it now, in the order the page offers them.
    pub actions: Vec<ActionKind>,
    /// The whole history, oldest first.
    pub history: Vec<StoredEvent>,
    /// Its attachments (the filing's and each step's evidence), without their bytes.
    pub files: Vec<AttachmentMeta>,
    pub enterprise: Enterprise,
    /// The tickets the caller sees marked duplicates of this one.
    pub duplicates: Vec<Ticket>,
    /// The tickets it may duplicate, when the caller may mark it a duplicate; else none.
    pub similar: Vec<Similar>,
    /// The ticket this one duplicates, if any.
    pub original: Option<Original>,
    /// The organisation's names.
    pub directory: Arc<Directory>,
}

/// The ticket a duplicate points to.
#[derive(Debug)]
pub struct Original {
    pub id: TicketId,
    /// Its number, when the caller may see it.
    pub number: Option<String>,
}

/// The ticket `id` as the caller may see it, with what its page shows. Its reads are made in
/// one snapshot of the database (see `Store::snapshot`): the history, the files and the
/// actions offered agree with the ticket's version.
pub async fn view(state: &AppState, caller: &Caller, id: i64) -> AppResult<TicketView> {
    state
        .store
        .snapshot(async {
            let ticket = super::visible_ticket(state, caller, id).await?;
            let actions = available_actions(&ticket, &caller.actor);
            let directory = Directory::load(state).await?;
            let history = super::history(state, &ticket).await?;
            let files = super::files_of(state, &ticket).await?;
            let enterprise = crate::org::enterprise(state, ticket.enterprise_id).await?;
            let duplicates = super::duplicates(state, caller, &ticket).await?;
            let similar = if actions.contains(&ActionKind::MarkDuplicate) {
                super::similar_to(state, caller, &ticket).await?
            } else {
                vec![]
            };
            let original = match ticket.duplicate_of {
                Some(o) => Some(Original {
                    id: o,
                    number: super::visible_ticket(state, caller, o.0)
                        .await
                        .ok()
                        .map(|t| t.number),
                }),
                None => None,
            };
            Ok(TicketView {
                ticket,
                actions,
                history,
                files,
                enterprise,
                duplicates,
                similar,
                original,
                directory,
            })
        })
        .await
}
