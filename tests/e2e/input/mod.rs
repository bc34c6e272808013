//! Bad input gets a clear 4xx with a stable code and writes nothing; bad tokens get 401.

mod tokens;

use serde_json::{Value, json};

use crate::both_engines;
use crate::support::{Engine, TestApp};
use crate::world::{World, credit_code};

async fn raw_post(
    app: &TestApp,
    token: &str,
    path: &str,
    body: Vec<u8>,
    content_type: &str,
) -> (u16, Value) {
    let res = app
        .client
        .post(app.url(path))
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let ct = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned());
    let v: Value = res.json().await.unwrap_or(Value::Null);
    if status >= 400 {
        assert_eq!(ct.as_deref(), Some("application/problem+json"), "{v}");
        assert_eq!(v["status"], status, "{v}");
        assert!(v["title"].is_string());
    }
    (status, v)
}

async fn ticket_count(app: &TestApp, w: &World) -> usize {
    app.get(w.token("liaison_a"), "/api/v1/tickets?limit=100")
        .await
        .1["items"]
        .as_array()
        .unwrap()
        .len()
}

async fn bad_ticket_input_writes_nothing(engine: Engine) {
    let app = TestApp::start(engine).await;
    let w = World::build(&app).await;
    let token = w.token("liaison_a");
    let good = json!({"enterprise_id": w.id("ent_a"), "category": "land", "title": "用地", "description": "d"});
    let cases: Vec<(Vec<u8>, &str, u16, &str)> = vec![
        (
            b"{\"enterprise_id\": 1,".to_vec(),
            "application/json",
            400,
            "malformed_json",
        ),
        (
            b"not json at all".to_vec(),
            "application/json",
            400,
            "malformed_json",
        ),
        (
            serde_json::to_vec(&good).unwrap(),
            "text/plain",
            400,
            "unsupported_media_type",
        ),
        (
            vec![0xff, 0xfe, 0x7b],
            "application/json",
            400,
            "malformed_json",
        ),
        (
            {
                let mut b = good.clone();
                b["surprise"] = json!(1);
                serde_json::to_vec(&b).unwrap()
            },
            "application/json",
            422,
            "invalid_body",
        ),
        (
            {
                let mut b = good.clone();
                b["enterprise_id"] = json!("one");
                serde_json::to_vec(&b).unwrap()
            },
            "application/json",
            422,
            "invalid_body",
        ),
        (
            {
                let mut b = good.clone();
                b["category"] = json!("weather");
                serde_json::to_vec(&b).unwrap()
            },
            "application/json",
            422,
            "invalid_body",
        ),
        (
            {
                let mut b = good.clone();
                b["title"] = json!("   ");
                serde_json::to_vec(&b).unwrap()
            },
            "application/json",
            422,
            "empty",
        ),
        (
            {
                let mut b = good.clone();
                b["title"] = json!("标".repeat(201));
                serde_json::to_vec(&b).unwrap()
            },
            "application/json",
            422,
            "too_long",
        ),
        (
            {
                let mut b = good.clone();
                b["enterprise_id"] = json!(999_999);
                serde_json::to_vec(&b).unwrap()
            },
            "application/json",
            422,
            "unknown_enterprise",
        ),
        (
            {
                let mut b = good.clone();
                b["description"] = json!("x".repeat(70_000));
                serde_json::to_vec(&b).unwrap()
            },
            "application/json",
            413,
            "body_too_large",
        ),
        (
            {
                let mut s = String::new();
                for _ in 0..5000 {
                    s.push('[');
                }
                s.into_bytes()
            },
            "application/json",
            422,
            "invalid_body",
        ),
    ];
    for (body, ct, status, code) in cases {
        let (got, res) = raw_post(&app, token, "/api/v1/tickets", body, ct).await;
        assert_eq!(
            (got, res["code"].as_str().unwrap_or("")),
            (status, code),
            "{res}"
        );
    }
    assert_eq!(
        ticket_count(&app, &w).await,
        0,
        "a refused create wrote a ticket"
    );

    // Bad action bodies: nothing changes.
    let id = w.prepare(&app, "dispatched").await;
    let before = app.ticket(&w.admin, id).await;
    for (action, body, status, code) in [
        ("accept", json!({}), 422, "invalid_body"),
        (
            "accept",
            json!({"expected_version": "2"}),
            422,
            "invalid_body",
        ),
        (
            "accept",
            json!({"expected_version": 2, "note": "x"}),
            422,
            "field_not_allowed",
        ),
        (
            "return",
            json!({"expected_version": 2, "reason": "bored"}),
            422,
            "unknown_reason",
        ),
        (
            "return",
            json!({"expected_version": 2, "reason": "other"}),
            422,
            "required",
        ),
        (
            "accept",
            json!({"expected_version": 1}),
            409,
            "stale_version",
        ),
        (
            "report",
            json!({"expected_version": 2, "satisfaction": "satisfied"}),
            403,
            "action_forbidden",
        ),
        (
            "fly",
            json!({"expected_version": 2}),
            404,
            "action_not_found",
        ),
    ] {
        let (got, res) = raw_post(
            &app,
            w.token("officer_d1"),
            &format!("/api/v1/tickets/{id}/actions/{action}"),
            serde_json::to_vec(&body).unwrap(),
            "application/json",
        )
        .await;
        assert_eq!(
            (got, res["code"].as_str().unwrap_or("")),
            (status, code),
            "{action} {body}: {res}"
        );
    }
    assert_eq!(app.ticket(&w.admin, id).await, before);

    // Text is stored and returned verbatim: markup and SQL are data.
    let nasty = "<script>alert('x')</script> '; DROP TABLE tickets; -- 100% _土地_";
    let created = app
        .post_ok(token, "/api/v1/tickets", json!({"enterprise_id": w.id("ent_a"), "category": "other", "title": nasty, "description": nasty}), 201)
        .await;
    assert_eq!(created["title"], nasty);
    let (_, found) = app.get(token, "/api/v1/tickets?q=100%25%20_").await;
    assert_eq!(found["items"][0]["title"], nasty);
    let (_, none) = app.get(token, "/api/v1/tickets?q=%25").await;
    assert_eq!(
        none["items"].as_array().unwrap().len(),
        1,
        "% matched literally"
    );

    // Query strings and cursors.
    for (q, code) in [
        ("status=lost", "invalid_query"),
        ("limit=0", "out_of_range"),
        ("limit=abc", "invalid_query"),
        ("cursor=garbage", "invalid_cursor"),
        ("colour=red", "invalid_query"),
    ] {
        let (status, res) = app.get(token, &format!("/api/v1/tickets?{q}")).await;
        assert!(status.is_client_error(), "{q}: {status}");
        assert_eq!(res["code"], code, "{q}");
    }
    let (status, res) = app.get(token, "/api/v1/tickets/abc").await;
    assert_eq!(
        (status.as_u16(), res["code"].as_str().unwrap()),
        (400, "invalid_path")
    );
}

async fn bad_enterprises_and_users(engine: Engine) {
    let app = TestApp::start(engine).await;
    let w = World::build(&app).await;
    let base = json!({"name": "测试企业", "credit_code": credit_code(77), "cluster": "machinery_moulds", "grid_id": w.id("grid_a")});
    let valid = credit_code(77);
    let wrong_check = {
        let mut c = valid.clone();
        let last = c.pop().unwrap();
        c.push(if last == '0' { '1' } else { '0' });
        c
    };
    for (code, rule) in [
        ("9144160", "credit_code.length"),
        ("91441600MA4T0007IX", "credit_code.charset"),
        ("91A41600MA4T00077X", "credit_code.region"),
        (wrong_check.as_str(), "credit_code.check"),
    ] {
        let mut b = base.clone();
        b["credit_code"] = json!(code);
        let (status, res) = app.post(&w.admin, "/api/v1/enterprises", b).await;
        assert_eq!(status, 422, "{code}: {res}");
        assert_eq!(res["code"], rule, "{code}");
        assert_eq!(res["field"], "credit_code");
    }
    let (_, list) = app.get(&w.admin, "/api/v1/enterprises").await;
    assert_eq!(
        list.as_array().unwrap().len(),
        2,
        "a refused enterprise was written"
    );
    app.post_ok(&w.admin, "/api/v1/enterprises", base.clone(), 201)
        .await;
    let (status, res) = app.post(&w.admin, "/api/v1/enterprises", base).await;
    assert_eq!(
        (status.as_u16(), res["code"].as_str().unwrap()),
        (409, "credit_code_taken")
    );

    for (body, status, code) in [
        (
            json!({"username": "x", "display_name": "x", "password": "longenough", "role": "liaison"}),
            422,
            "length",
        ),
        (
            json!({"username": "new.user", "display_name": "x", "password": "short", "role": "liaison"}),
            422,
            "length",
        ),
        (
            json!({"username": "new.user", "display_name": "x", "password": "longenough", "role": "emperor"}),
            422,
            "invalid_body",
        ),
        (
            json!({"username": "new.user", "display_name": "x", "password": "longenough", "role": "department_officer"}),
            422,
            "required_for_role",
        ),
        (
            json!({"username": "new.user", "display_name": "x", "password": "longenough", "role": "liaison", "email": "nope"}),
            422,
            "format",
        ),
        (
            json!({"username": "leader.a", "display_name": "x", "password": "longenough", "role": "liaison"}),
            409,
            "username_taken",
        ),
    ] {
        let (got, res) = app.post(&w.admin, "/api/v1/users", body.clone()).await;
        assert_eq!(
            (got.as_u16(), res["code"].as_str().unwrap_or("")),
            (status, code),
            "{body}: {res}"
        );
    }
    // A grid whose "leader" is a liaison is refused.
    let (status, res) = app
        .post(&w.admin, "/api/v1/grids", json!({"name": "C网格", "linked_leader_id": w.id("liaison_a"), "head_id": w.id("head_a"), "task_force_id": w.id("tf"), "liaison_id": w.id("liaison_a"), "team": "队"}))
        .await;
    assert_eq!(
        (status.as_u16(), res["code"].as_str().unwrap()),
        (422, "wrong_role"),
        "{res}"
    );
    assert_eq!(
        app.get(&w.admin, "/api/v1/grids")
            .await
            .1
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

both_engines!(bad_ticket_input_writes_nothing, bad_enterprises_and_users,);
