//! Timestamps are stored as epoch milliseconds.

use chrono::{DateTime, Utc};

use crate::StoreError;

/// An instant as stored.
pub fn to_ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

/// A stored instant. A value no instant has (beyond ±262 000 years) is corruption, reported
/// as such rather than shown as 1970.
pub fn from_ms(ms: i64) -> Result<DateTime<Utc>, StoreError> {
    DateTime::from_timestamp_millis(ms)
        .ok_or_else(|| StoreError::Corrupt(format!("timestamp of {ms} ms is out of range")))
}

#[cfg(test)]
mod tests {
    use super::{from_ms, to_ms};
    use crate::StoreError;

    #[test]
    fn instants_round_trip_and_nonsense_is_corruption() {
        let t = chrono::Utc::now();
        let back = from_ms(to_ms(t)).map(|b| b.timestamp_millis());
        assert_eq!(back.ok(), Some(t.timestamp_millis()));
        assert!(matches!(from_ms(i64::MAX), Err(StoreError::Corrupt(_))));
    }
}
