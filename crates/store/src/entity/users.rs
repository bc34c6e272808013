//! The `users` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub role: String,
    pub email: Option<String>,
    pub department_id: Option<i64>,
    pub grid_id: Option<i64>,
    pub task_force_id: Option<i64>,
    pub top_leader: bool,
    /// A dispatcher of the service centre (every grid).
    pub service_centre: bool,
    /// The head of the officer's department.
    pub department_head: bool,
    /// Raised to refuse every token issued before.
    pub token_epoch: i64,
    pub active: bool,
    pub created_at: i64,
    pub phone: Option<String>,
    /// Raised by every edit; an edit names the version it was made on.
    pub version: i64,
    /// Set by an administrator's reset: a new password comes before anything else.
    pub must_change_password: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
