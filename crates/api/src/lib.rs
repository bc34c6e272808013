//! Gridline's HTTP API (axum): routes, JWT auth, problem+json errors, OpenAPI.
//!
//! A door: one folder per resource; handlers turn requests into the application's inputs,
//! call one use case in `gridline-app`, and turn its answer into JSON (errors into
//! problem+json). The binary merges [`router`] with the pages.

pub mod admin;
pub mod auth;
pub mod bulletins;
pub mod error;
pub mod extract;
pub mod health;
pub mod org;
pub mod policies;
pub mod projects;
pub mod tickets;
pub mod visits;

use gridline_app::AppError;
use std::time::Duration;

use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use tower_http::timeout::TimeoutLayer;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use utoipa_scalar::{Scalar, Servable};

pub use error::{ApiError, ApiResult};
pub use gridline_app::{AppState, Clock, SystemClock};

/// Request bodies larger than this are refused with 413.
pub const BODY_LIMIT: usize = 64 * 1024;

/// A register file sent to the import is refused with 413 above this.
pub const IMPORT_LIMIT: usize = gridline_app::register::read::MAX_FILE_BYTES;

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

/// Documents the problem+json answers every operation can give, so the document matches
/// what the server does (malformed input, auth, scopes, conflicts, limits, outages).
struct ProblemResponses;

impl Modify for ProblemResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
        let problem = |description: &str| {
            RefOr::T(
                ResponseBuilder::new()
                    .description(description)
                    .content(
                        "application/problem+json",
                        ContentBuilder::new()
                            .schema(Some(Ref::from_schema_name("Problem")))
                            .build(),
                    )
                    .build(),
            )
        };
        let common = [
            ("400", "malformed request / 请求格式错误"),
            ("401", "not signed in / 未登录"),
            ("403", "role may not / 无权"),
            ("404", "not found or not visible / 未找到"),
            ("405", "method not allowed"),
            ("409", "conflict / 冲突"),
            ("413", "body too large / 请求体过大"),
            ("422", "invalid input / 输入有误"),
            ("429", "too many attempts / 尝试过多"),
            ("500", "internal error / 内部错误"),
            ("503", "database unavailable / 服务暂不可用"),
        ];
        for item in openapi.paths.paths.values_mut() {
            for op in [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.delete,
                &mut item.patch,
            ]
            .into_iter()
            .flatten()
            {
                for (status, description) in common {
                    // Error answers are problem+json, whatever the handler annotation said.
                    op.responses
                        .responses
                        .insert(status.to_owned(), problem(description));
                }
            }
        }
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
        (name = "policies", description = "送政策上门 / Policies and their delivery to enterprises"),
        (name = "projects", description = "重点项目 / Key projects and their milestones"),
        (name = "bulletins", description = "考核通报 / Department scores, the red and black lists, the circulated bulletin"),
        (name = "visits", description = "走访 / Visits to enterprises, coverage"),
        (name = "admin", description = "管理 / Administration: the notification outbox"),
        (name = "health", description = "Health"),
    )
)]
struct ApiDoc;

/// The API's routes and their OpenAPI document.
pub fn routes() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let main = OpenApiRouter::new()
        .routes(routes!(health::healthz))
        .routes(routes!(health::readyz))
        .routes(routes!(auth::login))
        .routes(routes!(auth::logout))
        .routes(routes!(auth::me))
        .routes(routes!(auth::change_password))
        .routes(routes!(org::users::create_user, org::users::list_users))
        .routes(routes!(org::users::get_user, org::users::update_user))
        .routes(routes!(org::users::deactivate_user))
        .routes(routes!(org::users::reactivate_user))
        .routes(routes!(org::users::user_holdings))
        .routes(routes!(org::users::reset_password))
        .routes(routes!(org::users::hand_over))
        .routes(routes!(admin::audit::list_audit))
        .routes(routes!(
            org::departments::create_department,
            org::departments::list_departments
        ))
        .routes(routes!(
            org::task_forces::create_task_force,
            org::task_forces::list_task_forces
        ))
        .routes(routes!(org::grids::create_grid, org::grids::list_grids))
        .routes(routes!(org::grids::get_grid, org::grids::update_grid))
        .routes(routes!(org::grids::grid_seats))
        .routes(routes!(org::departments::update_department))
        .routes(routes!(org::task_forces::update_task_force))
        .routes(routes!(
            org::enterprises::create_enterprise,
            org::enterprises::list_enterprises
        ))
        .routes(routes!(org::enterprises::get_enterprise))
        .routes(routes!(
            tickets::create::create_ticket,
            tickets::list::list_tickets
        ))
        .routes(routes!(tickets::related::similar_tickets))
        .routes(routes!(tickets::related::related_tickets))
        .routes(routes!(tickets::get::get_ticket))
        .routes(routes!(tickets::get::ticket_events))
        .routes(routes!(tickets::attachments::list_attachments))
        .routes(routes!(tickets::attachments::get_attachment))
        .routes(routes!(tickets::actions::take_action))
        .routes(routes!(admin::outbox::list_outbox))
        .routes(routes!(admin::outbox::retry_outbox))
        .routes(routes!(
            admin::chat::list_webhooks,
            admin::chat::add_webhook
        ))
        .routes(routes!(admin::chat::remove_webhook))
        .routes(routes!(org::register::update_enterprise))
        .routes(routes!(org::register::import_template))
        .routes(routes!(org::register::export_enterprises))
        .routes(routes!(visits::record_visit, visits::list_visits))
        .routes(routes!(visits::get_visit))
        .routes(routes!(visits::get_photo))
        .routes(routes!(visits::coverage))
        .routes(routes!(visits::due))
        .routes(routes!(visits::export_visits))
        .routes(routes!(policies::publish_policy, policies::list_policies))
        .routes(routes!(policies::get_policy))
        .routes(routes!(policies::export_deliveries))
        .routes(routes!(policies::list_deliveries))
        .routes(routes!(policies::record_delivery))
        .routes(routes!(
            bulletins::publish_bulletin,
            bulletins::list_bulletins
        ))
        .routes(routes!(bulletins::get_bulletin))
        .routes(routes!(bulletins::workload))
        .routes(routes!(projects::create_project, projects::list_projects))
        .routes(routes!(projects::get_project))
        .routes(routes!(projects::reach_milestone))
        .routes(routes!(projects::replan_milestone))
        .routes(routes!(projects::decide_milestone))
        .routes(routes!(projects::link_ticket))
        .routes(routes!(projects::export_projects))
        .layer(axum::extract::DefaultBodyLimit::max(BODY_LIMIT))
        .layer(axum::middleware::from_fn_with_state(
            BODY_LIMIT,
            extract::refuse_declared_oversize,
        ));
    // Register files and evidence are larger than any JSON body.
    let evidence = OpenApiRouter::new()
        .routes(routes!(tickets::evidence::add_evidence))
        .layer(axum::extract::DefaultBodyLimit::max(
            tickets::evidence::EVIDENCE_LIMIT,
        ))
        .layer(axum::middleware::from_fn_with_state(
            tickets::evidence::EVIDENCE_LIMIT,
            extract::refuse_declared_oversize,
        ));
    let bulk = OpenApiRouter::new()
        .routes(routes!(org::register::import_enterprises))
        .layer(axum::extract::DefaultBodyLimit::max(IMPORT_LIMIT))
        .layer(axum::middleware::from_fn_with_state(
            IMPORT_LIMIT,
            extract::refuse_declared_oversize,
        ));
    let (router, mut doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(main)
        .merge(evidence)
        .merge(bulk)
        .split_for_parts();
    // The paths exist only now, after the routes were added.
    ProblemResponses.modify(&mut doc);
    (router, doc)
}

/// The OpenAPI document alone.
pub fn openapi() -> utoipa::openapi::OpenApi {
    routes().1
}

/// The OpenAPI document as it is served, written once. Kept as utoipa's structures for the
/// life of the process it held about 7 MB, over half of an idle server's heap, for 209 kB of
/// JSON, and each request cloned it whole before writing it.
fn openapi_json(doc: &utoipa::openapi::OpenApi) -> axum::body::Bytes {
    // The document is maps and strings with string keys, which serde_json always writes.
    serde_json::to_vec(doc)
        .unwrap_or_default()
        .into_boxed_slice()
        .into()
}

/// Any unknown path under `/api/`: the API's own 404 (the rest of the site is the pages').
async fn api_not_found() -> ApiError {
    AppError::not_found("route").into()
}

/// 405 for a route that exists with other methods (the binary sets it for the whole site).
pub async fn method_not_allowed() -> ApiError {
    AppError::method_not_allowed().into()
}

/// The answer when a handler panicked (the binary catches panics for the whole site).
pub fn internal_error() -> axum::response::Response {
    ApiError::from(AppError::internal(&"handler panicked")).into_response()
}

/// The JSON door, ready to merge: the API under `/api/v1`, its OpenAPI document at
/// `/api/openapi.json` and reference at `/api/docs`, its own 404 for unknown `/api/` paths,
/// and its body limit and timeout.
pub fn router() -> Router<AppState> {
    let (api, doc) = routes();
    let json = openapi_json(&doc);
    let rest = Router::new()
        .route(
            "/api/openapi.json",
            axum::routing::get(move || {
                let body = json.clone();
                async move { ([(header::CONTENT_TYPE, "application/json")], body) }
            }),
        )
        .merge(Scalar::with_url("/api/docs", doc))
        .route("/api/{*rest}", axum::routing::any(api_not_found))
        .layer(axum::extract::DefaultBodyLimit::max(BODY_LIMIT))
        .layer(axum::middleware::from_fn_with_state(
            BODY_LIMIT,
            extract::refuse_declared_oversize,
        ));
    api.merge(rest).layer(TimeoutLayer::with_status_code(
        StatusCode::SERVICE_UNAVAILABLE,
        Duration::from_secs(30),
    ))
}
