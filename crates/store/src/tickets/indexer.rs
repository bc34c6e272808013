//! The search index's writer on SQLite, and its catch-up on both engines: the tickets not
//! yet indexed, a batch per transaction, resuming where the last run stopped.

use gridline_domain::search;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    Statement, TransactionTrait,
};

use super::search::index_many;
use crate::entity::tickets;
use crate::{Store, StoreError};

/// How many tickets one indexing transaction takes.
const BATCH: u64 = 2_000;

/// A catch-up of at least this many tickets ends by merging the index into one segment.
const OPTIMIZE_AFTER: u64 = 10_000;

/// The writer's page cache while it indexes on SQLite (KiB; a cap, not an allocation). FTS5
/// merges its segments as they accumulate, and a merge reads and then deletes every page of
/// the segments it merges, a large one included: with SQLite's default cache (2 MiB) the
/// pages read were gone again before the delete, and each was read a second time from the
/// file. At a million tickets (an index of 53 MB) that made one indexing round in a few
/// hold the writer for 250–420 ms, and every filing waited; with the merged segments kept
/// in cache, 35–100 ms. The cache is given back after each round.
const MERGE_CACHE_KIB: i64 = 128 * 1024;

impl Store {
    /// Indexes every ticket not yet indexed (at start-up, after the migration that made the
    /// index; and the benchmark's bulk load), then, when that was many, merges the index
    /// into one segment. Returns how many it indexed.
    pub async fn index_search_backlog(&self) -> Result<u64, StoreError> {
        self.index_backlog(true).await
    }

    /// The server's round, every second: indexes the tickets filed since the last. It never
    /// merges the whole index, which at a million tickets holds the writer for seconds: a
    /// burst of filings that left more than [`OPTIMIZE_AFTER`] behind used to end in one,
    /// and the filings behind it ran out of time.
    pub async fn index_new_tickets(&self) -> Result<u64, StoreError> {
        self.index_backlog(false).await
    }

    async fn index_backlog(&self, optimize: bool) -> Result<u64, StoreError> {
        let backend = self.backend();
        let mut done = 0;
        loop {
            let mut widened = None;
            let round = self.index_round(&mut widened).await;
            if let Some(size) = widened {
                self.restore_writer_cache(size).await?;
            }
            match round? {
                Some(n) => done += n,
                None => break,
            }
        }
        if optimize && done >= OPTIMIZE_AFTER && backend == DbBackend::Sqlite {
            // A catch-up's batches leave many mid-sized segments that later batches
            // would merge into: merged into one now, once.
            self.write
                .execute_unprepared("INSERT INTO ticket_search (ticket_search) VALUES ('optimize')")
                .await?;
        }
        Ok(done)
    }

    /// SQLite: the writer's cache size now, after raising it to [`MERGE_CACHE_KIB`] (the
    /// writer is a pool of one connection: the transaction's).
    async fn widen_writer_cache(txn: &sea_orm::DatabaseTransaction) -> Result<i64, StoreError> {
        let now = cache_size(txn).await?;
        txn.execute_unprepared(&format!("PRAGMA cache_size = -{MERGE_CACHE_KIB}"))
            .await?;
        Ok(now)
    }

    /// SQLite: the writer's cache back to `size`. SQLite frees the pages beyond it at once,
    /// keeping the most recently used (the filings' pages stay warm: `PRAGMA shrink_memory`,
    /// which frees them all, made every filing after a round read its pages again). It frees
    /// them to glibc's malloc, which keeps them; the server gives them back to the system
    /// after the round (`gridline_alloc::release_freed_c_memory`).
    async fn restore_writer_cache(&self, size: i64) -> Result<(), StoreError> {
        self.write
            .execute_unprepared(&format!("PRAGMA cache_size = {size}"))
            .await?;
        Ok(())
    }

    /// The writer's page cache size (tests: an indexing round gives its cache back).
    pub async fn writer_cache_size(&self) -> Result<i64, StoreError> {
        cache_size(&self.write).await
    }

    /// One batch in one transaction: how many it indexed, or `None` when none was left. On
    /// SQLite, with work to do, the writer's cache is widened first and `widened` says what
    /// to put it back to.
    async fn index_round(&self, widened: &mut Option<i64>) -> Result<Option<u64>, StoreError> {
        use tickets::Column as C;
        let backend = self.backend();
        let txn = self.write.begin().await?;
        // Take the row's write lock first: two processes starting at once index each
        // batch once (the second waits, then sees the first's progress).
        txn.execute_raw(Statement::from_string(
            backend,
            "UPDATE ticket_search_backlog SET indexed_through = indexed_through WHERE id = 1",
        ))
        .await?;
        // On SQLite every ticket is indexed here, after its filing (see `index_in`): the
        // target is the newest ticket. On PostgreSQL filings index themselves, and only
        // those before the migration are left.
        let sql = if backend == DbBackend::Sqlite {
            "SELECT indexed_through, (SELECT COALESCE(MAX(id), 0) FROM tickets) AS target \
             FROM ticket_search_backlog WHERE id = 1"
        } else {
            "SELECT indexed_through, target FROM ticket_search_backlog WHERE id = 1"
        };
        let Some(state) = txn
            .query_one_raw(Statement::from_string(backend, sql))
            .await?
        else {
            return Ok(None);
        };
        let (from, target): (i64, i64) = (
            state.try_get("", "indexed_through")?,
            state.try_get("", "target")?,
        );
        if from >= target {
            return Ok(None);
        }
        if backend == DbBackend::Sqlite {
            *widened = Some(Self::widen_writer_cache(&txn).await?);
        }
        let rows: Vec<(i64, String, String, String)> = tickets::Entity::find()
            .select_only()
            .columns([C::Id, C::Title, C::Description, C::Number])
            .filter(C::Id.gt(from))
            .filter(C::Id.lte(target))
            .order_by_asc(C::Id)
            .limit(BATCH)
            .into_tuple()
            .all(&txn)
            .await?;
        let through = rows.last().map_or(target, |r| r.0);
        let docs: Vec<(i64, String)> = rows
            .iter()
            .map(|(id, title, description, number)| {
                (*id, search::document(&[title, description, number]))
            })
            .collect();
        index_many(&txn, &docs).await?;
        txn.execute_raw(Statement::from_sql_and_values(
            backend,
            match backend {
                DbBackend::Postgres => {
                    "UPDATE ticket_search_backlog SET indexed_through = $1 WHERE id = 1"
                }
                _ => "UPDATE ticket_search_backlog SET indexed_through = ? WHERE id = 1",
            },
            [through.into()],
        ))
        .await?;
        txn.commit().await?;
        Ok(Some(rows.len() as u64))
    }

    /// Marks every ticket so far as not yet indexed, for rows written around the filing
    /// path that have no index row (the benchmark's bulk seeding);
    /// [`Self::index_search_backlog`] then indexes them.
    pub async fn reset_search_backlog(&self) -> Result<(), StoreError> {
        let backend = self.backend();
        self.write
            .execute_raw(Statement::from_string(
                backend,
                "UPDATE ticket_search_backlog SET indexed_through = 0, \
                 target = (SELECT COALESCE(MAX(id), 0) FROM tickets) WHERE id = 1",
            ))
            .await?;
        Ok(())
    }
}

/// A SQLite connection's page cache size (`PRAGMA cache_size`: pages, or KiB when
/// negative); SQLite's default when it says nothing.
async fn cache_size(db: &impl ConnectionTrait) -> Result<i64, StoreError> {
    Ok(db
        .query_one_raw(Statement::from_string(
            DbBackend::Sqlite,
            "PRAGMA cache_size",
        ))
        .await?
        .map(|r| r.try_get_by_index(0))
        .transpose()?
        .unwrap_or(-2000))
}
