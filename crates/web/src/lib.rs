//! Gridline's pages: server-rendered HTML (minijinja) for the people who use the system —
//! liaisons on phones, officers at desks, task forces, leaders and admins.
//!
//! The pages are a second door to the same house: every read and write is a use case of the
//! application layer (`gridline-app`), the ones the API calls, so the rules exist once and
//! every list is bounded by the caller's [`Scope`](gridline_domain::Scope).
//!
//! Sessions are the API's JWTs in an HttpOnly, SameSite=Lax cookie; every form carries a
//! CSRF token bound to a per-browser random id (see [`session`]).

mod choices;
pub mod i18n;
mod pages;
pub mod render;
pub mod session;
mod view;

use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use gridline_app::AppState;
use gridline_domain::attachment::{MAX_BYTES, MAX_FILES};
use tower_http::compression::CompressionLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;

/// Form posts are small; only the filing form carries files.
const FORM_LIMIT: usize = 64 * 1024;
/// The filing form: every file at its largest, plus the fields.
const UPLOAD_LIMIT: usize = MAX_FILES * MAX_BYTES + 256 * 1024;

const CSS: &str = include_str!("../static/app.css");
const JS: &str = include_str!("../static/app.js");

/// A short hash of the stylesheet and script, in their URLs: browsers keep them a year and
/// fetch again exactly when they change.
pub fn asset_version() -> &'static str {
    static V: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    V.get_or_init(|| {
        use sha2::{Digest, Sha256};
        let h = Sha256::new().chain_update(CSS).chain_update(JS).finalize();
        h.iter().take(6).map(|b| format!("{b:02x}")).collect()
    })
}

async fn css() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
        CSS,
    )
}

async fn js() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
        JS,
    )
}

/// Refuses a form whose declared length is over `limit` before reading it: the 413 page (in
/// the viewer's language, code `body_too_large`).
async fn refuse_declared_oversize(
    axum::extract::State(limit): axum::extract::State<usize>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    if gridline_app::declared_length(req.headers()).is_some_and(|n| n > limit as u64) {
        // As the API does: drop a little of what is being sent, so the browser reads the page.
        let drain = axum::body::to_bytes(req.into_body(), gridline_app::DRAIN_MAX);
        let _ = tokio::time::timeout(gridline_app::DRAIN_TIME, drain).await;
        return render::PageError::too_large().into_response();
    }
    next.run(req).await
}

/// Any path nobody serves: the 404 page, in the viewer's language.
async fn not_found() -> render::PageError {
    render::PageError::not_found()
}

/// The pages' routes, to merge beside the API.
pub fn routes() -> Router<AppState> {
    let upload = Router::new()
        .route("/tickets/new", post(pages::file::submit))
        .route("/register/import/check", post(pages::register::check))
        .route("/visits/new", post(pages::visits::submit))
        .route(
            "/tickets/{id}/events/{event}/attachments",
            post(pages::evidence::submit),
        )
        .layer(DefaultBodyLimit::max(UPLOAD_LIMIT))
        .layer(axum::middleware::from_fn_with_state(
            UPLOAD_LIMIT,
            refuse_declared_oversize,
        ))
        // A phone on a slow link needs time to send its photos.
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(300),
        ));
    let forms = Router::new()
        .route("/", get(pages::home))
        .route("/login", get(session::login_page).post(session::login))
        .route("/logout", post(session::logout))
        .route("/lang/{lang}", get(session::switch_lang))
        .route("/static/app.css", get(css))
        .route("/static/app.js", get(js))
        .route("/tickets", get(pages::lists::all))
        .route("/tickets/new", get(pages::file::pick_enterprise))
        .route("/tickets/new/{enterprise}", get(pages::file::form))
        .route(
            "/tickets/new/{enterprise}/similar",
            get(pages::file::similar_fragment),
        )
        .route("/tickets/{id}", get(pages::ticket::show))
        .route("/tickets/{id}/actions/{action}", post(pages::ticket::act))
        .route(
            "/tickets/{id}/attachments/{attachment}",
            get(pages::ticket::attachment),
        )
        .route(
            "/policies",
            get(pages::policies::list).post(pages::policies::publish),
        )
        .route("/policies/{id}", get(pages::policies::show))
        .route("/policies/{id}/export", get(pages::policies::export))
        .route(
            "/deliveries/{id}",
            get(pages::policies::form).post(pages::policies::record),
        )
        .route(
            "/projects",
            get(pages::projects::list).post(pages::projects::create),
        )
        .route("/projects/export", get(pages::projects::export))
        .route(
            "/bulletins",
            get(pages::bulletins::list).post(pages::bulletins::publish),
        )
        .route("/bulletins/{period}", get(pages::bulletins::show))
        .route("/workload", get(pages::workload::show))
        .route("/projects/{id}", get(pages::projects::show))
        .route(
            "/projects/{id}/milestones/{milestone}/{action}",
            post(pages::projects::act),
        )
        .route("/visits", get(pages::visits::list))
        .route("/visits/new/{enterprise}", get(pages::visits::form))
        .route("/visits/{id}", get(pages::visits::show))
        .route("/visits/{id}/photos/{photo}", get(pages::visits::photo))
        .route("/queue", get(pages::lists::queue))
        .route("/inbox", get(pages::lists::inbox))
        .route("/task-force", get(pages::lists::task_force))
        .route("/dashboard", get(pages::dashboard::show))
        .route(
            "/admin/users/{id}",
            get(pages::people::show).post(pages::people::edit),
        )
        .route("/admin/users/{id}/active", post(pages::people::set_active))
        .route("/admin/users/{id}/handover", post(pages::people::hand_over))
        .route(
            "/admin/users/{id}/password",
            post(pages::people::reset_password),
        )
        .route("/admin/audit", get(pages::people::audit_log))
        .route("/register", get(pages::register::list))
        .route("/register/import", get(pages::register::import_form))
        .route("/register/template", get(pages::register::template))
        .route("/register/import/confirm", post(pages::register::confirm))
        .route(
            "/register/import/report/{token}",
            get(pages::register::report),
        )
        .route(
            "/admin/departments/{id}",
            get(pages::structure::department).post(pages::structure::edit_department),
        )
        .route(
            "/admin/task-forces/{id}",
            get(pages::structure::task_force).post(pages::structure::edit_task_force),
        )
        .route(
            "/admin/grids/{id}",
            get(pages::structure::grid).post(pages::structure::edit_grid),
        )
        .route(
            "/account/password",
            get(pages::people::password).post(pages::people::change_password),
        )
        .route(
            "/enterprises/{id}",
            get(pages::enterprise::show).post(pages::register::edit),
        )
        .route(
            "/admin/users",
            get(pages::admin::users).post(pages::admin::create_user),
        )
        .route(
            "/admin/departments",
            get(pages::admin::departments).post(pages::admin::create_department),
        )
        .route(
            "/admin/task-forces",
            get(pages::admin::task_forces).post(pages::admin::create_task_force),
        )
        .route(
            "/admin/grids",
            get(pages::admin::grids).post(pages::admin::create_grid),
        )
        .route(
            "/admin/chat",
            get(pages::admin::chat).post(pages::admin::create_webhook),
        )
        .route(
            "/admin/chat/{id}/delete",
            axum::routing::post(pages::admin::delete_webhook),
        )
        .layer(DefaultBodyLimit::max(FORM_LIMIT))
        .layer(axum::middleware::from_fn_with_state(
            FORM_LIMIT,
            refuse_declared_oversize,
        ))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            Duration::from_secs(30),
        ));
    forms
        .merge(upload)
        .fallback(not_found)
        .layer(axum::middleware::from_fn(render::error_pages))
        .layer(axum::middleware::from_fn(session::refresh))
        // A slow phone link gets a quarter of the bytes.
        .layer(CompressionLayer::new())
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
            ),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
}
