//! A department's lists read its own and its co-handled tickets apart and merge them: paged
//! through in small pages, in both orders, they must give every ticket of the department
//! once, in the order one query would, on both engines.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

use chrono::Duration;
use gridline_domain::{DepartmentId, Scope, Status, TicketId};
use gridline_store::entity::ticket_co_departments as co;
use gridline_store::tickets::{Sort, TicketFilter};
use proptest::prelude::*;
use sea_orm::{ActiveModelTrait, ConnectionTrait, Set};

mod common;
use common::{Setup, setup, ticket, ticket_row};

fn run(pg: bool) {
    let Setup {
        rt,
        db,
        now,
        z,
        raw,
    } = setup(pg);
    let mut depts = vec![];
    for i in 0..2 {
        let d = rt
            .block_on(db.store.create_department(format!("部门{i}"), None, now))
            .unwrap();
        depts.push(DepartmentId(d.id));
    }
    let config = ProptestConfig {
        cases: 24,
        ..ProptestConfig::default()
    };
    // (own department: none, d0 or d1; co-handled by d0; minutes filed; deadline; open)
    let spec = (
        0u8..3,
        any::<bool>(),
        0i64..50,
        prop::option::of(0i64..20),
        prop::bool::weighted(0.8),
    );
    proptest!(config, |(specs in prop::collection::vec(spec, 0..30), limit in 1u64..5)| {
        rt.block_on(async {
            raw.execute_unprepared("DELETE FROM ticket_co_departments").await.unwrap();
            raw.execute_unprepared("DELETE FROM tickets").await.unwrap();
            let mut mine = vec![];
            for (i, (own, co_handled, filed, due, open)) in specs.iter().enumerate() {
                let mut t = ticket(i as i64 + 1, z.grid, z.enterprise, z.liaison, now + Duration::minutes(*filed));
                t.department_id = [None, Some(depts[0]), Some(depts[1])][usize::from(*own)];
                t.status = if *open { Status::Accepted } else { Status::Closed };
                t.accepted_at = Some(t.created_at);
                // Deadlines collide often, so the id decides between equals.
                t.resolution_due_at = due.map(|d| now + Duration::hours(d));
                ticket_row(&t).insert(&raw).await.unwrap();
                if *co_handled {
                    co::ActiveModel {
                        ticket_id: Set(t.id.0),
                        department_id: Set(depts[0].0),
                        asked_at: Set(None),
                        reply_due_at: Set(None),
                        replied_at: Set(None),
                        replied_by: Set(None),
                    }
                    .insert(&raw)
                    .await
                    .unwrap();
                }
                if t.department_id == Some(depts[0]) || *co_handled {
                    mine.push(t);
                }
            }
            for sort in [Sort::CreatedAt, Sort::Deadline] {
                let mut expected: Vec<_> = mine.iter().filter(|t| t.status == Status::Accepted).collect();
                match sort {
                    Sort::CreatedAt => expected.sort_by_key(|t| std::cmp::Reverse((t.created_at, t.id))),
                    Sort::Deadline => expected.sort_by_key(|t| (t.next_due_at().is_none(), t.next_due_at(), t.id)),
                }
                let expected: Vec<TicketId> = expected.iter().map(|t| t.id).collect();
                let mut filter = TicketFilter { sort, open_only: true, limit, ..TicketFilter::default() };
                let mut got = vec![];
                loop {
                    let page = db.store.list_tickets(&Scope::Department(depts[0]), &filter, now).await.unwrap();
                    assert!(page.items.len() as u64 <= limit);
                    got.extend(page.items.iter().map(|t| t.id));
                    match page.next {
                        Some(next) => filter.after = Some(next),
                        None => break,
                    }
                    assert!(got.len() <= expected.len(), "more pages than tickets");
                }
                assert_eq!(got, expected, "{sort:?}, pages of {limit}");
            }
        });
    });
    rt.block_on(db.close());
}

#[test]
fn department_lists_merge_own_and_co_handled_sqlite() {
    run(false);
}

#[test]
fn department_lists_merge_own_and_co_handled_postgres() {
    run(true);
}
