//! The outbox: messages waiting to be sent. Workers claim rows with a lease (on PostgreSQL
//! with `FOR UPDATE SKIP LOCKED`, so several workers never take the same row), record the
//! result, and retry with backoff until a row is sent or dead.

use chrono::{DateTime, Utc};
use gridline_domain::TicketId;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DbBackend, EntityTrait, NotSet, QueryFilter, QueryOrder,
    QuerySelect, Set, Statement,
};

use crate::entity::outbox;
use crate::{Store, StoreError, to_ms};

/// The states of an outbox row.
pub mod state {
    /// Waiting for its next attempt.
    pub const PENDING: &str = "pending";
    /// Delivered to the SMTP server.
    pub const SENT: &str = "sent";
    /// Given up after the configured number of attempts; an admin may retry it.
    pub const DEAD: &str = "dead";
    /// Nobody to send it to (no recipient has an address).
    pub const SKIPPED: &str = "skipped";
}

/// A row to write outside a ticket command (deadline notices, digests).
#[derive(Debug, Clone)]
pub struct NewOutbox {
    pub kind: String,
    pub ticket_id: Option<TicketId>,
    /// Unique: a second row with the same key is not written.
    pub dedupe_key: String,
    pub payload: serde_json::Value,
}

/// The notification row of a ticket event, written in the event's own transaction (so an
/// event that notifies is never without its mail, nor a mail without its event).
pub(crate) async fn enqueue_event(
    txn: &sea_orm::DatabaseTransaction,
    ticket: TicketId,
    event_id: i64,
    action: &str,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    use sea_orm::ActiveModelTrait as _;
    event_row(ticket, event_id, action, at).insert(txn).await?;
    Ok(())
}

/// The outbox row of a ticket event that notifies (one filing's, or a batch's rows).
pub(crate) fn event_row(
    ticket: TicketId,
    event_id: i64,
    action: &str,
    at: DateTime<Utc>,
) -> outbox::ActiveModel {
    outbox::ActiveModel {
        id: NotSet,
        ticket_id: Set(Some(ticket.0)),
        event_id: Set(Some(event_id)),
        dedupe_key: Set(None),
        locked_until: Set(None),
        kind: Set(action.to_owned()),
        payload: Set(serde_json::json!({
            "ticket_id": ticket.0,
            "event_id": event_id,
            "action": action,
        })
        .to_string()),
        state: Set(state::PENDING.to_owned()),
        attempts: Set(0),
        next_attempt_at: Set(to_ms(at)),
        last_error: Set(None),
        created_at: Set(to_ms(at)),
        sent_at: Set(None),
    }
}

/// Writes a row unless one with its dedupe key exists, on `db` (a transaction or the pool).
pub(crate) async fn enqueue_in<C: sea_orm::ConnectionTrait>(
    db: &C,
    row: NewOutbox,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let model = outbox::ActiveModel {
        id: NotSet,
        ticket_id: Set(row.ticket_id.map(|t| t.0)),
        event_id: Set(None),
        dedupe_key: Set(Some(row.dedupe_key)),
        kind: Set(row.kind),
        payload: Set(row.payload.to_string()),
        state: Set(state::PENDING.into()),
        attempts: Set(0),
        next_attempt_at: Set(to_ms(now)),
        last_error: Set(None),
        locked_until: Set(None),
        created_at: Set(to_ms(now)),
        sent_at: Set(None),
    };
    let inserted = outbox::Entity::insert(model)
        .on_conflict(
            OnConflict::column(outbox::Column::DedupeKey)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(inserted > 0)
}

impl Store {
    /// How many messages wait to be sent, and since when the oldest (metrics).
    pub async fn outbox_pending_stats(&self) -> Result<(u64, Option<DateTime<Utc>>), StoreError> {
        use sea_orm::PaginatorTrait;
        let n = outbox::Entity::find()
            .filter(outbox::Column::State.eq(state::PENDING))
            .count(&self.read)
            .await?;
        Ok((n, self.oldest_pending_outbox().await?))
    }

    /// When the oldest message still waiting to be sent was written (readiness).
    pub async fn oldest_pending_outbox(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        let oldest: Option<Option<i64>> = outbox::Entity::find()
            .select_only()
            .column_as(outbox::Column::CreatedAt.min(), "oldest")
            .filter(outbox::Column::State.eq(state::PENDING))
            .into_tuple()
            .one(&self.read)
            .await?;
        oldest.flatten().map(crate::from_ms).transpose()
    }

    /// Writes a row unless one with its dedupe key exists. Returns whether it was written.
    pub async fn enqueue(&self, row: NewOutbox, now: DateTime<Utc>) -> Result<bool, StoreError> {
        enqueue_in(&self.write, row, now).await
    }

    /// Queues messages (each once: a row with the same dedupe key is not written again).
    pub async fn enqueue_all(
        &self,
        rows: Vec<NewOutbox>,
        now: DateTime<Utc>,
    ) -> Result<usize, StoreError> {
        use sea_orm::TransactionTrait as _;
        let txn = self.write.begin().await?;
        let mut n = 0;
        for row in rows {
            if enqueue_in(&txn, row, now).await? {
                n += 1;
            }
        }
        txn.commit().await?;
        Ok(n)
    }

    /// Which of these dedupe keys already have a row.
    pub async fn existing_dedupe_keys(&self, keys: &[String]) -> Result<Vec<String>, StoreError> {
        if keys.is_empty() {
            return Ok(vec![]);
        }
        Ok(outbox::Entity::find()
            .select_only()
            .column(outbox::Column::DedupeKey)
            .filter(outbox::Column::DedupeKey.is_in(keys.to_vec()))
            .into_tuple::<Option<String>>()
            .all(&self.read)
            .await?
            .into_iter()
            .flatten()
            .collect())
    }

    /// Claims up to `limit` due rows for `lease_ms`, counting the attempt. Rows whose lease
    /// ran out (a worker died mid-send) are due again.
    pub async fn claim_outbox(
        &self,
        now: DateTime<Utc>,
        lease_ms: i64,
        limit: u64,
    ) -> Result<Vec<outbox::Model>, StoreError> {
        let backend = self.write.get_database_backend();
        let now_ms = to_ms(now);
        let stmt = match backend {
            DbBackend::Postgres => Statement::from_sql_and_values(
                backend,
                "UPDATE outbox SET locked_until = $1, attempts = attempts + 1 \
                 WHERE id IN (SELECT id FROM outbox WHERE state = 'pending' AND next_attempt_at <= $2 \
                   AND (locked_until IS NULL OR locked_until < $2) ORDER BY id LIMIT $3 \
                   FOR UPDATE SKIP LOCKED) \
                 RETURNING *",
                [
                    (now_ms + lease_ms).into(),
                    now_ms.into(),
                    (limit as i64).into(),
                ],
            ),
            _ => Statement::from_sql_and_values(
                backend,
                "UPDATE outbox SET locked_until = ?, attempts = attempts + 1 \
                 WHERE id IN (SELECT id FROM outbox WHERE state = 'pending' AND next_attempt_at <= ? \
                   AND (locked_until IS NULL OR locked_until < ?) ORDER BY id LIMIT ?) \
                 RETURNING *",
                [
                    (now_ms + lease_ms).into(),
                    now_ms.into(),
                    now_ms.into(),
                    (limit as i64).into(),
                ],
            ),
        };
        let mut rows = outbox::Entity::find()
            .from_raw_sql(stmt)
            .all(&self.write)
            .await?;
        rows.sort_by_key(|r| r.id);
        Ok(rows)
    }

    async fn finish(
        &self,
        id: i64,
        state: &str,
        error: Option<String>,
        next_attempt_at: Option<DateTime<Utc>>,
        sent_at: Option<DateTime<Utc>>,
    ) -> Result<(), StoreError> {
        let mut row = outbox::ActiveModel {
            id: Set(id),
            state: Set(state.into()),
            last_error: Set(error),
            locked_until: Set(None),
            ..Default::default()
        };
        if let Some(t) = next_attempt_at {
            row.next_attempt_at = Set(to_ms(t));
        }
        if let Some(t) = sent_at {
            row.sent_at = Set(Some(to_ms(t)));
        }
        row.update(&self.write).await?;
        Ok(())
    }

    /// Records a delivery.
    pub async fn outbox_sent(&self, id: i64, now: DateTime<Utc>) -> Result<(), StoreError> {
        self.finish(id, state::SENT, None, None, Some(now)).await
    }

    /// Records a failed attempt: the row waits until `retry_at`, or is dead.
    pub async fn outbox_failed(
        &self,
        id: i64,
        error: String,
        retry_at: Option<DateTime<Utc>>,
    ) -> Result<(), StoreError> {
        match retry_at {
            Some(t) => {
                self.finish(id, state::PENDING, Some(error), Some(t), None)
                    .await
            }
            None => self.finish(id, state::DEAD, Some(error), None, None).await,
        }
    }

    /// Records that there was nobody to send to.
    pub async fn outbox_skipped(&self, id: i64, reason: String) -> Result<(), StoreError> {
        self.finish(id, state::SKIPPED, Some(reason), None, None)
            .await
    }

    /// Rows in a state, newest first.
    pub async fn outbox(
        &self,
        state: Option<&str>,
        limit: u64,
    ) -> Result<Vec<outbox::Model>, StoreError> {
        let mut q = outbox::Entity::find().order_by_desc(outbox::Column::Id);
        if let Some(s) = state {
            q = q.filter(outbox::Column::State.eq(s));
        }
        Ok(q.limit(limit).all(&self.read).await?)
    }

    /// Puts a dead (or skipped) row back in the queue with a fresh count of attempts.
    pub async fn outbox_retry(
        &self,
        id: i64,
        now: DateTime<Utc>,
    ) -> Result<outbox::Model, StoreError> {
        let row = outbox::Entity::find_by_id(id)
            .one(&self.write)
            .await?
            .ok_or(StoreError::NotFound("outbox row"))?;
        if row.state != state::DEAD && row.state != state::SKIPPED {
            return Err(StoreError::Conflict {
                code: "not_retryable",
                message: "only dead or skipped rows can be retried / 只能重试失败或跳过的消息",
            });
        }
        let mut active: outbox::ActiveModel = row.into();
        active.state = Set(state::PENDING.into());
        active.attempts = Set(0);
        active.next_attempt_at = Set(to_ms(now));
        active.locked_until = Set(None);
        Ok(active.update(&self.write).await?)
    }
}
