//! Gridline's HTTP API (axum): routes, JWT auth, problem+json errors, OpenAPI.
//!
//! One folder per resource; handlers parse at the boundary into domain values, ask the rules
//! in `gridline-domain`, and write through `gridline-store`.

pub mod admin;
pub mod auth;
pub mod error;
pub mod extract;
pub mod health;
pub mod org;
pub mod state;
pub mod tickets;

use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use utoipa_scalar::{Scalar, Servable};

pub use error::{ApiError, ApiResult};
pub use state::{AppState, Clock, SystemClock};

/// Request bodies larger than this are refused with 413.
pub const BODY_LIMIT: usize = 64 * 1024;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Gridline 网格通 API",
        description = "The ticketing system of an enterprise-service office: grids collect enterprises' problems, departments sign for and resolve them, task forces take the hard ones, leaders supervise. Errors are application/problem+json with a stable `code`.",
    ),
    modifiers(&BearerAuth),
    tags(
        (name = "auth", description = "登录 / Sign in"),
        (name = "organisation", description = "组织 / Users, departments, task forces, grids, enterprises"),
        (name = "tickets", description = "工单 / Tickets and the closed loop"),
        (name = "admin", description = "管理 / Administration: the notification outbox"),
        (name = "health", description = "Health"),
    )
)]
struct ApiDoc;

/// The API's routes and their OpenAPI document.
pub fn routes() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(health::healthz))
        .routes(routes!(health::readyz))
        .routes(routes!(auth::login))
        .routes(routes!(auth::me))
        .routes(routes!(org::users::create_user, org::users::list_users))
        .routes(routes!(org::users::get_user))
        .routes(routes!(
            org::departments::create_department,
            org::departments::list_departments
        ))
        .routes(routes!(
            org::task_forces::create_task_force,
            org::task_forces::list_task_forces
        ))
        .routes(routes!(org::grids::create_grid, org::grids::list_grids))
        .routes(routes!(org::grids::get_grid))
        .routes(routes!(
            org::enterprises::create_enterprise,
            org::enterprises::list_enterprises
        ))
        .routes(routes!(org::enterprises::get_enterprise))
        .routes(routes!(
            tickets::create::create_ticket,
            tickets::list::list_tickets
        ))
        .routes(routes!(tickets::get::get_ticket))
        .routes(routes!(tickets::get::ticket_events))
        .routes(routes!(tickets::actions::take_action))
        .routes(routes!(admin::outbox::list_outbox))
        .routes(routes!(admin::outbox::retry_outbox))
        .split_for_parts()
}

/// The OpenAPI document alone.
pub fn openapi() -> utoipa::openapi::OpenApi {
    routes().1
}

async fn fallback() -> ApiError {
    ApiError::not_found("route")
}

async fn method_not_allowed() -> impl IntoResponse {
    (
        StatusCode::METHOD_NOT_ALLOWED,
        ApiError::bad_request("method_not_allowed", "method not allowed"),
    )
}

/// The whole application, ready to serve.
pub fn app(state: AppState) -> Router {
    let (api, doc) = routes();
    let doc_json = doc.clone();
    api.route(
        "/api/openapi.json",
        axum::routing::get(move || {
            let d = doc_json.clone();
            async move { axum::Json(d) }
        }),
    )
    .merge(Scalar::with_url("/api/docs", doc))
    .fallback(fallback)
    .method_not_allowed_fallback(method_not_allowed)
    .with_state(state)
    .layer(axum::extract::DefaultBodyLimit::max(BODY_LIMIT))
    .layer(RequestBodyLimitLayer::new(BODY_LIMIT * 2))
    .layer(TimeoutLayer::with_status_code(
        StatusCode::SERVICE_UNAVAILABLE,
        Duration::from_secs(30),
    ))
    .layer(CatchPanicLayer::custom(|_| {
        ApiError::internal(&"handler panicked").into_response()
    }))
    .layer(TraceLayer::new_for_http())
    .layer(PropagateRequestIdLayer::x_request_id())
    .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
}
