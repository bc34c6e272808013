//! Group commit: concurrent filings are written together, each exactly as it would have
//! been alone, and one that fails does not fail the others waiting with it.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

use chrono::{Datelike, Utc};
use gridline_domain::calendar::ZONE;
use gridline_domain::text::{Description, TicketTitle};
use gridline_domain::ticket::{NewTicket, file};
use gridline_domain::{Actor, Category, EnterpriseId, GridId, Priority, Scope, Status};
use gridline_store::tickets::{Created, Idempotency, TicketFilter};
use gridline_store::{Store, StoreError};

mod common;
use common::{open, zone};

fn new_ticket(enterprise: EnterpriseId, title: &str) -> NewTicket {
    NewTicket {
        enterprise_id: enterprise,
        category: Category::Land,
        priority: Priority::Normal,
        title: TicketTitle::parse(title).unwrap(),
        description: Description::parse(&format!("{title}的描述")).unwrap(),
        dispatch_due_at: Some(Utc::now() + chrono::Duration::days(1)),
    }
}

/// Files `title` for `enterprise` on a task of its own, as a request would.
fn spawn_filing(
    s: &Store,
    actor: &Actor,
    grid: GridId,
    enterprise: EnterpriseId,
    title: String,
    key: Option<&str>,
) -> tokio::task::JoinHandle<Result<Created, StoreError>> {
    let (s, actor) = (s.clone(), actor.clone());
    let idem = key.map(|k| Idempotency {
        key: k.to_owned(),
        request_hash: "same-request".to_owned(),
    });
    tokio::spawn(async move {
        let filed = file(&actor, grid, Utc::now()).unwrap();
        s.create_ticket(new_ticket(enterprise, &title), grid, filed, idem, &[], None)
            .await
    })
}

/// The kinds of a ticket's outbox rows, in order.
async fn notices(s: &Store, id: gridline_domain::TicketId) -> Vec<String> {
    s.outbox_for(id)
        .await
        .unwrap()
        .into_iter()
        .map(|o| o.kind)
        .collect()
}

fn new_one(c: Created) -> gridline_domain::Ticket {
    match c {
        Created::New(t) => t,
        Created::Replayed(t) => panic!("{} replayed, expected new", t.number),
    }
}

async fn batched(pg: bool) {
    let db = open(pg).await;
    let s = &db.store;
    let z = zone(s, Utc::now()).await;
    let actor = s.actor(z.liaison).await.unwrap().unwrap().1;
    // One filing alone first: what every batched one must look like.
    let alone = new_one(
        spawn_filing(s, &actor, z.grid, z.enterprise, "单独".into(), None)
            .await
            .unwrap()
            .unwrap(),
    );
    let alone_outbox = notices(s, alone.id).await;
    let alone_events = s.events(alone.id).await.unwrap();
    assert_eq!(alone_events.len(), 1);
    let (batches_before, _) = s.filing_batches();

    let tasks: Vec<_> = (0..40)
        .map(|i| spawn_filing(s, &actor, z.grid, z.enterprise, format!("并发{i}"), None))
        .collect();
    let mut got = vec![];
    for (i, t) in tasks.into_iter().enumerate() {
        got.push((i, new_one(t.await.unwrap().unwrap())));
    }
    let (batches, batched) = s.filing_batches();
    assert!(
        batches > batches_before && batched >= 2 * (batches - batches_before),
        "40 concurrent filings were written together: {batches} batches, {batched} filings"
    );
    // Numbers: the 40 after the one filed alone, each once.
    let year = Utc::now().with_timezone(&ZONE).year();
    let mut numbers: Vec<String> = got.iter().map(|(_, t)| t.number.clone()).collect();
    numbers.sort();
    let expected: Vec<String> = (2..42).map(|n| format!("GL-{year}-{n:06}")).collect();
    assert_eq!(numbers, expected);
    for (i, t) in &got {
        // Each filer got its own ticket back, and the stored one is the same.
        assert_eq!(t.title, format!("并发{i}"));
        assert_eq!(t.description, format!("并发{i}的描述"));
        assert_eq!(t.status, Status::Submitted);
        let stored = s.ticket(t.id).await.unwrap();
        assert_eq!(&stored, t);
        let events = s.events(t.id).await.unwrap();
        assert_eq!(events.len(), 1, "{}: one filed event", t.number);
        let (e, a) = (&events[0], &alone_events[0]);
        assert_eq!(
            (&e.action, &e.from, &e.to, &e.payload, e.actor_id),
            (&a.action, &a.from, &a.to, &a.payload, a.actor_id),
            "{}: the filing's event as alone",
            t.number
        );
        assert_eq!(e.at, t.created_at);
        assert_eq!(
            notices(s, t.id).await,
            alone_outbox,
            "{}: the same notices",
            t.number
        );
    }
    if pg {
        // Each batched ticket's search terms were written with it, as the one alone's were
        // (on SQLite the indexing round writes them later, for all alike).
        let raw = sea_orm::Database::connect(&db.url).await.unwrap();
        for t in got.iter().map(|(_, t)| t).chain([&alone]) {
            assert_eq!(
                indexed_as_written(&raw, t).await,
                Some(true),
                "{}: its index row",
                t.number
            );
        }
        raw.close().await.unwrap();
    }
    db.close().await;
}

/// Whether a ticket's index row (PostgreSQL) holds the terms of its title, description and
/// number; `None` when it has no row.
async fn indexed_as_written(
    raw: &sea_orm::DatabaseConnection,
    t: &gridline_domain::Ticket,
) -> Option<bool> {
    use sea_orm::{ConnectionTrait, DbBackend, Statement};
    let doc = gridline_domain::search::document(&[&t.title, &t.description, &t.number]);
    let row = raw
        .query_one_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT terms = to_tsvector('simple', $1) AS same FROM ticket_search \
             WHERE ticket_id = $2",
            [doc.into(), t.id.0.into()],
        ))
        .await
        .unwrap();
    row.map(|r| r.try_get::<bool>("", "same").unwrap())
}

#[tokio::test]
async fn concurrent_filings_are_written_together_sqlite() {
    batched(false).await;
}

#[tokio::test]
async fn concurrent_filings_are_written_together_postgres() {
    batched(true).await;
}

async fn one_fails(pg: bool) {
    let db = open(pg).await;
    let s = &db.store;
    let z = zone(s, Utc::now()).await;
    let actor = s.actor(z.liaison).await.unwrap().unwrap().1;
    let mut tasks = vec![];
    for i in 0..10 {
        tasks.push(spawn_filing(
            s,
            &actor,
            z.grid,
            z.enterprise,
            format!("好{i}"),
            None,
        ));
    }
    // No such enterprise: refused by its foreign key, as it would be alone.
    let bad = spawn_filing(s, &actor, z.grid, EnterpriseId(999_999), "坏".into(), None);
    // The same key twice in one batch: one ticket, the second answer a replay of it.
    let first = spawn_filing(s, &actor, z.grid, z.enterprise, "重试".into(), Some("k-1"));
    let retry = spawn_filing(s, &actor, z.grid, z.enterprise, "重试".into(), Some("k-1"));
    for i in 10..20 {
        tasks.push(spawn_filing(
            s,
            &actor,
            z.grid,
            z.enterprise,
            format!("好{i}"),
            None,
        ));
    }
    let mut good = vec![];
    for (i, t) in tasks.into_iter().enumerate() {
        let t = new_one(t.await.unwrap().unwrap());
        assert_eq!(t.title, format!("好{i}"));
        good.push(t);
    }
    assert!(
        bad.await.unwrap().is_err(),
        "an unknown enterprise is refused"
    );
    let (a, b) = (first.await.unwrap().unwrap(), retry.await.unwrap().unwrap());
    let (new, replayed) = match (a, b) {
        (Created::New(n), Created::Replayed(r)) | (Created::Replayed(r), Created::New(n)) => (n, r),
        other => panic!("one new and one replay, got {other:?}"),
    };
    assert_eq!(new.id, replayed.id);
    // The failed batch wrote nothing of its own: 21 tickets, each with its one event.
    let filter = TicketFilter {
        limit: 100,
        ..Default::default()
    };
    let page = s
        .list_tickets(&Scope::All, &filter, Utc::now())
        .await
        .unwrap();
    assert_eq!(page.items.len(), 21, "twenty good filings and one keyed");
    for t in good.iter().chain([&new]) {
        assert_eq!(s.events(t.id).await.unwrap().len(), 1, "{}", t.number);
    }
    db.close().await;
}

#[tokio::test]
async fn a_failing_filing_leaves_its_batch_to_the_others_sqlite() {
    one_fails(false).await;
}

#[tokio::test]
async fn a_failing_filing_leaves_its_batch_to_the_others_postgres() {
    one_fails(true).await;
}

/// SQLite: the server's indexing round, which runs after filings, indexes them with the
/// writer's page cache widened for FTS5's merges, and gives that cache back afterwards.
#[tokio::test]
async fn the_indexing_round_gives_its_cache_back_sqlite() {
    let db = open(false).await;
    let s = &db.store;
    let z = zone(s, Utc::now()).await;
    let actor = s.actor(z.liaison).await.unwrap().unwrap().1;
    let before = s.writer_cache_size().await.unwrap();
    let tasks: Vec<_> = (0..3)
        .map(|i| spawn_filing(s, &actor, z.grid, z.enterprise, format!("索引{i}"), None))
        .collect();
    for t in tasks {
        new_one(t.await.unwrap().unwrap());
    }
    assert_eq!(s.index_new_tickets().await.unwrap(), 3);
    assert_eq!(s.writer_cache_size().await.unwrap(), before);
    assert_eq!(s.index_new_tickets().await.unwrap(), 0, "nothing left");
    let filter = TicketFilter {
        q: gridline_domain::text::SearchText::parse("索引").unwrap(),
        limit: 25,
        ..Default::default()
    };
    let page = s
        .list_tickets(&Scope::All, &filter, Utc::now())
        .await
        .unwrap();
    assert_eq!(page.items.len(), 3);
    db.close().await;
}

/// A store outlives the runtime whose filing started its batch task, and that task never
/// ran: the next filing, on another runtime, is written (it used to wait for ever for a
/// task that was gone).
#[test]
fn filings_go_on_after_the_batch_tasks_runtime_is_gone_sqlite() {
    let runtime = || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    };
    let first = runtime();
    let (db, z, actor) = first.block_on(async {
        let db = open(false).await;
        let z = zone(&db.store, Utc::now()).await;
        let actor = db.store.actor(z.liaison).await.unwrap().unwrap().1;
        (db, z, actor)
    });
    let s = db.store.clone();
    let filing = |title: &str| {
        let filed = file(&actor, z.grid, Utc::now()).unwrap();
        s.create_ticket(
            new_ticket(z.enterprise, title),
            z.grid,
            filed,
            None,
            &[],
            None,
        )
    };
    // Polled once and dropped: queued, its batch task spawned and never run (the runtime
    // goes before it gets the chance).
    first.block_on(async {
        let mut abandoned = std::pin::pin!(filing("放弃"));
        assert!(futures::poll!(abandoned.as_mut()).is_pending());
    });
    drop(first);
    let second = runtime();
    let written = second.block_on(async {
        tokio::time::timeout(std::time::Duration::from_secs(10), filing("继续")).await
    });
    let t = new_one(written.expect("the filing did not hang").unwrap());
    assert_eq!(t.title, "继续");
    second.block_on(db.close());
}
