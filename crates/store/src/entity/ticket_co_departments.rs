//! The `ticket_co_departments` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ticket_co_departments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub ticket_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub department_id: i64,
    /// When it was asked to co-handle (ms); NULL on rows from before reply deadlines.
    pub asked_at: Option<i64>,
    pub reply_due_at: Option<i64>,
    pub replied_at: Option<i64>,
    pub replied_by: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
