//! Storage on both engines: migrations down and up, one transaction per command (ticket row,
//! events and outbox rows, or nothing).

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

use chrono::{TimeZone, Utc};
use gridline_domain::text::{Description, Remark, TicketTitle};
use gridline_domain::ticket::{NewTicket, execute, file};
use gridline_domain::{
    Actor, Category, Command, Context, DomainError, Priority, Role, SlaTargets, Status, UserId,
    WorkCalendar, WorkingHours,
};
use gridline_store::StoreError;
use gridline_store::tickets::Created;
use sea_orm::{ConnectionTrait, Database};

mod common;
use common::{Zone, open, user, zone};

async fn migrations_down_and_up(pg: bool) {
    use gridline_migrations::MigratorTrait as _;
    let all = gridline_migrations::Migrator::migrations().len();
    let db = open(pg).await;
    assert_eq!(db.store.applied_migrations().await.unwrap().len(), all);
    assert!(db.store.pending_migrations().await.unwrap().is_empty());
    db.store.migrate_down_all().await.unwrap();
    assert!(db.store.applied_migrations().await.unwrap().is_empty());
    // Readiness names what is pending.
    assert_eq!(db.store.pending_migrations().await.unwrap().len(), all);
    db.store.migrate().await.unwrap();
    assert_eq!(db.store.applied_migrations().await.unwrap().len(), all);
    assert!(db.store.pending_migrations().await.unwrap().is_empty());
    db.store.ping().await.unwrap();
    db.close().await;
}

async fn commands_write_all_or_nothing(pg: bool) {
    let db = open(pg).await;
    let s = &db.store;
    let now = Utc.with_ymd_and_hms(2026, 3, 10, 2, 0, 0).unwrap();
    let Zone {
        leader,
        head,
        liaison,
        grid: grid_id,
        enterprise,
    } = zone(s, now).await;
    let (_, liaison_actor) = s.actor(liaison).await.unwrap().unwrap();
    assert_eq!(
        liaison_actor.user.grid_id,
        Some(grid_id),
        "the grid attached its liaison"
    );
    let new = NewTicket {
        enterprise_id: enterprise,
        category: Category::Land,
        priority: Priority::Normal,
        title: TicketTitle::parse("用地").unwrap(),
        description: Description::parse("描述").unwrap(),
        dispatch_due_at: Some(now + chrono::Duration::hours(4)),
    };
    let filed = file(&liaison_actor, grid_id, now).unwrap();
    let Created::New(t) = s
        .create_ticket(new, grid_id, filed, None, &[], None)
        .await
        .unwrap()
    else {
        panic!()
    };
    assert_eq!(t.number, "GL-2026-000001");
    assert_eq!(t.version, 1);

    let calendar = WorkCalendar::new(vec![], WorkingHours::default()).unwrap();
    let run = |actor: Actor, cmd: Command, version: i64| {
        let calendar = calendar.clone();
        move |t: &gridline_domain::Ticket| {
            let ctx = Context {
                now,
                calendar: &calendar,
                sla: SlaTargets {
                    dispatch_hours: 4,
                    response_hours: 8,
                    resolution_days: 5,
                    co_reply_hours: 16,
                },
                expected_version: version,
            };
            execute(t, &actor, &cmd, &ctx)
        }
    };
    // A comment: row, event, no outbox row (comments notify nobody).
    let comment = Command::Comment(Remark::parse("备注").unwrap());
    let (after, events) = s
        .transition(t.id, run(liaison_actor.clone(), comment.clone(), 1))
        .await
        .unwrap();
    assert_eq!(after.version, 2);
    assert_eq!(events.len(), 1);
    assert_eq!(s.events(t.id).await.unwrap().len(), 2);
    assert!(s.outbox_for(t.id).await.unwrap().is_empty());

    // A refused command writes nothing.
    let err = s
        .transition(t.id, run(liaison_actor.clone(), comment.clone(), 1))
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Domain(DomainError::StaleVersion { .. })),
        "{err:?}"
    );
    let err = s
        .transition(t.id, run(liaison_actor.clone(), Command::Accept, 2))
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Domain(DomainError::Forbidden { .. })),
        "{err:?}"
    );
    assert_eq!(s.ticket(t.id).await.unwrap().version, 2);
    assert_eq!(s.events(t.id).await.unwrap().len(), 2);

    let now_t = s.ticket(t.id).await.unwrap();
    assert_eq!(now_t.status, Status::Submitted);

    // Dispatch writes the row, the event and an outbox row together.
    let head_actor = s.actor(head).await.unwrap().unwrap().1;
    let dept = gridline_domain::DepartmentId(
        s.create_department("部门".into(), None, now)
            .await
            .unwrap()
            .id,
    );
    let mut officer = user("officer", Role::DepartmentOfficer);
    officer.department_id = Some(dept);
    let officer = UserId(s.create_user(officer, now).await.unwrap().id);
    let co_dept = gridline_domain::DepartmentId(
        s.create_department("协办部门".into(), None, now)
            .await
            .unwrap()
            .id,
    );
    let mut co_officer = user("co_officer", Role::DepartmentOfficer);
    co_officer.department_id = Some(co_dept);
    let co_officer = UserId(s.create_user(co_officer, now).await.unwrap().id);
    let order = gridline_domain::ticket::DispatchOrder {
        leader: s.user_facts_for(leader, "l").await.unwrap(),
        department_id: dept,
        person: s.user_facts_for(officer, "p").await.unwrap(),
        tracker: None,
        co_department_ids: vec![co_dept],
    };
    let (after, _) = s
        .transition(
            t.id,
            run(head_actor, Command::Dispatch(order), now_t.version),
        )
        .await
        .unwrap();
    assert_eq!(after.status, Status::Dispatched);
    let outbox = s.outbox_for(t.id).await.unwrap();
    assert_eq!(outbox.len(), 1);
    assert_eq!(outbox[0].kind, "dispatch");
    assert_eq!(outbox[0].state, "pending");
    let events = s.events(t.id).await.unwrap();
    assert_eq!(outbox[0].event_id, Some(events.last().unwrap().id));

    // The co-handler is stored with its deadline, and its reply with who and when.
    let read = s.ticket(t.id).await.unwrap();
    assert_eq!(read.co_handlers, after.co_handlers);
    let due = read.co_handlers[0].reply_due_at.expect("a reply deadline");
    assert_eq!(read.co_handlers[0].asked_at, Some(now));
    let co_actor = s.actor(co_officer).await.unwrap().unwrap().1;
    let reply = Command::CoReply(Remark::parse("同意").unwrap());
    let (replied, _) = s
        .transition(t.id, run(co_actor, reply, read.version))
        .await
        .unwrap();
    let read = s.ticket(t.id).await.unwrap();
    assert_eq!(read.co_handlers, replied.co_handlers);
    assert_eq!(read.co_handlers[0].replied_by, Some(co_officer));
    assert_eq!(read.co_handlers[0].replied_at, Some(now));
    // The digest loads the co-handlers whose deadline falls in its period, and no others.
    let all = gridline_domain::Scope::All;
    let day = chrono::Duration::days(1);
    let (loaded, _) = s.digest_tickets(&all, now - day, due + day).await.unwrap();
    assert_eq!(loaded.iter().next().unwrap().co_handlers, read.co_handlers);
    let (loaded, _) = s
        .digest_tickets(&all, due + day, due + day * 2)
        .await
        .unwrap();
    assert!(loaded.iter().all(|t| t.co_handlers.is_empty()));
    db.close().await;
}

/// Reading more tickets than one statement may bind (SQLite allows 32 766 variables): the
/// digest of a large zone loads every open ticket.
async fn many_tickets_load_at_once(pg: bool) {
    let db = open(pg).await;
    let s = &db.store;
    let now = Utc.with_ymd_and_hms(2026, 3, 10, 2, 0, 0).unwrap();
    let Zone {
        liaison,
        grid,
        enterprise,
        ..
    } = zone(s, now).await;
    let actor = s.actor(liaison).await.unwrap().unwrap().1;
    let n = 33_000;
    // Bulk rows through SQL: the point is the read, not the write path.
    let values: Vec<String> = (1..=n)
        .map(|i| format!("({i}, 'GL-2026-{i:06}', 'submitted', {}, {}, 'land', 'normal', 't', 'd', {}, 1, {ms}, {ms})", enterprise.0, grid.0, liaison.0, ms = now.timestamp_millis()))
        .collect();
    let raw = Database::connect(db.url.as_str()).await.unwrap();
    for chunk in values.chunks(2000) {
        raw.execute_unprepared(&format!(
            "INSERT INTO tickets (id, number, status, enterprise_id, grid_id, category, priority, title, description, filed_by, version, created_at, updated_at) VALUES {}",
            chunk.join(",")
        ))
        .await
        .unwrap();
    }
    let scope = gridline_domain::Scope::of(&actor);
    let (loaded, _) = s
        .digest_tickets(
            &scope,
            now - chrono::Duration::days(7),
            now + chrono::Duration::days(1),
        )
        .await
        .unwrap();
    assert_eq!(loaded.len(), n as usize);
    db.close().await;
}

/// Attachments are written with their ticket and read back by ticket; the markers the
/// pages' caches rely on move with every change.
async fn attachments_and_change_markers(pg: bool) {
    use gridline_domain::attachment::NewAttachment;
    use gridline_store::tickets::{Idempotency, TicketFilter};
    let db = open(pg).await;
    let s = &db.store;
    let now = Utc.with_ymd_and_hms(2026, 3, 10, 2, 0, 0).unwrap();
    assert_eq!(s.last_event_id().await.unwrap(), 0);
    let z = zone(s, now).await;
    let org = s.org_version().await.unwrap();
    s.create_department("新部门".into(), None, now)
        .await
        .unwrap();
    assert_ne!(
        s.org_version().await.unwrap(),
        org,
        "a new department moves the marker"
    );
    let org = s.org_version().await.unwrap();
    assert_eq!(s.org_version().await.unwrap(), org, "and nothing else does");

    let actor = s.actor(z.liaison).await.unwrap().unwrap().1;
    let new = || NewTicket {
        enterprise_id: z.enterprise,
        category: Category::Utilities,
        priority: Priority::High,
        title: TicketTitle::parse("停电").unwrap(),
        description: Description::parse("频繁停电").unwrap(),
        dispatch_due_at: None,
    };
    let files = vec![
        NewAttachment::parse("现场.png", b"\x89PNG\r\n\x1a\n....".to_vec()).unwrap(),
        NewAttachment::parse("函.pdf", b"%PDF-1.7 body".to_vec()).unwrap(),
    ];
    let key = |hash: &str| {
        Some(Idempotency {
            key: "k1".into(),
            request_hash: hash.into(),
        })
    };
    let filed = file(&actor, z.grid, now).unwrap();
    let Created::New(t) = s
        .create_ticket(new(), z.grid, filed.clone(), key("h1"), &files, None)
        .await
        .unwrap()
    else {
        panic!("a new ticket")
    };
    let first_event = s.last_event_id().await.unwrap();
    assert!(first_event > 0);
    let list = s.attachments(t.id).await.unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0].filename, "现场.png");
    assert_eq!(list[0].content_type, "image/png");
    assert_eq!(list[1].size, 13);
    let pdf = s.attachment(list[1].id).await.unwrap();
    assert_eq!(pdf.data, b"%PDF-1.7 body");
    assert_eq!(pdf.sha256.len(), 64);
    // The same key for another request is refused, and writes neither ticket nor files.
    let err = s
        .create_ticket(new(), z.grid, filed.clone(), key("h2"), &files, None)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Invalid {
                code: "idempotency_key_reused",
                ..
            }
        ),
        "{err:?}"
    );
    // A retry of the same request returns the first ticket, files not doubled.
    let Created::Replayed(again) = s
        .create_ticket(new(), z.grid, filed, key("h1"), &files, None)
        .await
        .unwrap()
    else {
        panic!("a replay")
    };
    assert_eq!(again.id, t.id);
    assert_eq!(s.attachments(t.id).await.unwrap().len(), 2);
    assert_eq!(s.last_event_id().await.unwrap(), first_event);
    // Counting what a list would hold.
    let scope = gridline_domain::Scope::of(&actor);
    let scope = &scope;
    let count = |f: TicketFilter| async move { s.count_tickets(scope, &f, now).await.unwrap() };
    assert_eq!(
        count(TicketFilter {
            open_only: true,
            ..Default::default()
        })
        .await,
        1
    );
    assert_eq!(
        count(TicketFilter {
            pending_extension: true,
            ..Default::default()
        })
        .await,
        0
    );
    db.close().await;
}

#[tokio::test]
async fn attachments_and_change_markers_sqlite() {
    attachments_and_change_markers(false).await;
}
#[tokio::test]
async fn attachments_and_change_markers_postgres() {
    attachments_and_change_markers(true).await;
}

#[tokio::test]
async fn many_tickets_load_at_once_sqlite() {
    many_tickets_load_at_once(false).await;
}
#[tokio::test]
async fn many_tickets_load_at_once_postgres() {
    many_tickets_load_at_once(true).await;
}

#[tokio::test]
async fn migrations_down_and_up_sqlite() {
    migrations_down_and_up(false).await;
}
#[tokio::test]
async fn migrations_down_and_up_postgres() {
    migrations_down_and_up(true).await;
}
#[tokio::test]
async fn commands_write_all_or_nothing_sqlite() {
    commands_write_all_or_nothing(false).await;
}
#[tokio::test]
async fn commands_write_all_or_nothing_postgres() {
    commands_write_all_or_nothing(true).await;
}
