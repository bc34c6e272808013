//! Gridline's mail door. Every notification is an outbox row written in the same transaction
//! as the event that causes it; here a worker claims due rows, renders them from template
//! files, sends them over SMTP, records the result and retries with backoff. A sweeper has
//! the application write deadline notices and the leaders' digests, each exactly once.
//!
//! Like the other doors, this crate reads and writes nothing itself: what a message says
//! comes from the application (`gridline_app::mail`), the numbers and tables of a digest
//! from `gridline-report`. The binary wires it beside the API and the pages.

mod bulletin;
pub mod chat;
pub mod compose;
pub mod config;
pub mod delivery;
pub mod digest;
pub mod mailer;
pub mod sweeper;
pub mod templates;
pub mod worker;

use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveTime;
use gridline_app::AppState;
use gridline_app::mail::DigestSchedule;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use config::NotifierConfig;
pub use mailer::{Email, MailError, Mailer, SmtpMailer};
pub use templates::Templates;

/// The notifier: everything the worker and the sweeper need.
pub struct Notifier {
    /// The application (its clock is the one time source; tests control it).
    pub app: AppState,
    pub mailer: Arc<dyn Mailer>,
    pub templates: Templates,
    pub config: NotifierConfig,
    /// Whether the mail server failed the last send: an outage is logged when it starts and
    /// when it ends, not once per message.
    pub outage: std::sync::atomic::AtomicBool,
    /// The same for each chat robot: the robots whose posts could not get through (the
    /// network, a platform down), logged when that starts and ends, not once per message.
    pub chat_outage: std::sync::Mutex<std::collections::HashSet<i64>>,
}

impl Notifier {
    /// The local time digests go out.
    pub fn digest_time(&self) -> NaiveTime {
        self.config.digest.send_at
    }

    /// When digests go out, if they are on.
    pub fn digest_schedule(&self) -> Option<DigestSchedule> {
        self.config.digest.enabled.then_some(DigestSchedule {
            send_at: self.config.digest.send_at,
            catch_up_days: self.config.digest.catch_up_days,
        })
    }

    /// Starts the worker and the sweeper; they stop after `shutdown` turns true, the worker
    /// once the batch in hand is sent and recorded.
    pub fn spawn(self: Arc<Self>, shutdown: watch::Receiver<bool>) -> Vec<JoinHandle<()>> {
        let worker = {
            let n = self.clone();
            let mut stop = shutdown.clone();
            tokio::spawn(async move {
                let idle = Duration::from_millis(n.config.worker.poll_ms.max(10));
                loop {
                    if *stop.borrow() {
                        break;
                    }
                    let busy = match n.drain_once().await {
                        Ok(report) => report.claimed > 0,
                        Err(e) => {
                            tracing::warn!(error = %e, "outbox worker: database error; retrying");
                            false
                        }
                    };
                    if !busy {
                        tokio::select! {
                            _ = tokio::time::sleep(idle) => {}
                            _ = stop.changed() => {}
                        }
                    }
                }
                tracing::info!("outbox worker stopped");
            })
        };
        let sweeper = {
            let n = self.clone();
            let mut stop = shutdown;
            tokio::spawn(async move {
                let every = Duration::from_secs(n.config.notices.interval_secs.max(1));
                loop {
                    if let Err(e) = n.sweep_once().await {
                        tracing::warn!(error = %e, "sweeper: database error; retrying");
                    }
                    tokio::select! {
                        _ = tokio::time::sleep(every) => {}
                        _ = stop.changed() => {}
                    }
                    if *stop.borrow() {
                        break;
                    }
                }
            })
        };
        vec![worker, sweeper]
    }
}
