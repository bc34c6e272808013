//! Bulletins (通报): published once per period with the mail that circulates them, in one
//! transaction; read back exactly as published.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, NotSet, QueryFilter, QueryOrder, QuerySelect, Set,
    TransactionTrait,
};

use crate::entity::bulletins;
use crate::outbox::NewOutbox;
use crate::{Store, StoreError, from_ms, to_ms};

/// A bulletin in the list (without its snapshot).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulletinRow {
    pub period: String,
    pub published_at: DateTime<Utc>,
    pub published_by: i64,
}

impl Store {
    /// Stores a bulletin and the outbox row that circulates it. A period is published once:
    /// a second time is `Conflict { code: "already_published" }` and writes nothing.
    pub async fn publish_bulletin(
        &self,
        period: &str,
        at: DateTime<Utc>,
        by: i64,
        snapshot: String,
        mail: NewOutbox,
    ) -> Result<(), StoreError> {
        let txn = self.write.begin().await?;
        bulletins::ActiveModel {
            id: NotSet,
            period: Set(period.to_owned()),
            published_at: Set(to_ms(at)),
            published_by: Set(by),
            snapshot: Set(snapshot),
        }
        .insert(&txn)
        .await?;
        crate::outbox::enqueue_in(&txn, mail, at).await?;
        txn.commit().await?;
        Ok(())
    }

    /// Every published bulletin, newest first.
    pub async fn bulletins(&self) -> Result<Vec<BulletinRow>, StoreError> {
        use bulletins::Column as C;
        let rows: Vec<(String, i64, i64)> = bulletins::Entity::find()
            .select_only()
            .columns([C::Period, C::PublishedAt, C::PublishedBy])
            .order_by_desc(C::PublishedAt)
            .order_by_desc(C::Id)
            .into_tuple()
            .all(&self.read)
            .await?;
        rows.into_iter()
            .map(|(period, at, by)| {
                Ok(BulletinRow {
                    period,
                    published_at: from_ms(at)?,
                    published_by: by,
                })
            })
            .collect()
    }

    /// A published bulletin's snapshot, as stored.
    pub async fn bulletin(&self, period: &str) -> Result<String, StoreError> {
        bulletins::Entity::find()
            .filter(bulletins::Column::Period.eq(period))
            .one(&self.read)
            .await?
            .map(|m| m.snapshot)
            .ok_or(StoreError::NotFound("bulletin"))
    }
}
