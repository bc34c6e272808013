//! Returns that do not bounce forever (退单审核) through the API and the queue page on both
//! engines: the second return goes to the service centre, which forces a department (that
//! may not return it again) or closes it as not the zone's business.

use serde_json::{Value, json};

use crate::both_engines;
use crate::mail::{SmtpSink, by_subject, free_port, mail_env};
use crate::pages_http::{get, sign_in};
use crate::support::{Engine, TestApp};
use crate::world::World;

fn to(w: &World, dept: &str, officer: &str) -> Value {
    json!({
        "accountable_leader_id": w.id("leader_a"),
        "department_id": w.id(dept),
        "responsible_person_id": w.id(officer),
    })
}

async fn ping_pong(app: &TestApp, w: &World, title: &str) -> i64 {
    let id = w.file(app, title).await;
    for (dept, officer) in [("d1", "officer_d1"), ("d2", "officer_d2")] {
        w.step(app, "head_a", id, "dispatch", to(w, dept, officer))
            .await;
        w.step(
            app,
            officer,
            id,
            "return",
            json!({"reason": "unclear_ownership"}),
        )
        .await;
    }
    id
}

async fn the_service_centre_arbitrates(engine: Engine) {
    let sink = SmtpSink::start(free_port(), None);
    let app = TestApp::start_with(engine, &mail_env(sink.port)).await;
    let w = World::build(&app).await;
    let id = ping_pong(&app, &w, "园区道路积水").await;
    // The first return goes back to the grid's dispatcher; the second to the service centre.
    let mails = sink.wait_for(4, 30).await;
    let queue = by_subject(&mails, "工单被退回");
    assert_eq!(queue.len(), 1);
    assert_eq!(queue[0].to, ["head_a@test.example"]);
    let centre = by_subject(&mails, "退单审核");
    assert_eq!(
        centre.len(),
        1,
        "{:?}",
        mails.iter().map(|m| &m.subject).collect::<Vec<_>>()
    );
    assert_eq!(centre[0].to, ["centre@test.example"]);
    assert!(centre[0].text.contains("强制派单"));
    let t = app.ticket(w.token("head_a"), id).await;
    assert_eq!(
        (t["status"].as_str(), t["return_count"].as_i64()),
        (Some("arbitration"), Some(2))
    );
    assert!(t["dispatch_due_at"].is_null() || t["overdue"] == false);
    let act = |who: &'static str, action: &'static str, body: Value| {
        let (app, w) = (&app, &w);
        async move {
            let mut body = body;
            body["expected_version"] = app.ticket(&w.admin, id).await["version"].clone();
            let (s, res) = app.act(w.token(who), id, action, body).await;
            (
                s.as_u16(),
                res["code"].as_str().unwrap_or_default().to_owned(),
            )
        }
    };
    assert_eq!(
        act("head_a", "dispatch", to(&w, "d1", "officer_d1")).await,
        (409, "invalid_transition".to_owned()),
        "not back to the grid's queue"
    );
    assert_eq!(
        act("head_a", "force_dispatch", to(&w, "d1", "officer_d1"))
            .await
            .0,
        403
    );

    // The centre's queue page lists it apart.
    let (centre, _) = sign_in(&app, "centre").await;
    let (_, queue) = get(&centre, &app, "/queue").await;
    let arbitration = queue
        .split("退单审核")
        .nth(1)
        .expect("an arbitration section");
    assert!(arbitration.contains(&format!("data-ticket=\"{id}\"")));

    w.step(
        &app,
        "centre",
        id,
        "force_dispatch",
        to(&w, "d1", "officer_d1"),
    )
    .await;
    let t = app.ticket(w.token("officer_d1"), id).await;
    assert_eq!(t["status"], "dispatched");
    assert_eq!(
        act("officer_d1", "return", json!({"reason": "wrong_territory"})).await,
        (422, "forced".to_owned()),
        "the confirmed department may not return it"
    );
    w.step(&app, "officer_d1", id, "accept", json!({})).await;

    // Another: closed as not the zone's business, counted apart.
    let other = ping_pong(&app, &w, "市级道路改造").await;
    let (s, res) = app
        .act(
            w.token("centre"),
            other,
            "close_out_of_scope",
            json!({"expected_version": app.ticket(&w.admin, other).await["version"], "reason": "属市级事权，已告知企业向市住建局反映"}),
        )
        .await;
    assert_eq!(s, 200, "{res}");
    let t = app.ticket(w.token("liaison_a"), other).await;
    assert_eq!(
        (t["status"].as_str(), t["closure"].as_str()),
        (Some("closed"), Some("out_of_scope"))
    );
}

both_engines!(the_service_centre_arbitrates);
