//! Two costs of search on PostgreSQL found at a million tickets (issue 15, tenth pass).
//!
//! - **The GIN index's pending list.** With `fastupdate` (PostgreSQL's default) a filing's
//!   bigrams wait in an unsorted list until it reaches `gin_pending_list_limit` (4 MB), and
//!   every search through the index reads the whole list: about 270 pages, 3 ms per search
//!   at a million tickets, against 0.06 ms with the list empty. Its length at any moment
//!   depended on how many tickets had been filed since it was last merged, so searches were
//!   slow in some runs and not in others. The list is bounded here to 256 kB (at most about
//!   30 pages); turning `fastupdate` off instead cost creates at c=32 15–20% (3 116–3 272 →
//!   2 531–2 736/s), the bound nothing measurable (3 025–3 355 against 3 035–3 476/s).
//! - **The enterprise names.** A search also matches tickets whose enterprise's name holds
//!   the term, and the names were found by `name LIKE '%term%'` over every enterprise:
//!   1.6 ms of the 2 ms a search took in the database with 15 000 enterprises. A GIN index
//!   on each name's character bigrams (`gridline_bigrams`, an expression index PostgreSQL
//!   keeps up to date itself) finds the names holding every bigram of the term, and `LIKE`
//!   then checks them (0.02-0.1 ms). This index has no pending list (`fastupdate = off`):
//!   names are written seldom, and with the 15 000 names of the bench pending, a lookup
//!   read them all (2-3 ms).
//!
//! SQLite is unchanged: its FTS5 index has no pending list and its name scan is in-process.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        if m.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        let db = m.get_connection();
        for sql in [
            "ALTER INDEX ticket_search_terms SET (gin_pending_list_limit = 256)",
            "SELECT gin_clean_pending_list('ticket_search_terms')",
            // Every distinct pair of adjacent characters; none for a text shorter than two.
            "CREATE FUNCTION gridline_bigrams(t TEXT) RETURNS TEXT[] \
             LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS \
             $$ SELECT COALESCE(array_agg(DISTINCT substr(t, i, 2)), '{}') \
             FROM generate_series(1, char_length(t) - 1) AS i $$",
            // Without a pending list: names are written seldom, and the bench's 15 000
            // names, all of them pending, cost each lookup 2-3 ms instead of 0.1.
            "CREATE INDEX idx_enterprises_name_bigrams ON enterprises \
             USING GIN (gridline_bigrams(name)) WITH (fastupdate = off)",
        ] {
            db.execute_unprepared(sql).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        if m.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        let db = m.get_connection();
        for sql in [
            "DROP INDEX idx_enterprises_name_bigrams",
            "DROP FUNCTION gridline_bigrams(TEXT)",
            "ALTER INDEX ticket_search_terms RESET (gin_pending_list_limit)",
        ] {
            db.execute_unprepared(sql).await?;
        }
        Ok(())
    }
}
