//! The `grid_seats` table: who held which seat of a grid's five-ones, from when to when.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "grid_seats")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub grid_id: i64,
    /// linked_leader | head | task_force | liaison
    pub seat: String,
    /// A user's id (a task force's for the task force seat).
    pub holder_id: i64,
    pub from_at: i64,
    /// `None` while held.
    pub to_at: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
