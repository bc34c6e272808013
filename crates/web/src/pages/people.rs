//! Day two for people: a user's page for administrators (edit, deactivate or reactivate,
//! reset the password, what they hold, their audit trail), everyone's own password page,
//! and the audit log. Each form calls the application's use case, the one the API calls.

use std::collections::BTreeMap;

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use gridline_app::audit::{self, AuditEntry, AuditQuery, OBJECT_KINDS};
use gridline_app::people::{self, UserPatch};
use gridline_app::{AppError, AppState, ErrorKind};
use gridline_domain::{Role, UserId};
use serde::{Deserialize, Serialize};

use crate::i18n::{Lang, app_error_text, t as tr};
use crate::pages::{PageForm, opt, opt_id};
use crate::render::{PageError, page, status_of};
use crate::session::{PASSWORD_PAGE, Viewer, start_session};
use crate::view::Directory;

/// A posted form: its CSRF token and fields.
#[derive(Debug, Deserialize)]
pub struct Fields {
    #[serde(rename = "_csrf", default)]
    pub(crate) csrf: String,
    #[serde(flatten)]
    pub(crate) fields: BTreeMap<String, String>,
}

impl Fields {
    /// The fields of a form read as pairs (the CSRF token taken out).
    pub(crate) fn from_map(mut fields: BTreeMap<String, String>) -> Self {
        Self {
            csrf: fields.remove("_csrf").unwrap_or_default(),
            fields,
        }
    }
    pub(crate) fn get(&self, k: &str) -> Option<String> {
        opt(&self.fields.get(k).cloned()).map(str::to_owned)
    }
    pub(crate) fn id(&self, k: &str) -> Result<Option<i64>, PageError> {
        opt_id(&self.fields.get(k).cloned())
    }
    pub(crate) fn version(&self) -> Result<i64, PageError> {
        self.id("expected_version")?
            .ok_or_else(PageError::bad_request)
    }
    /// What was typed, to show again (never a password).
    pub(crate) fn input(&self) -> BTreeMap<String, String> {
        self.fields
            .iter()
            .filter(|(k, _)| !k.contains("password"))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }
}

#[derive(Debug, Default, Serialize)]
pub(crate) struct Failed {
    /// Which form failed: edit | active | password
    form: &'static str,
    errors: BTreeMap<String, String>,
    input: BTreeMap<String, String>,
}

impl Failed {
    pub(crate) fn of(
        form: &'static str,
        lang: Lang,
        e: &AppError,
        input: BTreeMap<String, String>,
    ) -> Self {
        let mut errors = BTreeMap::new();
        errors.insert(
            e.field_name().unwrap_or("form").to_owned(),
            app_error_text(lang, e),
        );
        Self {
            form,
            errors,
            input,
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct Done {
    pub(crate) done: Option<String>,
}

/// Audit rows as the pages show them.
pub(crate) fn audit_rows(
    dir: &Directory,
    lang: Lang,
    rows: &[AuditEntry],
) -> Vec<serde_json::Value> {
    rows.iter().map(|e| audit_row(dir, lang, e)).collect()
}

/// An audit row as the pages show it.
fn audit_row(dir: &Directory, lang: Lang, e: &AuditEntry) -> serde_json::Value {
    let shown = |v: &serde_json::Value| -> String {
        v.as_object()
            .map(|o| {
                o.iter()
                    .map(|(k, v)| {
                        format!("{k}: {}", v.as_str().map_or(v.to_string(), str::to_owned))
                    })
                    .collect::<Vec<_>>()
                    .join("; ")
            })
            .unwrap_or_default()
    };
    let object = match e.object_kind.as_str() {
        "user" => dir.user(Some(e.object_id)),
        "grid" => dir.grid(e.object_id),
        "department" => dir.department(Some(e.object_id)),
        "task_force" => dir.task_force(Some(e.object_id)),
        _ => String::new(),
    };
    serde_json::json!({
        "id": e.id,
        "at": crate::view::local(e.at),
        "actor": e.actor_id.map_or_else(|| tr(lang, "audit.command_line"), |a| dir.user(Some(a))),
        "kind": e.object_kind,
        "object_id": e.object_id,
        "object": object,
        "action": e.action,
        "before": shown(&e.before),
        "after": shown(&e.after),
    })
}

async fn user_page(
    state: &AppState,
    v: &Viewer,
    id: i64,
    done: Option<String>,
    failed: Option<Failed>,
) -> Result<Response, PageError> {
    v.require(&[Role::Admin])?;
    let person = gridline_app::org::person(state, UserId(id)).await?;
    let holdings = people::holdings(state, &v.auth, UserId(id)).await?;
    let failed_form = failed.is_some();
    let dir = Directory::load(state).await?;
    let trail = audit::list(
        state,
        &v.auth,
        AuditQuery {
            object_kind: Some("user".into()),
            object_id: Some(id),
            limit: Some(50),
            ..AuditQuery::default()
        },
    )
    .await?;
    let mut res = page(
        "admin_user.html",
        &v.ctx("/admin/users"),
        serde_json::json!({
            "u": person,
            "holdings": holdings,
            "holds": !holdings.is_empty(),
            "departments": dir.departments,
            "task_forces": dir.task_forces,
            "grids": dir.grids.iter().map(|g| (g.id, g.name.clone())).collect::<Vec<_>>(),
            // Who could take their tickets over: officers of the same department, or trackers.
            "colleagues": dir
                .users
                .iter()
                .filter(|c| c.active && c.id != person.id && c.role == person.role)
                .filter(|c| person.role != Role::DepartmentOfficer.as_str() || c.department_id == person.department_id)
                .map(|c| (c.id, c.display_name.clone()))
                .collect::<Vec<_>>(),
            "roles": Role::ALL.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
            "trail": trail.iter().map(|e| audit_row(&dir, v.lang, e)).collect::<Vec<_>>(),
            "done": done,
            "failed": failed,
        }),
    );
    if failed_form {
        *res.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

/// `GET /admin/users/{id}`.
pub async fn show(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    Query(q): Query<Done>,
) -> Result<Response, PageError> {
    user_page(&state, &v, id, q.done, None).await
}

/// The page again after a refused form (the message by the field, the input kept), or an
/// error page for what a form cannot fix.
async fn refused(
    state: &AppState,
    v: &Viewer,
    id: i64,
    form: &'static str,
    e: AppError,
    input: BTreeMap<String, String>,
) -> Result<Response, PageError> {
    if !matches!(e.kind(), ErrorKind::Conflict | ErrorKind::Invalid) {
        return Err(e.into());
    }
    let status = status_of(&e);
    let mut res = user_page(
        state,
        v,
        id,
        None,
        Some(Failed::of(form, v.lang, &e, input)),
    )
    .await?;
    *res.status_mut() = status;
    Ok(res)
}

/// `POST /admin/users/{id}`: edit.
pub async fn edit(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    PageForm(f): PageForm<Fields>,
) -> Result<Response, PageError> {
    v.require(&[Role::Admin])?;
    v.check_csrf(&f.csrf)?;
    let role = match f.get("role") {
        Some(r) => Some(Role::parse(&r).ok_or_else(PageError::bad_request)?),
        None => None,
    };
    let patch = UserPatch {
        expected_version: f.version()?,
        display_name: f.get("display_name"),
        email: Some(f.get("email")),
        phone: Some(f.get("phone")),
        role,
        department_id: Some(f.id("department_id")?),
        grid_id: Some(f.id("grid_id")?),
        task_force_id: Some(f.id("task_force_id")?),
        top_leader: Some(f.get("top_leader").is_some()),
        service_centre: Some(f.get("service_centre").is_some()),
        department_head: Some(f.get("department_head").is_some()),
    };
    match people::edit_user(&state, &v.auth, UserId(id), patch).await {
        Ok(_) => Ok(Redirect::to(&format!("/admin/users/{id}?done=saved")).into_response()),
        Err(e) => refused(&state, &v, id, "edit", e, f.input()).await,
    }
}

/// `POST /admin/users/{id}/active`: deactivate (`active=off`) or reactivate (`active=on`).
pub async fn set_active(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    PageForm(f): PageForm<Fields>,
) -> Result<Response, PageError> {
    v.require(&[Role::Admin])?;
    v.check_csrf(&f.csrf)?;
    let active = match f.get("active").as_deref() {
        Some("on") => true,
        Some("off") => false,
        _ => return Err(PageError::bad_request()),
    };
    match people::set_active(&state, &v.auth, UserId(id), f.version()?, active).await {
        Ok(_) => {
            let done = if active { "reactivated" } else { "deactivated" };
            Ok(Redirect::to(&format!("/admin/users/{id}?done={done}")).into_response())
        }
        Err(e) => refused(&state, &v, id, "active", e, f.input()).await,
    }
}

/// `POST /admin/users/{id}/handover`: every open ticket the user holds goes to a colleague.
pub async fn hand_over(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    PageForm(f): PageForm<Fields>,
) -> Result<Response, PageError> {
    v.require(&[Role::Admin])?;
    v.check_csrf(&f.csrf)?;
    let Some(to) = f.id("to_user_id")? else {
        let e = AppError::invalid(
            "to_user_id",
            "required",
            "choose a colleague / 请选择接手的同事",
        );
        return refused(&state, &v, id, "handover", e, f.input()).await;
    };
    let reason = f.get("reason").unwrap_or_default();
    match people::hand_over(&state, &v.auth, UserId(id), UserId(to), &reason).await {
        Ok(done) => Ok(Redirect::to(&format!(
            "/admin/users/{id}?done=handed_over&n={}",
            done.responsible.len() + done.tracking.len()
        ))
        .into_response()),
        Err(e) => refused(&state, &v, id, "handover", e, f.input()).await,
    }
}

/// `POST /admin/users/{id}/password`: an administrator's reset.
pub async fn reset_password(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    PageForm(f): PageForm<Fields>,
) -> Result<Response, PageError> {
    v.require(&[Role::Admin])?;
    v.check_csrf(&f.csrf)?;
    let password = f.fields.get("password").cloned().unwrap_or_default();
    match people::reset_password(&state, &v.auth, UserId(id), &password).await {
        Ok(()) => Ok(Redirect::to(&format!("/admin/users/{id}?done=reset")).into_response()),
        Err(e) => refused(&state, &v, id, "password", e, f.input()).await,
    }
}

fn password_page(v: &Viewer, done: bool, failed: Option<Failed>) -> Response {
    let invalid = failed.is_some();
    let mut res = page(
        "account_password.html",
        &v.ctx(PASSWORD_PAGE),
        serde_json::json!({
            "must": v.auth.user.must_change_password,
            "done": done,
            "failed": failed,
        }),
    );
    if invalid {
        *res.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    res
}

/// `GET /account/password`: everyone's own password.
pub async fn password(v: Viewer, Query(q): Query<Done>) -> Response {
    password_page(&v, q.done.is_some(), None)
}

/// `POST /account/password`: the current password and a new one. The session goes on under
/// a fresh token; every other session and token of the user's stops working.
pub async fn change_password(
    State(state): State<AppState>,
    v: Viewer,
    jar: CookieJar,
    headers: axum::http::HeaderMap,
    PageForm(f): PageForm<Fields>,
) -> Result<Response, PageError> {
    v.check_csrf(&f.csrf)?;
    let current = f
        .fields
        .get("current_password")
        .cloned()
        .unwrap_or_default();
    let new = f.fields.get("new_password").cloned().unwrap_or_default();
    if f.fields.get("confirm_password").map(String::as_str) != Some(new.as_str()) {
        let e = AppError::invalid(
            "confirm_password",
            "mismatch",
            "the two new passwords differ / 两次输入的新密码不一致",
        );
        return Ok(password_page(
            &v,
            false,
            Some(Failed::of("password", v.lang, &e, BTreeMap::new())),
        ));
    }
    match people::change_own_password(&state, &v.auth, current, &new).await {
        Ok(token) => {
            let jar = start_session(jar, &headers, token);
            Ok((jar, Redirect::to(&format!("{PASSWORD_PAGE}?done=1"))).into_response())
        }
        Err(e) if matches!(e.kind(), ErrorKind::Invalid) => Ok(password_page(
            &v,
            false,
            Some(Failed::of("password", v.lang, &e, BTreeMap::new())),
        )),
        Err(e) => Err(e.into()),
    }
}

/// Audit filters from the query string.
#[derive(Debug, Default, Deserialize, Serialize)]
pub struct AuditFilter {
    kind: Option<String>,
    object: Option<String>,
    actor: Option<String>,
    before: Option<String>,
    format: Option<String>,
}

/// `GET /admin/audit`: every administrative change, newest first; `format=xlsx` downloads.
pub async fn audit_log(
    State(state): State<AppState>,
    v: Viewer,
    Query(q): Query<AuditFilter>,
) -> Result<Response, PageError> {
    v.require(&[Role::Admin])?;
    let xlsx = opt(&q.format) == Some("xlsx");
    let query = AuditQuery {
        object_kind: opt(&q.kind).map(str::to_owned),
        object_id: opt_id(&q.object)?,
        actor_id: opt_id(&q.actor)?,
        before: if xlsx { None } else { opt_id(&q.before)? },
        limit: Some(if xlsx { 500 } else { 100 }),
    };
    let entries = audit::list(&state, &v.auth, query).await?;
    let dir = Directory::load(&state).await?;
    let rows: Vec<_> = entries.iter().map(|e| audit_row(&dir, v.lang, e)).collect();
    if xlsx {
        return audit_workbook(v.lang, &rows);
    }
    let next = (entries.len() == 100)
        .then(|| entries.last().map(|e| e.id))
        .flatten();
    Ok(page(
        "admin_audit.html",
        &v.ctx("/admin/audit"),
        serde_json::json!({
            "rows": rows,
            "q": q,
            "kinds": OBJECT_KINDS,
            "next": next,
            "people": dir.users.iter().map(|u| (u.id, u.display_name.clone())).collect::<Vec<_>>(),
        }),
    ))
}

fn audit_workbook(lang: Lang, rows: &[serde_json::Value]) -> Result<Response, PageError> {
    use gridline_report::{Cell, table_workbook};
    let heads: Vec<String> = [
        "audit.at",
        "audit.actor",
        "audit.object",
        "audit.change",
        "audit.before",
        "audit.after",
    ]
    .iter()
    .map(|h| tr(lang, h))
    .collect();
    let text =
        |r: &serde_json::Value, k: &str| Cell::Text(r[k].as_str().unwrap_or_default().to_owned());
    let cells: Vec<Vec<Cell>> = rows
        .iter()
        .map(|r| {
            vec![
                text(r, "at"),
                text(r, "actor"),
                Cell::Text(format!(
                    "{} {} #{}",
                    tr(
                        lang,
                        &format!("audit.kind.{}", r["kind"].as_str().unwrap_or_default())
                    ),
                    r["object"].as_str().unwrap_or_default(),
                    r["object_id"]
                )),
                Cell::Text(tr(
                    lang,
                    &format!("audit.action.{}", r["action"].as_str().unwrap_or_default()),
                )),
                text(r, "before"),
                text(r, "after"),
            ]
        })
        .collect();
    let bytes = table_workbook(&heads, &cells, &[(2, 28.0), (4, 40.0), (5, 40.0)])
        .map_err(|e| PageError::internal(&e))?;
    Ok(crate::render::xlsx("gridline-audit.xlsx", bytes))
}
