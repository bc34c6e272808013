//! Administration: the outbox of notifications.

pub mod outbox;
