//! A ticket's history: events written with their outbox rows, and read back.

use gridline_domain::{Event, TicketId};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, NotSet, QueryFilter,
    QueryOrder, Set,
};

use super::StoredEvent;
use super::mapping::stored_event;
use crate::entity::{outbox, ticket_events};
use crate::outbox::enqueue_event;
use crate::{Store, StoreError, to_ms};

/// Writes events and, for those that notify, their outbox rows.
pub(super) async fn write_events(
    txn: &DatabaseTransaction,
    ticket: TicketId,
    events: &[Event],
) -> Result<Vec<StoredEvent>, StoreError> {
    let mut out = Vec::with_capacity(events.len());
    for e in events {
        let row = ticket_events::ActiveModel {
            id: NotSet,
            ticket_id: Set(ticket.0),
            actor_id: Set(e.actor.0),
            action: Set(e.kind.action().as_str().to_owned()),
            from_status: Set(e.from.as_str().to_owned()),
            to_status: Set(e.to.as_str().to_owned()),
            payload: Set(e.kind.payload().to_string()),
            created_at: Set(to_ms(e.at)),
        }
        .insert(txn)
        .await?;
        if e.kind.notifies() {
            enqueue_event(txn, ticket, row.id, &row.action, e.at).await?;
        }
        out.push(stored_event(row)?);
    }
    Ok(out)
}

impl Store {
    /// A ticket's history, oldest first.
    pub async fn events(&self, id: TicketId) -> Result<Vec<StoredEvent>, StoreError> {
        let select = ticket_events::Entity::find()
            .filter(ticket_events::Column::TicketId.eq(id.0))
            .order_by_asc(ticket_events::Column::Id);
        let rows = self.read_models(select).await?;
        rows.into_iter().map(stored_event).collect()
    }

    /// Outbox rows of a ticket (tests and admins look at them).
    pub async fn outbox_for(&self, id: TicketId) -> Result<Vec<outbox::Model>, StoreError> {
        Ok(outbox::Entity::find()
            .filter(outbox::Column::TicketId.eq(id.0))
            .order_by_asc(outbox::Column::Id)
            .all(&self.read)
            .await?)
    }
}

impl Store {
    /// One event of a ticket's history.
    pub async fn event(&self, id: i64) -> Result<StoredEvent, StoreError> {
        ticket_events::Entity::find_by_id(id)
            .one(&self.read)
            .await?
            .map(stored_event)
            .ok_or(StoreError::NotFound("event"))?
    }
}
