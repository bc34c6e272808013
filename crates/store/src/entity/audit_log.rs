//! The `audit_log` table: every administrative change, appended, never edited.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub at: i64,
    /// Who: `None` for the command line on the server.
    pub actor_id: Option<i64>,
    /// user | grid | department | task_force | enterprise
    pub object_kind: String,
    pub object_id: i64,
    /// create | update | deactivate | reactivate | reset_password | change_password | …
    pub action: String,
    /// JSON: the fields changed, as they were.
    pub before: String,
    /// JSON: the same fields, as they are.
    pub after: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
