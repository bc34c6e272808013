//! Who sees what, and hostile input.

use reqwest::StatusCode;
use serde_json::json;

use crate::both_engines;
use crate::pages_http::{client, csrf, get, sign_in};
use crate::support::{Engine, PASSWORD, TestApp};
use crate::world::{World, credit_code};

/// 3. A dispatcher without a grid sees and dispatches nothing; zone-wide dispatching is the
///    explicit service-centre flag.
async fn dispatcher_without_grid_sees_nothing(engine: Engine) {
    let app = TestApp::start(engine).await;
    let w = World::build(&app).await;
    let id = w.file(&app, "A网格的用地问题").await;
    app.post_ok(
        &w.admin,
        "/api/v1/users",
        json!({"username": "head.new", "display_name": "新网格长", "password": PASSWORD, "role": "dispatcher"}),
        201,
    )
    .await;
    let t = app.login("head.new").await;
    let (status, list) = app.get(&t, "/api/v1/tickets").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["items"].as_array().unwrap().len(), 0, "{list}");
    assert_eq!(
        app.get(&t, &format!("/api/v1/tickets/{id}")).await.0,
        StatusCode::NOT_FOUND
    );
    let mut body = w.dispatch_body();
    body["expected_version"] = json!(1);
    let (status, _) = app.act(&t, id, "dispatch", body.clone()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // The page queue is empty too.
    let (c, _) = sign_in(&app, "head.new").await;
    let (_, queue) = get(&c, &app, "/queue").await;
    assert!(!queue.contains("A网格的用地问题"));
    // The service centre, flagged, dispatches anywhere.
    let (status, _) = app.act(w.token("centre"), id, "dispatch", body).await;
    assert_eq!(status, StatusCode::OK);
    // The flag belongs to dispatchers only.
    let (status, err) = app
        .post(
            &w.admin,
            "/api/v1/users",
            json!({"username": "liaison.x", "display_name": "x", "password": PASSWORD, "role": "liaison", "service_centre": true}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(err["code"], "dispatchers_only");
}

/// 4. Once a ticket the task force resolved is reopened, it is the department's again: the
///    task force may not resolve it (nor is it offered the form).
async fn task_force_cannot_resolve_reopened_ticket(engine: Engine) {
    let app = TestApp::start(engine).await;
    let w = World::build(&app).await;
    let id = w.prepare(&app, "escalated").await;
    w.step(
        &app,
        "officer_d2",
        id,
        "co_reply",
        json!({"opinion": "规划条件无异议"}),
    )
    .await;
    w.step(
        &app,
        "tf_member",
        id,
        "resolve",
        json!({"resolution": "专班协调完成"}),
    )
    .await;
    w.step(
        &app,
        "liaison_a",
        id,
        "report",
        json!({"satisfaction": "unsatisfied", "feedback": "仍未交地"}),
    )
    .await;
    let t = app.ticket(w.token("tf_member"), id).await;
    assert_eq!(t["status"], "accepted");
    let (status, err) = app
        .act(
            w.token("tf_member"),
            id,
            "resolve",
            json!({"expected_version": t["version"], "resolution": "再次办结"}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{err}");
    assert_eq!(err["code"], "action_forbidden");
    let (c, _) = sign_in(&app, "tf.member").await;
    let (status, page) = get(&c, &app, &format!("/tickets/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        !page.contains("/actions/resolve"),
        "no resolve form offered"
    );
    // The department resolves it.
    w.step(
        &app,
        "officer_d1",
        id,
        "resolve",
        json!({"resolution": "部门重新办结"}),
    )
    .await;
}

/// 5. The dashboard's period is bounded around today: a far year is a 400 at once.
async fn dashboard_period_is_bounded(engine: Engine) {
    let app = TestApp::start(engine).await;
    let _w = World::build(&app).await;
    let (c, _) = sign_in(&app, "top").await;
    let year = chrono::Utc::now().format("%Y").to_string();
    let long_ago = year.parse::<i32>().unwrap() - 11;
    for p in [
        "262142-W50".to_owned(),
        "9999-12".to_owned(),
        "0001-01".to_owned(),
        format!("{long_ago}-06"),
    ] {
        let (status, _) = get(&c, &app, &format!("/dashboard?period={p}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{p}");
    }
    let (status, _) = get(&c, &app, &format!("/dashboard?period={year}-01")).await;
    assert_eq!(status, StatusCode::OK);
}

/// 6. A NUL (or any control character) in a username or a search is a 422 with a stable
///    code: never a 500 (PostgreSQL) nor a search that matches everything (SQLite).
async fn nul_characters_are_refused(engine: Engine) {
    let app = TestApp::start(engine).await;
    let w = World::build(&app).await;
    w.file(&app, "NUL检查").await;
    let (status, err) = app
        .call(
            reqwest::Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"username": "ad\u{0}min", "password": "whatever it is"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert_eq!(err["code"], "control_character");
    for path in [
        "/api/v1/tickets?q=%00",
        "/api/v1/tickets?q=a%00b",
        "/api/v1/enterprises?q=%00",
        "/api/v1/tickets?q=%07",
    ] {
        let (status, err) = app.get(w.token("liaison_a"), path).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{path}: {err}");
        assert_eq!(err["code"], "control_character", "{path}");
        assert_eq!(err["field"], "q", "{path}");
    }
    let (c, _) = sign_in(&app, "liaison.a").await;
    for path in ["/tickets?q=%00", "/tickets/new?q=%00"] {
        let (status, _) = get(&c, &app, path).await;
        assert!(status.is_client_error(), "{path}: {status}");
    }
    let fresh = client();
    let (_, html) = get(&fresh, &app, "/login").await;
    let r = fresh
        .post(app.url("/login"))
        .form(&[
            ("username", "liaison\u{0}.a"),
            ("password", PASSWORD),
            ("_csrf", &csrf(&html)),
        ])
        .send()
        .await
        .unwrap();
    assert!(r.status().is_client_error(), "{}", r.status());
}

/// 8. `%`, `_` and `\` typed into a search are characters, not LIKE wildcards.
async fn like_wildcards_are_escaped(engine: Engine) {
    let app = TestApp::start(engine).await;
    let w = World::build(&app).await;
    let e = app
        .post_ok(
            &w.admin,
            "/api/v1/enterprises",
            json!({"name": "百分百%_达标\\公司", "credit_code": credit_code(3), "cluster": "other", "grid_id": w.id("grid_a"), "above_size": false}),
            201,
        )
        .await;
    w.file(&app, "普通工单").await;
    let odd = w.file(&app, "达标率100%_以上\\").await;
    for q in ["%25", "_", "%5C", "%25_"] {
        let (status, list) = app
            .get(&w.admin, &format!("/api/v1/enterprises?q={q}"))
            .await;
        assert_eq!(status, StatusCode::OK);
        let ids: Vec<i64> = list
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["id"].as_i64().unwrap())
            .collect();
        assert_eq!(ids, vec![e["id"].as_i64().unwrap()], "enterprises q={q}");
        let (_, tickets) = app
            .get(w.token("liaison_a"), &format!("/api/v1/tickets?q={q}"))
            .await;
        let ids: Vec<i64> = tickets["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["id"].as_i64().unwrap())
            .collect();
        assert_eq!(ids, vec![odd], "tickets q={q}");
    }
}

/// Hardening: the user list shows addresses to administrators and to the user themselves.
async fn user_list_hides_addresses(engine: Engine) {
    let app = TestApp::start(engine).await;
    let w = World::build(&app).await;
    let (_, list) = app.get(w.token("liaison_a"), "/api/v1/users").await;
    let list = list.as_array().unwrap();
    assert!(list.len() > 10);
    let own = w.id("liaison_a");
    for u in list {
        if u["id"] == own {
            assert_eq!(u["email"], "liaison_a@test.example", "one's own address");
        } else {
            assert!(u["email"].is_null(), "no one else's address: {u}");
        }
    }
    let (_, me) = app
        .get(
            w.token("liaison_a"),
            &format!("/api/v1/users/{}", w.id("liaison_a")),
        )
        .await;
    assert_eq!(me["email"], "liaison_a@test.example");
    let (_, other) = app
        .get(
            w.token("liaison_a"),
            &format!("/api/v1/users/{}", w.id("leader_a")),
        )
        .await;
    assert!(other["email"].is_null());
    let (_, all) = app.get(&w.admin, "/api/v1/users").await;
    assert!(
        all.as_array()
            .unwrap()
            .iter()
            .filter(|u| u["email"].is_string())
            .count()
            > 10
    );
}

both_engines!(
    dispatcher_without_grid_sees_nothing,
    task_force_cannot_resolve_reopened_ticket,
    dashboard_period_is_bounded,
    nul_characters_are_refused,
    like_wildcards_are_escaped,
    user_list_hides_addresses,
);
