//! The digest counted in SQL equals the pure computation: random ticket histories stored on
//! each engine, read back the way the digest reads them (the quiet tickets counted by the
//! database, the rest loaded), and folded by `compute_with`; the answer must equal
//! `domain::digest::compute` over every generated ticket, to the last count.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

use chrono::{DateTime, Duration, Utc};
use gridline_domain::digest::{EventFact, Period, compute, compute_with};
use gridline_domain::ticket::{CoHandler, Pause};
use gridline_domain::*;
use gridline_store::entity::ticket_co_departments as co;
use proptest::prelude::*;
use sea_orm::{ActiveModelTrait, ConnectionTrait, Database, Set};

mod common;
use common::{Db, open, ticket, ticket_row, user, zone};

fn calendar() -> WorkCalendar {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../config/calendars/2026.toml"
    ))
    .unwrap();
    let year: CalendarYear = toml::from_str(&text).unwrap();
    WorkCalendar::new(vec![year], WorkingHours::default()).unwrap()
}

/// One generated ticket: where its life got to and when each step happened, in minutes.
#[derive(Debug, Clone)]
struct Spec {
    created: i64,
    stage: u8,
    gaps: [i64; 4],
    dues: [i64; 3],
    returned: bool,
    closure: Option<u8>,
    department: Option<u8>,
    person: Option<u8>,
    leader: bool,
    co: Option<(u8, i64, Option<i64>)>,
    touched: i64,
    satisfaction: u8,
    reopened: bool,
}

fn spec() -> impl Strategy<Value = Spec> {
    let day: i64 = 24 * 60;
    (
        (
            -30 * day..12 * day,
            0u8..7,
            prop::array::uniform4(0..6 * day),
        ),
        (
            prop::array::uniform3(-3 * day..8 * day),
            any::<bool>(),
            prop::option::weighted(0.15, 0u8..4),
        ),
        (
            prop::option::weighted(0.9, 0u8..3),
            prop::option::weighted(0.9, 0u8..3),
            any::<bool>(),
        ),
        (
            prop::option::weighted(
                0.3,
                (0u8..3, -5 * day..10 * day, prop::option::of(0..4 * day)),
            ),
            0..3 * day,
            0u8..3,
            prop::bool::weighted(0.2),
        ),
    )
        .prop_map(|(a, b, c, d)| Spec {
            created: a.0,
            stage: a.1,
            gaps: a.2,
            dues: b.0,
            returned: b.1,
            closure: b.2,
            department: c.0,
            person: c.1,
            leader: c.2,
            co: d.0,
            touched: d.1,
            satisfaction: d.2,
            reopened: d.3,
        })
}

/// The people and departments the tickets refer to.
struct Org {
    departments: Vec<DepartmentId>,
    officers: Vec<UserId>,
    leader: UserId,
    liaison: UserId,
    grid: GridId,
    enterprise: EnterpriseId,
}

/// A consistent ticket (the way the rules would have left it) and the events the digest
/// counts. `updated_at` is its last change, as every command keeps it.
fn build(id: i64, s: &Spec, org: &Org, start: DateTime<Utc>) -> (Ticket, Vec<EventFact>) {
    let m = |mins: i64| start + Duration::minutes(mins);
    let created = m(s.created);
    let mut events = Vec::new();
    let event = |action, at, ev: &mut Vec<EventFact>| {
        ev.push(EventFact {
            ticket_id: TicketId(id),
            action,
            at,
            satisfaction: None,
            department_id: None,
            paused_secs: None,
        });
    };
    let mut last = created;
    let mut step = |i: usize| {
        last += Duration::minutes(s.gaps[i]);
        last
    };
    let department = s.department.map(|d| org.departments[usize::from(d)]);
    let mut t = ticket(id, org.grid, org.enterprise, org.liaison, created);
    t.accountable_leader_id = s.leader.then_some(org.leader);
    t.queued_at = Some(created);
    t.dispatch_due_at = Some(created + Duration::minutes(s.dues[0]));
    if s.stage >= 1 {
        let at = step(0);
        t.status = Status::Dispatched;
        t.dispatched_at = Some(at);
        t.department_id = department;
        t.response_due_at = Some(at + Duration::minutes(s.dues[1]));
        if s.returned && s.stage == 1 {
            // Returned and queued again: dispatched before it was last queued.
            let back = step(1);
            event(ActionKind::Return, back, &mut events);
            if let Some(e) = events.last_mut() {
                e.department_id = department;
            }
            t.status = Status::Submitted;
            t.queued_at = Some(back);
            t.dispatch_due_at = Some(back + Duration::minutes(s.dues[0]));
            t.department_id = None;
        }
    }
    if s.stage >= 2 {
        let at = step(1);
        t.status = Status::Accepted;
        t.accepted_at = Some(at);
        t.responsible_person_id = s.person.map(|p| org.officers[usize::from(p)]);
        t.resolution_due_at = Some(at + Duration::minutes(s.dues[2]));
        if let Some((d, due, replied)) = s.co {
            let due = at + Duration::minutes(due.max(0));
            t.co_handlers.push(CoHandler {
                department_id: org.departments[usize::from(d)],
                asked_at: Some(at),
                reply_due_at: Some(due),
                replied_at: replied.map(|r| at + Duration::minutes(r)),
                replied_by: None,
            });
        }
    }
    if s.stage == 5 {
        let at = step(2);
        t.status = Status::Paused;
        t.pause = Some(Box::new(Pause {
            from: Status::Accepted,
            paused_at: at,
            resume_on: at.date_naive() + Duration::days(5),
            remaining_secs: 3600,
        }));
    }
    if (3..=4).contains(&s.stage) {
        let at = step(2);
        t.status = Status::Resolved;
        t.resolved_at = Some(at);
        event(ActionKind::Resolve, at, &mut events);
        if s.reopened {
            event(ActionKind::Reopen, at + Duration::minutes(1), &mut events);
        }
    }
    if s.stage == 4 {
        let at = step(3);
        t.status = Status::Closed;
        t.closed_at = Some(at);
        t.satisfaction = Satisfaction::ALL.get(usize::from(s.satisfaction)).copied();
        event(ActionKind::Report, at, &mut events);
        if let Some(e) = events.last_mut() {
            e.satisfaction = t.satisfaction;
        }
    }
    if let (Some(c), true) = (s.closure, s.stage != 5) {
        let at = step(3);
        t.status = Status::Closed;
        t.closure = Closure::ALL.get(usize::from(c)).copied();
        t.closed_at = Some(at);
        event(ActionKind::Close, at, &mut events);
    }
    let latest = [t.dispatched_at, t.accepted_at, t.resolved_at, t.closed_at]
        .into_iter()
        .flatten()
        .chain(t.queued_at)
        .chain(t.pause.as_ref().map(|p| p.paused_at))
        .chain(t.co_handlers.iter().filter_map(|c| c.replied_at))
        .chain(events.iter().map(|e| e.at))
        .max()
        .unwrap_or(created);
    // Something else (a supervision, a note) may have touched it later.
    t.updated_at = latest + Duration::minutes(s.touched);
    (t, events)
}

async fn org(db: &Db) -> Org {
    let s = &db.store;
    let now = DateTime::parse_from_rfc3339("2026-01-05T08:00:00+08:00")
        .unwrap()
        .to_utc();
    let z = zone(s, now).await;
    let mut departments = vec![];
    let mut officers = vec![];
    for i in 0..3 {
        let d = s
            .create_department(format!("部门{i}"), None, now)
            .await
            .unwrap();
        departments.push(DepartmentId(d.id));
        let mut u = user(&format!("officer{i}"), Role::DepartmentOfficer);
        u.department_id = Some(DepartmentId(d.id));
        officers.push(UserId(s.create_user(u, now).await.unwrap().id));
    }
    Org {
        departments,
        officers,
        leader: z.leader,
        liaison: z.liaison,
        grid: z.grid,
        enterprise: z.enterprise,
    }
}

fn run(pg: bool) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let db = rt.block_on(open(pg));
    let org = rt.block_on(org(&db));
    let raw = rt.block_on(Database::connect(db.url.as_str())).unwrap();
    let cal = calendar();
    let period = Period::Week {
        year: 2026,
        week: 11,
    };
    let (start, end) = period.range();
    let config = ProptestConfig {
        cases: 40,
        ..ProptestConfig::default()
    };
    let quiet_seen = std::sync::atomic::AtomicU32::new(0);
    proptest!(config, |(specs in prop::collection::vec(spec(), 0..40))| {
        rt.block_on(async {
            raw.execute_unprepared("DELETE FROM ticket_co_departments").await.unwrap();
            raw.execute_unprepared("DELETE FROM tickets").await.unwrap();
            let mut all = vec![];
            let mut events = vec![];
            for (i, s) in specs.iter().enumerate() {
                let (t, ev) = build(i as i64 + 1, s, &org, start);
                ticket_row(&t).insert(&raw).await.unwrap();
                for c in &t.co_handlers {
                    co::ActiveModel {
                        ticket_id: Set(t.id.0),
                        department_id: Set(c.department_id.0),
                        asked_at: Set(c.asked_at.map(|d| d.timestamp_millis())),
                        reply_due_at: Set(c.reply_due_at.map(|d| d.timestamp_millis())),
                        replied_at: Set(c.replied_at.map(|d| d.timestamp_millis())),
                        replied_by: Set(None),
                    }
                    .insert(&raw)
                    .await
                    .unwrap();
                }
                all.push(t);
                events.extend(ev);
            }
            events.sort_by_key(|e| e.at);
            let d0 = org.departments[0];
            for scope in [Scope::All, Scope::Department(d0)] {
                // The tickets a digest is about (`Store::digest_tickets`): filed before the
                // end, and open or touched since the start.
                let mine: Vec<Ticket> = all
                    .iter()
                    .filter(|t| t.created_at < end && (t.status.is_open() || t.updated_at >= start))
                    .filter(|t| match scope {
                        Scope::Department(d) => {
                            t.department_id == Some(d)
                                || t.co_handlers.iter().any(|c| c.department_id == d)
                        }
                        _ => true,
                    })
                    .cloned()
                    .collect();
                let ids: std::collections::HashSet<TicketId> = mine.iter().map(|t| t.id).collect();
                let ev: Vec<EventFact> = events
                    .iter()
                    .filter(|e| ids.contains(&e.ticket_id) && e.at >= start && e.at < end)
                    .cloned()
                    .collect();
                let expected = compute(period, &mine, &ev, &cal);
                let (loaded, baseline) = db.store.digest_tickets(&scope, start, end).await.unwrap();
                // Some tickets must really be counted by the database, or this proves little.
                quiet_seen.fetch_add(baseline.open_at_end, std::sync::atomic::Ordering::Relaxed);
                let got = compute_with(period, &loaded, &baseline, &ev, &cal);
                assert_eq!(got, expected, "scope {scope:?}, {} loaded, baseline {baseline:?}", loaded.len());
            }
        });
    });
    assert!(
        quiet_seen.into_inner() > 0,
        "no case had a quiet ticket for the database to count"
    );
    rt.block_on(db.close());
}

#[test]
fn digest_in_sql_equals_the_rules_sqlite() {
    run(false);
}

#[test]
fn digest_in_sql_equals_the_rules_postgres() {
    run(true);
}

/// More quiet overdue tickets than a digest lists, many sharing a deadline: the database
/// names the same [`OVERDUE_ROWS`] as the rules (deadline, then id), and counts them all.
fn more_overdue_than_listed(pg: bool) {
    use gridline_domain::digest::OVERDUE_ROWS;
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let db = open(pg).await;
        let org = org(&db).await;
        let raw = Database::connect(db.url.as_str()).await.unwrap();
        let period = Period::Week {
            year: 2026,
            week: 11,
        };
        let (start, end) = period.range();
        let day = 24 * 60;
        let n = OVERDUE_ROWS + 37;
        let mut all = vec![];
        for i in 0..n {
            let spec = Spec {
                created: -20 * day,
                stage: 2,
                gaps: [60, 60, 0, 0],
                // Seven deadlines, all before the period: ties broken by id.
                dues: [60, 60, (i % 7) as i64 * 60],
                returned: false,
                closure: None,
                department: Some((i % 3) as u8),
                person: Some((i % 2) as u8),
                leader: true,
                co: None,
                touched: 0,
                satisfaction: 0,
                reopened: false,
            };
            let (t, _) = build(i as i64 + 1, &spec, &org, start);
            ticket_row(&t).insert(&raw).await.unwrap();
            all.push(t);
        }
        let (loaded, baseline) = db
            .store
            .digest_tickets(&Scope::All, start, end)
            .await
            .unwrap();
        assert!(loaded.is_empty(), "every ticket is quiet");
        assert_eq!(baseline.overdue_total() as usize, n);
        assert_eq!(baseline.overdue_rows.len(), OVERDUE_ROWS);
        let cal = calendar();
        assert_eq!(
            compute_with(period, &loaded, &baseline, &[], &cal),
            compute(period, &all, &[], &cal)
        );
        raw.close().await.unwrap();
        db.close().await;
    });
}

#[test]
fn the_most_overdue_are_cut_where_the_rules_cut_them_sqlite() {
    more_overdue_than_listed(false);
}

#[test]
fn the_most_overdue_are_cut_where_the_rules_cut_them_postgres() {
    more_overdue_than_listed(true);
}
