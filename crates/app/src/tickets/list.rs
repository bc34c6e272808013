//! Reading tickets as the caller may: lists, a ticket's history, its attachments.

use gridline_domain::Scope;

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
    Ok(state.store.events(t.id).await?)
}

/// A visible ticket's attachments, without their bytes.
pub async fn attachments(
    state: &AppState,
    caller: &Caller,
    id: i64,
) -> AppResult<Vec<AttachmentMeta>> {
    let t = visible_ticket(state, caller, id).await?;
    Ok(state.store.attachments(t.id).await?)
}
