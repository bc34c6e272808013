//! The `chat_webhooks` table: a group-chat robot of a department, grid or task force.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "chat_webhooks")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// `department`, `grid` or `task_force`.
    pub owner_kind: String,
    pub owner_id: i64,
    /// `wecom`, `dingtalk` or `feishu`.
    pub platform: String,
    /// Holds the robot's key or token: never shown whole, never logged.
    #[sea_orm(column_type = "Text")]
    pub url: String,
    pub secret: Option<String>,
    /// What the administrator called it (the group's name).
    pub label: String,
    pub active: bool,
    pub created_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
