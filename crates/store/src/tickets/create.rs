//! Filing: the ticket, its first event, its attachments, under the idempotency guard.

use chrono::Datelike;
use gridline_domain::attachment::NewAttachment;
use gridline_domain::calendar::ZONE;
use gridline_domain::ticket::NewTicket;
use gridline_domain::{Event, GridId, Status, Ticket, UserId};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, NotSet, QueryFilter, Set,
    TransactionTrait,
};

use super::events::write_events;
use super::mapping::{hex_sha256, to_ticket};
use super::numbers::next_number;
use super::{Created, Idempotency};
use crate::entity::{attachments, tickets};
use crate::{Store, StoreError, to_ms};

impl Store {
    /// Files a ticket with its attachments (and its link to a key project, when named), in
    /// one transaction. With an idempotency key, a retry returns the first ticket.
    pub async fn create_ticket(
        &self,
        new: NewTicket,
        grid: GridId,
        filed: Event,
        idempotency: Option<Idempotency>,
        files: &[NewAttachment],
        project: Option<i64>,
    ) -> Result<Created, StoreError> {
        if let Some(idem) = &idempotency
            && let Some(existing) = self.find_idempotent(filed.actor, idem).await?
        {
            return Ok(Created::Replayed(existing));
        }
        let actor = filed.actor;
        let result = if files.is_empty() && project.is_none() {
            self.file_in_batch(new, grid, filed, idempotency.clone())
                .await
        } else {
            self.insert_ticket(&new, grid, &filed, idempotency.as_ref(), files, project)
                .await
        };
        match (result, &idempotency) {
            // Another request with the same key won the race: answer with its ticket.
            (
                Err(StoreError::Conflict {
                    code: "idempotency_conflict",
                    ..
                }),
                Some(idem),
            ) => self
                .find_idempotent(actor, idem)
                .await?
                .map(Created::Replayed)
                .ok_or(StoreError::NotFound("ticket")),
            (other, _) => other.map(Created::New),
        }
    }

    async fn find_idempotent(
        &self,
        user: UserId,
        idem: &Idempotency,
    ) -> Result<Option<Ticket>, StoreError> {
        let Some(row) = tickets::Entity::find()
            .filter(tickets::Column::FiledBy.eq(user.0))
            .filter(tickets::Column::IdempotencyKey.eq(idem.key.as_str()))
            .one(&self.write)
            .await?
        else {
            return Ok(None);
        };
        if row.idempotency_hash.as_deref() != Some(idem.request_hash.as_str()) {
            return Err(StoreError::invalid(
                "Idempotency-Key",
                "idempotency_key_reused",
                "this Idempotency-Key was used for a different request / 该幂等键已用于另一个请求",
            ));
        }
        Ok(Some(self.hydrate(vec![row]).await?.remove(0)))
    }

    pub(super) async fn insert_ticket(
        &self,
        new: &NewTicket,
        grid: GridId,
        filed: &Event,
        idem: Option<&Idempotency>,
        files: &[NewAttachment],
        project: Option<i64>,
    ) -> Result<Ticket, StoreError> {
        let txn = self.write.begin().await?;
        let ticket = insert_ticket_in(&txn, new, grid, filed, idem, files).await?;
        if let Some(p) = project {
            crate::projects::link_in(&txn, p, ticket.id.0, filed.actor, filed.at).await?;
        }
        txn.commit().await?;
        Ok(ticket)
    }
}

/// Writes a filed ticket, its first event and its attachments inside `txn` (filing alone,
/// or from a visit with the visit's other rows).
pub(crate) async fn insert_ticket_in(
    txn: &DatabaseTransaction,
    new: &NewTicket,
    grid: GridId,
    filed: &Event,
    idem: Option<&Idempotency>,
    files: &[NewAttachment],
) -> Result<Ticket, StoreError> {
    let number = next_number(txn, filed.at.with_timezone(&ZONE).year()).await?;
    let row = new_row(new, grid, filed, idem, number).insert(txn).await?;
    let ticket = to_ticket(row, vec![])?;
    super::search::index_in(txn, std::slice::from_ref(&ticket)).await?;
    write_events(txn, ticket.id, std::slice::from_ref(filed)).await?;
    for f in files {
        attachments::ActiveModel {
            id: NotSet,
            ticket_id: Set(ticket.id.0),
            filename: Set(f.filename.clone()),
            content_type: Set(f.kind.mime().to_owned()),
            size: Set(i64::try_from(f.data.len()).unwrap_or(i64::MAX)),
            sha256: Set(hex_sha256(&f.data)),
            data: Set(f.data.clone()),
            uploaded_by: Set(filed.actor.0),
            event_id: Set(None),
            created_at: Set(to_ms(filed.at)),
        }
        .insert(txn)
        .await?;
    }
    Ok(ticket)
}

/// The row of a filed ticket, numbered.
pub(super) fn new_row(
    new: &NewTicket,
    grid: GridId,
    filed: &Event,
    idem: Option<&Idempotency>,
    number: String,
) -> tickets::ActiveModel {
    let now = filed.at;
    tickets::ActiveModel {
        id: NotSet,
        number: Set(number),
        status: Set(Status::Submitted.as_str().to_owned()),
        enterprise_id: Set(new.enterprise_id.0),
        grid_id: Set(grid.0),
        category: Set(new.category.as_str().to_owned()),
        priority: Set(new.priority.as_str().to_owned()),
        title: Set(new.title.as_str().to_owned()),
        description: Set(new.description.as_str().to_owned()),
        filed_by: Set(filed.actor.0),
        accountable_leader_id: Set(None),
        department_id: Set(None),
        responsible_person_id: Set(None),
        tracker_id: Set(None),
        task_force_id: Set(None),
        queued_at: Set(Some(to_ms(now))),
        dispatch_due_at: Set(new.dispatch_due_at.map(to_ms)),
        response_due_at: Set(None),
        resolution_due_at: Set(None),
        next_due_at: Set(new.dispatch_due_at.map(to_ms)),
        dispatched_at: Set(None),
        accepted_at: Set(None),
        resolved_at: Set(None),
        closed_at: Set(None),
        reopen_count: Set(0),
        return_count: Set(0),
        satisfaction: Set(None),
        last_return: Set(None),
        pending_extension: Set(None),
        pending_pause: Set(None),
        pause: Set(None),
        forced_department_id: Set(None),
        closure: Set(None),
        duplicate_of: Set(None),
        version: Set(1),
        created_at: Set(to_ms(now)),
        updated_at: Set(to_ms(now)),
        idempotency_key: Set(idem.map(|i| i.key.clone())),
        idempotency_hash: Set(idem.map(|i| i.request_hash.clone())),
    }
}
