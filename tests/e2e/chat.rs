//! Group-chat robots on both engines, against a local HTTP server that plays 企业微信, 钉钉
//! and 飞书 and checks each platform's documented payload and signature: administrators add
//! robots (the address checked, masked when shown, its key never in the audit log); a
//! dispatch reaches the robots of the ticket's grid and department with its number, title,
//! deadline and link; a rate limit is retried, a refused signature is dead at once; events
//! not configured for chat stay in mail.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::routing::post;
use base64::Engine as _;
use chrono::Datelike as _;
use hmac::{Hmac, Mac};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::both_engines;
use crate::mail::{SmtpSink, free_port, mail_env};
use crate::support::{Engine, TestApp};
use crate::world::World;

const DING_SECRET: &str = "SECd1ngtalk-test-secret";
const FEISHU_SECRET: &str = "feishu-test-secret";

/// What the platforms received (platform, text) and how many requests each got.
#[derive(Default)]
struct Platforms {
    received: Mutex<Vec<(String, String)>>,
    requests: Mutex<HashMap<String, u32>>,
}

impl Platforms {
    fn count(&self, name: &str) -> u32 {
        self.requests
            .lock()
            .unwrap()
            .get(name)
            .copied()
            .unwrap_or(0)
    }
    fn hit(&self, name: &str) -> u32 {
        let mut r = self.requests.lock().unwrap();
        let n = r.entry(name.to_owned()).or_default();
        *n += 1;
        *n
    }
    fn took(&self, name: &str, text: &str) {
        self.received
            .lock()
            .unwrap()
            .push((name.to_owned(), text.to_owned()));
    }
}

fn hmac_b64(key: &[u8], msg: &[u8]) -> String {
    let mut m = Hmac::<Sha256>::new_from_slice(key).unwrap();
    m.update(msg);
    base64::engine::general_purpose::STANDARD.encode(m.finalize().into_bytes())
}

/// 企业微信: `POST /cgi-bin/webhook/send?key=…` with `{"msgtype":"text","text":{"content"}}`.
async fn wecom(
    State(p): State<Arc<Platforms>>,
    Query(q): Query<HashMap<String, String>>,
    axum::Json(body): axum::Json<Value>,
) -> axum::Json<Value> {
    p.hit("wecom");
    if q.get("key").map(String::as_str) != Some("wecom-key-0001") {
        return axum::Json(json!({"errcode": 93000, "errmsg": "invalid webhook url"}));
    }
    assert_eq!(body["msgtype"], "text", "{body}");
    p.took(
        "wecom",
        body["text"]["content"].as_str().expect("text.content"),
    );
    axum::Json(json!({"errcode": 0, "errmsg": "ok"}))
}

/// 钉钉: `POST /robot/send?access_token=…&timestamp=…&sign=…`, the sign being
/// Base64(HMAC-SHA256(secret, "timestamp\nsecret")); the first message is answered with the
/// rate limit (130101).
async fn dingtalk(
    State(p): State<Arc<Platforms>>,
    Query(q): Query<HashMap<String, String>>,
    axum::Json(body): axum::Json<Value>,
) -> axum::Json<Value> {
    let n = p.hit("dingtalk");
    let ts = q.get("timestamp").cloned().unwrap_or_default();
    let expected = hmac_b64(
        DING_SECRET.as_bytes(),
        format!("{ts}\n{DING_SECRET}").as_bytes(),
    );
    let fresh = ts
        .parse::<i64>()
        .is_ok_and(|t| (chrono::Utc::now().timestamp_millis() - t).abs() < 3_600_000);
    if q.get("access_token").map(String::as_str) != Some("ding-token")
        || q.get("sign") != Some(&expected)
        || !fresh
    {
        return axum::Json(json!({"errcode": 310000, "errmsg": "sign not match"}));
    }
    if n == 1 {
        return axum::Json(json!({"errcode": 130101, "errmsg": "send too fast"}));
    }
    assert_eq!(body["msgtype"], "text", "{body}");
    p.took(
        "dingtalk",
        body["text"]["content"].as_str().expect("text.content"),
    );
    axum::Json(json!({"errcode": 0, "errmsg": "ok"}))
}

/// 飞书: `POST /open-apis/bot/v2/hook/{token}` with `timestamp` (seconds, a string) and
/// `sign` = Base64(HMAC-SHA256 keyed by "timestamp\nsecret" over nothing) in the body.
async fn feishu(
    State(p): State<Arc<Platforms>>,
    Path(token): Path<String>,
    axum::Json(body): axum::Json<Value>,
) -> axum::Json<Value> {
    p.hit(&format!("feishu-{token}"));
    let ts = body["timestamp"].as_str().unwrap_or_default().to_owned();
    let expected = hmac_b64(format!("{ts}\n{FEISHU_SECRET}").as_bytes(), b"");
    if body["sign"].as_str() != Some(expected.as_str()) {
        return axum::Json(
            json!({"code": 19021, "msg": "sign match fail or timestamp is not within one hour from current time"}),
        );
    }
    assert_eq!(body["msg_type"], "text", "{body}");
    p.took(
        &format!("feishu-{token}"),
        body["content"]["text"].as_str().expect("content.text"),
    );
    axum::Json(json!({"code": 0, "msg": "success", "data": {}}))
}

async fn start_platforms() -> (u16, Arc<Platforms>) {
    let p = Arc::new(Platforms::default());
    let app = axum::Router::new()
        .route("/cgi-bin/webhook/send", post(wecom))
        .route("/robot/send", post(dingtalk))
        .route("/open-apis/bot/v2/hook/{token}", post(feishu))
        .with_state(p.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (port, p)
}

async fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    for _ in 0..150 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("waited 15 s for {what}");
}

async fn robots_post_to_the_groups(engine: Engine) {
    let (port, platforms) = start_platforms().await;
    let sink = SmtpSink::start(free_port(), None);
    let mut env = mail_env(sink.port);
    env.push((
        "GRIDLINE__CHAT__ALLOWED_HOSTS",
        r#"["127.0.0.1"]"#.to_owned(),
    ));
    let log = std::env::temp_dir().join(format!(
        "gridline-chat-{}.log",
        uuid::Uuid::new_v4().simple()
    ));
    env.push(("GRIDLINE_TEST_LOG", log.display().to_string()));
    let app = TestApp::start_with(engine, &env).await;
    let w = World::build(&app).await;
    let base = format!("http://127.0.0.1:{port}");
    let add = |who: &str, body: Value| {
        let token = if who == "admin" {
            w.admin.clone()
        } else {
            w.token(who).to_owned()
        };
        let app = &app;
        async move { app.post(&token, "/api/v1/admin/chat-webhooks", body).await }
    };
    let hook = |kind: &str, owner: i64, platform: &str, url: String, secret: Option<&str>| {
        json!({"owner_kind": kind, "owner_id": owner, "platform": platform, "url": url,
               "secret": secret, "label": format!("{platform}群")})
    };
    let (d1, grid_a) = (w.id("d1"), w.id("grid_a"));

    // Administrators only; the address must be a platform's, over HTTPS or to loopback.
    let good = hook(
        "department",
        d1,
        "wecom",
        format!("{base}/cgi-bin/webhook/send?key=wecom-key-0001"),
        None,
    );
    let (s, _) = add("officer_d1", good.clone()).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    for (body, code) in [
        (
            hook(
                "department",
                d1,
                "wecom",
                "https://intranet.example/hook".into(),
                None,
            ),
            "host_not_allowed",
        ),
        (
            hook(
                "department",
                d1,
                "wecom",
                "http://10.0.0.8/hook".into(),
                None,
            ),
            "invalid_url",
        ),
        (
            hook("department", d1, "wecom", "ftp://127.0.0.1/x".into(), None),
            "invalid_url",
        ),
        (
            hook(
                "department",
                d1,
                "wecom",
                format!("{base}/cgi-bin/webhook/send?key=k"),
                Some("s"),
            ),
            "unsigned_platform",
        ),
        (
            hook("department", 999_999, "wecom", format!("{base}/x"), None),
            "unknown_owner",
        ),
        (
            hook("department", d1, "slack", format!("{base}/x"), None),
            "unknown_platform",
        ),
    ] {
        let (s, e) = add("admin", body).await;
        assert_eq!(
            (s, e["code"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some(code)),
            "{e}"
        );
    }
    let (s, wecom_hook) = add("admin", good).await;
    assert_eq!(s, StatusCode::CREATED, "{wecom_hook}");
    for body in [
        hook(
            "grid",
            grid_a,
            "dingtalk",
            format!("{base}/robot/send?access_token=ding-token"),
            Some(DING_SECRET),
        ),
        hook(
            "department",
            d1,
            "feishu",
            format!("{base}/open-apis/bot/v2/hook/good"),
            Some(FEISHU_SECRET),
        ),
        hook(
            "grid",
            grid_a,
            "feishu",
            format!("{base}/open-apis/bot/v2/hook/wrong"),
            Some("not-the-secret"),
        ),
        // A robot nobody answers for (nothing listens there): retried, logged once.
        hook(
            "grid",
            grid_a,
            "wecom",
            format!(
                "http://127.0.0.1:{}/cgi-bin/webhook/send?key=gone",
                free_port()
            ),
            None,
        ),
        // Another department's robot hears nothing of d1's ticket.
        hook(
            "department",
            w.id("d3"),
            "wecom",
            format!("{base}/cgi-bin/webhook/send?key=wecom-key-0001"),
            None,
        ),
    ] {
        let (s, b) = add("admin", body).await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
    }
    // Listed masked: no key, no secret.
    let (s, list) = app.get(&w.admin, "/api/v1/admin/chat-webhooks").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(list.as_array().unwrap().len(), 6);
    let listed = list.to_string();
    assert!(
        !listed.contains("wecom-key-0001") && !listed.contains("ding-token"),
        "{listed}"
    );
    assert!(
        !listed.contains(DING_SECRET) && !listed.contains(FEISHU_SECRET),
        "{listed}"
    );
    assert!(listed.contains(r#""signed":true"#), "{listed}");

    // A dispatch reaches the grid's and the department's groups.
    let id = w.file(&app, "厂房屋顶漏水").await;
    w.step(&app, "head_a", id, "dispatch", w.dispatch_body())
        .await;
    let p = platforms.clone();
    wait_for("wecom, dingtalk (after its rate limit) and feishu", || {
        p.received.lock().unwrap().len() >= 3 && p.count("feishu-wrong") >= 1
    })
    .await;
    let t = app.ticket(w.token("liaison_a"), id).await;
    let number = t["number"].as_str().unwrap();
    let received = platforms.received.lock().unwrap().clone();
    let mut who: Vec<&str> = received.iter().map(|(p, _)| p.as_str()).collect();
    who.sort_unstable();
    assert_eq!(
        who,
        ["dingtalk", "feishu-good", "wecom"],
        "d3's robot and the wrong secret hear nothing"
    );
    for (_, text) in &received {
        assert!(
            text.contains("新派单") && text.contains(number) && text.contains("厂房屋顶漏水"),
            "{text}"
        );
        assert!(
            text.contains("办理时限：") || text.contains("签收"),
            "{text}"
        );
        assert!(text.contains(&format!("/tickets/{id}")), "{text}");
    }
    assert_eq!(
        platforms.count("dingtalk"),
        2,
        "rate-limited once, then retried"
    );
    // The refused signature is dead at once, its answer recorded (never the robot's key).
    let p = platforms.clone();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(p.count("feishu-wrong"), 1, "not retried");
    let (_, dead) = app.get(&w.admin, "/api/v1/admin/outbox?state=dead").await;
    let dead = dead.as_array().unwrap();
    assert_eq!(dead.len(), 1, "{dead:?}");
    assert_eq!(dead[0]["kind"], "chat");
    let error = dead[0]["last_error"].to_string();
    assert!(error.contains("19021"), "{error}");

    // Signing is not configured for chat: nothing new reaches the robots.
    w.step(&app, "officer_d1", id, "accept", json!({})).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(platforms.received.lock().unwrap().len(), 3);

    // The week's digest: one summary per robot, however many leaders get the mail.
    let week = (chrono::Utc::now() + chrono::Duration::hours(8))
        .date_naive()
        .iso_week();
    let period = format!("{}-W{:02}", week.year(), week.week());
    let mut cli_env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    cli_env.retain(|(k, _)| *k != "GRIDLINE__WORKER__IN_PROCESS");
    crate::support::run(&app.db, &["digest", "send", "--period", &period], &cli_env);
    let p = platforms.clone();
    wait_for("the digest summaries", || {
        p.received
            .lock()
            .unwrap()
            .iter()
            .filter(|(_, t)| t.contains("周报"))
            .count()
            >= 4
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let digests: Vec<(String, String)> = platforms
        .received
        .lock()
        .unwrap()
        .iter()
        .filter(|(_, t)| t.contains("周报"))
        .cloned()
        .collect();
    let mut who: Vec<&str> = digests.iter().map(|(p, _)| p.as_str()).collect();
    who.sort_unstable();
    assert_eq!(
        who,
        ["dingtalk", "feishu-good", "wecom", "wecom"],
        "each robot once"
    );
    assert!(
        digests[0].1.contains(&period) && digests[0].1.contains("受理"),
        "{}",
        digests[0].1
    );

    // The admin page: robots listed masked; a refused address is shown by its field and
    // not echoed back; an added robot is listed.
    let (c, csrf) = crate::pages_http::sign_in(&app, "admin").await;
    let (s, html) = crate::pages_http::get(&c, &app, "/admin/chat").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        html.contains("钉钉") && !html.contains("ding-token"),
        "{html}"
    );
    let r = c
        .post(app.url("/admin/chat"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("owner", &format!("grid:{grid_a}")),
            ("platform", "wecom"),
            ("label", "网格群"),
            ("url", "https://intranet.example/hook?key=leak-me"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("field-error") && !html.contains("leak-me"),
        "{html}"
    );
    let r = c
        .post(app.url("/admin/chat"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("owner", &format!("grid:{grid_a}")),
            ("platform", "wecom"),
            ("label", "A网格服务群"),
            (
                "url",
                &format!("{base}/cgi-bin/webhook/send?key=page-key-9876"),
            ),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, html) = crate::pages_http::get(&c, &app, "/admin/chat?done=1").await;
    assert!(
        html.contains("A网格服务群") && html.contains("9876") && !html.contains("page-key"),
        "{html}"
    );
    let (_, list) = app.get(&w.admin, "/api/v1/admin/chat-webhooks").await;
    assert_eq!(list.as_array().unwrap().len(), 7);
    // An officer gets no admin page.
    let (oc, _) = crate::pages_http::sign_in(&app, "officer.d1").await;
    let (s, _) = crate::pages_http::get(&oc, &app, "/admin/chat").await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // The unreachable robot's messages wait and are retried; the outage is logged once.
    let (_, pending) = app
        .get(&w.admin, "/api/v1/admin/outbox?state=pending")
        .await;
    let retried = pending
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["kind"] == "chat")
        .map(|r| r["attempts"].as_i64().unwrap())
        .max()
        .unwrap_or(0);
    assert!(retried >= 2, "{pending}");
    let logged = std::fs::read_to_string(&log).unwrap();
    assert_eq!(
        logged.matches("a chat message could not be posted").count(),
        1,
        "{logged}"
    );
    assert!(
        !logged.contains("key=gone") && !logged.contains("wecom-key-0001"),
        "no robot's key in the log"
    );

    // Removing a robot: gone from the list, recorded without its key.
    let rid = wecom_hook["id"].as_i64().unwrap();
    let (s, _) = app
        .call(
            Method::DELETE,
            &format!("/api/v1/admin/chat-webhooks/{rid}"),
            Some(&w.admin),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (_, list) = app.get(&w.admin, "/api/v1/admin/chat-webhooks").await;
    assert_eq!(list.as_array().unwrap().len(), 6);
    let (_, audit) = app
        .get(
            &w.admin,
            &format!("/api/v1/audit?object_kind=chat_webhook&object_id={rid}"),
        )
        .await;
    let audit = audit.to_string();
    assert!(
        audit.contains("create") && audit.contains("delete"),
        "{audit}"
    );
    assert!(!audit.contains("wecom-key-0001"), "{audit}");
}

both_engines!(robots_post_to_the_groups);
