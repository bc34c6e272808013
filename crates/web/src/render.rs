//! Templates (embedded at build time, auto-escaped), the page context every template gets,
//! and the pages' one error policy: a [`PageError`] becomes an HTML page in the viewer's
//! language with the right status; nothing internal is shown.

use std::sync::OnceLock;

use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use axum_extra::extract::CookieJar;
use gridline_app::{AppError, ErrorKind};
use gridline_domain::Role;
use minijinja::{Environment, State, Value};
use serde::Serialize;

use crate::i18n::{Lang, error_text, pick, t};
use crate::session::{Viewer, lang_of};

macro_rules! templates {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../templates/", $name)))),*]
    };
}

const TEMPLATES: &[(&str, &str)] = templates!(
    "base.html",
    "rows.html",
    "login.html",
    "error.html",
    "list.html",
    "pick_enterprise.html",
    "file.html",
    "similar.html",
    "ticket.html",
    "dashboard.html",
    "enterprise.html",
    "admin_users.html",
    "admin_departments.html",
    "admin_task_forces.html",
    "admin_grids.html",
    "admin_user.html",
    "admin_audit.html",
    "audit_rows.html",
    "account_password.html",
    "admin_unit.html",
    "admin_grid.html",
    "register.html",
    "register_import.html",
    "visits.html",
    "visit.html",
    "visit_form.html",
    "coverage.html",
    "policies.html",
    "policy.html",
    "delivery_form.html",
    "delivery_stats.html",
    "projects.html",
    "bulletins.html",
    "bulletin.html",
    "workload.html",
    "admin_chat.html",
    "project.html",
    "project_summary.html",
);

fn lang_of_state(state: &State) -> Lang {
    state
        .lookup("lang")
        .and_then(|v| v.as_str().and_then(Lang::parse))
        .unwrap_or_default()
}

fn env() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        build_env().unwrap_or_else(|e| {
            tracing::error!(error = %e, "a template does not parse");
            Environment::new()
        })
    })
}

fn build_env() -> Result<Environment<'static>, minijinja::Error> {
    {
        let mut env = Environment::new();
        for (name, source) in TEMPLATES {
            env.add_template(name, source)?;
        }
        env.add_function("t", |state: &State, key: Option<&str>| {
            key.map(|k| crate::i18n::text_value(lang_of_state(state), k))
                .unwrap_or_else(|| Value::from(""))
        });
        env.add_filter("pick", |state: &State, msg: &str| {
            pick(lang_of_state(state), msg)
        });
        env.add_filter("chosen", crate::choices::chosen);
        env.add_filter("pct", |v: Option<f64>| {
            v.map_or_else(|| "—".to_owned(), |r| format!("{:.1}%", r * 100.0))
        });
        Ok(env)
    }
}

/// A navigation link.
#[derive(Debug, Serialize)]
pub struct Nav {
    pub href: &'static str,
    pub key: &'static str,
    pub active: bool,
}

/// Who is looking.
#[derive(Debug, Serialize)]
pub struct Me {
    pub name: String,
    pub role: &'static str,
}

/// What every template gets.
#[derive(Debug, Serialize)]
pub struct Ctx {
    pub lang: Lang,
    pub me: Option<Me>,
    pub csrf: String,
    pub path: String,
    pub nav: Vec<Nav>,
    /// Cache-busting tag of the stylesheet and script.
    pub assets: &'static str,
}

fn nav_for(role: Role, head: bool, path: &str) -> Vec<Nav> {
    let links: &[(&str, &str)] = match role {
        Role::Liaison => &[
            ("/tickets/new", "nav.file"),
            ("/visits", "nav.visits"),
            ("/policies", "nav.policies"),
            ("/projects", "nav.projects"),
            ("/tickets", "nav.grid_tickets"),
        ],
        Role::Dispatcher => &[
            ("/queue", "nav.queue"),
            ("/tickets", "nav.tickets"),
            ("/visits", "nav.visits"),
            ("/policies", "nav.policies"),
            ("/projects", "nav.projects"),
            ("/register", "nav.register"),
            ("/bulletins", "nav.bulletins"),
        ],
        Role::DepartmentOfficer => &[
            ("/inbox", "nav.inbox"),
            ("/tickets", "nav.tickets"),
            ("/policies", "nav.policies"),
            ("/projects", "nav.projects"),
            ("/bulletins", "nav.bulletins"),
        ],
        Role::TaskForceMember => &[
            ("/task-force", "nav.task_force"),
            ("/tickets", "nav.tickets"),
        ],
        Role::Tracker => &[("/tickets", "nav.tickets")],
        Role::Leader => &[
            ("/dashboard", "nav.dashboard"),
            ("/tickets", "nav.tickets"),
            ("/visits", "nav.visits"),
            ("/policies", "nav.policies"),
            ("/projects", "nav.projects"),
            ("/bulletins", "nav.bulletins"),
        ],
        Role::Admin => &[
            ("/dashboard", "nav.dashboard"),
            ("/tickets", "nav.tickets"),
            ("/visits", "nav.visits"),
            ("/policies", "nav.policies"),
            ("/projects", "nav.projects"),
            ("/admin/users", "nav.users"),
            ("/admin/grids", "nav.grids"),
            ("/admin/departments", "nav.departments"),
            ("/admin/task-forces", "nav.task_forces"),
            ("/register", "nav.register"),
            ("/admin/chat", "nav.chat"),
            ("/admin/audit", "nav.audit"),
            ("/bulletins", "nav.bulletins"),
        ],
    };
    // A department's head also sees its people's workload.
    let head_link = [("/workload", "nav.workload")];
    links
        .iter()
        .chain(head_link.iter().filter(|_| head))
        .map(|(href, key)| Nav {
            href,
            key,
            active: path == *href,
        })
        .collect()
}

impl Ctx {
    /// The context of a signed-in viewer on `path`.
    pub fn signed_in(v: &Viewer, path: &str) -> Ctx {
        Ctx {
            lang: v.lang,
            me: Some(Me {
                name: v.auth.user.display_name.clone(),
                role: v.role().as_str(),
            }),
            csrf: v.csrf.clone(),
            path: path.to_owned(),
            nav: nav_for(
                v.role(),
                gridline_domain::permission::workload_view(&v.auth.actor).is_some()
                    && v.role() == Role::DepartmentOfficer,
                path,
            ),
            assets: crate::asset_version(),
        }
    }

    /// The context of someone not signed in.
    pub fn anonymous(lang: Lang, path: &str, csrf: String) -> Ctx {
        Ctx {
            lang,
            me: None,
            csrf,
            path: path.to_owned(),
            nav: vec![],
            assets: crate::asset_version(),
        }
    }
}

/// Renders a template with the context and the page's own data (a map: a
/// `minijinja::context!` or a JSON object).
pub fn page(template: &str, ctx: &Ctx, data: impl Serialize) -> Response {
    match render(template, ctx, data) {
        Ok(html) => Html(html).into_response(),
        Err(e) => e.into_response(),
    }
}

/// `data` is converted once, straight into the template engine's values (a page's rows
/// used to go through `serde_json` first and be converted twice), and looked up before
/// `ctx`, lazily (a name in both is `data`'s).
fn render(template: &str, ctx: &Ctx, data: impl Serialize) -> Result<String, PageError> {
    let merged =
        minijinja::value::merge_maps([Value::from_serialize(&data), Value::from_serialize(ctx)]);
    env()
        .get_template(template)
        .and_then(|tpl| tpl.render(merged))
        .map_err(|e| PageError::internal(&format!("{e:#}")))
}

/// Why a page could not be shown.
#[derive(Debug, Clone)]
pub struct PageError {
    pub status: StatusCode,
    pub code: String,
    /// A bilingual message (`english / 中文`), or a catalog key prefixed with `@`.
    pub message: String,
}

impl PageError {
    fn keyed(status: StatusCode, code: &str) -> Self {
        Self {
            status,
            code: code.to_owned(),
            message: format!("@error.{code}"),
        }
    }

    /// 403: a form without a valid CSRF token.
    pub fn csrf() -> Self {
        Self::keyed(StatusCode::FORBIDDEN, "csrf_failed")
    }

    /// 403: the role may not open this page.
    pub fn forbidden() -> Self {
        Self::keyed(StatusCode::FORBIDDEN, "forbidden")
    }

    /// 404.
    pub fn not_found() -> Self {
        Self::keyed(StatusCode::NOT_FOUND, "not_found")
    }

    /// 400: a malformed request.
    pub fn bad_request() -> Self {
        Self::keyed(StatusCode::BAD_REQUEST, "bad_request")
    }

    /// 503: too busy right now; try again shortly.
    pub fn busy() -> Self {
        Self::keyed(StatusCode::SERVICE_UNAVAILABLE, "busy")
    }

    /// 413: the body is larger than allowed.
    pub fn too_large() -> Self {
        Self::keyed(StatusCode::PAYLOAD_TOO_LARGE, "body_too_large")
    }

    /// 500: logged, never shown.
    pub fn internal(cause: &dyn std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "page failed");
        Self::keyed(StatusCode::INTERNAL_SERVER_ERROR, "internal")
    }
}

/// A workbook download named `name`.
pub fn xlsx(name: &str, bytes: Vec<u8>) -> Response {
    use axum::http::header;
    (
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// The status a page answers an application error with.
pub fn status_of(e: &AppError) -> StatusCode {
    StatusCode::from_u16(e.kind().http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

impl From<AppError> for PageError {
    fn from(e: AppError) -> Self {
        if e.kind() == ErrorKind::NotFound {
            return Self::not_found();
        }
        Self {
            status: status_of(&e),
            code: e.code().to_owned(),
            message: e.message().to_owned(),
        }
    }
}

impl From<gridline_domain::DomainError> for PageError {
    fn from(e: gridline_domain::DomainError) -> Self {
        AppError::from(e).into()
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let status = self.status;
        let mut res = status.into_response();
        res.extensions_mut().insert(self);
        res
    }
}

/// Turns [`PageError`]s into pages in the viewer's language.
pub async fn error_pages(req: Request, next: Next) -> Response {
    let jar = CookieJar::from_headers(req.headers());
    let lang = lang_of(&jar);
    let path = req.uri().path().to_owned();
    let mut res = next.run(req).await;
    let Some(err) = res.extensions_mut().remove::<PageError>() else {
        return res;
    };
    let message = match err.message.strip_prefix('@') {
        Some(key) => t(lang, key),
        None => error_text(lang, &err.code, None, &err.message),
    };
    let ctx = Ctx::anonymous(lang, &path, String::new());
    let html = render(
        "error.html",
        &ctx,
        serde_json::json!({ "status": err.status.as_u16(), "code": err.code, "message": message }),
    )
    .unwrap_or_else(|_| message.clone());
    let mut out = (err.status, Html(html)).into_response();
    if let Some(v) = res.headers().get(axum::http::header::SET_COOKIE) {
        out.headers_mut()
            .insert(axum::http::header::SET_COOKIE, v.clone());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every template parses; the pages without data render in both languages. (The
    /// others render with real data in the end-to-end browser tests.)
    #[test]
    fn templates_parse_and_render() {
        build_env().unwrap();
        for lang in [Lang::Zh, Lang::En] {
            let ctx = Ctx::anonymous(lang, "/x", "token".into());
            for name in ["login.html", "error.html"] {
                let html = render(name, &ctx, serde_json::json!({})).unwrap();
                assert!(html.contains(if lang == Lang::Zh {
                    "网格通"
                } else {
                    "Gridline"
                }));
            }
        }
    }

    #[test]
    fn text_is_escaped() {
        let ctx = Ctx::anonymous(Lang::Zh, "/x", String::new());
        let html = render(
            "error.html",
            &ctx,
            serde_json::json!({"status": 400, "code": "x", "message": "<script>alert(1)</script>"}),
        )
        .unwrap();
        assert!(!html.contains("<script>alert"));
        assert!(html.contains("&lt;script&gt;"));
    }
}
