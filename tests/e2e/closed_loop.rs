//! The whole loop through HTTP, every step in the history.

use serde_json::json;

use crate::both_engines;
use crate::support::{Engine, TestApp};
use crate::world::World;

async fn full_loop(engine: Engine) {
    let app = TestApp::start(engine).await;
    let w = World::build(&app).await;

    // A liaison files the enterprise's problem.
    let id = w.file(&app, "三期项目用地净地交付").await;
    let t = app.ticket(w.token("liaison_a"), id).await;
    assert_eq!(t["status"], "submitted");
    assert_eq!(t["version"], 1);
    assert!(t["number"].as_str().unwrap().starts_with("GL-20"));
    assert_eq!(t["grid_id"], w.id("grid_a"));

    // Without all three-ones it cannot be dispatched.
    let (status, err) = app
        .act(w.token("head_a"), id, "dispatch", json!({"expected_version": 1, "department_id": w.id("d1"), "responsible_person_id": w.id("officer_d1")}))
        .await;
    assert_eq!(status, 422, "{err}");
    assert_eq!(err["field"], "accountable_leader_id");
    // A responsible person outside the department is refused.
    let (status, err) = app
        .act(w.token("head_a"), id, "dispatch", json!({"expected_version": 1, "accountable_leader_id": w.id("leader_a"), "department_id": w.id("d1"), "responsible_person_id": w.id("officer_d2")}))
        .await;
    assert_eq!(status, 422, "{err}");
    assert_eq!(err["code"], "not_in_department");

    // Dispatch, and the department returns it: not theirs.
    w.step(&app, "head_a", id, "dispatch", w.dispatch_body())
        .await;
    let t = app.ticket(w.token("officer_d1"), id).await;
    assert_eq!(t["status"], "dispatched");
    assert!(t["response_due_at"].is_string());
    w.step(
        &app,
        "officer_d1",
        id,
        "return",
        json!({"reason": "other", "reason_text": "属于市级事权"}),
    )
    .await;
    let t = app.ticket(w.token("head_a"), id).await;
    assert_eq!(t["status"], "submitted");
    assert_eq!(t["return_count"], 1);
    assert_eq!(t["last_return"]["code"], "other");
    assert!(t["department_id"].is_null());
    // The returning department no longer sees it.
    let (status, _) = app
        .get(w.token("officer_d1"), &format!("/api/v1/tickets/{id}"))
        .await;
    assert_eq!(status, 404);

    // Re-dispatch, sign, ask for more time, the leader approves.
    w.step(&app, "head_a", id, "dispatch", w.dispatch_body())
        .await;
    w.step(&app, "officer_d1", id, "accept", json!({})).await;
    let accepted = app.ticket(w.token("officer_d1"), id).await;
    assert_eq!(accepted["status"], "accepted");
    let due_before = accepted["resolution_due_at"].as_str().unwrap().to_owned();
    w.step(&app, "tracker", id, "urge", json!({"note": "企业催问进度"}))
        .await;
    w.step(
        &app,
        "officer_d1",
        id,
        "request_extension",
        json!({"days": 3, "reason": "需征地审批"}),
    )
    .await;
    assert_eq!(
        app.ticket(w.token("leader_a"), id).await["pending_extension"]["days"],
        3
    );
    w.step(
        &app,
        "leader_a",
        id,
        "decide_extension",
        json!({"approve": true, "note": "同意"}),
    )
    .await;
    let extended = app.ticket(w.token("leader_a"), id).await;
    let due_after = extended["resolution_due_at"].as_str().unwrap().to_owned();
    assert!(due_after > due_before, "{due_before} -> {due_after}");
    assert!(extended["pending_extension"].is_null());
    w.step(
        &app,
        "leader_a",
        id,
        "supervise",
        json!({"note": "请加快办理"}),
    )
    .await;

    // Hard problem: to the task force, with a co-handling department.
    w.step(&app, "officer_d1", id, "escalate", json!({"task_force_id": w.id("tf"), "co_department_ids": [w.id("d2")], "note": "需专班协调"}))
        .await;
    let t = app.ticket(w.token("tf_member"), id).await;
    assert_eq!(t["status"], "escalated");
    assert_eq!(t["co_department_ids"], json!([w.id("d2")]));
    // The co-handling department sees it and gives its opinion (协办意见).
    w.step(
        &app,
        "officer_d2",
        id,
        "co_reply",
        json!({"opinion": "规划条件已核实"}),
    )
    .await;
    w.step(
        &app,
        "tf_member",
        id,
        "add_co_departments",
        json!({"department_ids": [w.id("d3")]}),
    )
    .await;
    w.step(
        &app,
        "officer_d3",
        id,
        "co_reply",
        json!({"opinion": "用工手续无异议"}),
    )
    .await;
    w.step(
        &app,
        "tf_member",
        id,
        "resolve",
        json!({"resolution": "专班协调完成清表,已交付净地"}),
    )
    .await;
    assert_eq!(
        app.ticket(w.token("liaison_a"), id).await["status"],
        "resolved"
    );

    // The enterprise is not satisfied: reopened.
    w.step(
        &app,
        "liaison_a",
        id,
        "report",
        json!({"satisfaction": "unsatisfied", "feedback": "仍有青苗未清"}),
    )
    .await;
    let t = app.ticket(w.token("liaison_a"), id).await;
    assert_eq!(t["status"], "accepted");
    assert_eq!(t["reopen_count"], 1);
    assert_eq!(t["satisfaction"], "unsatisfied");

    // Worked again, resolved, and this time the loop closes.
    w.step(
        &app,
        "officer_d1",
        id,
        "resolve",
        json!({"resolution": "已全部清表"}),
    )
    .await;
    w.step(
        &app,
        "liaison_a",
        id,
        "report",
        json!({"satisfaction": "basically_satisfied"}),
    )
    .await;
    let t = app.ticket(w.token("liaison_a"), id).await;
    assert_eq!(t["status"], "closed");
    assert_eq!(t["satisfaction"], "basically_satisfied");
    assert_eq!(t["reopen_count"], 1);

    // The history has every step, in order, with actors and states.
    let (status, events) = app
        .get(w.token("top"), &format!("/api/v1/tickets/{id}/events"))
        .await;
    assert_eq!(status, 200);
    let actions: Vec<&str> = events
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "file",
            "dispatch",
            "return",
            "dispatch",
            "accept",
            "urge",
            "request_extension",
            "decide_extension",
            "supervise",
            "escalate",
            "co_reply",
            "add_co_departments",
            "co_reply",
            "resolve",
            "report",
            "reopen",
            "resolve",
            "report",
            "close",
        ]
    );
    let ev = events.as_array().unwrap();
    assert_eq!(ev[2]["from_status"], "dispatched");
    assert_eq!(ev[2]["to_status"], "submitted");
    assert_eq!(ev[2]["payload"]["reason"]["text"], "属于市级事权");
    assert_eq!(ev[2]["payload"]["previous"]["department_id"], w.id("d1"));
    assert_eq!(ev[1]["actor_id"], w.id("head_a"));
    assert_eq!(
        ev[1]["payload"]["three_ones"]["accountable_leader_id"],
        w.id("leader_a")
    );
    assert_eq!(ev[15]["payload"]["reopen_count"], 1);
    assert_eq!(
        t["version"].as_i64().unwrap(),
        17,
        "one version per command"
    );

    // Closed tickets take no more work, but comments still land.
    let (status, err) = app
        .act(
            w.token("officer_d1"),
            id,
            "resolve",
            json!({"expected_version": 17, "resolution": "x"}),
        )
        .await;
    assert_eq!(status, 409);
    assert_eq!(err["code"], "invalid_transition");
    w.step(
        &app,
        "liaison_a",
        id,
        "comment",
        json!({"body": "企业致谢"}),
    )
    .await;
}

async fn me_and_openapi(engine: Engine) {
    let app = TestApp::start(engine).await;
    let w = World::build(&app).await;
    let (status, me) = app.get(w.token("leader_a"), "/api/v1/me").await;
    assert_eq!(status, 200);
    assert_eq!(me["role"], "leader");
    assert_eq!(me["linked_grid_ids"], json!([w.id("grid_a")]));
    assert!(me.get("password_hash").is_none());

    let (status, doc) = app
        .call(reqwest::Method::GET, "/api/openapi.json", None, None)
        .await;
    assert_eq!(status, 200);
    for path in [
        "/api/v1/auth/login",
        "/api/v1/tickets",
        "/api/v1/tickets/{id}/actions/{action}",
        "/api/v1/tickets/{id}/attachments/{attachment}",
        "/api/v1/grids",
        "/api/v1/enterprises",
    ] {
        assert!(doc["paths"].get(path).is_some(), "openapi lacks {path}");
    }
    // Served as written once at start-up, with its media type.
    let raw = app
        .client
        .get(app.url("/api/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(raw.headers()["content-type"], "application/json");
    let raw: serde_json::Value = raw.json().await.unwrap();
    assert_eq!(raw, doc);
    let docs = app.client.get(app.url("/api/docs")).send().await.unwrap();
    assert_eq!(docs.status(), 200);
    assert!(docs.text().await.unwrap().contains("openapi"));
    let (status, _) = app.call(reqwest::Method::GET, "/healthz", None, None).await;
    assert_eq!(status, 200);
    let (status, ready) = app.call(reqwest::Method::GET, "/readyz", None, None).await;
    assert_eq!(status, 200);
    assert_eq!(ready["status"], "ready");
}

/// What got a 2xx is there after the process is killed and started again.
async fn survives_a_kill(engine: Engine) {
    let app = TestApp::start(engine).await;
    let w = World::build(&app).await;
    let id = w.prepare(&app, "accepted").await;
    let before = app.ticket(w.token("officer_d1"), id).await;
    let db = app.stop();
    let app = TestApp::serve(engine, db).await;
    assert_eq!(app.engine, engine);
    let token = app.login("officer.d1").await;
    let after = app.ticket(&token, id).await;
    assert_eq!(before["version"], after["version"]);
    assert_eq!(after["status"], "accepted");
    let (_, events) = app
        .get(&token, &format!("/api/v1/tickets/{id}/events"))
        .await;
    assert_eq!(events.as_array().unwrap().len(), 3);
}

both_engines!(full_loop, me_and_openapi, survives_a_kill);
