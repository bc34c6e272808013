//! Administration of the notification outbox: what the notifier has sent, is retrying, or
//! gave up on (admins only).

use gridline_store::entity::outbox;
use gridline_store::outbox::state as outbox_state;
use gridline_store::{StoreError, from_ms};
use serde::Serialize;

use crate::auth::Caller;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// One message in the outbox.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = OutboxDto))]
pub struct OutboxRow {
    pub id: i64,
    /// dispatch, return, ..., response_warning, ..., digest
    pub kind: String,
    pub ticket_id: Option<i64>,
    pub event_id: Option<i64>,
    /// pending | sent | dead | skipped
    pub state: String,
    pub attempts: i32,
    pub next_attempt_at: chrono::DateTime<chrono::Utc>,
    /// Why the last attempt failed (or why there was nobody to send to).
    pub last_error: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub sent_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl TryFrom<outbox::Model> for OutboxRow {
    type Error = StoreError;

    fn try_from(r: outbox::Model) -> Result<Self, Self::Error> {
        Ok(Self {
            id: r.id,
            kind: r.kind,
            ticket_id: r.ticket_id,
            event_id: r.event_id,
            state: r.state,
            attempts: r.attempts,
            next_attempt_at: from_ms(r.next_attempt_at)?,
            last_error: r.last_error,
            created_at: from_ms(r.created_at)?,
            sent_at: r.sent_at.map(from_ms).transpose()?,
        })
    }
}

/// Outbox rows, newest first, optionally in one state (`pending`, `sent`, `dead`, `skipped`).
pub async fn outbox(
    state: &AppState,
    caller: &Caller,
    in_state: Option<&str>,
    limit: u64,
) -> AppResult<Vec<OutboxRow>> {
    caller.require_admin()?;
    if let Some(s) = in_state
        && ![
            outbox_state::PENDING,
            outbox_state::SENT,
            outbox_state::DEAD,
            outbox_state::SKIPPED,
        ]
        .contains(&s)
    {
        return Err(AppError::invalid(
            "state",
            "unknown_state",
            "state is one of pending, sent, dead, skipped",
        ));
    }
    Ok(state
        .store
        .outbox(in_state, limit.clamp(1, 500))
        .await?
        .into_iter()
        .map(OutboxRow::try_from)
        .collect::<Result<Vec<_>, _>>()?)
}

/// Puts a dead (or skipped) message back in the queue.
pub async fn retry(state: &AppState, caller: &Caller, id: i64) -> AppResult<OutboxRow> {
    caller.require_admin()?;
    Ok(OutboxRow::try_from(
        state.store.outbox_retry(id, state.now()).await?,
    )?)
}
