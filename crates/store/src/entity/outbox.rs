//! The `outbox` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "outbox")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub ticket_id: Option<i64>,
    pub event_id: Option<i64>,
    /// Unique when set: a deadline notice or a digest is written once.
    pub dedupe_key: Option<String>,
    pub kind: String,
    #[sea_orm(column_type = "Text")]
    pub payload: String,
    pub state: String,
    pub attempts: i32,
    pub next_attempt_at: i64,
    #[sea_orm(column_type = "Text", nullable)]
    pub last_error: Option<String>,
    /// A worker holds the row until then (a lease, so a crashed worker's rows come back).
    pub locked_until: Option<i64>,
    pub created_at: i64,
    pub sent_at: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
