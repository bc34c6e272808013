//! Photos and PDFs filed with a ticket.

use gridline_domain::TicketId;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::AttachmentMeta;
use crate::entity::attachments;
use crate::kept::Kept;
use crate::{Store, StoreError, from_ms};

/// id, ticket, name, type, size, event, created (the columns a listing reads).
type MetaRow = (i64, i64, String, String, i64, Option<i64>, i64);

/// A ticket's attachments, oldest first, without their bytes, as a select.
pub(crate) fn attachments_select(id: TicketId) -> sea_orm::Select<attachments::Entity> {
    use attachments::Column as A;
    attachments::Entity::find()
        .select_only()
        .columns([
            A::Id,
            A::TicketId,
            A::Filename,
            A::ContentType,
            A::Size,
            A::EventId,
            A::CreatedAt,
        ])
        .filter(A::TicketId.eq(id.0))
        .order_by_asc(A::Id)
}

impl Store {
    /// A ticket's attachments, oldest first, without their bytes.
    pub async fn attachments(&self, id: TicketId) -> Result<Vec<AttachmentMeta>, StoreError> {
        static SQL: Kept = Kept::new();
        let backend = self.read.get_database_backend();
        let stmt = SQL.statement(backend, || attachments_select(TicketId(0)), [id.0.into()]);
        let rows: Vec<MetaRow> = self.read_kept_tuples(stmt).await?;
        rows.into_iter()
            .map(
                |(id, ticket_id, filename, content_type, size, event_id, at)| {
                    Ok(AttachmentMeta {
                        id,
                        ticket_id: TicketId(ticket_id),
                        filename,
                        content_type,
                        size,
                        event_id,
                        created_at: from_ms(at)?,
                    })
                },
            )
            .collect()
    }

    /// Adds evidence to an event of a ticket in one transaction: every file, or none; at most
    /// `MAX_FILES` per event in all. The caller has checked the event is the actor's and may
    /// take evidence.
    pub async fn add_evidence(
        &self,
        ticket: TicketId,
        event_id: i64,
        uploaded_by: gridline_domain::UserId,
        files: &[gridline_domain::attachment::NewAttachment],
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), StoreError> {
        use sea_orm::{ActiveModelTrait, PaginatorTrait, QuerySelect, Set, TransactionTrait};
        let txn = self.write.begin().await?;
        // Uploads to one event queue behind each other, so two at once cannot both pass the
        // count (PostgreSQL: a row lock on the event; SQLite writes one at a time anyway).
        crate::entity::ticket_events::Entity::find_by_id(event_id)
            .lock_exclusive()
            .one(&txn)
            .await?
            .ok_or(StoreError::NotFound("event"))?;
        let already = attachments::Entity::find()
            .filter(attachments::Column::EventId.eq(event_id))
            .count(&txn)
            .await?;
        gridline_domain::attachment::NewAttachment::check_count(
            usize::try_from(already).unwrap_or(usize::MAX) + files.len(),
        )?;
        for f in files {
            attachments::ActiveModel {
                id: sea_orm::NotSet,
                ticket_id: Set(ticket.0),
                filename: Set(f.filename.clone()),
                content_type: Set(f.kind.mime().to_owned()),
                size: Set(i64::try_from(f.data.len()).unwrap_or(i64::MAX)),
                sha256: Set(super::mapping::hex_sha256(&f.data)),
                data: Set(f.data.clone()),
                uploaded_by: Set(uploaded_by.0),
                event_id: Set(Some(event_id)),
                created_at: Set(crate::to_ms(at)),
            }
            .insert(&txn)
            .await?;
        }
        txn.commit().await?;
        Ok(())
    }

    /// One event of a ticket's history.
    pub async fn ticket_event(&self, id: i64) -> Result<super::StoredEvent, StoreError> {
        let row = crate::entity::ticket_events::Entity::find_by_id(id)
            .one(&self.read)
            .await?
            .ok_or(StoreError::NotFound("event"))?;
        super::mapping::stored_event(row)
    }

    /// One attachment with its bytes (the caller checks that its ticket is visible).
    pub async fn attachment(&self, id: i64) -> Result<attachments::Model, StoreError> {
        attachments::Entity::find_by_id(id)
            .one(&self.read)
            .await?
            .ok_or(StoreError::NotFound("attachment"))
    }
}
