//! The `policy_deliveries` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "policy_deliveries")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub policy_id: i64,
    pub enterprise_id: i64,
    pub grid_id: i64,
    pub liaison_id: i64,
    pub due_at: i64,
    /// Local day, `YYYY-MM-DD`; `None` while pending.
    pub delivered_on: Option<String>,
    pub channel: Option<String>,
    pub contact: Option<String>,
    pub answer: Option<String>,
    pub note: Option<String>,
    pub recorded_by: Option<i64>,
    pub recorded_at: Option<i64>,
    pub ticket_id: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
