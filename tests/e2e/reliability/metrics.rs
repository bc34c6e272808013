//! `/metrics`: Prometheus text with requests by route template and status, latency
//! histograms, the outbox and refused logins; for loopback callers, or only for the bearer
//! of `[metrics] token` when one is set; never a ticket or a user in a label.

use serde_json::json;

use std::process::Stdio;

use crate::both_engines;
use crate::mail::free_port;
use crate::support::{Engine, TestApp, gridline};
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
        text.contains(r#"http_request_duration_seconds_bucket{route="/api/v1/tickets/{id}",method="GET",status="200",le="#),
        "{text}"
    );
    assert!(text.contains("login_refused_total 1"), "{text}");
    // The test environment runs no mail worker: the dispatch mail is pending.
    assert!(text.contains("outbox_pending 1"), "{text}");
    assert!(text.contains("outbox_oldest_pending_age_seconds"), "{text}");
    // The connection pools.
    let pool = if engine == Engine::Postgres {
        "main"
    } else {
        "read"
    };
    assert!(
        text.contains(&format!(
            r#"db_pool_connections{{pool="{pool}",state="in_use"}}"#
        )),
        "{text}"
    );
    assert!(text.contains("db_pool_max_connections{"), "{text}");
    // Group commit: one filing alone is in no batch.
    assert!(text.contains("filing_batches_total 0"), "{text}");
    assert!(text.contains("filings_batched_total 0"), "{text}");
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

/// `gridline worker` serves its own metrics when `metrics.worker_listen` is set: its
/// sweeper's runs, the outbox and its connection pools.
async fn the_worker_serves_its_metrics(engine: Engine) {
    let app = TestApp::start(engine).await;
    let port = free_port();
    let mut worker = gridline(&app.db)
        .arg("worker")
        .env(
            "GRIDLINE__METRICS__WORKER_LISTEN",
            format!("127.0.0.1:{port}"),
        )
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let url = format!("http://127.0.0.1:{port}/metrics");
    let mut text = String::new();
    for _ in 0..100 {
        if let Ok(r) = reqwest::get(&url).await
            && r.status() == 200
        {
            text = r.text().await.unwrap();
            if text.contains("sweeper_runs_total") {
                break;
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let _ = worker.kill();
    let _ = worker.wait();
    assert!(text.contains("sweeper_runs_total"), "{text}");
    assert!(text.contains("outbox_pending"), "{text}");
    assert!(text.contains("db_pool_connections{"), "{text}");
}

both_engines!(
    the_worker_serves_its_metrics,
    metrics_for_the_operator,
    a_metrics_token_is_required_when_set
);
