//! What every use case can reach: one `AppState`, with every cache inside it.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use gridline_domain::notice::NoticePolicy;
use gridline_domain::{SlaPolicy, WorkCalendar};
use gridline_store::Store;

use crate::auth::{ActorCache, AuthKeys};

/// Where "now" comes from, so tests can control time.
pub trait Clock: Send + Sync + 'static {
    /// The current instant.
    fn now(&self) -> DateTime<Utc>;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// Shared state of the API.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub store: Store,
    /// Token signing and verification, and password hashing parameters.
    pub auth: Arc<AuthKeys>,
    /// The official working-day calendar.
    pub calendar: Arc<WorkCalendar>,
    /// Deadline targets per category and priority.
    pub sla: Arc<SlaPolicy>,
    /// The time source.
    pub clock: Arc<dyn Clock>,
    /// Recently authenticated callers.
    pub actors: Arc<ActorCache>,
    /// When a deadline turns yellow (the same point the warning mail goes out).
    pub notice: NoticePolicy,
    /// Uploads being read at once (each holds its files in memory until it is stored).
    pub uploads: Arc<Uploads>,
    /// The organisation's names, kept until the organisation changes.
    pub directory: Arc<crate::directory::DirectoryCache>,
    /// The digest's numbers per scope and period, kept until an event is written.
    pub digests: Arc<crate::digest::DigestCache>,
    /// How often each enterprise class is to be visited (config `[visits]`).
    pub visits: gridline_domain::visit::VisitTargets,
    /// Who publishes policies and how long a delivery may take (config `[policies]`).
    pub policies: Arc<gridline_domain::policy::PolicySettings>,
    /// `/readyz` fails when a message has waited in the outbox longer than this (config
    /// `server.ready_outbox_max_age_secs`; 0: never).
    pub ready_outbox_max_age: Option<chrono::Duration>,
    /// How departments are scored and what the bulletin names (config `[appraisal]`).
    pub appraisal: Arc<gridline_domain::appraisal::AppraisalPolicy>,
    /// Group-chat robots (`[chat]`).
    pub chat: Arc<crate::chat::ChatSettings>,
}

/// The bound on uploads read at once.
#[derive(Debug)]
pub struct Uploads {
    /// One permit per upload being read.
    pub permits: Arc<tokio::sync::Semaphore>,
    /// How long an upload waits for a permit before it is refused (503).
    pub wait: std::time::Duration,
}

impl Uploads {
    /// At most `n` at once (at least one), each waiting up to `wait`.
    pub fn new(n: usize, wait: std::time::Duration) -> Self {
        Self {
            permits: Arc::new(tokio::sync::Semaphore::new(n.max(1))),
            wait,
        }
    }

    /// A turn to hold a large body in memory, waiting up to `wait` (then 503 `busy`).
    pub async fn turn(&self) -> crate::AppResult<tokio::sync::OwnedSemaphorePermit> {
        tokio::time::timeout(self.wait, self.permits.clone().acquire_owned())
            .await
            .map_err(|_| crate::AppError::busy())?
            .map_err(|_| crate::AppError::busy())
    }
}

impl AppState {
    /// The current instant.
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }
}
