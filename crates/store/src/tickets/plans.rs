//! SQLite's plans for the digest's reads, pinned where losing them cost seconds at a million
//! tickets. SQLite plans from the schema alone unless `ANALYZE` has run (the store never
//! runs it, an operator or a tool may), so each plan is checked on an empty database with
//! no statistics and with those gathered at a million tickets.

use chrono::{TimeZone, Utc};
use gridline_domain::Scope;
use sea_orm::{ConnectionTrait, DbBackend, Statement, StatementBuilder};

use super::baseline::{Range, grouped, overdue_ids};
use super::digest::active;
use crate::{Store, StoreOptions};

/// What `ANALYZE` gathered on the bench's database at 1M tickets (the store never gathers
/// statistics, but an operator or a tool may).
const STATS_AT_1M: &[(&str, &str, &str)] = &[
    (
        "tickets",
        "idx_tickets_quiet",
        "501433 4965 4965 1 1 1 1 1 1 1 1 1 1 1 1 1",
    ),
    ("tickets", "idx_tickets_duplicate_of", "1000000 1000000"),
    ("tickets", "idx_tickets_pending_extension", "0 0 0"),
    ("tickets", "idx_tickets_dept_next_due", "1000000 9901 3 1"),
    ("tickets", "idx_tickets_next_due", "1000000 3 1"),
    ("tickets", "idx_tickets_tracker", "1000000 90910 1"),
    ("tickets", "idx_tickets_leader", "1000000 32259 1"),
    ("tickets", "idx_tickets_task_force", "1000000 500000 1"),
    (
        "tickets",
        "idx_tickets_enterprise_created",
        "1000000 200 1 1",
    ),
    ("tickets", "idx_tickets_grid_created", "1000000 33334 1 1"),
    (
        "tickets",
        "idx_tickets_dept_status_created",
        "1000000 9901 1997 1 1",
    ),
    (
        "tickets",
        "idx_tickets_status_created",
        "1000000 166667 1 1",
    ),
    ("tickets", "idx_tickets_created", "1000000 1 1"),
    ("tickets", "uq_tickets_idempotency", "1000000 33334 33334"),
    ("tickets", "sqlite_autoindex_tickets_1", "1000000 1"),
];

async fn connect(url: &str) -> Store {
    Store::connect(&StoreOptions {
        url: url.into(),
        max_connections: 1,
        acquire_timeout: std::time::Duration::from_secs(5),
    })
    .await
    .expect("connect")
}

/// A migrated database in a file (the store's read and write pools are separate
/// connections, which an in-memory database would not share), with no statistics or with
/// those of [`STATS_AT_1M`].
async fn store(stats: bool) -> (Store, std::path::PathBuf) {
    let path = std::env::temp_dir().join(format!("gridline-plans-{}.db", uuid::Uuid::new_v4()));
    let url = format!("sqlite://{}?mode=rwc", path.display());
    let store = connect(&url).await;
    store.migrate().await.expect("migrate");
    if !stats {
        return (store, path);
    }
    let w = &store.write;
    w.execute_unprepared("ANALYZE").await.expect("analyze");
    w.execute_unprepared("DELETE FROM sqlite_stat1")
        .await
        .expect("clear");
    for (table, index, stat) in STATS_AT_1M {
        w.execute_unprepared(&format!(
            "INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES ('{table}', '{index}', '{stat}')"
        ))
        .await
        .expect("stat");
    }
    store.close().await;
    // Statistics are read when a connection loads the schema.
    (connect(&url).await, path)
}

fn remove(path: &std::path::Path) {
    for ext in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{ext}", path.display()));
    }
}

/// SQLite's `EXPLAIN QUERY PLAN` of `statement`, one step a line.
async fn plan(store: &Store, statement: &impl StatementBuilder) -> String {
    let sql = statement.build(&DbBackend::Sqlite).to_string();
    let rows = store
        .read
        .query_all_raw(Statement::from_string(
            DbBackend::Sqlite,
            format!("EXPLAIN QUERY PLAN {sql}"),
        ))
        .await
        .expect("explain");
    rows.iter()
        .map(|r| r.try_get::<String>("", "detail").expect("detail"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// November 2026 in Asia/Shanghai: its start, and the range.
fn month() -> (chrono::DateTime<Utc>, Range) {
    let start = Utc.with_ymd_and_hms(2026, 10, 31, 16, 0, 0).unwrap();
    let end = Utc.with_ymd_and_hms(2026, 11, 30, 16, 0, 0).unwrap();
    (start, Range::new(DbBackend::Sqlite, start, end))
}

#[tokio::test]
async fn the_quiet_pass_walks_its_index() {
    for stats in [false, true] {
        let (store, path) = store(stats).await;
        let (_, range) = month();
        // The zone's: a department's or a grid's pass starts from its own index instead.
        let scope = Scope::All;
        let grouped = plan(&store, &grouped(&scope, range)).await;
        assert!(
            grouped.contains("COVERING INDEX idx_tickets_quiet"),
            "{scope:?}: {grouped}"
        );
        assert!(!grouped.contains("GROUP BY"), "{scope:?} sorts: {grouped}");
        let overdue = plan(&store, &overdue_ids(&scope, range)).await;
        assert!(
            overdue.contains("COVERING INDEX idx_tickets_quiet"),
            "{scope:?}: {overdue}"
        );
        remove(&path);
    }
}

#[tokio::test]
async fn the_touched_tickets_are_not_read_by_the_filing_date_index() {
    for stats in [false, true] {
        let (store, path) = store(stats).await;
        let (start, range) = month();
        let select = sea_orm::QueryTrait::into_query(active(&Scope::All, start, range));
        let active = plan(&store, &select).await;
        assert!(active.contains("SCAN tickets"), "stats {stats}: {active}");
        assert!(
            !active.contains("idx_tickets_created"),
            "stats {stats}: {active}"
        );
        remove(&path);
    }
}

/// The lists and lookups led by a column a new ticket leaves NULL (one department, leader,
/// tracker, task force or original), with the index each must use: those indexes hold
/// only the tickets that have one (`WHERE … IS NOT NULL`), which a planner uses only when
/// it can tell the query implies it.
fn owner_lookups() -> Vec<(sea_orm::sea_query::SelectStatement, &'static str)> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QueryTrait};

    use crate::entity::tickets::{Column as C, Entity};
    let by = |c: C, order: C| {
        Entity::find()
            .filter(c.eq(7))
            .order_by_desc(order)
            .into_query()
    };
    vec![
        (
            Entity::find()
                .filter(C::DepartmentId.eq(7))
                .filter(C::NextDueAt.is_not_null())
                .order_by_asc(C::NextDueAt)
                .order_by_asc(C::Id)
                .into_query(),
            "idx_tickets_dept_next_due",
        ),
        (
            Entity::find()
                .filter(C::DepartmentId.eq(7))
                .filter(C::Status.eq("accepted"))
                .order_by_desc(C::CreatedAt)
                .order_by_desc(C::Id)
                .into_query(),
            "idx_tickets_dept_status_created",
        ),
        (
            by(C::AccountableLeaderId, C::CreatedAt),
            "idx_tickets_leader",
        ),
        (by(C::TrackerId, C::CreatedAt), "idx_tickets_tracker"),
        (by(C::TaskForceId, C::CreatedAt), "idx_tickets_task_force"),
        (by(C::DuplicateOf, C::Id), "idx_tickets_duplicate_of"),
    ]
}

#[tokio::test]
async fn lookups_by_owner_use_their_partial_indexes_sqlite() {
    for stats in [false, true] {
        let (store, path) = store(stats).await;
        for (select, index) in owner_lookups() {
            let p = plan(&store, &select).await;
            assert!(p.contains(index), "stats {stats}, {index}: {p}");
        }
        remove(&path);
    }
}

#[tokio::test]
async fn lookups_by_owner_use_their_partial_indexes_postgres() {
    use sea_orm::TransactionTrait;
    let m = crate::test_pg::migrated().await;
    for (select, index) in owner_lookups() {
        // An empty table is read whole unless that is ruled out: then the index is used,
        // if the query implies its predicate, or the plan falls back to the table.
        let txn = m.db.begin().await.unwrap();
        txn.execute_unprepared("SET LOCAL enable_seqscan = off")
            .await
            .unwrap();
        let sql = StatementBuilder::build(&select, &DbBackend::Postgres).to_string();
        let p = txn
            .query_all_raw(Statement::from_string(
                DbBackend::Postgres,
                format!("EXPLAIN {sql}"),
            ))
            .await
            .unwrap()
            .iter()
            .map(|r| r.try_get::<String>("", "QUERY PLAN").unwrap())
            .collect::<Vec<_>>()
            .join("\n");
        txn.rollback().await.unwrap();
        assert!(p.contains(index), "{index}: {p}");
    }
    m.close().await;
}
