//! Group-chat robots: administrators add and remove them (each change with its audit row);
//! the worker finds those of a ticket's groups and queues one outbox row per robot.

use gridline_domain::chat::{ChatOwner, mask_url};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, NotSet, QueryFilter, QueryOrder, Set,
    TransactionTrait,
};
use serde_json::json;

use crate::entity::chat_webhooks;
use crate::org::people::{Audit, append_audit};
use crate::{Store, StoreError, to_ms};

/// A robot to add.
#[derive(Debug, Clone)]
pub struct NewWebhook {
    pub owner: ChatOwner,
    pub platform: String,
    pub url: String,
    pub secret: Option<String>,
    pub label: String,
}

/// What the audit log keeps of a robot: never its URL's key or its secret.
fn record(w: &chat_webhooks::Model) -> serde_json::Value {
    json!({"owner_kind": w.owner_kind, "owner_id": w.owner_id, "platform": w.platform,
           "url": mask_url(&w.url), "signed": w.secret.is_some(), "label": w.label, "active": w.active})
}

impl Store {
    /// Adds a robot.
    pub async fn add_webhook(
        &self,
        new: NewWebhook,
        audit: Audit,
    ) -> Result<chat_webhooks::Model, StoreError> {
        let txn = self.write.begin().await?;
        let row = chat_webhooks::ActiveModel {
            id: NotSet,
            owner_kind: Set(new.owner.kind().to_owned()),
            owner_id: Set(new.owner.id()),
            platform: Set(new.platform),
            url: Set(new.url),
            secret: Set(new.secret),
            label: Set(new.label),
            active: Set(true),
            created_at: Set(to_ms(audit.at)),
        }
        .insert(&txn)
        .await?;
        append_audit(
            &txn,
            audit,
            ("chat_webhook", row.id),
            "create",
            serde_json::Value::Null,
            record(&row),
        )
        .await?;
        txn.commit().await?;
        Ok(row)
    }

    /// Removes a robot (its queued messages are skipped when their turn comes).
    pub async fn remove_webhook(&self, id: i64, audit: Audit) -> Result<(), StoreError> {
        let txn = self.write.begin().await?;
        let row = chat_webhooks::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or(StoreError::NotFound("chat_webhook"))?;
        chat_webhooks::Entity::delete_by_id(id).exec(&txn).await?;
        append_audit(
            &txn,
            audit,
            ("chat_webhook", id),
            "delete",
            record(&row),
            serde_json::Value::Null,
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// Every robot, by owner.
    pub async fn webhooks(&self) -> Result<Vec<chat_webhooks::Model>, StoreError> {
        use chat_webhooks::Column as C;
        Ok(chat_webhooks::Entity::find()
            .order_by_asc(C::OwnerKind)
            .order_by_asc(C::OwnerId)
            .order_by_asc(C::Id)
            .all(&self.read)
            .await?)
    }

    /// One robot.
    pub async fn webhook(&self, id: i64) -> Result<Option<chat_webhooks::Model>, StoreError> {
        Ok(chat_webhooks::Entity::find_by_id(id)
            .one(&self.read)
            .await?)
    }

    /// Every active robot (a zone has tens of them).
    pub async fn active_webhooks(&self) -> Result<Vec<chat_webhooks::Model>, StoreError> {
        use chat_webhooks::Column as C;
        Ok(chat_webhooks::Entity::find()
            .filter(C::Active.eq(true))
            .order_by_asc(C::Id)
            .all(&self.read)
            .await?)
    }
}
