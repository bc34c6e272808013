//! Every route guarded; logins throttled, passwords never logged.

use std::time::Duration;

use serde_json::{Value, json};

use crate::both_engines;
use crate::support::{Engine, PASSWORD, TestApp};
use crate::world::World;

/// Every route in the OpenAPI document: no token is 401 (except the public ones), and an
/// admin-only route is 403 for everyone else.
async fn every_route_is_guarded(engine: Engine) {
    let app = TestApp::start(engine).await;
    let w = World::build(&app).await;
    let (_, doc) = app
        .call(reqwest::Method::GET, "/api/openapi.json", None, None)
        .await;
    let public = ["/api/v1/auth/login", "/healthz", "/readyz"];
    let admin_only = ["/api/v1/admin/outbox", "/api/v1/admin/outbox/{id}/retry"];
    let mut checked = 0;
    for (path, ops) in doc["paths"].as_object().unwrap() {
        let concrete = path.replace("{id}", "1").replace("{action}", "accept");
        for method in ops.as_object().unwrap().keys() {
            let m: reqwest::Method = method.to_uppercase().parse().unwrap();
            let body = (m == reqwest::Method::POST).then(|| json!({}));
            let (status, res) = app.call(m.clone(), &concrete, None, body.clone()).await;
            if public.contains(&path.as_str()) {
                assert_ne!(status, 401, "{method} {path} is public");
            } else {
                assert_eq!(status, 401, "{method} {path} without a token: {res}");
            }
            let admin_write = admin_only.contains(&path.as_str())
                || (m == reqwest::Method::POST
                    && [
                        "/api/v1/users",
                        "/api/v1/departments",
                        "/api/v1/task-forces",
                        "/api/v1/grids",
                        "/api/v1/enterprises",
                    ]
                    .contains(&path.as_str()));
            if admin_write {
                for who in [
                    "leader_a",
                    "top",
                    "head_a",
                    "liaison_a",
                    "officer_d1",
                    "tf_member",
                    "tracker",
                ] {
                    let (status, res) = app
                        .call(m.clone(), &concrete, Some(w.token(who)), body.clone())
                        .await;
                    assert!(
                        status == 403 || status == 422,
                        "{who} {method} {path}: {status} {res}"
                    );
                    if status == 422 {
                        // The body is checked before the role only when it cannot be read at all.
                        assert_eq!(res["code"], "invalid_body");
                    }
                }
            }
            checked += 1;
        }
    }
    assert!(checked >= 20, "{checked} operations");
}

/// Logins are throttled per account and per address; the password never reaches the log.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logins_are_throttled_and_passwords_never_logged() {
    let log = std::env::temp_dir().join(format!(
        "gridline-login-{}.log",
        uuid::Uuid::new_v4().simple()
    ));
    let app = TestApp::start_with(
        Engine::Sqlite,
        &[
            ("GRIDLINE__AUTH__LOGIN_PER_ACCOUNT_PER_MINUTE", "3".into()),
            ("GRIDLINE__AUTH__LOGIN_PER_ADDRESS_PER_MINUTE", "8".into()),
            ("RUST_LOG", "trace".into()),
            ("GRIDLINE_TEST_LOG", log.display().to_string()),
        ],
    )
    .await;
    let secret = "Sup3r-Secret-Passw0rd-纵横";
    let login = |user: &str, pw: &str| {
        app.client
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({"username": user, "password": pw}))
            .send()
    };
    let mut statuses = vec![];
    for _ in 0..4 {
        statuses.push(login("admin", secret).await.unwrap().status().as_u16());
    }
    assert_eq!(statuses, [401, 401, 401, 429], "per account");
    let throttled = login("admin", PASSWORD).await.unwrap();
    assert_eq!(throttled.status(), 429, "even the right password waits");
    assert!(throttled.headers().get("retry-after").is_some());
    let body: Value = throttled.json().await.unwrap();
    assert_eq!(body["code"], "too_many_attempts");
    // Other accounts from the same address, until the address's quota is used up.
    let mut other = vec![];
    for n in 0..4 {
        other.push(
            login(&format!("nobody{n}"), secret)
                .await
                .unwrap()
                .status()
                .as_u16(),
        );
    }
    assert_eq!(
        other,
        [401, 401, 401, 429],
        "per address: 8 attempts, then 429"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(
        logged.contains("failed login") && logged.contains("throttled"),
        "the attempts are logged"
    );
    assert!(
        !logged.contains(secret) && !logged.contains(PASSWORD),
        "passwords never reach the log"
    );
    let _ = std::fs::remove_file(log);
}

both_engines!(every_route_is_guarded,);
