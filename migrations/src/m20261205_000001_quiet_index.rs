//! A covering partial index for the digest's quiet tickets on SQLite (issue 15): the open
//! tickets with no closure and no pause, keyed by responsible department and person and
//! holding every column the grouped pass reads (`store::tickets::baseline`). The pass then
//! walks it in group order and never touches the table. SQLite groups by sorting: at a
//! million tickets this removes a sort of half a million rows from a leader's first
//! dashboard (1.5 s → 0.4 s for the pass). `status`, `closure` and `pause` are held too
//! (the last two always NULL here): without them SQLite's planner, seeing a column it
//! would fetch, prefers another index.
//!
//! `+status IN (...)`: SQLite uses a partial index only for a query that states the
//! index's terms, and the store writes its quiet tickets' status term with a unary plus,
//! which keeps the planner off the status index (it has no statistics to tell it that
//! index is half the table). The list is the open statuses in `domain::Status` order, as
//! the store writes them. Were the two to drift, the pass would only be slower, never
//! wrong; the store test `the_quiet_pass_walks_its_index` fails first.
//!
//! Not on PostgreSQL: it groups by hashing, so there is no sort to save, and the index
//! would cost every ticket write there for nothing measured.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        if m.get_database_backend() != DbBackend::Sqlite {
            return Ok(());
        }
        m.get_connection()
            .execute_unprepared(
                "CREATE INDEX idx_tickets_quiet ON tickets (department_id, \
                 responsible_person_id, updated_at, created_at, dispatched_at, accepted_at, \
                 resolved_at, closed_at, queued_at, dispatch_due_at, response_due_at, \
                 resolution_due_at, status, closure, pause) \
                 WHERE +status IN ('submitted','arbitration','dispatched','accepted',\
                 'escalated','paused') AND closure IS NULL AND pause IS NULL",
            )
            .await
            .map(|_| ())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.get_connection()
            .execute_unprepared("DROP INDEX IF EXISTS idx_tickets_quiet")
            .await
            .map(|_| ())
    }
}
