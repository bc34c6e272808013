//! Ticket numbers under concurrent filing: unique, in the year's series, and on PostgreSQL
//! (a sequence per year) continuing after the counter row an older version left.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

use chrono::{Datelike, Utc};
use gridline_domain::calendar::ZONE;
use gridline_domain::text::{Description, TicketTitle};
use gridline_domain::ticket::{NewTicket, file};
use gridline_domain::{Category, Priority};
use gridline_store::tickets::Created;
use sea_orm::{ConnectionTrait, Database};

mod common;
use common::{open, zone};

async fn numbers(pg: bool) {
    let db = open(pg).await;
    let s = &db.store;
    let now = Utc::now();
    let year = now.with_timezone(&ZONE).year();
    let z = zone(s, now).await;
    let raw = Database::connect(db.url.as_str()).await.unwrap();
    // An older version numbered 41 tickets this year with its counter row; upgrading
    // carries on from there.
    if pg {
        raw.execute_unprepared(&format!("DROP SEQUENCE ticket_number_{year}"))
            .await
            .unwrap();
    }
    raw.execute_unprepared(&format!(
        "INSERT INTO ticket_counters (year, last) VALUES ({year}, 41)"
    ))
    .await
    .unwrap();
    s.migrate().await.unwrap();
    let actor = s.actor(z.liaison).await.unwrap().unwrap().1;
    let mut tasks = vec![];
    for i in 0..24 {
        let (s, actor) = (s.clone(), actor.clone());
        tasks.push(tokio::spawn(async move {
            let new = NewTicket {
                enterprise_id: z.enterprise,
                category: Category::Land,
                priority: Priority::Normal,
                title: TicketTitle::parse(&format!("并发{i}")).unwrap(),
                description: Description::parse("描述").unwrap(),
                dispatch_due_at: None,
            };
            let filed = file(&actor, z.grid, now).unwrap();
            match s
                .create_ticket(new, z.grid, filed, None, &[], None)
                .await
                .unwrap()
            {
                Created::New(t) => t.number,
                Created::Replayed(_) => panic!("a new ticket"),
            }
        }));
    }
    let mut got = vec![];
    for t in tasks {
        got.push(t.await.unwrap());
    }
    got.sort();
    let expected: Vec<String> = (42..42 + 24).map(|n| format!("GL-{year}-{n:06}")).collect();
    // Nothing failed, so nothing was skipped: the 24 numbers after the counter's.
    assert_eq!(got, expected);
    db.close().await;
}

#[tokio::test]
async fn concurrent_filings_get_the_numbers_after_the_counter_sqlite() {
    numbers(false).await;
}

#[tokio::test]
async fn concurrent_filings_get_the_numbers_after_the_counter_postgres() {
    numbers(true).await;
}
