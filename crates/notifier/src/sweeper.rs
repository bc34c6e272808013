//! The sweeper: deadline notices for every ticket with a running deadline, and the digests
//! that have fallen due. Each is written with a dedupe key, so it is written once however
//! many sweepers run.

use chrono::Duration;
use gridline_domain::digest::{Period, due_periods};
use gridline_domain::notice::deadline_notices;
use gridline_domain::{Role, UserId};
use gridline_store::StoreError;
use gridline_store::outbox::NewOutbox;

use crate::Notifier;

/// What one sweep wrote.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SweepReport {
    pub notices: usize,
    pub digests: usize,
}

const BATCH: u64 = 500;

impl Notifier {
    /// Writes the deadline notices and digests due now.
    pub async fn sweep_once(&self) -> Result<SweepReport, StoreError> {
        let now = self.clock.now();
        let policy = self.notice_policy();
        let mut report = SweepReport::default();
        let mut after = 0;
        loop {
            let batch = self.store.tickets_with_deadline(after, BATCH).await?;
            let Some(last) = batch.last() else { break };
            after = last.id.0;
            let mut due = Vec::new();
            for t in &batch {
                for n in deadline_notices(t, now, &self.calendar, &policy) {
                    due.push((t.id, n));
                }
            }
            let keys: Vec<String> = due.iter().map(|(t, n)| n.dedupe_key(t.0)).collect();
            let existing = self.store.existing_dedupe_keys(&keys).await?;
            for ((ticket, notice), key) in due.into_iter().zip(keys) {
                if existing.contains(&key) {
                    continue;
                }
                let written = self
                    .store
                    .enqueue(
                        NewOutbox {
                            kind: notice.kind.as_str().into(),
                            ticket_id: Some(ticket),
                            dedupe_key: key,
                            payload: serde_json::json!({
                                "ticket_id": ticket.0,
                                "due_at": notice.due_at.timestamp_millis(),
                            }),
                        },
                        now,
                    )
                    .await?;
                report.notices += usize::from(written);
            }
            if (batch.len() as u64) < BATCH {
                break;
            }
        }
        if self.config.digest.enabled {
            let since = now - Duration::days(self.config.digest.catch_up_days.max(0));
            for period in due_periods(&self.calendar, self.digest_time(), since, now) {
                report.digests += self.enqueue_digests(period).await?;
            }
        }
        Ok(report)
    }

    /// Queues the digest of `period` for every active leader (once per leader and period).
    pub async fn enqueue_digests(&self, period: Period) -> Result<usize, StoreError> {
        let now = self.clock.now();
        let mut written = 0;
        for leader in self.store.users(Some(Role::Leader)).await? {
            if !leader.active {
                continue;
            }
            let id = UserId(leader.id);
            let key = crate::digest::dedupe_key(period, id);
            let inserted = self
                .store
                .enqueue(
                    NewOutbox {
                        kind: "digest".into(),
                        ticket_id: None,
                        dedupe_key: key,
                        payload: serde_json::json!({"leader_id": id.0, "period": period.to_string()}),
                    },
                    now,
                )
                .await?;
            if inserted {
                tracing::info!(%period, leader = id.0, "digest queued");
            }
            written += usize::from(inserted);
        }
        Ok(written)
    }
}
