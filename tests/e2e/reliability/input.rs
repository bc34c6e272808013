//! Hostile input over HTTP (properties) and metacharacters stored verbatim.

use proptest::prelude::*;
use proptest::test_runner::{Config as PropConfig, TestRunner};
use serde_json::{Value, json};

use crate::both_engines;
use crate::support::{Engine, PASSWORD, TestApp};
use crate::world::World;

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

both_engines!(hostile_input_properties, metacharacters_everywhere,);
