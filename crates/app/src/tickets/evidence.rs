//! Evidence (办结佐证): photos and PDFs added to a resolution, a return, a report or a
//! follow-up call by whoever recorded it, within a day. The doors check the target with
//! [`evidence_target`] before they read any of the body, then hand the files to [`add`].

use gridline_domain::attachment::{NewAttachment, check_evidence};
use gridline_domain::permission::can_see;
use gridline_domain::{ActionKind, TicketId};
use gridline_store::StoreError;
use gridline_store::tickets::StoredEvent;

use crate::auth::Caller;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// The event of ticket `ticket` that the caller may add evidence to. An event that is not
/// the ticket's, or of a ticket the caller neither sees nor acted on, is the same 404.
pub async fn evidence_target(
    state: &AppState,
    caller: &Caller,
    ticket: i64,
    event: i64,
) -> AppResult<StoredEvent> {
    let not_found = || AppError::not_found("event");
    let e = match state.store.ticket_event(event).await {
        Ok(e) if e.ticket_id == TicketId(ticket) => e,
        Ok(_) | Err(StoreError::NotFound(_)) => return Err(not_found()),
        Err(err) => return Err(err.into()),
    };
    // Whoever recorded the step keeps access to it (a department that returned a ticket no
    // longer sees it, but attaches why); anyone else must see the ticket to hear more.
    if e.actor_id != caller.actor.id() {
        let t = state.store.ticket(TicketId(ticket)).await?;
        if !can_see(&caller.actor, &t) {
            return Err(not_found());
        }
    }
    let action = ActionKind::parse(&e.action).ok_or_else(not_found)?;
    check_evidence(caller.actor.id(), e.actor_id, action, e.at, state.now())?;
    Ok(e)
}

/// Adds the files to the event in one transaction (at most six per event in all).
pub async fn add(
    state: &AppState,
    caller: &Caller,
    target: &StoredEvent,
    files: &[NewAttachment],
) -> AppResult<()> {
    if files.is_empty() {
        return Err(AppError::invalid(
            "files",
            "required",
            "choose at least one file / 请至少选择一个文件",
        ));
    }
    Ok(state
        .store
        .add_evidence(
            target.ticket_id,
            target.id,
            caller.actor.id(),
            files,
            state.now(),
        )
        .await?)
}
