//! The service half's notices through the real SMTP server: each liaison is warned once
//! near a policy's delivery deadline and told once when it has passed, listing what is still
//! to deliver (nothing more once delivered); a key project's milestone warns its responsible
//! person and accountable leader near and past its planned day.

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

/// A key project's milestone near its planned day warns the responsible person and the
/// accountable leader once; past it, they are told it is late; reached, nothing more.
async fn milestones_warn_then_late(engine: Engine) {
    let sink = SmtpSink::start(free_port(), None);
    let now = chrono::Utc::now();
    let clock = TestClock::at(now);
    let mut env = mail_env(sink.port);
    env.push(clock.env());
    env.push(("GRIDLINE__AUTH__TOKEN_TTL_SECS", (60 * 86_400).to_string()));
    let app = TestApp::start_with(engine, &env).await;
    let w = World::build(&app).await;
    let local = |d: chrono::DateTime<chrono::Utc>| {
        d.with_timezone(&gridline_domain::calendar::ZONE)
            .format("%Y-%m-%d")
            .to_string()
    };
    let p = app
        .post_ok(
            &w.admin,
            "/api/v1/projects",
            json!({"name": "农夫山泉万绿湖三期", "enterprise_id": w.id("ent_b"), "investment": 120000,
                   "accountable_leader_id": w.id("leader_b"), "department_id": w.id("d2"),
                   "responsible_person_id": w.id("officer_d2"),
                   "milestones": [{"name": "签约", "planned_on": local(now + chrono::Duration::days(30))},
                                  {"name": "投产", "planned_on": local(now + chrono::Duration::days(300))}]}),
            201,
        )
        .await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert!(sink.raw().is_empty(), "a month ahead: nothing yet");
    clock.set(now + chrono::Duration::days(20));
    let mails = sink.wait_for(1, 30).await;
    let warned = by_subject(&mails, "重点项目节点临期");
    assert_eq!(warned.len(), 1);
    let mut to = warned[0].to.clone();
    to.sort();
    assert_eq!(to, ["leader_b@test.example", "officer_d2@test.example"]);
    assert!(warned[0].text.contains("签约") && warned[0].html.contains("农夫山泉万绿湖三期"));
    clock.set(now + chrono::Duration::days(32));
    let mails = sink.wait_for(2, 30).await;
    assert_eq!(by_subject(&mails, "重点项目节点滞后").len(), 1);
    // Reached now: the next sweeps write nothing more.
    let m0 = p["milestones"][0]["id"].as_i64().unwrap();
    let (s, _) = app
        .post(
            w.token("officer_d2"),
            &format!("/api/v1/projects/{}/milestones/{m0}/reach", p["id"]),
            json!({"reached_on": local(now + chrono::Duration::days(31)), "evidence": "协议签订"}),
        )
        .await;
    assert_eq!(s, reqwest::StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(sink.raw().len(), 2, "each notice once");
}

both_engines!(deliveries_warn_then_overdue, milestones_warn_then_late);
