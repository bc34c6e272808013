//! Hard reliability: a SIGKILL at a random moment loses nothing acknowledged and leaves
//! nothing half-written; fifty clients on one version; hostile input from property tests;
//! every route's authorization; login throttling; secrets out of logs; graceful shutdown.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use proptest::prelude::*;
use proptest::test_runner::{Config as PropConfig, TestRunner};
use sea_orm::{ConnectionTrait, Database, Statement};
use serde_json::{Value, json};

use crate::both_engines;
use crate::support::{Engine, PASSWORD, TestApp};
use crate::world::World;

/// Acknowledged work: (ticket, version the 2xx reported).
type Acks = Arc<Mutex<Vec<(i64, i64)>>>;

async fn client_loop(
    app: &TestApp,
    w: &World,
    acks: Acks,
    stop: Arc<std::sync::atomic::AtomicBool>,
    n: usize,
) {
    let mut i = 0;
    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
        i += 1;
        let res = app
            .client
            .post(app.url("/api/v1/tickets"))
            .bearer_auth(w.token("liaison_a"))
            .json(&json!({"enterprise_id": w.id("ent_a"), "category": "land", "title": format!("崩溃测试{n}-{i}"), "description": "d"}))
            .send()
            .await;
        let Ok(res) = res else { return };
        if res.status() != 201 {
            return;
        }
        let Ok(t) = res.json::<Value>().await else {
            return;
        };
        let id = t["id"].as_i64().unwrap();
        acks.lock().unwrap().push((id, 1));
        let mut version = 1;
        for (who, action, body) in [
            ("head_a", "dispatch", w.dispatch_body()),
            ("officer_d1", "accept", json!({})),
            ("tracker", "urge", json!({})),
            ("officer_d1", "resolve", json!({"resolution": "ok"})),
            ("liaison_a", "report", json!({"satisfaction": "satisfied"})),
        ] {
            let mut b = body;
            b["expected_version"] = json!(version);
            // The server may die under us: an unanswered request is simply not acknowledged.
            let res = app
                .client
                .post(app.url(&format!("/api/v1/tickets/{id}/actions/{action}")))
                .bearer_auth(w.token(who))
                .json(&b)
                .send()
                .await;
            let Ok(res) = res else { return };
            if res.status() != 200 {
                return;
            }
            let Ok(v) = res.json::<Value>().await else {
                return;
            };
            version = v["ticket"]["version"].as_i64().unwrap();
            acks.lock().unwrap().push((id, version));
        }
    }
}

/// The invariants a crash must not break, checked in the database itself.
async fn check_invariants(url: &str, acks: &[(i64, i64)]) {
    let db = Database::connect(url).await.unwrap();
    let backend = db.get_database_backend();
    let rows = db
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT id, status, version FROM tickets",
        ))
        .await
        .unwrap();
    let mut versions = std::collections::HashMap::new();
    for r in rows {
        let id: i64 = r.try_get("", "id").unwrap();
        let status: String = r.try_get("", "status").unwrap();
        let version: i64 = r.try_get("", "version").unwrap();
        versions.insert(id, version);
        let events = db
            .query_all_raw(Statement::from_string(
                backend,
                format!(
                    "SELECT action, to_status FROM ticket_events WHERE ticket_id = {id} ORDER BY id"
                ),
            ))
            .await
            .unwrap();
        let actions: Vec<String> = events
            .iter()
            .map(|e| e.try_get("", "action").unwrap())
            .collect();
        let last: String = events.last().unwrap().try_get("", "to_status").unwrap();
        assert_eq!(last, status, "ticket {id}: its state is its last event's");
        // One command per version; `report` writes two events (report + close or reopen).
        let follow_ups = actions
            .iter()
            .filter(|a| *a == "close" || *a == "reopen")
            .count() as i64;
        assert_eq!(
            actions.len() as i64 - follow_ups,
            version,
            "ticket {id}: events {actions:?}"
        );
        let notifying = actions
            .iter()
            .filter(|a| {
                [
                    "dispatch",
                    "urge",
                    "resolve",
                    "return",
                    "escalate",
                    "reopen",
                    "request_extension",
                    "decide_extension",
                    "supervise",
                ]
                .contains(&a.as_str())
            })
            .count();
        let outbox = db
            .query_one_raw(Statement::from_string(
                backend,
                format!("SELECT COUNT(*) AS n FROM outbox WHERE ticket_id = {id}"),
            ))
            .await
            .unwrap()
            .unwrap();
        let outbox: i64 = outbox.try_get("", "n").unwrap();
        assert_eq!(
            outbox as usize, notifying,
            "ticket {id}: one outbox row per notifying event"
        );
    }
    for (id, v) in acks {
        let stored = versions
            .get(id)
            .unwrap_or_else(|| panic!("acknowledged ticket {id} is gone"));
        assert!(
            stored >= v,
            "ticket {id}: acknowledged version {v}, stored {stored}"
        );
    }
    let _ = db.close().await;
}

async fn kill_at_random_moments(engine: Engine) {
    let app = TestApp::start(engine).await;
    let w = World::build(&app).await;
    let mut app = app;
    let acks: Acks = Arc::default();
    for seed in [7u64, 1234, 99_991] {
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let delay = Duration::from_millis(200 + seed * 7919 % 900);
        let clients: Vec<_> = (0..4)
            .map(|n| client_loop(&app, &w, acks.clone(), stop.clone(), n))
            .collect();
        let pid = app.pid().to_string();
        let kill = async {
            tokio::time::sleep(delay).await;
            let killed = std::process::Command::new("kill")
                .args(["-KILL", &pid])
                .status()
                .unwrap();
            assert!(killed.success());
        };
        tokio::join!(futures::future::join_all(clients), kill);
        app.kill();
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        let url = app.db.url.clone();
        let snapshot = acks.lock().unwrap().clone();
        assert!(
            !snapshot.is_empty(),
            "seed {seed}: the clients did some work before the kill"
        );
        check_invariants(&url, &snapshot).await;
        let db = app.stop();
        app = TestApp::serve(engine, db).await;
        let (status, _) = app.get(w.token("head_a"), "/api/v1/tickets").await;
        assert_eq!(status, 200, "seed {seed}: serving again");
    }
}

async fn fifty_clients_one_version(engine: Engine) {
    let app = TestApp::start(engine).await;
    let w = World::build(&app).await;
    let id = w.prepare(&app, "accepted").await;
    let version = app.ticket(&w.admin, id).await["version"].clone();
    let calls: Vec<_> = (0..50)
        .map(|n| {
            app.act(
                w.token("officer_d1"),
                id,
                "comment",
                json!({"expected_version": version, "body": format!("第{n}条")}),
            )
        })
        .collect();
    let results = futures::future::join_all(calls).await;
    let ok = results.iter().filter(|(s, _)| *s == 200).count();
    let conflict = results
        .iter()
        .filter(|(s, b)| *s == 409 && b["code"] == "stale_version")
        .count();
    assert_eq!((ok, conflict), (1, 49));
    let (_, events) = app
        .get(&w.admin, &format!("/api/v1/tickets/{id}/events"))
        .await;
    assert_eq!(
        events
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"] == "comment")
            .count(),
        1
    );
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        "\\PC{0,40}".prop_map(Value::String),
        prop_oneof![
            Just("expected_version"),
            Just("title"),
            Just("reason"),
            Just("days")
        ]
        .prop_map(|s| Value::String(s.into())),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    Just("expected_version".to_owned()),
                    Just("enterprise_id".to_owned()),
                    Just("category".to_owned()),
                    Just("title".to_owned()),
                    Just("description".to_owned()),
                    Just("reason".to_owned()),
                    Just("days".to_owned()),
                    Just("department_ids".to_owned()),
                    "[a-z_]{1,12}",
                ],
                inner,
                0..6
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn assert_clean_4xx(status: u16, content_type: Option<&str>, body: &Value, what: &str) {
    assert!(status < 500, "{what}: {status} {body}");
    if status >= 400 {
        assert_eq!(content_type, Some("application/problem+json"), "{what}");
        let code = body["code"].as_str().unwrap_or_default();
        assert!(
            !code.is_empty()
                && code
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '_' || c == '.'),
            "{what}: code {code:?}"
        );
    }
}

async fn raw_call(
    app: &TestApp,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<Vec<u8>>,
) -> (u16, Option<String>, Value) {
    let mut req = app.client.request(method, app.url(path)).bearer_auth(token);
    if let Some(b) = body {
        req = req.header("content-type", "application/json").body(b);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let ct = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = res.json().await.unwrap_or(Value::Null);
    (status, ct, body)
}

/// Property tests at the HTTP boundary: random bodies, query strings and cursors never get
/// a 5xx, and every refusal is problem+json with a stable code.
async fn hostile_input_properties(engine: Engine) {
    let app = TestApp::start(engine).await;
    let w = World::build(&app).await;
    let id = w.prepare(&app, "dispatched").await;
    let handle = tokio::runtime::Handle::current();
    let actions = [
        "dispatch",
        "accept",
        "return",
        "escalate",
        "add_co_departments",
        "request_extension",
        "decide_extension",
        "resolve",
        "report",
        "urge",
        "supervise",
        "comment",
        "nonsense",
    ];
    tokio::task::block_in_place(|| {
        let mut runner = TestRunner::new(PropConfig {
            cases: 96,
            failure_persistence: None,
            ..PropConfig::default()
        });
        runner
            .run(
                &(json_value(), 0..actions.len(), prop::bool::ANY),
                |(body, a, as_ticket)| {
                    handle.block_on(async {
                        let bytes = serde_json::to_vec(&body).unwrap();
                        let (path, token) = if as_ticket {
                            ("/api/v1/tickets".to_owned(), w.token("liaison_a"))
                        } else {
                            (
                                format!("/api/v1/tickets/{id}/actions/{}", actions[a]),
                                w.token("officer_d1"),
                            )
                        };
                        let (s, ct, b) =
                            raw_call(&app, token, reqwest::Method::POST, &path, Some(bytes)).await;
                        assert_clean_4xx(s, ct.as_deref(), &b, &format!("POST {path} {body}"));
                    });
                    Ok(())
                },
            )
            .unwrap();
        let query = prop::collection::vec(
            (
                prop_oneof![
                    prop::sample::select(vec![
                        "status",
                        "department_id",
                        "grid_id",
                        "overdue",
                        "q",
                        "sort",
                        "cursor",
                        "limit",
                        "category"
                    ])
                    .prop_map(str::to_owned),
                    "[a-z]{1,8}",
                ],
                "\\PC{0,30}",
            ),
            0..5,
        );
        runner
            .run(&query, |pairs| {
                handle.block_on(async {
                    let mut url = reqwest::Url::parse(&app.url("/api/v1/tickets")).unwrap();
                    for (k, v) in &pairs {
                        url.query_pairs_mut().append_pair(k, v);
                    }
                    let path = format!("{}?{}", url.path(), url.query().unwrap_or(""));
                    let (s, ct, b) =
                        raw_call(&app, w.token("head_a"), reqwest::Method::GET, &path, None).await;
                    assert_clean_4xx(s, ct.as_deref(), &b, &path);
                });
                Ok(())
            })
            .unwrap();
        runner
            .run(&"[A-Za-z0-9_=+/-]{0,120}", |cursor| {
                handle.block_on(async {
                    let path = format!("/api/v1/tickets?cursor={cursor}");
                    let (s, ct, b) =
                        raw_call(&app, w.token("head_a"), reqwest::Method::GET, &path, None).await;
                    assert_clean_4xx(s, ct.as_deref(), &b, &path);
                    if !cursor.is_empty() {
                        assert_eq!(s, 400, "{path}: a cursor we never handed out");
                    }
                });
                Ok(())
            })
            .unwrap();
    });
}

/// SQL and HTML metacharacters in every text field are stored and returned verbatim.
async fn metacharacters_everywhere(engine: Engine) {
    let app = TestApp::start(engine).await;
    let w = World::build(&app).await;
    let nasty =
        |n: u32| format!("<img src=x onerror=alert({n})> '; DROP TABLE users; -- \" & %_\\ {n}");
    let a = &w.admin;
    let d = app
        .post_ok(a, "/api/v1/departments", json!({"name": nasty(1)}), 201)
        .await;
    assert_eq!(d["name"], nasty(1));
    let t = app
        .post_ok(
            a,
            "/api/v1/task-forces",
            json!({"name": nasty(2), "description": nasty(3)}),
            201,
        )
        .await;
    assert_eq!(
        (t["name"].clone(), t["description"].clone()),
        (json!(nasty(2)), json!(nasty(3)))
    );
    let u = app
        .post_ok(a, "/api/v1/users", json!({"username": "odd.name", "display_name": nasty(4), "password": PASSWORD, "role": "tracker"}), 201)
        .await;
    assert_eq!(u["display_name"], nasty(4));
    let e = app
        .post_ok(a, "/api/v1/enterprises", json!({"name": nasty(5), "credit_code": crate::world::credit_code(55), "cluster": "other", "grid_id": w.id("grid_a")}), 201)
        .await;
    assert_eq!(e["name"], nasty(5));
    let tk = app
        .post_ok(w.token("liaison_a"), "/api/v1/tickets", json!({"enterprise_id": w.id("ent_a"), "category": "other", "title": nasty(6), "description": nasty(7)}), 201)
        .await;
    let id = tk["id"].as_i64().unwrap();
    w.step(&app, "head_a", id, "dispatch", w.dispatch_body())
        .await;
    w.step(
        &app,
        "officer_d1",
        id,
        "return",
        json!({"reason": "other", "reason_text": nasty(8)}),
    )
    .await;
    w.step(&app, "head_a", id, "dispatch", w.dispatch_body())
        .await;
    w.step(&app, "officer_d1", id, "accept", json!({})).await;
    w.step(&app, "officer_d1", id, "comment", json!({"body": nasty(9)}))
        .await;
    w.step(
        &app,
        "officer_d1",
        id,
        "resolve",
        json!({"resolution": nasty(10)}),
    )
    .await;
    w.step(
        &app,
        "liaison_a",
        id,
        "report",
        json!({"satisfaction": "satisfied", "feedback": nasty(11)}),
    )
    .await;
    let t = app.ticket(a, id).await;
    assert_eq!(
        (t["title"].clone(), t["description"].clone()),
        (json!(nasty(6)), json!(nasty(7)))
    );
    let (_, events) = app.get(a, &format!("/api/v1/tickets/{id}/events")).await;
    let text = events.to_string();
    for n in 8..=11 {
        assert!(
            text.contains(&serde_json::to_string(&nasty(n)).unwrap()[1..]),
            "{n} verbatim in the history"
        );
    }
    let (_, users) = app.get(a, "/api/v1/users").await;
    assert!(
        users.as_array().unwrap().len() > 10,
        "the users table is still there"
    );
}

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

/// SIGTERM: requests in flight finish, the process exits 0, and what was acknowledged stays.
async fn sigterm_is_graceful(engine: Engine) {
    // The in-process worker is on and mail flows, so shutdown has sends in hand too.
    let sink = crate::mail::SmtpSink::start(crate::mail::free_port(), None);
    let app = TestApp::start_with(engine, &crate::mail::mail_env(sink.port)).await;
    let w = World::build(&app).await;
    for _ in 0..5 {
        let id = w.file(&app, "关机前派发").await;
        w.step(&app, "head_a", id, "dispatch", w.dispatch_body())
            .await;
    }
    let pid = app.pid();
    let creates: Vec<_> = (0..40)
        .map(|n| {
            app.client
                .post(app.url("/api/v1/tickets"))
                .bearer_auth(w.token("liaison_a"))
                .json(&json!({"enterprise_id": w.id("ent_a"), "category": "other", "title": format!("关机测试{n}"), "description": "d"}))
                .send()
        })
        .collect();
    let term = async {
        tokio::time::sleep(Duration::from_millis(30)).await;
        let ok = std::process::Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()
            .unwrap();
        assert!(ok.success());
    };
    let (results, ()) = tokio::join!(futures::future::join_all(creates), term);
    let mut acked = HashSet::new();
    for r in results {
        match r {
            Ok(res) => {
                assert_eq!(res.status(), 201, "an answered request is a whole answer");
                let v: Value = res.json().await.unwrap();
                acked.insert(v["id"].as_i64().unwrap());
            }
            // Refused after shutdown began: never started, so nothing to finish.
            Err(e) => assert!(e.is_connect() || e.is_request(), "{e}"),
        }
    }
    let mut app = app;
    let status = app.wait_exit(Duration::from_secs(20));
    assert_eq!(status, Some(0), "exit code after SIGTERM");
    // Every row a worker had claimed was sent or released before exit: none holds a lease.
    let db = Database::connect(app.db.url.as_str()).await.unwrap();
    let held = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT COUNT(*) AS n FROM outbox WHERE locked_until IS NOT NULL",
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        held.try_get::<i64>("", "n").unwrap(),
        0,
        "a send was cut off by the shutdown"
    );
    let _ = db.close().await;
    let db = app.stop();
    let app = TestApp::serve(engine, db).await;
    let token = app.login("liaison.a").await;
    let (_, list) = app.get(&token, "/api/v1/tickets?limit=100").await;
    let stored: HashSet<i64> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_i64().unwrap())
        .collect();
    assert!(acked.is_subset(&stored), "acknowledged creates survive");
}

both_engines!(
    kill_at_random_moments,
    fifty_clients_one_version,
    hostile_input_properties,
    metacharacters_everywhere,
    every_route_is_guarded,
    sigterm_is_graceful,
);
