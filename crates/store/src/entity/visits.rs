//! The `visits` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "visits")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub enterprise_id: i64,
    pub grid_id: i64,
    /// Local day, `YYYY-MM-DD`.
    pub visited_on: String,
    pub mode: String,
    pub people_met: String,
    /// Comma-separated topic names.
    pub topics: String,
    pub topic_note: Option<String>,
    pub notes: String,
    pub recorded_by: i64,
    pub created_at: i64,
    pub idempotency_key: Option<String>,
    pub idempotency_hash: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
