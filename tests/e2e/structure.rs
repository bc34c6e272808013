//! Changing the organisation's structure through the API: departments and task forces
//! renamed and deactivated only when nothing is open, and a grid's five-ones changed with
//! the same checks as at creation, its seat history kept, and every change audited.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::both_engines;
use crate::support::{Engine, PASSWORD, TestApp};
use crate::world::World;

async fn patch(app: &TestApp, token: &str, path: &str, body: Value) -> (StatusCode, Value) {
    app.call(Method::PATCH, path, Some(token), Some(body)).await
}

async fn version(app: &TestApp, token: &str, path: &str, id: i64) -> i64 {
    let (_, list) = app.get(token, path).await;
    list.as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == id)
        .unwrap_or_else(|| panic!("{id} in {path}"))["version"]
        .as_i64()
        .unwrap()
}

/// Departments and task forces: renamed, given a mailbox, deactivated only once nothing is
/// open there; a deactivated department takes no new tickets.
async fn departments_and_task_forces(engine: Engine) {
    let app = TestApp::start(engine).await;
    let w = World::build(&app).await;
    let ticket = w.prepare(&app, "accepted").await;
    let number = app.ticket(&w.admin, ticket).await["number"]
        .as_str()
        .unwrap()
        .to_owned();
    let d1 = w.id("d1");
    let path = format!("/api/v1/departments/{d1}");
    let v = version(&app, &w.admin, "/api/v1/departments", d1).await;
    let (status, d) = patch(
        &app,
        &w.admin,
        &path,
        json!({"expected_version": v, "name": "自然资源和规划局", "email": "zrzy@zone.example.cn"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{d}");
    assert_eq!(d["name"], "自然资源和规划局");
    assert_eq!(d["version"], v + 1);
    let (status, body) = patch(
        &app,
        &w.admin,
        &path,
        json!({"expected_version": v, "name": "旧"}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["code"], "stale_version");
    let (status, body) = patch(
        &app,
        &w.admin,
        &path,
        json!({"expected_version": v + 1, "email": "x"}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["field"], "email");
    let (status, body) = patch(
        &app,
        &w.admin,
        &path,
        json!({"expected_version": v + 1, "active": false}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["code"], "department_in_use");
    assert!(body["detail"].as_str().unwrap().contains(&number));
    let (status, _) = patch(
        &app,
        w.token("leader_a"),
        &path,
        json!({"expected_version": v + 1, "name": "改"}),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // d3 has nothing open: deactivated, it takes no new ticket.
    let d3 = w.id("d3");
    let v3 = version(&app, &w.admin, "/api/v1/departments", d3).await;
    let (status, d) = patch(
        &app,
        &w.admin,
        &format!("/api/v1/departments/{d3}"),
        json!({"expected_version": v3, "active": false}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{d}");
    assert_eq!(d["active"], false);
    let t = w.file(&app, "新问题").await;
    let version_t = app.ticket(&w.admin, t).await["version"].clone();
    let mut body = w.dispatch_body();
    body["department_id"] = json!(d3);
    body["responsible_person_id"] = json!(w.id("officer_d3"));
    body["expected_version"] = version_t;
    let (status, res) = app.act(w.token("head_a"), t, "dispatch", body).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{res}");
    assert_eq!(res["code"], "unknown_department");

    // A task force that serves a grid, or coordinates open work, stays.
    w.prepare(&app, "escalated").await;
    for (key, why) in [
        ("tfg_a", "serves grid A"),
        ("tf", "coordinates an open ticket"),
    ] {
        let tf = w.id(key);
        let vt = version(&app, &w.admin, "/api/v1/task-forces", tf).await;
        let (status, body) = patch(
            &app,
            &w.admin,
            &format!("/api/v1/task-forces/{tf}"),
            json!({"expected_version": vt, "active": false}),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{why}: {body}");
        assert_eq!(body["code"], "task_force_in_use");
    }
    let tf = w.id("tf");
    let vt = version(&app, &w.admin, "/api/v1/task-forces", tf).await;
    let (status, body) = patch(
        &app,
        &w.admin,
        &format!("/api/v1/task-forces/{tf}"),
        json!({"expected_version": vt, "name": "重点项目服务专班"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // An idle one is deactivated, and no ticket can be escalated to it.
    let tf2 = w.id("tf2");
    let vt = version(&app, &w.admin, "/api/v1/task-forces", tf2).await;
    let (status, body) = patch(
        &app,
        &w.admin,
        &format!("/api/v1/task-forces/{tf2}"),
        json!({"expected_version": vt, "active": false}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let accepted = w.prepare(&app, "accepted").await;
    let v = app.ticket(&w.admin, accepted).await["version"].clone();
    let (status, res) = app
        .act(
            w.token("officer_d1"),
            accepted,
            "escalate",
            json!({"expected_version": v, "task_force_id": tf2}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{res}");
    assert_eq!(res["code"], "unknown_task_force");

    let (_, rows) = app
        .get(
            &w.admin,
            &format!("/api/v1/audit?object_kind=department&object_id={d1}"),
        )
        .await;
    let rows = rows.as_array().unwrap();
    assert_eq!(rows[0]["action"], "update");
    assert_eq!(rows[0]["after"]["email"], "zrzy@zone.example.cn");
    assert!(rows[0]["before"]["email"].is_string() || rows[0]["before"]["email"].is_null());
    let (_, rows) = app
        .get(
            &w.admin,
            &format!("/api/v1/audit?object_kind=department&object_id={d3}"),
        )
        .await;
    assert_eq!(rows[0]["action"], "deactivate");
}

/// A grid's liaison and head change hands: the rules check the roles as at creation, the
/// new liaison files for the grid at once, the seat history keeps who held each seat and
/// until when, the team is a list of users, and the change is audited.
async fn grid_five_ones_change_hands(engine: Engine) {
    let app = TestApp::start(engine).await;
    let w = World::build(&app).await;
    let grid = w.id("grid_a");
    let path = format!("/api/v1/grids/{grid}");
    // A new liaison, created without a grid.
    let new_liaison = app
        .post_ok(
            &w.admin,
            "/api/v1/users",
            json!({"username": "liaison.a2", "display_name": "新联络员", "password": PASSWORD, "role": "liaison"}),
            201,
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let v = version(&app, &w.admin, "/api/v1/grids", grid).await;
    // A liaison cannot be the head.
    let (status, body) = patch(
        &app,
        &w.admin,
        &path,
        json!({"expected_version": v, "head_id": new_liaison}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["field"], "head_id");
    let (status, g) = patch(
        &app,
        &w.admin,
        &path,
        json!({"expected_version": v, "liaison_id": new_liaison,
               "team_member_ids": [w.id("liaison_a"), new_liaison]}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{g}");
    assert_eq!(g["liaison_id"], new_liaison);
    assert_eq!(g["version"], v + 1);
    let (status, _) = patch(
        &app,
        &w.admin,
        &path,
        json!({"expected_version": v, "name": "旧"}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);

    // The new liaison files for the grid's enterprise straight away.
    let token = app.login("liaison.a2").await;
    let (status, t) = app
        .post(
            &token,
            "/api/v1/tickets",
            json!({"enterprise_id": w.id("ent_a"), "category": "land", "priority": "normal",
                   "title": "新联络员登记", "description": "网格调整后的第一件"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{t}");

    let (status, h) = app.get(w.token("leader_a"), &format!("{path}/seats")).await;
    assert_eq!(status, StatusCode::OK);
    let liaison: Vec<&Value> = h["seats"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["seat"] == "liaison")
        .collect();
    assert_eq!(liaison.len(), 2, "{h}");
    assert_eq!(liaison[0]["holder_id"], w.id("liaison_a"));
    assert!(liaison[0]["to"].is_string(), "the old liaison's time ended");
    assert_eq!(liaison[1]["holder_id"], new_liaison);
    assert!(liaison[1]["to"].is_null());
    let heads = h["seats"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["seat"] == "head")
        .count();
    assert_eq!(heads, 1, "seats that did not change hands keep one entry");
    let mut team: Vec<i64> = h["team_member_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect();
    team.sort();
    let mut want = vec![w.id("liaison_a"), new_liaison];
    want.sort();
    assert_eq!(team, want);

    let (_, rows) = app
        .get(
            &w.admin,
            &format!("/api/v1/audit?object_kind=grid&object_id={grid}"),
        )
        .await;
    let row = &rows.as_array().unwrap()[0];
    assert_eq!(row["action"], "update");
    assert_eq!(row["before"]["liaison_id"], w.id("liaison_a"));
    assert_eq!(row["after"]["liaison_id"], new_liaison);
    assert!(
        row["after"].get("head_id").is_none(),
        "only what changed: {row}"
    );
    // Not for other roles.
    let (status, _) = patch(
        &app,
        w.token("head_a"),
        &path,
        json!({"expected_version": v + 1, "name": "改名"}),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

both_engines!(departments_and_task_forces, grid_five_ones_change_hands);
