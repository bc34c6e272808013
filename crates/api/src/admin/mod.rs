//! Administration: the outbox of notifications and the audit log.

pub mod audit;
pub mod chat;
pub mod outbox;
