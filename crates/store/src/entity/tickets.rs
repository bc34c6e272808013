//! The `tickets` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Deserialize)]
#[sea_orm(table_name = "tickets")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub number: String,
    pub status: String,
    pub enterprise_id: i64,
    pub grid_id: i64,
    pub category: String,
    pub priority: String,
    pub title: String,
    #[sea_orm(column_type = "Text")]
    pub description: String,
    pub filed_by: i64,
    pub accountable_leader_id: Option<i64>,
    pub department_id: Option<i64>,
    pub responsible_person_id: Option<i64>,
    pub tracker_id: Option<i64>,
    pub task_force_id: Option<i64>,
    /// When it last entered the queue (filed or returned).
    pub queued_at: Option<i64>,
    /// The dispatch deadline (派单时限) from then.
    pub dispatch_due_at: Option<i64>,
    pub response_due_at: Option<i64>,
    pub resolution_due_at: Option<i64>,
    /// The running deadline (response, then resolution), kept with the status so lists can
    /// sort and filter on an index.
    pub next_due_at: Option<i64>,
    pub dispatched_at: Option<i64>,
    pub accepted_at: Option<i64>,
    pub resolved_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub reopen_count: i32,
    pub return_count: i32,
    pub satisfaction: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub last_return: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub pending_extension: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub pending_pause: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub pause: Option<String>,
    /// The department arbitration confirmed (强制派单).
    pub forced_department_id: Option<i64>,
    /// How a ticket ended without the whole loop (duplicate, withdrawn, invalid).
    pub closure: Option<String>,
    /// For a duplicate: the ticket that carries the problem.
    pub duplicate_of: Option<i64>,
    pub version: i64,
    pub created_at: i64,
    pub updated_at: i64,
    pub idempotency_key: Option<String>,
    pub idempotency_hash: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
