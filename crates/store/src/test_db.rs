//! A PostgreSQL database of a test's own, on the server `GRIDLINE_TEST_PG` names. Shared by
//! the in-crate tests (`test_pg.rs`) and, by path, the integration tests' harness
//! (`tests/common`): neither can reach the other's code.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

use sea_orm::{ConnectionTrait, Database};

/// The server's administrative URL.
pub fn admin_url() -> String {
    std::env::var("GRIDLINE_TEST_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// A fresh, empty database named `{prefix}_{a uuid}`: its URL and name.
pub async fn create(prefix: &str) -> (String, String) {
    let name = format!("{prefix}_{}", uuid::Uuid::new_v4().simple());
    let admin = Database::connect(admin_url()).await.unwrap();
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    let root = admin_url().rsplit_once('/').unwrap().0.to_owned();
    (format!("{root}/{name}"), name)
}

/// Drops the database [`create`] made.
pub async fn remove(name: &str) {
    let admin = Database::connect(admin_url()).await.unwrap();
    admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await
        .unwrap();
}
