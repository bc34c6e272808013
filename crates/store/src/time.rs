//! Timestamps are stored as epoch milliseconds.

use chrono::{DateTime, Utc};

/// An instant as stored.
pub fn to_ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

/// A stored instant.
pub fn from_ms(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}
