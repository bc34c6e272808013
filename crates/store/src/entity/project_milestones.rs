//! The `project_milestones` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "project_milestones")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub project_id: i64,
    pub seq: i32,
    pub name: String,
    pub planned_on: String,
    pub reached_on: Option<String>,
    pub evidence: Option<String>,
    /// A planned day asked for, waiting for the accountable leader.
    pub proposed_on: Option<String>,
    pub proposed_reason: Option<String>,
    pub proposed_by: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
