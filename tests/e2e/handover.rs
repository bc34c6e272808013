//! Handing work over (交接, 改派) through the API: one ticket reassigned by its department,
//! then everything a departing officer or tracker holds handed to a colleague in one go.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;

use crate::both_engines;
use crate::support::{Engine, PASSWORD, TestApp};
use crate::world::World;

/// A second officer of department 1, who can take officer.d1's tickets.
async fn colleague(app: &TestApp, w: &World) -> (i64, String) {
    let body = app
        .post_ok(
            &w.admin,
            "/api/v1/users",
            json!({"username": "officer.d1b", "display_name": "王经办", "password": PASSWORD,
                   "role": "department_officer", "department_id": w.id("d1"),
                   "email": "officer_d1b@test.example"}),
            201,
        )
        .await;
    (body["id"].as_i64().unwrap(), app.login("officer.d1b").await)
}

async fn responsible(app: &TestApp, w: &World, id: i64) -> i64 {
    app.ticket(&w.admin, id).await["responsible_person_id"]
        .as_i64()
        .unwrap()
}

/// Reassign (改派) one ticket from the department, then hand everything a departing officer
/// holds to a colleague in one go: one event per ticket, a mail to who takes over, all or
/// nothing; afterwards the officer holds nothing and can be deactivated.
async fn reassign_and_hand_over(engine: Engine) {
    use crate::mail::{SmtpSink, by_subject, free_port, mail_env};
    let sink = SmtpSink::start(free_port(), None);
    let app = TestApp::start_with(engine, &mail_env(sink.port)).await;
    let w = World::build(&app).await;
    let (d1b, d1b_token) = colleague(&app, &w).await;
    let t1 = w.prepare(&app, "accepted").await;
    let version = app.ticket(&w.admin, t1).await["version"].clone();
    let mut body = json!({"expected_version": version, "responsible_person_id": w.id("officer_d3"), "reason": "调岗"});
    let (status, res) = app
        .act(w.token("officer_d1"), t1, "reassign", body.clone())
        .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "another department's officer: {res}"
    );
    assert_eq!(res["code"], "not_in_department");
    body["responsible_person_id"] = json!(d1b);
    body.as_object_mut().unwrap().remove("reason");
    let (status, res) = app
        .act(w.token("officer_d1"), t1, "reassign", body.clone())
        .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a reason is required: {res}"
    );
    body["reason"] = json!("原负责人调岗");
    let (status, res) = app
        .act(w.token("officer_d2"), t1, "reassign", body.clone())
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{res}");
    let (status, res) = app.act(w.token("officer_d1"), t1, "reassign", body).await;
    assert_eq!(status, StatusCode::OK, "{res}");
    assert_eq!(responsible(&app, &w, t1).await, d1b);
    assert_eq!(
        app.get(&d1b_token, &format!("/api/v1/tickets/{t1}"))
            .await
            .0,
        StatusCode::OK
    );
    let (_, events) = app
        .get(&w.admin, &format!("/api/v1/tickets/{t1}/events"))
        .await;
    let last = events.as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["action"], "reassign");
    assert_eq!(
        last["payload"]["responsible_person"]["from"],
        w.id("officer_d1")
    );
    assert_eq!(last["payload"]["responsible_person"]["to"], d1b);
    assert_eq!(last["payload"]["reason"], "原负责人调岗");

    // Two more of officer.d1's, and one tracked by `tracker`.
    let t2 = w.prepare(&app, "dispatched").await;
    let t3 = w.prepare(&app, "accepted").await;
    let officer = w.id("officer_d1");
    // To someone of another department: refused, and nothing moved.
    let (status, res) = app
        .post(
            &w.admin,
            &format!("/api/v1/users/{officer}/handover"),
            json!({"to_user_id": w.id("officer_d2"), "reason": "调岗"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{res}");
    assert_eq!(res["code"], "not_in_department");
    for t in [t2, t3] {
        assert_eq!(responsible(&app, &w, t).await, officer, "all or nothing");
    }
    let (status, _) = app
        .post(
            w.token("leader_a"),
            &format!("/api/v1/users/{officer}/handover"),
            json!({"to_user_id": d1b, "reason": "调岗"}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, res) = app
        .post(
            &w.admin,
            &format!("/api/v1/users/{officer}/handover"),
            json!({"to_user_id": d1b, "reason": "干部轮岗，工作移交"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{res}");
    let mut moved: Vec<i64> = res["responsible"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect();
    moved.sort();
    assert_eq!(moved, [t2, t3]);
    for t in [t2, t3] {
        assert_eq!(responsible(&app, &w, t).await, d1b);
        let (_, events) = app
            .get(&w.admin, &format!("/api/v1/tickets/{t}/events"))
            .await;
        let reassigns = events
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"] == "reassign")
            .count();
        assert_eq!(reassigns, 1, "one event per ticket");
    }
    let (_, h) = app
        .get(&w.admin, &format!("/api/v1/users/{officer}/holdings"))
        .await;
    assert!(h["responsible"].as_array().unwrap().is_empty(), "{h}");
    let (_, audit) = app
        .get(
            &w.admin,
            &format!("/api/v1/audit?object_kind=user&object_id={officer}"),
        )
        .await;
    let row = &audit[0];
    assert_eq!(row["action"], "hand_over");
    assert_eq!(row["after"]["to_user_id"], d1b);
    assert_eq!(
        row["after"]["responsible_person_id"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    // The tracker's tickets go to another tracker.
    let tracker = w.id("tracker");
    let (status, res) = app
        .post(
            &w.admin,
            &format!("/api/v1/users/{tracker}/handover"),
            json!({"to_user_id": w.id("tracker2"), "reason": "调岗"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{res}");
    assert_eq!(res["tracking"].as_array().unwrap().len(), 3);
    assert_eq!(
        app.ticket(&w.admin, t2).await["tracker_id"],
        w.id("tracker2")
    );

    // Who took over heard of each ticket, and nobody else did.
    // Three dispatches, then one reassign, two handed over, three trackers changed.
    let mails = sink.wait_for(3 + 1 + 2 + 3, 30).await;
    let handed = by_subject(&mails, "工单改派");
    let to = |who: &str| {
        handed
            .iter()
            .filter(|m| m.to.contains(&who.to_owned()))
            .count()
    };
    assert_eq!(to("officer_d1b@test.example"), 3);
    assert_eq!(to("tracker2@test.example"), 3);
    assert_eq!(handed.len(), 6);
    assert!(handed.iter().all(|m| m.to.len() == 1), "only who took over");
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert_eq!(sink.raw().len(), 9, "nothing more");
}

both_engines!(reassign_and_hand_over);
