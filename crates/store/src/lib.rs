//! Gridline's storage on SQLite or PostgreSQL.
//!
//! Every command is one transaction that writes the ticket row, its events and their outbox
//! rows, or nothing. Filings that arrive together share one (group commit,
//! `tickets::filing`); a batch that fails is rolled back and each filing in it written
//! alone, so each is still all or nothing. On SQLite, writes go through a single
//! connection (SQLite has one writer anyway; this avoids `SQLITE_BUSY` under load) while
//! reads use a pool; on PostgreSQL both are the same pool and concurrent commands are
//! ordered by the version check.

pub mod audit;
pub mod bulletins;
pub mod chat;
mod direct;
pub mod entity;
mod error;
mod kept;
pub mod login;
pub mod org;
pub mod outbox;
pub mod policies;
pub mod projects;
pub mod tickets;
mod time;
pub mod visits;

use std::time::Duration;

use chrono::Datelike as _;

use gridline_migrations::MigratorTrait;
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, TransactionTrait,
};

pub use error::StoreError;
pub use time::{from_ms, to_ms};

use gridline_migrations::Migrator;

/// Advisory lock key that serialises migrations on PostgreSQL ("gridline" in ASCII).
const MIGRATION_LOCK: i64 = 0x6772_6964_6c69_6e65;

/// The database, with a connection for writes and one for reads (the same on PostgreSQL).
#[derive(Clone, Debug)]
pub struct Store {
    read: DatabaseConnection,
    write: DatabaseConnection,
    /// PostgreSQL's row estimates for search terms, kept a minute (they move only when
    /// statistics are gathered): planning one per search cost a common term a third of its
    /// throughput at a million tickets.
    estimates: tickets::search::Estimates,
    /// On a SQLite file, connections of our own for the short reads a request waits for,
    /// run on the calling thread instead of handed to sqlx's connection threads.
    direct: Option<std::sync::Arc<direct::Readers>>,
    /// Filings waiting for the next batch (group commit).
    filings: std::sync::Arc<tickets::filing::Filings>,
}

/// How to reach the database.
#[derive(Clone, Debug)]
pub struct StoreOptions {
    /// `sqlite://path/to/file.db?mode=rwc` or `postgres://user@host/db`.
    pub url: String,
    /// Size of the read pool (PostgreSQL: of the only pool).
    pub max_connections: u32,
    /// How long to wait for a free connection before answering 503.
    pub acquire_timeout: Duration,
}

impl Store {
    /// Connects without touching the schema.
    pub async fn connect(opts: &StoreOptions) -> Result<Store, StoreError> {
        let base = |n: u32| {
            let mut o = ConnectOptions::new(opts.url.clone());
            o.max_connections(n)
                .min_connections(1)
                .acquire_timeout(opts.acquire_timeout)
                .sqlx_logging(false);
            o
        };
        if opts.url.starts_with("sqlite:") {
            let sqlite = |mut o: ConnectOptions| {
                o.map_sqlx_sqlite_opts(|s| {
                    s.journal_mode(SqliteJournalMode::Wal)
                        .synchronous(SqliteSynchronous::Normal)
                        .busy_timeout(Duration::from_secs(5))
                        .foreign_keys(true)
                        .create_if_missing(true)
                });
                o
            };
            let write = Database::connect(sqlite(base(1))).await?;
            let read = Database::connect(sqlite(base(opts.max_connections.max(1)))).await?;
            Ok(Store {
                read,
                write,
                estimates: Default::default(),
                direct: direct::Readers::for_url(&opts.url).map(std::sync::Arc::new),
                filings: Default::default(),
            })
        } else {
            let o = postgres_options(base(opts.max_connections.max(2)), &opts.url);
            let pool = Database::connect(o).await?;
            Ok(Store {
                read: pool.clone(),
                write: pool,
                estimates: Default::default(),
                direct: None,
                filings: Default::default(),
            })
        }
    }

    /// Applies pending migrations. On PostgreSQL they run in one transaction under an
    /// advisory lock, so several servers starting at once migrate once, one after another.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        if self.backend() == DbBackend::Postgres {
            let txn = self.write.begin().await?;
            txn.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({MIGRATION_LOCK})"))
                .await?;
            Migrator::up(&txn, None).await?;
            // This year's and next year's ticket numbers come from sequences.
            let year = chrono::Utc::now()
                .with_timezone(&gridline_domain::calendar::ZONE)
                .year();
            tickets::numbers::ensure_sequences(&txn, &[year, year + 1]).await?;
            txn.commit().await?;
        } else {
            Migrator::up(&self.write, None).await?;
        }
        let indexed = self.index_search_backlog().await?;
        if indexed > 0 {
            tracing::info!(indexed, "search index caught up with older tickets");
        }
        Ok(())
    }

    /// Rolls back every migration (tests check that down and up work).
    pub async fn migrate_down_all(&self) -> Result<(), StoreError> {
        Migrator::down(&self.write, None).await?;
        Ok(())
    }

    /// Names of the migrations applied.
    pub async fn applied_migrations(&self) -> Result<Vec<String>, StoreError> {
        Ok(Migrator::get_applied_migrations(&self.write)
            .await?
            .iter()
            .map(|m| m.name().to_owned())
            .collect())
    }

    /// Names of the migrations not yet applied (readiness: this binary expects them).
    pub async fn pending_migrations(&self) -> Result<Vec<String>, StoreError> {
        Ok(Migrator::get_pending_migrations(&self.read)
            .await?
            .iter()
            .map(|m| m.name().to_owned())
            .collect())
    }

    /// Each connection pool's connections now: (pool, open, idle, maximum). On SQLite the
    /// one writer and the readers; on PostgreSQL the one pool.
    pub fn pool_stats(&self) -> Vec<(&'static str, u32, u32, u32)> {
        if self.backend() == DbBackend::Postgres {
            let p = self.write.get_postgres_connection_pool();
            vec![(
                "main",
                p.size(),
                p.num_idle() as u32,
                p.options().get_max_connections(),
            )]
        } else {
            [("write", &self.write), ("read", &self.read)]
                .into_iter()
                .map(|(name, c)| {
                    let p = c.get_sqlite_connection_pool();
                    (
                        name,
                        p.size(),
                        p.num_idle() as u32,
                        p.options().get_max_connections(),
                    )
                })
                .collect()
        }
    }

    /// Checks the database answers (readiness).
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.read.execute_unprepared("SELECT 1").await?;
        Ok(())
    }

    /// A consistent copy of a SQLite database, taken while it serves (`VACUUM INTO`): one read
    /// transaction, so the copy holds every write committed before it started and none half.
    /// PostgreSQL is backed up with its own tools (`pg_dump`).
    pub async fn backup_sqlite(&self, to: &std::path::Path) -> Result<(), StoreError> {
        if self.backend() != DbBackend::Sqlite {
            return Err(StoreError::invalid(
                "database",
                "not_sqlite",
                "backup copies SQLite databases; back up PostgreSQL with pg_dump (see README, Operations) / PostgreSQL 请用 pg_dump 备份",
            ));
        }
        let path = to.to_str().ok_or_else(|| {
            StoreError::invalid(
                "file",
                "not_utf8",
                "the backup path is not UTF-8 / 路径须为 UTF-8",
            )
        })?;
        self.read
            .execute_unprepared(&format!("VACUUM INTO '{}'", path.replace('\'', "''")))
            .await?;
        Ok(())
    }

    /// Which engine this is.
    pub fn backend(&self) -> DbBackend {
        self.write.get_database_backend()
    }

    /// Closes both pools.
    pub async fn close(self) {
        let _ = self.read.close().await;
        let _ = self.write.close().await;
    }
}

/// PostgreSQL's connection options: no parallel workers for our statements, unless the URL's
/// `options` name the setting. A request's reads are short and many run at once: starting a
/// worker took 4-6 ms where the query took 0.15 (a search for a term no ticket holds: 195-218/s
/// with workers, 662-776/s without, at a million tickets), and the reports already run their
/// reads side by side (a leader's first dashboard page 2.18 s with workers, 1.63-1.79 s
/// without).
fn postgres_options(mut o: ConnectOptions, url: &str) -> ConnectOptions {
    if !url.contains("max_parallel_workers_per_gather") {
        o.map_sqlx_postgres_opts(|p| p.options([("max_parallel_workers_per_gather", 0)]));
    }
    o
}

#[cfg(test)]
mod test_db;
#[cfg(test)]
pub(crate) mod test_pg;
