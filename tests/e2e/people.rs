//! Day two for people, through the API: edits on a version, deactivation that waits for a
//! handover, password reset and change, every older token refused (on every process), and
//! the audit log of it all.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::both_engines;
use crate::support::{Engine, PASSWORD, TestApp};
use crate::world::World;

pub(crate) async fn patch(app: &TestApp, token: &str, id: i64, body: Value) -> (StatusCode, Value) {
    app.call(
        Method::PATCH,
        &format!("/api/v1/users/{id}"),
        Some(token),
        Some(body),
    )
    .await
}

pub(crate) async fn user(app: &TestApp, token: &str, id: i64) -> Value {
    let (status, u) = app.get(token, &format!("/api/v1/users/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{u}");
    u
}

async fn admin_id(app: &TestApp, w: &World) -> i64 {
    app.get(&w.admin, "/api/v1/me").await.1["id"]
        .as_i64()
        .unwrap()
}

async fn audit(app: &TestApp, admin: &str, query: &str) -> Vec<Value> {
    let (status, rows) = app.get(admin, &format!("/api/v1/audit?{query}")).await;
    assert_eq!(status, StatusCode::OK, "{rows}");
    rows.as_array().unwrap().clone()
}

/// An administrator edits a user on the version they read: only the fields sent change,
/// `null` clears, a stale version or bad value changes nothing, and the audit log holds
/// exactly the fields that changed, before and after.
async fn users_are_edited_on_a_version(engine: Engine) {
    let app = TestApp::start(engine).await;
    let w = World::build(&app).await;
    let id = w.id("tracker2");
    let before = user(&app, &w.admin, id).await;
    let v = before["version"].as_i64().unwrap();
    let (status, after) = patch(
        &app,
        &w.admin,
        id,
        json!({"expected_version": v, "display_name": "周跟踪", "phone": "0571-8888 6666"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{after}");
    assert_eq!(after["display_name"], "周跟踪");
    assert_eq!(after["phone"], "0571-8888 6666");
    assert_eq!(after["email"], before["email"], "fields not sent stay");
    assert_eq!(after["version"], v + 1);

    // The version read before is stale now: nothing is written.
    let (status, body) = patch(
        &app,
        &w.admin,
        id,
        json!({"expected_version": v, "display_name": "别人"}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["code"], "stale_version");
    // Bad values: 422 on the field, nothing written.
    for (field, value, code) in [
        ("phone", json!("电话"), "format"),
        ("email", json!("not-an-address"), "format"),
        ("display_name", json!(""), "empty"),
    ] {
        let (status, body) = patch(
            &app,
            &w.admin,
            id,
            json!({"expected_version": v + 1, field: value}),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{field}: {body}");
        assert_eq!(body["code"], code, "{field}");
        assert_eq!(body["field"], field);
    }
    // A role that needs a department, without one.
    let (status, body) = patch(
        &app,
        &w.admin,
        id,
        json!({"expected_version": v + 1, "role": "department_officer"}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["code"], "required_for_role");
    // Only admins edit.
    let (status, _) = patch(
        &app,
        w.token("leader_a"),
        id,
        json!({"expected_version": v + 1, "display_name": "改名"}),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = patch(
        &app,
        &w.admin,
        id,
        json!({"expected_version": v + 1, "password_hash": "x"}),
    )
    .await;
    assert!(status.is_client_error(), "unknown fields are refused");
    assert_eq!(user(&app, &w.admin, id).await["version"], v + 1);

    // `null` clears.
    let (status, cleared) = patch(
        &app,
        &w.admin,
        id,
        json!({"expected_version": v + 1, "phone": null}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(cleared["phone"].is_null());

    let rows = audit(&app, &w.admin, &format!("object_kind=user&object_id={id}")).await;
    assert_eq!(rows.len(), 3, "created, then two changes: {rows:#?}");
    assert_eq!(rows[2]["action"], "create");
    assert_eq!(rows[2]["after"]["username"], "tracker2");
    let first = &rows[1];
    assert_eq!(first["action"], "update");
    assert_eq!(first["actor_id"], admin_id(&app, &w).await);
    assert_eq!(
        first["before"],
        json!({"display_name": before["display_name"], "phone": null})
    );
    assert_eq!(
        first["after"],
        json!({"display_name": "周跟踪", "phone": "0571-8888 6666"})
    );
    assert_eq!(rows[0]["before"], json!({"phone": "0571-8888 6666"}));
    assert_eq!(rows[0]["after"], json!({"phone": null}));
    // Filters: by actor, and refusals for bad ones.
    let by_admin = audit(
        &app,
        &w.admin,
        &format!("actor_id={}", admin_id(&app, &w).await),
    )
    .await;
    assert!(by_admin.len() >= 2);
    let (status, _) = app.get(&w.admin, "/api/v1/audit?object_kind=ticket").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = app.get(w.token("leader_a"), "/api/v1/audit").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Addresses stay with admins and the person: a colleague sees no phone.
    patch(
        &app,
        &w.admin,
        id,
        json!({"expected_version": v + 2, "phone": "13800000000"}),
    )
    .await;
    let seen = user(&app, w.token("officer_d1"), id).await;
    assert!(seen["phone"].is_null() && seen["email"].is_null());
}

/// Deactivation, or a new role or department, waits until the person's open tickets and
/// grid seats are handed over: a 409 that lists them, and nothing changes. A new name does
/// not wait. Someone who holds nothing is deactivated at once: their token stops, they
/// cannot sign in; reactivated, they can again.
async fn leaving_a_post_waits_for_a_handover(engine: Engine) {
    let app = TestApp::start(engine).await;
    let w = World::build(&app).await;
    let ticket = w.prepare(&app, "dispatched").await;
    let number = app.ticket(&w.admin, ticket).await["number"]
        .as_str()
        .unwrap()
        .to_owned();
    let officer = w.id("officer_d1");
    let v = user(&app, &w.admin, officer).await["version"]
        .as_i64()
        .unwrap();
    let (status, h) = app
        .get(&w.admin, &format!("/api/v1/users/{officer}/holdings"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(h["responsible"][0]["number"], number.as_str());
    for (path, body) in [
        (
            format!("/api/v1/users/{officer}/deactivate"),
            json!({"expected_version": v}),
        ),
        (
            format!("/api/v1/users/{officer}"),
            json!({"expected_version": v, "department_id": w.id("d2")}),
        ),
        (
            format!("/api/v1/users/{officer}"),
            json!({"expected_version": v, "role": "tracker", "department_id": null}),
        ),
    ] {
        let method = if path.ends_with("deactivate") {
            Method::POST
        } else {
            Method::PATCH
        };
        let (status, body) = app.call(method, &path, Some(&w.admin), Some(body)).await;
        assert_eq!(status, StatusCode::CONFLICT, "{path}: {body}");
        assert_eq!(body["code"], "handover_needed");
        assert!(
            body["detail"].as_str().unwrap().contains(&number),
            "the refusal names the ticket: {body}"
        );
    }
    assert_eq!(user(&app, &w.admin, officer).await["version"], v);
    assert_eq!(
        app.get(w.token("officer_d1"), "/api/v1/me").await.0,
        StatusCode::OK
    );
    // A new name is no handover.
    let (status, _) = patch(
        &app,
        &w.admin,
        officer,
        json!({"expected_version": v, "display_name": "李经办"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    // A grid head holds a seat.
    let head = w.id("head_a");
    let hv = user(&app, &w.admin, head).await["version"].clone();
    let (status, body) = app
        .post(
            &w.admin,
            &format!("/api/v1/users/{head}/deactivate"),
            json!({"expected_version": hv}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(body["detail"].as_str().unwrap().contains("网格负责人"));
    // The administrator cannot lock themselves out.
    let me = admin_id(&app, &w).await;
    let mv = user(&app, &w.admin, me).await["version"].clone();
    let (status, body) = app
        .post(
            &w.admin,
            &format!("/api/v1/users/{me}/deactivate"),
            json!({"expected_version": mv}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["code"], "own_account");

    // Someone who holds nothing.
    let id = w.id("tracker2");
    let v = user(&app, &w.admin, id).await["version"].as_i64().unwrap();
    let (status, body) = app
        .post(
            &w.admin,
            &format!("/api/v1/users/{id}/deactivate"),
            json!({"expected_version": v}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["active"], false);
    assert_eq!(
        app.get(w.token("tracker2"), "/api/v1/me").await.0,
        StatusCode::UNAUTHORIZED
    );
    let (status, _) = app
        .call(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"username": "tracker2", "password": PASSWORD})),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "a deactivated user cannot sign in"
    );
    let (status, body) = app
        .post(
            &w.admin,
            &format!("/api/v1/users/{id}/reactivate"),
            json!({"expected_version": v + 1}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    app.login("tracker2").await;
    let rows = audit(&app, &w.admin, &format!("object_kind=user&object_id={id}")).await;
    let actions: Vec<&str> = rows.iter().map(|r| r["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["reactivate", "deactivate", "create"]);
    assert_eq!(rows[1]["before"], json!({"active": true}));
    assert_eq!(rows[1]["after"], json!({"active": false}));
}

/// An administrator's reset signs the user out and lets them do nothing but choose a new
/// password; everyone changes their own with the current one, and every older token stops.
/// The audit log says who did which, never the hash.
async fn passwords_reset_and_changed(engine: Engine) {
    let app = TestApp::start(engine).await;
    let w = World::build(&app).await;
    let id = w.id("liaison_b");
    let old = w.token("liaison_b");
    let (status, body) = app
        .post(
            &w.admin,
            &format!("/api/v1/users/{id}/password"),
            json!({"password": "password123"}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a common password: {body}"
    );
    assert_eq!(body["code"], "too_common");
    let (status, _) = app
        .post(
            &w.admin,
            &format!("/api/v1/users/{id}/password"),
            json!({"password": "临时密码-2026-十一月"}),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(app.get(old, "/api/v1/me").await.0, StatusCode::UNAUTHORIZED);
    let (status, login) = app
        .call(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"username": "liaison.b", "password": "临时密码-2026-十一月"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(login["must_change_password"], true);
    let temp = login["access_token"].as_str().unwrap().to_owned();
    let (status, body) = app.get(&temp, "/api/v1/tickets").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["code"], "password_change_required");
    assert_eq!(app.get(&temp, "/api/v1/me").await.0, StatusCode::OK);
    let change =
        |current: &str, new: &str| json!({"current_password": current, "new_password": new});
    let (status, body) = app
        .post(
            &temp,
            "/api/v1/auth/password",
            change("wrong one here", "新的密码-网格通-2026"),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        (body["code"].as_str(), body["field"].as_str()),
        (Some("wrong_password"), Some("current_password"))
    );
    let (status, body) = app
        .post(
            &temp,
            "/api/v1/auth/password",
            change("临时密码-2026-十一月", "short"),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["field"], "new_password");
    let (status, fresh) = app
        .post(
            &temp,
            "/api/v1/auth/password",
            change("临时密码-2026-十一月", "新的密码-网格通-2026"),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{fresh}");
    assert_eq!(fresh["must_change_password"], false);
    let fresh = fresh["access_token"].as_str().unwrap();
    assert_eq!(
        app.get(&temp, "/api/v1/me").await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(app.get(fresh, "/api/v1/tickets").await.0, StatusCode::OK);
    let (status, _) = app
        .call(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"username": "liaison.b", "password": "临时密码-2026-十一月"})),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "the temporary password is gone"
    );
    app.login_with("liaison.b", "新的密码-网格通-2026").await;

    let rows = audit(&app, &w.admin, &format!("object_kind=user&object_id={id}")).await;
    let who: Vec<(&str, i64)> = rows
        .iter()
        .map(|r| {
            (
                r["action"].as_str().unwrap(),
                r["actor_id"].as_i64().unwrap(),
            )
        })
        .collect();
    let admin = admin_id(&app, &w).await;
    assert_eq!(
        who,
        [
            ("change_password", id),
            ("reset_password", admin),
            ("create", admin)
        ]
    );
    for r in &rows[..2] {
        assert_eq!((&r["before"], &r["after"]), (&json!({}), &json!({})));
    }
}

both_engines!(
    users_are_edited_on_a_version,
    leaving_a_post_waits_for_a_handover,
    passwords_reset_and_changed
);
