//! The search index (issue 15): character bigrams of each ticket's title, description and
//! number (`domain::search`), in an FTS5 table on SQLite and a GIN-indexed `tsvector` on
//! PostgreSQL, written in the filing transaction. Tickets filed before this migration are
//! indexed by the store after it runs, in batches, up to the newest id at migration time
//! (`ticket_search_backlog`), so a crash part-way resumes where it stopped.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        if m.get_database_backend() == DbBackend::Postgres {
            db.execute_unprepared(
                "CREATE TABLE ticket_search (\
                 ticket_id BIGINT PRIMARY KEY REFERENCES tickets(id) ON DELETE CASCADE, \
                 terms TSVECTOR NOT NULL)",
            )
            .await?;
            db.execute_unprepared(
                "CREATE INDEX ticket_search_terms ON ticket_search USING GIN (terms)",
            )
            .await?;
        } else {
            // Contentless (only the index is kept) and without positions: a search needs
            // only which tickets hold every bigram. Tickets are never deleted, so rows need
            // no deleting either (`contentless_delete` halves the speed of every write).
            db.execute_unprepared(
                "CREATE VIRTUAL TABLE ticket_search USING fts5(terms, content='', \
                 detail=none, tokenize='unicode61')",
            )
            .await?;
        }
        db.execute_unprepared(
            "CREATE TABLE ticket_search_backlog (\
             id INTEGER PRIMARY KEY, indexed_through BIGINT NOT NULL, target BIGINT NOT NULL)",
        )
        .await?;
        db.execute_unprepared(
            "INSERT INTO ticket_search_backlog (id, indexed_through, target) \
             SELECT 1, 0, COALESCE(MAX(id), 0) FROM tickets",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        db.execute_unprepared("DROP TABLE ticket_search_backlog")
            .await?;
        db.execute_unprepared("DROP TABLE ticket_search").await?;
        Ok(())
    }
}
