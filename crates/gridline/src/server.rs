//! The whole site: the JSON door and the pages merged on one router, with the layers every
//! request passes (request ids, tracing, panics caught, 405 in the API's shape).

use axum::Router;
use gridline_app::AppState;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

/// The API under `/api` (with its own limits and timeout) and the pages beside it (which set
/// theirs: uploads from phones are big and slow), ready to serve.
pub fn router(state: AppState) -> Router {
    gridline_api::router()
        .merge(gridline_web::routes())
        .route("/metrics", axum::routing::get(crate::metrics::render))
        .route_layer(axum::middleware::from_fn(crate::metrics::track))
        .method_not_allowed_fallback(gridline_api::method_not_allowed)
        .with_state(state)
        .layer(CatchPanicLayer::custom(|_| gridline_api::internal_error()))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(request_span)
                .on_request(())
                .on_response(
                    |res: &axum::http::Response<_>,
                     latency: std::time::Duration,
                     span: &tracing::Span| {
                        span.record("status", res.status().as_u16());
                        span.record("latency_ms", latency.as_secs_f64() * 1000.0);
                        tracing::info!(target: "gridline::access", "request");
                    },
                ),
        )
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
}

/// The span of one request: its id, method and route template (never the path with its ids
/// and query), and — recorded once known — the status, latency and the caller's user id.
fn request_span(req: &axum::http::Request<axum::body::Body>) -> tracing::Span {
    let route = req
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map_or("(unmatched)", axum::extract::MatchedPath::as_str)
        .to_owned();
    let id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    // The access log's target: off in text mode (no span is made per request), on in JSON.
    tracing::info_span!(
        target: "gridline::access",
        "http",
        request_id = %id,
        method = %req.method(),
        route = %route,
        status = tracing::field::Empty,
        latency_ms = tracing::field::Empty,
        user_id = tracing::field::Empty,
    )
}
