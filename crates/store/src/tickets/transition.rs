//! One command on one ticket: one transaction, version-checked.

use gridline_domain::ticket::CoHandler;
use gridline_domain::{DomainError, Event, Ticket, TicketId};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder,
    TransactionTrait,
};

use super::StoredEvent;
use super::events::write_events;
use super::mapping::{changes, co_row, to_co_handler, to_ticket};
use crate::entity::{ticket_co_departments as co, tickets};
use crate::{Store, StoreError};

impl Store {
    pub(super) async fn co_departments(
        &self,
        ids: &[i64],
    ) -> Result<Vec<(i64, CoHandler)>, StoreError> {
        let mut out = Vec::new();
        // Chunks keep each statement under SQLite's limit on bound variables.
        for chunk in ids.chunks(1000) {
            out.extend(
                co::Entity::find()
                    .filter(co::Column::TicketId.is_in(chunk.to_vec()))
                    .order_by_asc(co::Column::TicketId)
                    .order_by_asc(co::Column::AskedAt)
                    .order_by_asc(co::Column::DepartmentId)
                    .all(&self.read)
                    .await?
                    .iter()
                    .map(|r| Ok((r.ticket_id, to_co_handler(r)?)))
                    .collect::<Result<Vec<_>, StoreError>>()?,
            );
        }
        Ok(out)
    }

    pub(super) async fn hydrate(
        &self,
        rows: Vec<tickets::Model>,
    ) -> Result<Vec<Ticket>, StoreError> {
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let mut co: std::collections::HashMap<i64, Vec<CoHandler>> =
            std::collections::HashMap::new();
        for (t, d) in self.co_departments(&ids).await? {
            co.entry(t).or_default().push(d);
        }
        rows.into_iter()
            .map(|r| {
                let mine = co.remove(&r.id).unwrap_or_default();
                to_ticket(r, mine)
            })
            .collect()
    }

    /// One ticket, whoever asks (the caller checks visibility with the rules).
    pub async fn ticket(&self, id: TicketId) -> Result<Ticket, StoreError> {
        super::folded::by_id(self, id.0)
            .await?
            .pop()
            .ok_or(StoreError::NotFound("ticket"))
    }

    /// Runs a command in one transaction: reads the ticket, asks `decide` (the rules) for the
    /// new ticket and its events, and writes the row (only if its version is unchanged), the
    /// events and their outbox rows.
    pub async fn transition<F>(
        &self,
        id: TicketId,
        decide: F,
    ) -> Result<(Ticket, Vec<StoredEvent>), StoreError>
    where
        F: FnOnce(&Ticket) -> Result<(Ticket, Vec<Event>), DomainError>,
    {
        let txn = self.write.begin().await?;
        let done = transition_in(&txn, id, decide).await?;
        txn.commit().await?;
        Ok(done)
    }

    /// Runs one command on each of `ids` in one transaction: every ticket changes, or none
    /// does (the first refusal is returned with the ticket it refused). `record` is the
    /// administrative change it makes, for the audit log (written in the same transaction).
    pub async fn transition_all<F>(
        &self,
        ids: &[TicketId],
        decide: F,
        record: Option<crate::org::people::Record>,
    ) -> Result<Vec<(Ticket, Vec<StoredEvent>)>, (TicketId, StoreError)>
    where
        F: Fn(&Ticket) -> Result<(Ticket, Vec<Event>), DomainError>,
    {
        let first = ids.first().copied().unwrap_or(TicketId(0));
        let txn = self.write.begin().await.map_err(|e| (first, e.into()))?;
        let mut out = Vec::with_capacity(ids.len());
        for &id in ids {
            out.push(
                transition_in(&txn, id, &decide)
                    .await
                    .map_err(|e| (id, e))?,
            );
        }
        if let Some(r) = record {
            crate::org::people::append_audit(
                &txn,
                r.audit,
                (r.object_kind, r.object_id),
                r.action,
                r.before,
                r.after,
            )
            .await
            .map_err(|e| (first, e))?;
        }
        txn.commit().await.map_err(|e| (first, e.into()))?;
        Ok(out)
    }
}

/// One command on one ticket inside a transaction.
async fn transition_in<F>(
    txn: &DatabaseTransaction,
    id: TicketId,
    decide: F,
) -> Result<(Ticket, Vec<StoredEvent>), StoreError>
where
    F: FnOnce(&Ticket) -> Result<(Ticket, Vec<Event>), DomainError>,
{
    let row = tickets::Entity::find_by_id(id.0)
        .one(txn)
        .await?
        .ok_or(StoreError::NotFound("ticket"))?;
    let co_rows = co::Entity::find()
        .filter(co::Column::TicketId.eq(id.0))
        .order_by_asc(co::Column::AskedAt)
        .order_by_asc(co::Column::DepartmentId)
        .all(txn)
        .await?;
    let before = to_ticket(
        row,
        co_rows
            .iter()
            .map(to_co_handler)
            .collect::<Result<_, _>>()?,
    )?;
    let (after, events) = decide(&before)?;
    let updated = tickets::Entity::update_many()
        .set(changes(&after))
        .filter(tickets::Column::Id.eq(id.0))
        .filter(tickets::Column::Version.eq(before.version))
        .exec(txn)
        .await?;
    if updated.rows_affected != 1 {
        return Err(StoreError::Domain(DomainError::StaleVersion {
            expected: before.version,
            actual: before.version + 1,
        }));
    }
    // Co-handlers are only added and answered, never removed.
    for c in &after.co_handlers {
        match before
            .co_handlers
            .iter()
            .find(|b| b.department_id == c.department_id)
        {
            None => {
                co_row(id, c).insert(txn).await?;
            }
            Some(b) if b != c => {
                co_row(id, c).update(txn).await?;
            }
            Some(_) => {}
        }
    }
    let stored = write_events(txn, id, &events).await?;
    Ok((after, stored))
}
