//! Photos and PDFs filed with a ticket.

use gridline_domain::TicketId;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::AttachmentMeta;
use crate::entity::attachments;
use crate::{Store, StoreError, from_ms};

impl Store {
    /// A ticket's attachments, oldest first, without their bytes.
    pub async fn attachments(&self, id: TicketId) -> Result<Vec<AttachmentMeta>, StoreError> {
        use attachments::Column as A;
        let rows: Vec<(i64, i64, String, String, i64, i64)> = attachments::Entity::find()
            .select_only()
            .columns([
                A::Id,
                A::TicketId,
                A::Filename,
                A::ContentType,
                A::Size,
                A::CreatedAt,
            ])
            .filter(A::TicketId.eq(id.0))
            .order_by_asc(A::Id)
            .into_tuple()
            .all(&self.read)
            .await?;
        rows.into_iter()
            .map(|(id, ticket_id, filename, content_type, size, at)| {
                Ok(AttachmentMeta {
                    id,
                    ticket_id: TicketId(ticket_id),
                    filename,
                    content_type,
                    size,
                    created_at: from_ms(at)?,
                })
            })
            .collect()
    }

    /// One attachment with its bytes (the caller checks that its ticket is visible).
    pub async fn attachment(&self, id: i64) -> Result<attachments::Model, StoreError> {
        attachments::Entity::find_by_id(id)
            .one(&self.read)
            .await?
            .ok_or(StoreError::NotFound("attachment"))
    }
}
