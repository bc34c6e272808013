//! sea-orm entities, one per table. Timestamps are epoch milliseconds (see the migrations).

pub mod attachments;
pub mod audit_log;
pub mod bulletins;
pub mod chat_webhooks;
pub mod departments;
pub mod enterprises;
pub mod grid_seats;
pub mod grid_team;
pub mod grids;
pub mod outbox;
pub mod policies;
pub mod policy_deliveries;
pub mod project_events;
pub mod project_milestones;
pub mod project_tickets;
pub mod projects;
pub mod staged_imports;
pub mod task_forces;
pub mod ticket_co_departments;
pub mod ticket_events;
pub mod tickets;
pub mod users;
pub mod visit_photos;
pub mod visit_tickets;
pub mod visits;

/// A SQLite flag read by serde (the direct reads): SQLite stores booleans as 0 and 1.
pub(crate) fn flag<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    struct Flag;
    impl serde::de::Visitor<'_> for Flag {
        type Value = bool;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a boolean, or 0 or 1")
        }
        fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<bool, E> {
            Ok(v)
        }
        fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<bool, E> {
            match v {
                0 => Ok(false),
                1 => Ok(true),
                _ => Err(E::invalid_value(serde::de::Unexpected::Signed(v), &self)),
            }
        }
        fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<bool, E> {
            self.visit_i64(i64::try_from(v).unwrap_or(i64::MAX))
        }
    }
    d.deserialize_any(Flag)
}
