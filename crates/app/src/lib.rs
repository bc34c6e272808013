//! Gridline's application layer: the use cases every door calls.
//!
//! The JSON API, the pages and the CLI are doors: they turn what they received into the
//! inputs here, call one use case, and translate its answer ([`AppError`] included) into
//! their own form. Rules live in `gridline-domain`, rows in `gridline-store`; this crate
//! holds what sits between: [`AppState`] (every cache, the clock), authentication and the
//! [`Caller`], the error policy, and the use cases (`tickets`, `org`).

pub mod admin;
pub mod appraisal;
pub mod audit;
pub mod auth;
pub mod chat;
pub mod digest;
pub mod directory;
pub mod error;
mod input;
pub mod mail;
pub mod org;
pub mod people;
pub mod policies;
pub mod present;
pub mod projects;
pub mod register;
pub mod state;
pub mod tickets;
pub mod visits;

pub use auth::Caller;

/// How much of a refused oversize body a door reads and drops before answering (so the
/// client reads the 413 instead of a reset connection), and for how long at most.
pub const DRAIN_MAX: usize = 1 << 20;
/// See [`DRAIN_MAX`].
pub const DRAIN_TIME: std::time::Duration = std::time::Duration::from_secs(2);

/// The length a request declares (`Content-Length`), for doors that refuse an oversize body
/// before reading it.
pub fn declared_length(headers: &http::HeaderMap) -> Option<u64> {
    headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
}
pub use error::{AppError, AppResult, ErrorKind};

/// Whether the service can answer requests: the database is reachable (`/readyz`).
pub async fn ready(state: &AppState) -> AppResult<()> {
    let not_ready = |e: gridline_store::StoreError| {
        tracing::warn!(error = %e, "not ready");
        AppError::unavailable()
    };
    state.store.ping().await.map_err(not_ready)?;
    let pending = state.store.pending_migrations().await.map_err(not_ready)?;
    if !pending.is_empty() {
        return Err(AppError::unavailable().detail(format!(
            "migrations pending: {} (run `gridline migrate`) / 数据库迁移未完成",
            pending.join(", ")
        )));
    }
    if let Some(limit) = state.ready_outbox_max_age
        && let Some(oldest) = state
            .store
            .oldest_pending_outbox()
            .await
            .map_err(not_ready)?
    {
        let age = state.now() - oldest;
        if age > limit {
            return Err(AppError::unavailable().detail(format!(
                "outbox: the oldest message waiting to be sent is {} minutes old (limit {}) / 通知积压",
                age.num_minutes(),
                limit.num_minutes()
            )));
        }
    }
    Ok(())
}
pub use state::{AppState, Clock, SystemClock, Uploads};
