//! Per-person workload (个人工作量) for department heads, on both engines: a plain officer is
//! refused (API and page, no menu entry); an officer an administrator makes head sees the
//! people of their own department only — not the responsible person of a ticket their
//! department merely co-handles — and leaders see every person of their scope.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::both_engines;
use crate::pages_http::{get, sign_in};
use crate::people::{patch, user};
use crate::support::{Engine, TestApp};
use crate::world::World;

fn names(body: &Value) -> Vec<(i64, u64)> {
    body["people"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["person_id"].as_i64().unwrap(),
                p["held"].as_u64().unwrap(),
            )
        })
        .collect()
}

async fn heads_see_their_own_department(engine: Engine) {
    let app = TestApp::start(engine).await;
    let w = World::build(&app).await;
    // d1's officer holds two tickets, one of which d2 co-handles; d2's officer holds one.
    w.prepare(&app, "accepted").await;
    w.prepare(&app, "escalated").await;
    let d2_ticket = w.file(&app, "二部门的工单").await;
    let mut body = w.dispatch_body();
    body["department_id"] = json!(w.id("d2"));
    body["responsible_person_id"] = json!(w.id("officer_d2"));
    w.step(&app, "head_a", d2_ticket, "dispatch", body).await;
    w.step(&app, "officer_d2", d2_ticket, "accept", json!({}))
        .await;
    let (d1, d2) = (w.id("officer_d1"), w.id("officer_d2"));

    // A plain officer: refused, no menu entry, no page.
    let (s, e) = app.get(w.token("officer_d2"), "/api/v1/workload").await;
    assert_eq!(
        (s, e["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("heads_only")),
        "{e}"
    );
    let (c, _) = sign_in(&app, "officer.d2").await;
    let (s, _) = get(&c, &app, "/workload").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (_, inbox) = get(&c, &app, "/inbox").await;
    assert!(!inbox.contains("本部门人员"), "no menu entry");

    // Only an officer can be made head.
    let tracker = user(&app, &w.admin, w.id("tracker")).await;
    let (s, e) = patch(
        &app,
        &w.admin,
        w.id("tracker"),
        json!({"expected_version": tracker["version"], "department_head": true}),
    )
    .await;
    assert_eq!(
        (s, e["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("officers_only")),
        "{e}"
    );

    // Made head: d2's people only (d1's officer holds the ticket d2 co-handles).
    let before = user(&app, &w.admin, d2).await;
    let (s, after) = patch(
        &app,
        &w.admin,
        d2,
        json!({"expected_version": before["version"], "department_head": true}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{after}");
    assert_eq!(after["department_head"], true);
    let (s, mine) = app.get(w.token("officer_d2"), "/api/v1/workload").await;
    assert_eq!(s, StatusCode::OK, "{mine}");
    assert_eq!(mine["department_id"], w.id("d2"));
    assert_eq!(names(&mine), vec![(d2, 1)], "{mine}");
    assert_eq!(mine["people"][0]["signed"], 1);
    assert_eq!(mine["people"][0]["department_id"], w.id("d2"));
    // The same on the page, with its menu entry; the token issued before still works.
    let (s, html) = get(&c, &app, "/workload").await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("本部门人员"), "the menu entry");
    assert!(
        html.contains("测试officer_d2") && !html.contains("测试officer_d1"),
        "{html}"
    );
    // A period far from today is refused, not computed.
    let (s, e) = app
        .get(w.token("officer_d2"), "/api/v1/workload?period=1999-01")
        .await;
    assert_eq!(
        (s, e["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_period"))
    );

    // A zone-wide leader sees both departments' people, most held first.
    let (s, all) = app.get(w.token("top"), "/api/v1/workload").await;
    assert_eq!(s, StatusCode::OK, "{all}");
    assert_eq!(all["department_id"], Value::Null);
    assert_eq!(names(&all), vec![(d1, 2), (d2, 1)], "{all}");

    // No longer head: refused again.
    let (s, _) = patch(
        &app,
        &w.admin,
        d2,
        json!({"expected_version": after["version"], "department_head": false}),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = app.get(w.token("officer_d2"), "/api/v1/workload").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}

both_engines!(heads_see_their_own_department);
