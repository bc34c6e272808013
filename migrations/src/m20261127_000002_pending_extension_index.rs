//! A partial index for the leaders' "extension requests to decide": few tickets have one
//! pending, so without it the list walks every ticket in deadline order.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // The same statement on SQLite and PostgreSQL; sea-query has no partial indexes.
        m.get_connection()
            .execute_unprepared(
                "CREATE INDEX idx_tickets_pending_extension ON tickets (next_due_at, id) \
                 WHERE pending_extension IS NOT NULL",
            )
            .await
            .map(|_| ())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.get_connection()
            .execute_unprepared("DROP INDEX IF EXISTS idx_tickets_pending_extension")
            .await
            .map(|_| ())
    }
}
