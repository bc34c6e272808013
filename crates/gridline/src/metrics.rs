//! `GET /metrics` in the Prometheus text format (metrics + metrics-exporter-prometheus):
//! requests and latency by route template and status, the outbox (pending, oldest age,
//! sent / failed / dead by kind), sweeper runs, login refusals and throttles. Labels are
//! routes, methods, statuses and kinds — never a ticket or a user.
//!
//! Served to loopback callers, or to anyone presenting `[metrics] token` as a bearer token
//! when one is set (then loopback needs it too).

use std::net::SocketAddr;
use std::sync::OnceLock;
use std::time::Instant;

use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use gridline_app::AppState;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
static TOKEN: OnceLock<String> = OnceLock::new();

/// Installs the recorder once per process (the server and the worker share it).
pub fn install(token: &str) -> anyhow::Result<()> {
    if HANDLE.get().is_some() {
        return Ok(());
    }
    let handle = PrometheusBuilder::new()
        .set_buckets_for_metric(
            Matcher::Full("http_request_duration_seconds".into()),
            &[
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
            ],
        )?
        .install_recorder()?;
    let _ = HANDLE.set(handle);
    let _ = TOKEN.set(token.to_owned());
    Ok(())
}

/// Counts a request and its latency by route template, method and status.
pub async fn track(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "(unmatched)".to_owned(), |p| p.as_str().to_owned());
    let method = req.method().as_str().to_owned();
    let started = Instant::now();
    let res = next.run(req).await;
    let status = res.status().as_u16().to_string();
    metrics::counter!("http_requests_total", "route" => route.clone(), "method" => method.clone(), "status" => status.clone()).increment(1);
    metrics::histogram!("http_request_duration_seconds", "route" => route, "method" => method, "status" => status)
        .record(started.elapsed().as_secs_f64());
    res
}

fn allowed(peer: Option<SocketAddr>, headers: &HeaderMap) -> bool {
    let token = TOKEN.get().map(String::as_str).unwrap_or_default();
    if token.is_empty() {
        return peer.is_some_and(|p| p.ip().is_loopback());
    }
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|given| {
            // Same length and content, compared without an early exit.
            given.len() == token.len()
                && given
                    .bytes()
                    .zip(token.bytes())
                    .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                    == 0
        })
}

/// Serves `GET /metrics` for `gridline worker` on `listen` until `stop` (same rules as the
/// server's: loopback, or the bearer of the token).
pub async fn serve_worker(
    listen: &str,
    state: AppState,
    mut stop: tokio::sync::watch::Receiver<bool>,
) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| anyhow::anyhow!("metrics.worker_listen {listen}: {e}"))?;
    tracing::info!(address = %listener.local_addr()?, "worker metrics at /metrics");
    let app = axum::Router::new()
        .route("/metrics", axum::routing::get(render))
        .with_state(state)
        .into_make_service_with_connect_info::<SocketAddr>();
    Ok(tokio::spawn(async move {
        let stopped = async move {
            let _ = stop.wait_for(|s| *s).await;
        };
        if let Err(e) = axum::serve(listener, app)
            .with_graceful_shutdown(stopped)
            .await
        {
            tracing::error!(error = %e, "worker metrics server");
        }
    }))
}

/// `GET /metrics`.
pub async fn render(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    if !allowed(Some(peer), &headers) {
        return StatusCode::NOT_FOUND.into_response();
    }
    let Some(handle) = HANDLE.get() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    // The outbox as it is now.
    if let Ok((pending, oldest)) = state.store.outbox_pending_stats().await {
        metrics::gauge!("outbox_pending").set(pending as f64);
        let age = oldest.map_or(0.0, |o| {
            (state.now() - o).num_milliseconds() as f64 / 1000.0
        });
        metrics::gauge!("outbox_oldest_pending_age_seconds").set(age.max(0.0));
    }
    // The connection pools: open connections in use and idle, and the maximum. Waits that
    // ran out are counted as `db_unavailable_total` (with lost connections).
    for (pool, size, idle, max) in state.store.pool_stats() {
        let in_use = size.saturating_sub(idle);
        metrics::gauge!("db_pool_connections", "pool" => pool, "state" => "in_use")
            .set(f64::from(in_use));
        metrics::gauge!("db_pool_connections", "pool" => pool, "state" => "idle")
            .set(f64::from(idle));
        metrics::gauge!("db_pool_max_connections", "pool" => pool).set(f64::from(max));
    }
    // Group commit: batches of concurrent filings written in one transaction, and the
    // filings they held (a filing written alone counts in neither).
    let (batches, batched) = state.store.filing_batches();
    metrics::counter!("filing_batches_total").absolute(batches);
    metrics::counter!("filings_batched_total").absolute(batched);
    handle.run_upkeep();
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        handle.render(),
    )
        .into_response()
}
