//! Reading tickets as the caller may: lists, a ticket's history, its attachments.

use gridline_domain::{Scope, Ticket};

pub use gridline_store::tickets::{
    AttachmentMeta, Created, Cursor, Idempotency, Page, Sort, StoredEvent, TicketFilter,
};

use crate::auth::Caller;
use crate::error::AppResult;
use crate::state::AppState;
use crate::tickets::read::visible_ticket;

/// One page of the tickets the caller may see that match `filter`.
pub async fn list(state: &AppState, caller: &Caller, filter: &TicketFilter) -> AppResult<Page> {
    Ok(state
        .store
        .list_tickets(&Scope::of(&caller.actor), filter, state.now())
        .await?)
}

/// A visible ticket's whole history, oldest first.
pub async fn events(state: &AppState, caller: &Caller, id: i64) -> AppResult<Vec<StoredEvent>> {
    let t = visible_ticket(state, caller, id).await?;
    history(state, &t).await
}

/// The history of a ticket already loaded with [`visible_ticket`] (no second visibility read).
pub async fn history(state: &AppState, visible: &Ticket) -> AppResult<Vec<StoredEvent>> {
    Ok(state.store.events(visible.id).await?)
}

/// One page of the tickets in `scope` that match `filter`. The scope must be the caller's
/// (`Scope::of`) or a narrowing of it (`Scope::covers_grid`): the pages' queue, inbox and
/// dashboard grid filter.
pub async fn list_in(state: &AppState, scope: &Scope, filter: &TicketFilter) -> AppResult<Page> {
    Ok(state.store.list_tickets(scope, filter, state.now()).await?)
}

/// How many tickets in `scope` (as for [`list_in`]) match `filter`, over all pages.
pub async fn count_in(state: &AppState, scope: &Scope, filter: &TicketFilter) -> AppResult<u64> {
    // Counting half a million open tickets on every dashboard view costs tens of
    // milliseconds at a million: the count is kept until an event is written or the
    // minute turns (one index lookup tells), in this process or across several.
    let now = state.now();
    let version = (state.store.last_event_id().await?, now.timestamp() / 60);
    let key = format!("{scope:?}/{filter:?}");
    if let Some(n) = state.digests.count(&key, version) {
        return Ok(n);
    }
    let n = state.store.count_tickets(scope, filter, now).await?;
    state.digests.keep_count(key, version, n);
    Ok(n)
}

/// A visible ticket's attachments, without their bytes.
pub async fn attachments(
    state: &AppState,
    caller: &Caller,
    id: i64,
) -> AppResult<Vec<AttachmentMeta>> {
    let t = visible_ticket(state, caller, id).await?;
    files_of(state, &t).await
}

/// The attachments of a ticket already loaded with [`visible_ticket`].
pub async fn files_of(state: &AppState, visible: &Ticket) -> AppResult<Vec<AttachmentMeta>> {
    Ok(state.store.attachments(visible.id).await?)
}
