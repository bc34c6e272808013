//! Delivery notices (送政策上门) through the real SMTP server: each liaison is warned once
//! near the deadline and told once when it has passed, listing what is still to deliver; a
//! liaison who has delivered everything hears nothing more.

use std::time::Duration;

use serde_json::json;

use super::{SmtpSink, by_subject, free_port, mail_env};
use crate::both_engines;
use crate::support::{Engine, TestApp, TestClock};
use crate::world::World;

async fn deliveries_warn_then_overdue(engine: Engine) {
    let sink = SmtpSink::start(free_port(), None);
    let clock = TestClock::at(chrono::Utc::now());
    let mut env = mail_env(sink.port);
    env.push(clock.env());
    env.push(("GRIDLINE__AUTH__TOKEN_TTL_SECS", (60 * 86_400).to_string()));
    let app = TestApp::start_with(engine, &env).await;
    let w = World::build(&app).await;
    let p = app
        .post_ok(
            &w.admin,
            "/api/v1/policies",
            json!({"title": "稳岗返还", "issuer": "人社局", "doc_number": "河人社〔2026〕8号",
                   "summary": "不裁员或少裁员的企业返还失业保险费。", "valid_from": "2026-01-01"}),
            201,
        )
        .await;
    let due = chrono::DateTime::parse_from_rfc3339(p["due_at"].as_str().unwrap())
        .unwrap()
        .with_timezone(&chrono::Utc);
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert!(sink.raw().is_empty(), "nothing before the warning point");

    clock.set(due - chrono::Duration::hours(1));
    let mails = sink.wait_for(2, 30).await;
    let warned = by_subject(&mails, "政策送达即将到期");
    assert_eq!(warned.len(), 2, "one warning per liaison");
    let to_b = warned
        .iter()
        .find(|m| m.to == ["liaison_b@test.example"])
        .expect("liaison B is warned");
    assert!(to_b.text.contains("农夫山泉广东万绿湖有限公司") && to_b.html.contains("稳岗返还"));
    assert!(to_b.subject.contains("Policy delivery due soon"));

    // Liaison A delivers; only B is told the deadline passed.
    let (_, d) = app
        .get(w.token("liaison_a"), "/api/v1/deliveries?pending=true")
        .await;
    let (s, _) = app
        .post(
            w.token("liaison_a"),
            &format!("/api/v1/deliveries/{}", d[0]["id"]),
            json!({"delivered_on": (due - chrono::Duration::hours(1)).with_timezone(&gridline_domain::calendar::ZONE).format("%Y-%m-%d").to_string(),
                   "channel": "phone", "contact": "人事 陈经理", "answer": "not_relevant"}),
        )
        .await;
    assert_eq!(s, reqwest::StatusCode::OK);
    clock.set(due + chrono::Duration::hours(1));
    let mails = sink.wait_for(3, 30).await;
    let overdue = by_subject(&mails, "政策送达已逾期");
    assert_eq!(overdue.len(), 1);
    assert_eq!(overdue[0].to, ["liaison_b@test.example"]);
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(sink.raw().len(), 3, "each notice once");
}

both_engines!(deliveries_warn_then_overdue);
