//! The dispatch deadline (派单时限) on both engines with the real SMTP server: a filed ticket
//! must be dispatched within its priority's working hours; the grid's dispatcher is warned
//! and then told it is overdue, once each; the queue shows the light; a return starts a new
//! deadline from the return.

use std::time::Duration;

use serde_json::json;

use crate::both_engines;
use crate::mail::{SmtpSink, by_subject, free_port, mail_env};
use crate::pages_http::{get, sign_in};
use crate::support::{Engine, TestApp, TestClock, instant};
use crate::world::World;

async fn the_queue_has_a_deadline(engine: Engine) {
    let sink = SmtpSink::start(free_port(), None);
    let start = chrono::Utc::now();
    let clock = TestClock::at(start);
    let mut env = mail_env(sink.port);
    env.push(clock.env());
    env.push(("GRIDLINE__AUTH__TOKEN_TTL_SECS", (60 * 86_400).to_string()));
    let app = TestApp::start_with(engine, &env).await;
    let w = World::build(&app).await;
    let id = w.file(&app, "雨污管网改造").await;
    let t = app.ticket(&w.admin, id).await;
    let due = instant(&t, "dispatch_due_at");
    assert!(due > start, "{t}");
    assert_eq!(t["overdue"], false);

    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert!(sink.raw().is_empty(), "nothing before the warning point");
    clock.set(due - chrono::Duration::minutes(1));
    let mails = sink.wait_for(1, 30).await;
    let warned = by_subject(&mails, "派单期限临近");
    assert_eq!(warned.len(), 1);
    assert_eq!(
        warned[0].to,
        ["head_a@test.example"],
        "the grid's dispatcher"
    );
    let (head, _) = sign_in(&app, "head.a").await;
    let (_, queue) = get(&head, &app, "/queue").await;
    let row = queue
        .split(&format!("data-ticket=\"{id}\""))
        .next()
        .and_then(|s| s.rsplit("<tr").next())
        .unwrap();
    assert!(row.contains("light-yellow"), "{row}");

    clock.set(due + chrono::Duration::minutes(1));
    let mails = sink.wait_for(2, 30).await;
    let overdue = by_subject(&mails, "工单超期未派发");
    assert_eq!(overdue.len(), 1);
    assert_eq!(overdue[0].to, ["head_a@test.example"]);
    assert_eq!(app.ticket(&w.admin, id).await["overdue"], true);
    let (_, late) = app
        .get(w.token("head_a"), "/api/v1/tickets?overdue=true")
        .await;
    assert_eq!(late["items"][0]["id"], id, "the queue's overdue filter");

    // Dispatched, then returned: a new dispatch deadline from the return.
    w.step(&app, "head_a", id, "dispatch", w.dispatch_body())
        .await;
    let back = due + chrono::Duration::hours(3);
    clock.set(back);
    w.step(
        &app,
        "officer_d1",
        id,
        "return",
        json!({"reason": "wrong_territory"}),
    )
    .await;
    let t = app.ticket(&w.admin, id).await;
    let again = instant(&t, "dispatch_due_at");
    assert!(again > back, "counted from the return: {again}");
    assert_eq!(t["overdue"], false);
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let mails = sink.wait_for(4, 5).await;
    assert_eq!(
        by_subject(&mails, "派单期限临近").len() + by_subject(&mails, "工单超期未派发").len(),
        2,
        "each notice once"
    );
}

both_engines!(the_queue_has_a_deadline);
