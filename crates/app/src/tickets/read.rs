//! Reading one ticket, or one of its attachments, as the caller may.

use gridline_domain::permission::can_see;
use gridline_domain::{Ticket, TicketId};
use gridline_store::StoreError;
use gridline_store::entity::attachments;

use crate::auth::Caller;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// Loads a ticket the caller may see; anything else is the same 404.
pub async fn visible_ticket(state: &AppState, caller: &Caller, id: i64) -> AppResult<Ticket> {
    match state.store.ticket(TicketId(id)).await {
        Ok(t) if can_see(&caller.actor, &t) => Ok(t),
        Ok(_) | Err(StoreError::NotFound(_)) => Err(AppError::ticket_not_found()),
        Err(e) => Err(e.into()),
    }
}

/// An attachment of a ticket the caller may see; anything else is the same 404.
pub async fn visible_attachment(
    state: &AppState,
    caller: &Caller,
    ticket: i64,
    attachment: i64,
) -> AppResult<attachments::Model> {
    let t = visible_ticket(state, caller, ticket).await?;
    match state.store.attachment(attachment).await {
        Ok(a) if a.ticket_id == t.id.0 => Ok(a),
        Ok(_) | Err(StoreError::NotFound(_)) => Err(AppError::not_found("attachment")),
        Err(e) => Err(e.into()),
    }
}
