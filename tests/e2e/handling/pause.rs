//! Pause (挂起) through the API on both engines, with the real SMTP server and the test
//! clock: the department asks, the dispatcher or accountable leader decides, the clock stops
//! (never overdue while paused), a reminder on the expected day, and on resume the deadline
//! runs on with the working time it had left.

use std::time::Duration;

use serde_json::{Value, json};

use crate::both_engines;
use crate::mail::{SmtpSink, by_subject, free_port, mail_env};
use crate::support::{Engine, TestApp, TestClock, instant};
use crate::world::World;

async fn a_pause_stops_the_clock(engine: Engine) {
    let sink = SmtpSink::start(free_port(), None);
    let start = chrono::Utc::now();
    let clock = TestClock::at(start);
    let mut env = mail_env(sink.port);
    env.push(clock.env());
    env.push(("GRIDLINE__AUTH__TOKEN_TTL_SECS", (60 * 86_400).to_string()));
    let app = TestApp::start_with(engine, &env).await;
    let w = World::build(&app).await;
    let id = w.prepare(&app, "accepted").await;
    let before = app.ticket(&w.admin, id).await;
    let due = instant(&before, "resolution_due_at");
    let today = start
        .with_timezone(&gridline_domain::calendar::ZONE)
        .date_naive();
    let resume_on = (today + chrono::Duration::days(10)).to_string();
    let ask = |reason: &str| json!({"reason": reason, "reason_text": "等待供电局出具接入方案", "resume_on": resume_on});

    let version = |t: &Value| t["version"].as_i64().unwrap();
    let act = |who: &'static str, action: &'static str, mut body: Value| {
        let (app, w) = (&app, &w);
        async move {
            body["expected_version"] = json!(version(&app.ticket(&w.admin, id).await));
            let (s, res) = app.act(w.token(who), id, action, body).await;
            (s.as_u16(), res)
        }
    };
    let (s, _) = act("liaison_a", "request_pause", ask("waiting_third_party")).await;
    assert_eq!(s, 403, "only the responsible department asks");
    let (s, e) = act("officer_d1", "request_pause", ask("weather")).await;
    assert_eq!((s, e["code"].as_str()), (422, Some("unknown_reason")));
    let (s, e) = act("officer_d1", "request_pause", json!({"reason": "other"})).await;
    assert_eq!((s, e["code"].as_str()), (422, Some("required")), "{e}");
    let (s, e) = act(
        "officer_d1",
        "request_pause",
        json!({"reason": "waiting_enterprise", "resume_on": "2020-01-01"}),
    )
    .await;
    assert_eq!((s, e["code"].as_str()), (422, Some("out_of_range")));
    let (s, res) = act("officer_d1", "request_pause", ask("waiting_third_party")).await;
    assert_eq!(s, 200, "{res}");
    assert_eq!(
        res["ticket"]["pending_pause"]["code"],
        "waiting_third_party"
    );
    let (s, _) = act("officer_d1", "decide_pause", json!({"approve": true})).await;
    assert_eq!(s, 403, "the department does not approve its own pause");
    let (s, res) = act(
        "head_a",
        "decide_pause",
        json!({"approve": true, "note": "同意"}),
    )
    .await;
    assert_eq!(s, 200, "{res}");
    let t = &res["ticket"];
    assert_eq!(t["status"], "paused");
    let left = t["pause"]["remaining_secs"].as_i64().unwrap();
    assert!(left > 0);

    // Weeks past the old deadline: not overdue, no overdue mail; the reminder on the day.
    clock.set(due + chrono::Duration::days(2));
    let t = app.ticket(&w.admin, id).await;
    assert_eq!(t["overdue"], false);
    let (_, late) = app.get(&w.admin, "/api/v1/tickets?overdue=true").await;
    assert!(
        late["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|x| x["id"] != id)
    );
    let mails = sink.wait_for(3, 30).await;
    let reminded = by_subject(&mails, "挂起工单到期提醒");
    assert_eq!(
        reminded.len(),
        1,
        "{:?}",
        mails.iter().map(|m| &m.subject).collect::<Vec<_>>()
    );
    let mut to = reminded[0].to.clone();
    to.sort();
    assert_eq!(to, ["leader_a@test.example", "officer_d1@test.example"]);
    assert!(by_subject(&mails, "工单超期未办结").is_empty());
    assert_eq!(by_subject(&mails, "挂起申请待审批").len(), 1);

    // Resumed: the deadline runs on with what was left, from now.
    let resumed_at = due + chrono::Duration::days(3);
    clock.set(resumed_at);
    let (s, res) = act("officer_d1", "resume", json!({"note": "方案已出具"})).await;
    assert_eq!(s, 200, "{res}");
    let t = &res["ticket"];
    assert_eq!(t["status"], "accepted");
    let new_due = instant(t, "resolution_due_at");
    assert!(new_due > resumed_at && new_due > due, "{new_due}");
    assert_eq!(t["overdue"], false);
    let (_, history) = app
        .get(&w.admin, &format!("/api/v1/tickets/{id}/events"))
        .await;
    let resumed = history
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "resume")
        .unwrap();
    assert!(resumed["payload"]["paused_secs"].as_i64().unwrap() > 0);
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let (s, e) = act("officer_d1", "resume", json!({})).await;
    assert_eq!((s, e["code"].as_str()), (409, Some("invalid_transition")));
}

both_engines!(a_pause_stops_the_clock);
