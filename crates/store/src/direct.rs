//! Short reads on SQLite, called on the caller's own thread.
//!
//! sqlx runs each SQLite connection on a thread of its own: a statement is sent to that
//! thread, and its rows and its end come back one message each. For a get by id that costs
//! more than the query (a profile at tens of thousands of reads a second: over half the CPU
//! in thread switches). SQLite is a library, so the reads a request waits for (one ticket,
//! one page of a list: bounded by an index and a `LIMIT`) are run here directly, on
//! connections of our own to the same file, opened `query_only`. A read takes tens to
//! hundreds of microseconds, so it runs on the async thread that asked, like any other
//! short computation; long reads (the digest's) stay on sqlx's threads.
//!
//! In WAL mode each statement reads the last committed state, as sqlx's readers do; writes
//! still go through the store's one writer. PostgreSQL and an in-memory SQLite database have
//! no direct readers.
//!
//! A request that makes several reads (the ticket page: the ticket, its history, its files,
//! its enterprise, the tickets marked its duplicates) may make them in one read transaction
//! ([`Store::snapshot`](crate::Store::snapshot)): one connection, one snapshot of the file,
//! and SQLite's file locks taken and released once instead of once per read.

use std::future::Future;
use std::path::PathBuf;
use std::str::FromStr as _;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::types::{Value as Param, ValueRef};
use rusqlite::{Connection, OpenFlags};
use sea_orm::sqlx::sqlite::SqliteConnectOptions;
use sea_orm::{
    DbBackend, DbErr, EntityTrait, QueryTrait, Select, Statement, TryGetableMany, Value,
};
use serde::de::DeserializeOwned;

use crate::StoreError;

/// Idle connections kept; more are opened when more threads read at once, and closed after.
const KEEP: usize = 8;

/// Prepared statements kept per connection (a list's SQL varies with its filters).
const STATEMENTS: usize = 64;

/// Connections of our own to a SQLite file, for reads.
pub(crate) struct Readers {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
}

impl std::fmt::Debug for Readers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Readers").field("path", &self.path).finish()
    }
}

impl Readers {
    /// Readers for the file a `sqlite:` URL names; none for an in-memory database (other
    /// connections would not see it).
    pub(crate) fn for_url(url: &str) -> Option<Readers> {
        if url.contains(":memory:") || url.contains("mode=memory") {
            return None;
        }
        let opts = SqliteConnectOptions::from_str(url).ok()?;
        let path = opts.get_filename();
        if path.as_os_str().is_empty() {
            return None;
        }
        Some(Readers {
            path: path.to_owned(),
            idle: Mutex::new(Vec::new()),
        })
    }

    /// Runs `stmt` and maps each row with `f`, on this thread. `None` when the statement
    /// binds a kind of value this path does not carry (the caller reads through sqlx).
    pub(crate) fn rows<T>(
        &self,
        stmt: &Statement,
        mut f: impl FnMut(&rusqlite::Row<'_>) -> Result<T, StoreError>,
    ) -> Option<Result<Vec<T>, StoreError>> {
        let params = bind(stmt)?;
        Some(self.with(|conn| {
            let mut prepared = conn.prepare_cached(&stmt.sql).map_err(db)?;
            let mut rows = prepared
                .query(rusqlite::params_from_iter(params.iter()))
                .map_err(db)?;
            let mut out = Vec::new();
            while let Some(row) = rows.next().map_err(db)? {
                out.push(f(row)?);
            }
            drop(rows);
            #[cfg(test)]
            tests::REPLANNED.fetch_add(
                prepared.reset_status(rusqlite::StatementStatus::RePrepare),
                std::sync::atomic::Ordering::Relaxed,
            );
            Ok(out)
        }))
    }

    /// Runs `f` on the connection of the snapshot this task is in (see [`Readers::snapshot`]),
    /// or else takes an idle connection (or opens one), runs `f`, and puts it back. A
    /// connection that failed is not kept.
    fn with<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let pinned = PINNED
            .try_with(|p| (p.readers == self.id()).then(|| p.conn.clone()))
            .ok()
            .flatten();
        if let Some(pinned) = pinned
            && let Ok(conn) = pinned.lock()
            && let Some(conn) = conn.as_ref()
        {
            return f(conn);
        }
        let conn = self.take()?;
        let out = f(&conn);
        if out.is_ok() {
            self.put_back(conn);
        }
        out
    }

    fn take(&self) -> Result<Connection, StoreError> {
        match self.idle.lock().ok().and_then(|mut idle| idle.pop()) {
            Some(c) => Ok(c),
            None => self.open(),
        }
    }

    fn put_back(&self, conn: Connection) {
        if let Ok(mut idle) = self.idle.lock()
            && idle.len() < KEEP
        {
            idle.push(conn);
        }
    }

    /// What tells these readers apart from another store's in the same process.
    fn id(&self) -> usize {
        std::ptr::from_ref(self) as usize
    }

    /// Runs `reads` with every direct read this task makes on these readers in one read
    /// transaction. Nested, it joins the snapshot already open. Should the transaction not
    /// begin, the reads run as they would without it.
    pub(crate) async fn snapshot<F: Future>(&self, reads: F) -> F::Output {
        if PINNED.try_with(|p| p.readers == self.id()).unwrap_or(false) {
            return reads.await;
        }
        let Ok(conn) = self.take() else {
            return reads.await;
        };
        // Deferred: the snapshot is the state at the first read.
        if conn.execute_batch("BEGIN").is_err() {
            return reads.await;
        }
        let conn = Arc::new(Mutex::new(Some(conn)));
        let pinned = Pinned {
            readers: self.id(),
            conn: conn.clone(),
        };
        let out = PINNED.scope(pinned, reads).await;
        // A read-only transaction: ending it releases the locks. A connection whose
        // transaction does not end is not kept.
        let conn = conn.lock().ok().and_then(|mut c| c.take());
        if let Some(conn) = conn
            && conn.execute_batch("COMMIT").is_ok()
        {
            self.put_back(conn);
        }
        out
    }

    fn open(&self) -> Result<Connection, StoreError> {
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(unavailable)?;
        conn.busy_timeout(Duration::from_secs(5))
            .map_err(unavailable)?;
        conn.pragma_update(None, "query_only", true)
            .map_err(unavailable)?;
        conn.set_prepared_statement_cache_capacity(STATEMENTS);
        Ok(conn)
    }
}

/// The connection of the snapshot a task is in, and whose readers it belongs to.
struct Pinned {
    readers: usize,
    conn: Arc<Mutex<Option<Connection>>>,
}

tokio::task_local! {
    static PINNED: Pinned;
}

/// The statement's values as SQLite's, as sqlx would bind them; `None` for a kind the store's
/// reads never bind.
fn bind(stmt: &Statement) -> Option<Vec<Param>> {
    let Some(values) = &stmt.values else {
        return Some(Vec::new());
    };
    values
        .0
        .iter()
        .map(|v| {
            Some(match v {
                Value::Bool(b) => b.map_or(Param::Null, |b| Param::Integer(i64::from(b))),
                Value::TinyInt(i) => i.map_or(Param::Null, |i| Param::Integer(i.into())),
                Value::SmallInt(i) => i.map_or(Param::Null, |i| Param::Integer(i.into())),
                Value::Int(i) => i.map_or(Param::Null, |i| Param::Integer(i.into())),
                Value::BigInt(i) => i.map_or(Param::Null, Param::Integer),
                Value::TinyUnsigned(i) => i.map_or(Param::Null, |i| Param::Integer(i.into())),
                Value::SmallUnsigned(i) => i.map_or(Param::Null, |i| Param::Integer(i.into())),
                Value::Unsigned(i) => i.map_or(Param::Null, |i| Param::Integer(i.into())),
                Value::BigUnsigned(i) => match i {
                    None => Param::Null,
                    Some(i) => Param::Integer(i64::try_from(*i).ok()?),
                },
                Value::Float(x) => x.map_or(Param::Null, |x| Param::Real(x.into())),
                Value::Double(x) => x.map_or(Param::Null, Param::Real),
                Value::String(s) => s.clone().map_or(Param::Null, Param::Text),
                Value::Char(c) => c.map_or(Param::Null, |c| Param::Text(c.to_string())),
                Value::Bytes(b) => b.clone().map_or(Param::Null, Param::Blob),
                _ => return None,
            })
        })
        .collect()
}

/// A column as JSON, the shape the packed reads give serde (SQLite's own JSON functions
/// write integers as integers, reals as reals, text as strings).
fn json(v: ValueRef<'_>) -> Result<serde_json::Value, StoreError> {
    use serde_json::Value as J;
    Ok(match v {
        ValueRef::Null => J::Null,
        ValueRef::Integer(i) => J::from(i),
        ValueRef::Real(x) => J::from(x),
        ValueRef::Text(t) => J::String(
            std::str::from_utf8(t)
                .map_err(|e| StoreError::Corrupt(format!("text that is not UTF-8: {e}")))?
                .to_owned(),
        ),
        ValueRef::Blob(_) => return Err(StoreError::Corrupt("a blob where JSON was read".into())),
    })
}

/// A database error from the direct path.
fn db(e: rusqlite::Error) -> StoreError {
    match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) => {
            unavailable(e)
        }
        _ => StoreError::Db(DbErr::Custom(format!("sqlite (direct read): {e}"))),
    }
}

fn unavailable(e: rusqlite::Error) -> StoreError {
    StoreError::Unavailable(DbErr::Custom(format!("sqlite (direct read): {e}")))
}

/// A row's columns as JSON, in the select's order.
pub(crate) fn columns(r: &rusqlite::Row<'_>) -> Result<Vec<serde_json::Value>, StoreError> {
    let n = r.as_ref().column_count();
    let mut cols = Vec::with_capacity(n);
    for i in 0..n {
        cols.push(json(r.get_ref(i).map_err(db)?)?);
    }
    Ok(cols)
}

impl crate::Store {
    /// Runs `reads` in one snapshot of the database where that is cheaper than reading
    /// apart: on SQLite's direct readers, one read transaction (one set of file locks, and
    /// every read sees the same committed state). On PostgreSQL the reads run as they are,
    /// each on a pooled connection (a transaction there would cost round trips).
    pub async fn snapshot<F: Future>(&self, reads: F) -> F::Output {
        match &self.direct {
            Some(readers) => readers.snapshot(reads).await,
            None => reads.await,
        }
    }

    /// The rows `select` finds: on the direct readers when the store has them, else through
    /// sea-orm. The model's fields must read from the columns in order (serde).
    pub(crate) async fn read_models<E>(
        &self,
        select: Select<E>,
    ) -> Result<Vec<E::Model>, StoreError>
    where
        E: EntityTrait,
        E::Model: DeserializeOwned,
    {
        match self.direct_as(&select) {
            Some(rows) => rows,
            None => Ok(select.all(&self.read).await?),
        }
    }

    /// The same for a select of some columns, read as a tuple (of one, for one column:
    /// serde reads a row as an array).
    pub(crate) async fn read_tuples<E, T>(&self, select: Select<E>) -> Result<Vec<T>, StoreError>
    where
        E: EntityTrait,
        T: DeserializeOwned + TryGetableMany,
    {
        match self.direct_as(&select) {
            Some(rows) => rows,
            None => Ok(select.into_tuple().all(&self.read).await?),
        }
    }

    /// Runs `query` on the direct readers, each row read by serde from a JSON array of its
    /// columns. `None` when the store has no direct readers or the statement binds what they
    /// do not carry: the caller then reads through sea-orm.
    fn direct_as<T: DeserializeOwned>(
        &self,
        query: &impl QueryTrait,
    ) -> Option<Result<Vec<T>, StoreError>> {
        self.direct.as_ref()?;
        self.direct_sql_as(&query.build(DbBackend::Sqlite))
    }

    /// The same for a statement written as SQL.
    pub(crate) fn direct_sql_as<T: DeserializeOwned>(
        &self,
        stmt: &Statement,
    ) -> Option<Result<Vec<T>, StoreError>> {
        self.direct.as_ref()?.rows(stmt, |r| {
            serde_json::from_value(serde_json::Value::Array(columns(r)?))
                .map_err(|e| StoreError::Corrupt(format!("a row read directly: {e}")))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tickets::{Sort, TicketFilter};
    use crate::{Store, StoreOptions};
    use gridline_domain::{DepartmentId, Scope, Status, TicketId};
    use std::sync::atomic::{AtomicI32, Ordering};

    /// How many times a direct read's statement was planned again (SQLite's own count).
    pub(super) static REPLANNED: AtomicI32 = AtomicI32::new(0);

    #[test]
    fn only_a_file_gets_direct_readers() {
        assert!(Readers::for_url("sqlite::memory:").is_none());
        assert!(Readers::for_url("sqlite://x.db?mode=memory").is_none());
        assert!(Readers::for_url("sqlite://some/where/x.db?mode=rwc").is_some());
    }

    #[test]
    fn values_are_bound_as_sqlx_binds_them() {
        let stmt = Statement::from_sql_and_values(
            DbBackend::Sqlite,
            "SELECT ?",
            [
                Value::Bool(Some(true)),
                Value::Int(None),
                Value::BigUnsigned(Some(7)),
                Value::String(Some("网格".into())),
            ],
        );
        let got = bind(&stmt).expect("bindable");
        assert_eq!(
            got,
            vec![
                Param::Integer(1),
                Param::Null,
                Param::Integer(7),
                Param::Text("网格".into())
            ]
        );
        let too_big = Statement::from_sql_and_values(
            DbBackend::Sqlite,
            "SELECT ?",
            [Value::BigUnsigned(Some(u64::MAX))],
        );
        assert!(bind(&too_big).is_none(), "never wrapped into a negative");
    }

    #[test]
    fn flags_read_as_sqlite_stores_them() {
        #[derive(serde::Deserialize)]
        struct Row {
            #[serde(deserialize_with = "crate::entity::flag")]
            on: bool,
        }
        let read = |v| serde_json::from_value::<Row>(serde_json::json!({ "on": v })).map(|r| r.on);
        assert!(read(serde_json::json!(1)).expect("1"));
        assert!(!read(serde_json::json!(0)).expect("0"));
        assert!(read(serde_json::json!(true)).expect("true"));
        assert!(read(serde_json::json!(2)).is_err());
        assert!(read(serde_json::json!("1")).is_err());
    }

    /// A migrated store on a SQLite file of its own (direct readers need a file).
    async fn file_store(name: &str) -> (Store, std::path::PathBuf) {
        let path =
            std::env::temp_dir().join(format!("gridline-{name}-{}.db", uuid::Uuid::new_v4()));
        let store = Store::connect(&StoreOptions {
            url: format!("sqlite://{}?mode=rwc", path.display()),
            max_connections: 2,
            acquire_timeout: Duration::from_secs(1),
        })
        .await
        .expect("connect");
        store.migrate().await.expect("migrate");
        (store, path)
    }

    async fn remove(store: Store, path: &std::path::Path) {
        store.close().await;
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
    }

    /// With sqlx's read pool closed, a request's reads still answer: they are served by the
    /// direct readers, and see a write committed a moment before through the writer.
    #[tokio::test]
    async fn a_requests_reads_do_not_go_through_sqlx() {
        let (store, path) = file_store("direct").await;
        store
            .read
            .clone()
            .close()
            .await
            .expect("close the read pool");

        let now = chrono::Utc::now();
        assert_eq!(store.org_version().await.expect("org version").0[1], 0);
        let tf = store
            .create_task_force("专班".into(), String::new(), now)
            .await
            .expect("a write through the writer");
        assert_eq!(store.org_version().await.expect("org version").0[1], tf.id);

        assert_eq!(store.last_event_id().await.expect("last event"), 0);
        let filter = TicketFilter {
            limit: 25,
            ..Default::default()
        };
        let page = store.list_tickets(&Scope::All, &filter, now).await;
        assert!(page.expect("list").items.is_empty());
        assert!(matches!(
            store.ticket(TicketId(1)).await,
            Err(StoreError::NotFound("ticket"))
        ));
        assert!(store.events(TicketId(1)).await.expect("events").is_empty());
        assert!(
            store
                .attachments(TicketId(1))
                .await
                .expect("files")
                .is_empty()
        );

        remove(store, &path).await;
    }

    /// A list page's statement is kept prepared and planned once, whatever its filter's
    /// values: a bound `LIMIT` made SQLite plan it again on every read.
    #[tokio::test]
    async fn a_list_page_is_planned_once() {
        let (store, path) = file_store("replan").await;
        let now = chrono::Utc::now();
        let before = REPLANNED.load(Ordering::Relaxed);
        for (i, sort) in [Sort::CreatedAt, Sort::Deadline]
            .into_iter()
            .cycle()
            .take(20)
            .enumerate()
        {
            let filter = TicketFilter {
                status: Some(Status::Accepted),
                department_id: Some(DepartmentId(i as i64 + 1)),
                sort,
                limit: 25,
                ..Default::default()
            };
            let page = store.list_tickets(&Scope::All, &filter, now).await;
            assert!(page.expect("list").items.is_empty());
        }
        assert_eq!(
            REPLANNED.load(Ordering::Relaxed) - before,
            0,
            "planned again"
        );
        remove(store, &path).await;
    }
}
