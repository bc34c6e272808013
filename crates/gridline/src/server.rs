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
        .method_not_allowed_fallback(gridline_api::method_not_allowed)
        .with_state(state)
        .layer(CatchPanicLayer::custom(|_| gridline_api::internal_error()))
        .layer(TraceLayer::new_for_http())
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
}
