//! The outbox worker: claim, render, send, record; back off on failure; dead after N tries.

use std::sync::atomic::Ordering;

use chrono::{DateTime, Duration, Utc};
use gridline_app::AppResult;
use gridline_app::mail::{self, Due, PrepareError, Prepared};
use gridline_domain::UserId;
use gridline_domain::digest::Period;

use crate::Notifier;
use crate::compose::{ComposeError, Composed, message_id, ticket_message};
use crate::mailer::{Email, mask};

/// What one pass over the outbox did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DrainReport {
    pub claimed: usize,
    pub sent: usize,
    pub failed: usize,
    pub dead: usize,
    pub skipped: usize,
}

impl Notifier {
    /// The backoff after the `attempts`th failed attempt.
    pub fn backoff(&self, attempts: i32) -> Duration {
        let w = &self.config.worker;
        let exp = attempts.clamp(1, 30) as u32 - 1;
        let secs = w
            .backoff_base_secs
            .saturating_mul(2u64.saturating_pow(exp))
            .min(w.backoff_max_secs);
        Duration::seconds(secs as i64)
    }

    /// Composes the message of a row.
    pub async fn compose(&self, row: &Due, now: DateTime<Utc>) -> Result<Composed, ComposeError> {
        let mail = &self.config.mail;
        if row.kind == "digest" {
            let payload: serde_json::Value = serde_json::from_str(&row.payload)
                .map_err(|e| PrepareError::Payload(e.to_string()))?;
            let leader = payload
                .get("leader_id")
                .and_then(|v| v.as_i64())
                .map(UserId)
                .ok_or_else(|| PrepareError::Payload("leader_id".into()))?;
            let period = payload
                .get("period")
                .and_then(|v| v.as_str())
                .and_then(Period::parse)
                .ok_or_else(|| PrepareError::Payload("period".into()))?;
            let d = match crate::digest::build(
                &self.app,
                &self.templates,
                &mail.base_url,
                leader,
                period,
            )
            .await?
            {
                Prepared::Ready(d) => d,
                Prepared::NoRecipients(why) => return Ok(Composed::NoRecipients(why)),
                Prepared::Obsolete(why) => return Ok(Composed::Obsolete(why)),
            };
            let Some(address) = d.leader.email.clone().filter(|e| !e.is_empty()) else {
                return Ok(Composed::NoRecipients(
                    "the leader has no email address / 领导无邮箱".into(),
                ));
            };
            return Ok(Composed::Email(Email {
                message_id: message_id(row, &mail.message_id_domain),
                to: vec![(d.leader.display_name.clone(), address)],
                subject: d.subject,
                text: d.text,
                html: d.html,
                attachments: vec![d.xlsx],
            }));
        }
        if row.kind == gridline_app::appraisal::MAIL_KIND {
            return crate::bulletin::message(
                &self.app,
                &self.templates,
                &mail.base_url,
                &mail.message_id_domain,
                row,
            )
            .await;
        }
        if gridline_domain::policy::DeliveryNotice::parse(&row.kind).is_some() {
            return crate::delivery::message(
                &self.app,
                &self.templates,
                &mail.base_url,
                &mail.message_id_domain,
                row,
            )
            .await;
        }
        if gridline_domain::project::MilestoneNotice::parse(&row.kind).is_some() {
            return crate::delivery::milestone_message(
                &self.app,
                &self.templates,
                &mail.base_url,
                &mail.message_id_domain,
                row,
            )
            .await;
        }
        ticket_message(
            &self.app,
            &self.templates,
            &mail.base_url,
            &mail.message_id_domain,
            row,
            now,
        )
        .await
    }

    /// Claims one batch of due rows and sends them. Errors of one row are recorded on it;
    /// only a database failure on the batch itself is returned.
    pub async fn drain_once(&self) -> AppResult<DrainReport> {
        let now = self.app.now();
        let w = &self.config.worker;
        let lease = std::time::Duration::from_secs(w.lease_secs);
        let rows = mail::claim(&self.app, lease, w.batch).await?;
        let mut report = DrainReport {
            claimed: rows.len(),
            ..Default::default()
        };
        for row in rows {
            if row.kind == gridline_app::chat::KIND {
                self.deliver_chat(&row, &mut report).await?;
                continue;
            }
            if gridline_app::chat::wanted(&self.app, &row.kind)
                && let Err(e) = self.chat_fan_out(&row).await
            {
                // Tried again with the row's next attempt (each robot once).
                tracing::warn!(outbox = row.id, kind = %row.kind, error = %e, "queueing chat messages failed");
            }
            // (whether the mail server failed, the error)
            let result = match self.compose(&row, now).await {
                Ok(Composed::Email(email)) => self.mailer.send(&email).await.map_err(|e| {
                    let to: Vec<String> = email.to.iter().map(|(_, a)| mask(a)).collect();
                    (true, format!("{e} (to {})", to.join(", ")))
                }),
                Ok(Composed::NoRecipients(reason) | Composed::Obsolete(reason)) => {
                    tracing::info!(outbox = row.id, kind = %row.kind, %reason, "nothing to send");
                    mail::skipped(&self.app, row.id, reason).await?;
                    report.skipped += 1;
                    continue;
                }
                Err(e) => Err((false, format!("composing: {e}"))),
            };
            match result {
                Ok(()) => {
                    mail::sent(&self.app, row.id).await?;
                    tracing::debug!(outbox = row.id, kind = %row.kind, "sent");
                    metrics::counter!("outbox_sent_total", "kind" => row.kind.clone()).increment(1);
                    if self.outage.swap(false, Ordering::Relaxed) {
                        tracing::warn!(
                            "the mail server answers again; waiting messages are being sent"
                        );
                    }
                    report.sent += 1;
                }
                Err((server, error)) => {
                    let dead = row.attempts >= w.max_attempts;
                    let retry_at = (!dead).then(|| self.app.now() + self.backoff(row.attempts));
                    if dead {
                        tracing::error!(outbox = row.id, kind = %row.kind, attempts = row.attempts, %error, "giving up on a message: it is dead until an admin retries it");
                        report.dead += 1;
                        metrics::counter!("outbox_dead_total", "kind" => row.kind.clone())
                            .increment(1);
                    } else {
                        if !server {
                            tracing::warn!(outbox = row.id, kind = %row.kind, attempts = row.attempts, retry_at = ?retry_at, %error, "sending failed; will retry");
                        } else if !self.outage.swap(true, Ordering::Relaxed) {
                            // Once per outage, not once per message and minute.
                            tracing::warn!(
                                %error,
                                backoff_base_secs = w.backoff_base_secs,
                                backoff_max_secs = w.backoff_max_secs,
                                "sending failed: the mail server cannot take messages; they wait and are retried with backoff (logged once until it answers again)"
                            );
                        } else {
                            tracing::debug!(outbox = row.id, kind = %row.kind, attempts = row.attempts, %error, "sending failed; will retry");
                        }
                        report.failed += 1;
                        metrics::counter!("outbox_failed_total", "kind" => row.kind.clone())
                            .increment(1);
                    }
                    mail::failed(&self.app, row.id, error, retry_at).await?;
                }
            }
        }
        Ok(report)
    }

    /// Queues the chat messages of a row for its groups' robots (each once).
    async fn chat_fan_out(&self, row: &Due) -> AppResult<()> {
        let (ticket, targets) = gridline_app::chat::targets(&self.app, row).await?;
        if targets.is_empty() {
            return Ok(());
        }
        let base = &self.config.mail.base_url;
        let text = match &ticket {
            Some(t) => {
                let names = gridline_app::directory::Directory::load(&self.app).await?;
                crate::chat::ticket_text(
                    &row.kind,
                    t,
                    &names.department(t.department_id.map(|d| d.0)),
                    base,
                )
            }
            None => match crate::chat::digest_text(&self.app, row, base).await? {
                Some(text) => text,
                None => return Ok(()),
            },
        };
        gridline_app::chat::enqueue(&self.app, row, targets, &text).await?;
        Ok(())
    }

    /// Records whether a robot is down; true when that changed.
    fn chat_down(&self, robot: i64, down: bool) -> bool {
        let Ok(mut set) = self.chat_outage.lock() else {
            return false;
        };
        if down {
            set.insert(robot)
        } else {
            set.remove(&robot)
        }
    }

    /// Posts a chat row: sent; retried with backoff (rate limits, the network, anything
    /// the platform did not call permanent); dead at once when the platform refuses the
    /// robot (a wrong signature, key or keyword), for an administrator to mend and retry.
    async fn deliver_chat(&self, row: &Due, report: &mut DrainReport) -> AppResult<()> {
        use gridline_domain::chat::ChatAnswer;
        let kind = gridline_app::chat::KIND;
        let mut robot = None;
        let answer = match gridline_app::chat::delivery(&self.app, row).await {
            Ok(Some(d)) => {
                robot = Some(d.webhook_id);
                let timeout = std::time::Duration::from_secs(self.app.chat.timeout_secs.max(1));
                crate::chat::post(&d, self.app.now(), timeout).await
            }
            Ok(None) => {
                mail::skipped(
                    &self.app,
                    row.id,
                    "the robot was removed / 机器人已删除".into(),
                )
                .await?;
                report.skipped += 1;
                return Ok(());
            }
            Err(e) => ChatAnswer::Failed(format!("reading the row: {e}")),
        };
        let w = &self.config.worker;
        let unreachable = matches!(answer, ChatAnswer::Failed(_));
        let (error, retry) = match answer {
            ChatAnswer::Ok => {
                mail::sent(&self.app, row.id).await?;
                metrics::counter!("outbox_sent_total", "kind" => kind).increment(1);
                if robot.is_some_and(|r| self.chat_down(r, false)) {
                    tracing::warn!(robot = ?robot, "a chat robot answers again; waiting messages are being sent");
                }
                report.sent += 1;
                return Ok(());
            }
            ChatAnswer::Refused(e) => (e, false),
            ChatAnswer::RateLimited(e) | ChatAnswer::Failed(e) => {
                (e, row.attempts < w.max_attempts)
            }
        };
        let retry_at = retry.then(|| self.app.now() + self.backoff(row.attempts));
        if retry {
            if unreachable && robot.is_some_and(|r| self.chat_down(r, true)) {
                // Once per robot and outage, not once per message and minute.
                tracing::warn!(robot = ?robot, %error, backoff_base_secs = w.backoff_base_secs, backoff_max_secs = w.backoff_max_secs, "a chat message could not be posted; messages wait and are retried with backoff (logged once until a post gets through)");
            } else {
                tracing::debug!(outbox = row.id, attempts = row.attempts, retry_at = ?retry_at, %error, "chat message not taken; will retry");
            }
            metrics::counter!("outbox_failed_total", "kind" => kind).increment(1);
            report.failed += 1;
        } else {
            tracing::error!(outbox = row.id, attempts = row.attempts, %error, "giving up on a chat message: it is dead until an admin retries it");
            metrics::counter!("outbox_dead_total", "kind" => kind).increment(1);
            report.dead += 1;
        }
        mail::failed(&self.app, row.id, error, retry_at).await?;
        Ok(())
    }

    /// Sends until nothing is due (tests and the CLI use it).
    pub async fn drain(&self) -> AppResult<DrainReport> {
        let mut total = DrainReport::default();
        loop {
            let r = self.drain_once().await?;
            total.claimed += r.claimed;
            total.sent += r.sent;
            total.failed += r.failed;
            total.dead += r.dead;
            total.skipped += r.skipped;
            if r.claimed == 0 {
                return Ok(total);
            }
        }
    }
}
