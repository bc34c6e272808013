//! The digest's bulk reads (on SQLite, chunks of rows packed into JSON inside the database):
//! several chunks' worth of tickets and events, with text that JSON must escape, come back
//! whole, in id order and field for field, on both engines.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

use chrono::Duration;
use gridline_domain::{Satisfaction, Scope, Status};
use gridline_store::entity::ticket_events;
use sea_orm::Set;

mod common;
use common::{Setup, insert_all, setup, ticket, ticket_row};

/// More than two chunks (of 2 048 consecutive ids each), not a multiple of one.
const N: i64 = 4_500;

fn run(pg: bool) {
    let Setup {
        rt,
        db,
        now,
        z,
        raw,
    } = setup(pg);
    rt.block_on(async {
        let mut expected = vec![];
        let mut rows = vec![];
        for i in 1..=N {
            let mut t = ticket(
                i,
                z.grid,
                z.enterprise,
                z.liaison,
                now + Duration::seconds(i),
            );
            // Quotes, a backslash, a newline, a tab and CJK: what JSON has to escape.
            t.title = format!(
                "工单{i} \"引号\" \\ 'x'\n\t{}",
                "长".repeat((i % 7) as usize)
            );
            if i % 3 == 0 {
                t.status = Status::Closed;
                t.closed_at = Some(t.created_at + Duration::hours(i % 50));
                t.satisfaction = Some(Satisfaction::Satisfied);
            }
            rows.push(ticket_row(&t));
            expected.push(t);
        }
        insert_all(&raw, &rows).await;
        let mut events = vec![];
        for i in 1..=N {
            events.push(ticket_events::ActiveModel {
                id: Set(i),
                ticket_id: Set((i * 7) % N + 1),
                actor_id: Set(z.liaison.0),
                action: Set(["resolve", "return", "close"][(i % 3) as usize].to_owned()),
                from_status: Set("accepted".into()),
                to_status: Set("resolved".into()),
                payload: Set(format!(
                    "{{\"resolution\":\"第{i}次 \\\"办结\\\" \\\\ \\n\",\"n\":{i}}}"
                )),
                created_at: Set((now + Duration::seconds(i)).timestamp_millis()),
            });
        }
        insert_all(&raw, &events).await;

        let (start, end) = (now - Duration::days(1), now + Duration::days(10));
        let (loaded, baseline) = db
            .store
            .digest_tickets(&Scope::All, start, end)
            .await
            .unwrap();
        // Every ticket was touched in the period: none is quiet, all come as rows.
        assert_eq!(baseline.open_at_end, 0);
        assert_eq!(loaded.len() as i64, N);
        for (got, want) in loaded.iter().zip(&expected) {
            assert_eq!(
                (
                    got.id,
                    &got.number,
                    &got.title,
                    got.status,
                    got.created_at,
                    got.closed_at,
                    got.satisfaction,
                    got.grid_id,
                    got.filed_by,
                ),
                (
                    want.id,
                    &want.number,
                    &want.title,
                    want.status,
                    want.created_at,
                    want.closed_at,
                    want.satisfaction,
                    want.grid_id,
                    want.filed_by,
                )
            );
        }

        let got = db
            .store
            .digest_events(&Scope::All, start, end, Ok)
            .await
            .unwrap();
        assert_eq!(got.len() as i64, N);
        for (e, want) in got.iter().zip(&events) {
            assert_eq!(e.id, *want.id.as_ref());
            assert_eq!(e.ticket_id.0, *want.ticket_id.as_ref());
            assert_eq!(&e.action, want.action.as_ref());
            assert_eq!(e.at.timestamp_millis(), *want.created_at.as_ref());
            let payload: serde_json::Value = serde_json::from_str(want.payload.as_ref()).unwrap();
            assert_eq!(e.payload, payload);
        }
    });
    rt.block_on(db.close());
}

#[test]
fn digest_bulk_reads_return_every_row_whole_sqlite() {
    run(false);
}

#[test]
fn digest_bulk_reads_return_every_row_whole_postgres() {
    run(true);
}
