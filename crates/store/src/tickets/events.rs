//! A ticket's history: events written with their outbox rows, and read back.

use gridline_domain::{Event, TicketId};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, NotSet, QueryFilter,
    QueryOrder, Set,
};

use super::StoredEvent;
use super::mapping::stored_event;
use crate::entity::{outbox, ticket_events};
use crate::kept::Kept;
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
        let row = event_row(ticket, e).insert(txn).await?;
        if e.kind.notifies() {
            enqueue_event(txn, ticket, row.id, &row.action, e.at).await?;
        }
        out.push(stored_event(row)?);
    }
    Ok(out)
}

/// Writes one event for each of several tickets (a batch of filings), and the outbox rows
/// of those that notify: two statements whatever the number.
pub(super) async fn write_firsts(
    txn: &DatabaseTransaction,
    firsts: &[(TicketId, &Event)],
) -> Result<(), StoreError> {
    if firsts.is_empty() {
        return Ok(());
    }
    let rows = ticket_events::Entity::insert_many(firsts.iter().map(|(t, e)| event_row(*t, e)))
        .exec_with_returning(txn)
        .await?;
    // Matched by ticket (one event each), not by the order RETURNING gives them in.
    let notices: Vec<outbox::ActiveModel> = firsts
        .iter()
        .filter(|(_, e)| e.kind.notifies())
        .map(|(t, e)| {
            let row = rows
                .iter()
                .find(|r| r.ticket_id == t.0)
                .ok_or_else(|| StoreError::Corrupt(format!("no event written for {}", t.0)))?;
            Ok(crate::outbox::event_row(*t, row.id, &row.action, e.at))
        })
        .collect::<Result<_, StoreError>>()?;
    if !notices.is_empty() {
        outbox::Entity::insert_many(notices)
            .exec_without_returning(txn)
            .await?;
    }
    Ok(())
}

fn event_row(ticket: TicketId, e: &Event) -> ticket_events::ActiveModel {
    ticket_events::ActiveModel {
        id: NotSet,
        ticket_id: Set(ticket.0),
        actor_id: Set(e.actor.0),
        action: Set(e.kind.action().as_str().to_owned()),
        from_status: Set(e.from.as_str().to_owned()),
        to_status: Set(e.to.as_str().to_owned()),
        payload: Set(e.kind.payload().to_string()),
        created_at: Set(to_ms(e.at)),
    }
}

/// A ticket's history, oldest first, as a select.
pub(crate) fn events_select(id: TicketId) -> sea_orm::Select<ticket_events::Entity> {
    ticket_events::Entity::find()
        .filter(ticket_events::Column::TicketId.eq(id.0))
        .order_by_asc(ticket_events::Column::Id)
}

impl Store {
    /// A ticket's history, oldest first.
    pub async fn events(&self, id: TicketId) -> Result<Vec<StoredEvent>, StoreError> {
        static SQL: Kept = Kept::new();
        let backend = self.read.get_database_backend();
        let stmt = SQL.statement(backend, || events_select(TicketId(0)), [id.0.into()]);
        let rows: Vec<ticket_events::Model> = self.read_kept(stmt).await?;
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
