//! Gridline's mail. Every notification is an outbox row written in the same transaction as
//! the event that causes it (by the store); here a worker claims due rows, renders them from
//! template files, sends them over SMTP, records the result and retries with backoff. A
//! sweeper writes deadline notices and schedules the leaders' digests, each exactly once.
//!
//! The API does not depend on this crate, nor this crate on the API: the binary wires both.

pub mod compose;
pub mod config;
pub mod digest;
pub mod mailer;
pub mod sweeper;
pub mod templates;
pub mod worker;

use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveTime;
use gridline_domain::WorkCalendar;
use gridline_domain::notice::NoticePolicy;
use gridline_store::Store;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use config::NotifierConfig;
pub use mailer::{Email, MailError, Mailer, SmtpMailer};
pub use templates::Templates;

/// The notifier: everything the worker and the sweeper need.
pub struct Notifier {
    pub store: Store,
    pub mailer: Arc<dyn Mailer>,
    pub templates: Templates,
    pub calendar: Arc<WorkCalendar>,
    pub config: NotifierConfig,
    /// The application's one time source (tests control it).
    pub clock: Arc<dyn gridline_app::Clock>,
}

impl Notifier {
    /// The deadline notice policy.
    pub fn notice_policy(&self) -> NoticePolicy {
        self.config.notice_policy()
    }

    /// The local time digests go out.
    pub fn digest_time(&self) -> NaiveTime {
        self.config.digest.send_at
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
