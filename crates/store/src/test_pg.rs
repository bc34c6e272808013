//! In-crate tests on PostgreSQL: a database of their own (see `test_db.rs`), dropped at the
//! end.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

use sea_orm::{ConnectionTrait, Database};

use crate::test_db::remove;

/// A fresh, empty database: its URL and name.
async fn create() -> (String, String) {
    crate::test_db::create("gridline_unit").await
}

/// A fresh database the store has migrated, and a raw connection to it for writing around
/// the store.
pub struct Migrated {
    pub db: sea_orm::DatabaseConnection,
    name: String,
}

/// Creates and migrates a database (see [`Migrated`]).
pub async fn migrated() -> Migrated {
    let (url, name) = create().await;
    let store = crate::Store::connect(&crate::StoreOptions {
        url: url.clone(),
        max_connections: 2,
        acquire_timeout: std::time::Duration::from_secs(5),
    })
    .await
    .unwrap();
    store.migrate().await.unwrap();
    store.close().await;
    let db = Database::connect(&url).await.unwrap();
    Migrated { db, name }
}

impl Migrated {
    /// Closes the connection and drops the database.
    pub async fn close(self) {
        self.db.close().await.unwrap();
        remove(&self.name).await;
    }
}

/// The store's connection options reach the server: no parallel workers unless the URL
/// asks for them.
#[tokio::test]
async fn the_store_asks_postgresql_for_no_parallel_workers() {
    let (url, name) = create().await;
    let setting = |url: String| async move {
        let o = super::postgres_options(sea_orm::ConnectOptions::new(url.clone()), &url);
        let db = Database::connect(o).await.unwrap();
        let v: String = db
            .query_one_raw(sea_orm::Statement::from_string(
                db.get_database_backend(),
                "SHOW max_parallel_workers_per_gather",
            ))
            .await
            .unwrap()
            .unwrap()
            .try_get_by_index(0)
            .unwrap();
        db.close().await.unwrap();
        v
    };
    assert_eq!(setting(url.clone()).await, "0");
    let own = format!("{url}?options=-c%20max_parallel_workers_per_gather%3D1");
    assert_eq!(setting(own).await, "1");
    remove(&name).await;
}

/// A search's enterprise names are found through the names' bigram index, not by reading
/// every name (1.6 ms of a 2 ms search at 15 000 enterprises before it).
#[tokio::test]
async fn enterprise_names_are_looked_up_through_their_bigrams() {
    use sea_orm::{DbBackend, QueryTrait, Statement};
    let m = migrated().await;
    let db = &m.db;
    // 15 000 names as the bench has them, around the store (the grid they name is not
    // there: this session skips foreign keys).
    // One string, so one connection of the pool runs all three.
    db.execute_unprepared(
        "SET session_replication_role = replica; \
         INSERT INTO enterprises (name, credit_code, cluster, grid_id, above_size, created_at, \
         version, active) SELECT '企业' || i || '有限公司', 'C' || i, 'other', 1, false, 0, 1, \
         true FROM generate_series(1, 15000) AS i; \
         ANALYZE enterprises",
    )
    .await
    .unwrap();
    let plan = |term: &str| {
        let stmt = super::tickets::search::name_select(DbBackend::Postgres, term)
            .build(DbBackend::Postgres);
        async move {
            db.query_all_raw(Statement {
                sql: format!("EXPLAIN {}", stmt.sql),
                ..stmt
            })
            .await
            .unwrap()
            .iter()
            .map(|r| r.try_get_by_index::<String>(0).unwrap())
            .collect::<Vec<_>>()
            .join("\n")
        }
    };
    // Names go straight into the index: none wait in a pending list every lookup reads.
    db.execute_unprepared("CREATE EXTENSION IF NOT EXISTS pgstattuple")
        .await
        .unwrap();
    let pending: i64 = db
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT pending_tuples FROM pgstatginindex('idx_enterprises_name_bigrams')",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get_by_index(0)
        .unwrap();
    assert_eq!(pending, 0);
    for term in ["土地", "钨矿开采", "企业12345"] {
        let p = plan(term).await;
        assert!(p.contains("idx_enterprises_name_bigrams"), "{term}: {p}");
    }
    // One character has no bigram: every name is read, as before.
    assert!(plan("土").await.contains("Seq Scan"));
    // And the lookup answers as LIKE does.
    let named: Vec<i64> = super::tickets::search::name_select(DbBackend::Postgres, "业1234有")
        .into_tuple()
        .all(db)
        .await
        .unwrap();
    assert_eq!(named.len(), 1);
    m.close().await;
}
