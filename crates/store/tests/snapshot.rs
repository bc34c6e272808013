//! `Store::snapshot`: on SQLite the reads inside it are one read transaction (they see one
//! committed state, whatever is written meanwhile); after it, and after one that was
//! cancelled, reads see every later write. On PostgreSQL the reads run as they are.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

use std::time::Duration;

use chrono::Utc;
use gridline_store::Store;

mod common;
use common::open;

/// The newest task force, as the organisation's version reads it.
async fn latest(s: &Store) -> i64 {
    s.org_version().await.unwrap().0[1]
}

async fn add_task_force(s: &Store, name: &str) -> i64 {
    s.create_task_force(name.into(), String::new(), Utc::now())
        .await
        .unwrap()
        .id
}

async fn one_state(pg: bool) {
    let db = open(pg).await;
    let s = &db.store;
    let first = add_task_force(s, "专班一").await;

    let (before, after, nested) = s
        .snapshot(async {
            let before = latest(s).await;
            let written = add_task_force(s, "专班二").await;
            let after = latest(s).await;
            let nested = s.snapshot(latest(s)).await;
            (before, (after, written), nested)
        })
        .await;
    let (after, written) = after;
    assert_eq!(before, first);
    if pg {
        // Each read on its own: the write is seen at once.
        assert_eq!(after, written);
        assert_eq!(nested, written);
    } else {
        // One read transaction: the write committed meanwhile is not in it.
        assert_eq!(after, first);
        assert_eq!(nested, first, "a nested snapshot joins the open one");
    }

    // Once the snapshot is over, reads see the write, and every later one: the
    // connection it used went back without its transaction.
    let mut last = written;
    for round in 0..10 {
        assert_eq!(s.snapshot(latest(s)).await, last);
        last = add_task_force(s, &format!("专班{round}")).await;
        assert_eq!(latest(s).await, last);
        assert_eq!(s.snapshot(latest(s)).await, last);
    }
    db.close().await;
}

async fn a_cancelled_snapshot_leaves_nothing_open(pg: bool) {
    let db = open(pg).await;
    let s = &db.store;
    let first = add_task_force(s, "专班一").await;
    // A request dropped while its snapshot is open (the browser went away).
    let dropped = tokio::time::timeout(
        Duration::from_millis(50),
        s.snapshot(async {
            assert_eq!(latest(s).await, first);
            std::future::pending::<()>().await;
        }),
    )
    .await;
    assert!(dropped.is_err(), "the snapshot was cancelled");
    for n in 0..10 {
        let id = add_task_force(s, &format!("专班{n}")).await;
        assert_eq!(latest(s).await, id);
        assert_eq!(s.snapshot(latest(s)).await, id);
    }
    db.close().await;
}

#[tokio::test]
async fn a_snapshot_reads_one_state_sqlite() {
    one_state(false).await;
}

#[tokio::test]
async fn a_snapshot_reads_one_state_postgres() {
    one_state(true).await;
}

#[tokio::test]
async fn a_cancelled_snapshot_leaves_nothing_open_sqlite() {
    a_cancelled_snapshot_leaves_nothing_open(false).await;
}

#[tokio::test]
async fn a_cancelled_snapshot_leaves_nothing_open_postgres() {
    a_cancelled_snapshot_leaves_nothing_open(true).await;
}
