//! Optimistic concurrency and idempotent creates under real parallel requests.

use std::collections::HashSet;

use futures::future::join_all;
use serde_json::json;

use crate::both_engines;
use crate::support::{Engine, TestApp};
use crate::world::World;

async fn same_version_exactly_one_wins(engine: Engine) {
    let app = TestApp::start(engine).await;
    let w = World::build(&app).await;
    let id = w.prepare(&app, "dispatched").await;
    let version = app.ticket(w.token("officer_d1"), id).await["version"]
        .as_i64()
        .unwrap();

    // Two different actions racing on one version: sign for it and return it.
    let accept = app.act(
        w.token("officer_d1"),
        id,
        "accept",
        json!({"expected_version": version}),
    );
    let ret = app.act(
        w.token("officer_d1"),
        id,
        "return",
        json!({"expected_version": version, "reason": "unclear_ownership"}),
    );
    let (a, r) = tokio::join!(accept, ret);
    // Exactly one wins. If the return won, the ticket has left the department, so the
    // losing accept sees 404 (not theirs any more); otherwise the loser gets 409.
    match (a.0.as_u16(), r.0.as_u16()) {
        (200, 409) => assert_eq!(
            app.ticket(w.token("officer_d1"), id).await["status"],
            "accepted"
        ),
        (409 | 404, 200) => assert_eq!(
            app.ticket(w.token("head_a"), id).await["status"],
            "submitted"
        ),
        other => panic!("not exactly one winner: {other:?} {} {}", a.1, r.1),
    }
    let id = w.prepare(&app, "dispatched").await;

    // Sixteen identical comments on one version: one lands.
    let version = app.ticket(w.token("officer_d1"), id).await["version"]
        .as_i64()
        .unwrap();
    let mut tasks = Vec::new();
    for n in 0..16 {
        let app = &app;
        let token = w.token("officer_d1").to_owned();
        tasks.push(async move {
            app.act(
                &token,
                id,
                "comment",
                json!({"expected_version": version, "body": format!("并发评论{n}")}),
            )
            .await
        });
    }
    let results = join_all(tasks).await;
    let ok = results.iter().filter(|(s, _)| s.as_u16() == 200).count();
    let conflicts: Vec<_> = results.iter().filter(|(s, _)| s.as_u16() == 409).collect();
    assert_eq!(ok, 1, "{results:?}");
    assert_eq!(conflicts.len(), 15);
    assert!(conflicts.iter().all(|(_, b)| b["code"] == "stale_version"));
    let (_, events) = app
        .get(
            w.token("officer_d1"),
            &format!("/api/v1/tickets/{id}/events"),
        )
        .await;
    let comments = events
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "comment")
        .count();
    assert_eq!(comments, 1);
    assert_eq!(
        app.ticket(w.token("officer_d1"), id).await["version"]
            .as_i64()
            .unwrap(),
        version + 1
    );
}

async fn idempotent_create(engine: Engine) {
    let app = TestApp::start(engine).await;
    let w = World::build(&app).await;
    let body = json!({"enterprise_id": w.id("ent_a"), "category": "finance", "title": "融资需求", "description": "流动资金贷款"});
    let send = |key: &str, body: serde_json::Value| {
        app.client
            .post(app.url("/api/v1/tickets"))
            .bearer_auth(w.token("liaison_a"))
            .header("Idempotency-Key", key)
            .json(&body)
            .send()
    };
    let first = send("visit-2026-11-26-001", body.clone()).await.unwrap();
    assert_eq!(first.status(), 201);
    assert!(first.headers().get("idempotent-replayed").is_none());
    let first: serde_json::Value = first.json().await.unwrap();
    let retry = send("visit-2026-11-26-001", body.clone()).await.unwrap();
    assert_eq!(retry.status(), 201);
    assert_eq!(retry.headers()["idempotent-replayed"], "true");
    let retry: serde_json::Value = retry.json().await.unwrap();
    assert_eq!(first["id"], retry["id"]);
    assert_eq!(first["number"], retry["number"]);

    // The same key with another body is a mistake, not a retry.
    let mut other = body.clone();
    other["title"] = json!("另一个问题");
    let res = send("visit-2026-11-26-001", other).await.unwrap();
    assert_eq!(res.status(), 422);
    let err: serde_json::Value = res.json().await.unwrap();
    assert_eq!(err["code"], "idempotency_key_reused");

    // Twenty concurrent retries of a new key make one ticket.
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let fut = send("visit-2026-11-26-002", body.clone());
        tasks.push(async move {
            let r = fut.await.unwrap();
            let status = r.status().as_u16();
            let v: serde_json::Value = r.json().await.unwrap();
            (status, v["id"].as_i64())
        });
    }
    let results = join_all(tasks).await;
    assert!(results.iter().all(|(s, _)| *s == 201), "{results:?}");
    let ids: HashSet<_> = results.iter().map(|(_, id)| id.unwrap()).collect();
    assert_eq!(ids.len(), 1, "{results:?}");

    let (_, list) = app
        .get(w.token("liaison_a"), "/api/v1/tickets?category=finance")
        .await;
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
}

both_engines!(same_version_exactly_one_wins, idempotent_create);
