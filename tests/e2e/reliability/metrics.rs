//! `/metrics`: Prometheus text with requests by route template and status, latency
//! histograms, the outbox and refused logins; for loopback callers, or only for the bearer
//! of `[metrics] token` when one is set; never a ticket or a user in a label.

use serde_json::json;

use crate::both_engines;
use crate::support::{Engine, TestApp};
use crate::world::World;

async fn metrics_for_the_operator(engine: Engine) {
    let app = TestApp::start(engine).await;
    let w = World::build(&app).await;
    let id = w.file(&app, "指标里的工单").await;
    w.step(&app, "head_a", id, "dispatch", w.dispatch_body())
        .await;
    let t = app.ticket(w.token("liaison_a"), id).await;
    assert_eq!(t["id"], id);
    let (status, _) = app
        .call(
            reqwest::Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"username": "liaison.a", "password": "wrong password"})),
        )
        .await;
    assert_eq!(status, 401);
    let r = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let text = r.text().await.unwrap();
    assert!(
        text.contains(
            r#"http_requests_total{route="/api/v1/tickets/{id}",method="GET",status="200"}"#
        ),
        "{text}"
    );
    assert!(
        text.contains("http_request_duration_seconds_bucket{"),
        "{text}"
    );
    assert!(text.contains("login_refused_total 1"), "{text}");
    // The test environment runs no mail worker: the dispatch mail is pending.
    assert!(text.contains("outbox_pending 1"), "{text}");
    assert!(text.contains("outbox_oldest_pending_age_seconds"), "{text}");
    // Routes are templates: no ticket id, no user.
    assert!(!text.contains(&format!("/api/v1/tickets/{id}\"")), "{text}");
    assert!(!text.contains("liaison"), "{text}");
}

/// With a token set, only its bearer gets the metrics (loopback included).
async fn a_metrics_token_is_required_when_set(engine: Engine) {
    let app = TestApp::start_with(
        engine,
        &[("GRIDLINE__METRICS__TOKEN", "s3cret-scraper".to_owned())],
    )
    .await;
    let get = |token: Option<&'static str>| {
        let mut r = app.client.get(app.url("/metrics"));
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        async move { r.send().await.unwrap().status().as_u16() }
    };
    assert_eq!(get(None).await, 404);
    assert_eq!(get(Some("wrong")).await, 404);
    assert_eq!(get(Some("s3cret-scraper")).await, 200);
}

both_engines!(
    metrics_for_the_operator,
    a_metrics_token_is_required_when_set
);
