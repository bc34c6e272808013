//! Administration: users, departments, task forces and grids with their five-ones. Each
//! create is the application's use case, the one the API calls, so the pages validate
//! exactly as the API does.

use std::collections::BTreeMap;

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use gridline_app::org::{self, NewDepartmentInput, NewGridInput, NewTaskForceInput, NewUserInput};
use gridline_app::{AppError, AppState, Caller, ErrorKind};
use gridline_domain::Role;
use serde::{Deserialize, Serialize};

use crate::i18n::app_error_text;
use crate::pages::{PageForm, opt, opt_id};
use crate::render::{PageError, page};
use crate::session::Viewer;
use crate::view::Directory;

#[derive(Debug, Deserialize)]
pub struct Done {
    done: Option<String>,
}

fn admin(v: &Viewer) -> Result<&Caller, PageError> {
    v.require(&[Role::Admin])?;
    Ok(&v.auth)
}

/// An admin's post with a valid CSRF token.
fn admin_post<'v>(v: &'v Viewer, f: &AdminForm) -> Result<&'v Caller, PageError> {
    let caller = admin(v)?;
    v.check_csrf(&f.csrf)?;
    Ok(caller)
}

/// What a failed form shows: the message by its field, and the input.
#[derive(Debug, Default, Serialize)]
struct Form {
    errors: BTreeMap<String, String>,
    input: BTreeMap<String, String>,
}

async fn show(
    state: &AppState,
    v: &Viewer,
    template: &str,
    path: &str,
    done: bool,
    form: Form,
) -> Result<Response, PageError> {
    let dir = Directory::load(state).await?;
    let users: Vec<_> = dir
        .users
        .iter()
        .map(|u| {
            serde_json::json!({
                "id": u.id, "username": u.username, "name": u.display_name, "role": u.role,
                "email": u.email, "department": dir.department(u.department_id),
                "task_force": dir.task_force(u.task_force_id),
                "grid": u.grid_id.map(|g| dir.grid(g)).unwrap_or_default(),
                "top_leader": u.top_leader, "service_centre": u.service_centre,
                "department_head": u.department_head, "active": u.active,
            })
        })
        .collect();
    let grids: Vec<_> = dir
        .grids
        .iter()
        .map(|g| {
            serde_json::json!({
                "id": g.id, "name": g.name, "leader": dir.user(Some(g.linked_leader_id)),
                "head": dir.user(Some(g.head_id)), "task_force": dir.task_force(Some(g.task_force_id)),
                "liaison": dir.user(Some(g.liaison_id)), "team": g.team,
            })
        })
        .collect();
    let by_role = |r: Role| -> Vec<_> {
        dir.users
            .iter()
            .filter(|u| u.active && u.role == r.as_str())
            .map(|u| (u.id, u.display_name.clone()))
            .collect()
    };
    // The chat robots, on their own page only.
    let webhooks = if template == CHAT.0 {
        gridline_app::chat::list(state, &v.auth).await?
    } else {
        vec![]
    };
    let invalid = !form.errors.is_empty();
    let mut res = page(
        template,
        &v.ctx(path),
        serde_json::json!({
            "users": users,
            "webhooks": webhooks,
            "platforms": gridline_domain::chat::Platform::ALL.iter().map(|p| p.as_str()).collect::<Vec<_>>(),
            "grids": grids,
            "departments": dir.departments,
            "task_forces": dir.task_forces,
            "roles": Role::ALL.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
            "leaders": by_role(Role::Leader),
            "dispatchers": by_role(Role::Dispatcher),
            "liaisons": by_role(Role::Liaison),
            "done": done,
            "form": form,
        }),
    );
    if invalid {
        *res.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

/// Turns a refused create into the form again, or a page error.
async fn refused(
    state: &AppState,
    v: &Viewer,
    template: &str,
    path: &str,
    e: AppError,
    input: BTreeMap<String, String>,
) -> Result<Response, PageError> {
    if !matches!(e.kind(), ErrorKind::Conflict | ErrorKind::Invalid) {
        return Err(e.into());
    }
    let mut errors = BTreeMap::new();
    errors.insert(
        e.field_name().unwrap_or("form").to_owned(),
        app_error_text(v.lang, &e),
    );
    show(state, v, template, path, false, Form { errors, input }).await
}

/// One admin page: its template and path.
#[derive(Clone, Copy)]
struct AdminPage(&'static str, &'static str);

const USERS: AdminPage = AdminPage("admin_users.html", "/admin/users");
const DEPARTMENTS: AdminPage = AdminPage("admin_departments.html", "/admin/departments");
const TASK_FORCES: AdminPage = AdminPage("admin_task_forces.html", "/admin/task-forces");
const GRIDS: AdminPage = AdminPage("admin_grids.html", "/admin/grids");
const CHAT: AdminPage = AdminPage("admin_chat.html", "/admin/chat");

macro_rules! admin_page {
    ($get:ident, $page:expr) => {
        /// The list and its create form.
        pub async fn $get(
            State(state): State<AppState>,
            v: Viewer,
            Query(q): Query<Done>,
        ) -> Result<Response, PageError> {
            admin(&v)?;
            let AdminPage(template, path) = $page;
            let form = Form::default();
            show(&state, &v, template, path, q.done.is_some(), form).await
        }
    };
}

admin_page!(users, USERS);
admin_page!(departments, DEPARTMENTS);
admin_page!(task_forces, TASK_FORCES);
admin_page!(grids, GRIDS);
admin_page!(chat, CHAT);

/// After a create: back to the list, or the form again with the message.
async fn outcome<T>(
    state: &AppState,
    v: &Viewer,
    page: AdminPage,
    form: &AdminForm,
    result: Result<T, AppError>,
) -> Result<Response, PageError> {
    match result {
        Ok(_) => Ok(Redirect::to(&format!("{}?done=1", page.1)).into_response()),
        Err(e) => refused(state, v, page.0, page.1, e, form.input()).await,
    }
}

/// Every field the admin forms send (each form sends its own).
#[derive(Debug, Deserialize)]
pub struct AdminForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(flatten)]
    fields: BTreeMap<String, String>,
}

impl AdminForm {
    fn get(&self, k: &str) -> Option<String> {
        opt(&self.fields.get(k).cloned()).map(str::to_owned)
    }
    fn id(&self, k: &str) -> Result<Option<i64>, PageError> {
        opt_id(&self.fields.get(k).cloned())
    }
    /// The input to show again (never the password).
    fn input(&self) -> BTreeMap<String, String> {
        self.fields
            .iter()
            .filter(|(k, _)| k.as_str() != "password")
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }
}

/// `POST /admin/users`.
pub async fn create_user(
    State(state): State<AppState>,
    v: Viewer,
    PageForm(f): PageForm<AdminForm>,
) -> Result<Response, PageError> {
    let caller = admin_post(&v, &f)?;
    let role = f.get("role").and_then(|r| Role::parse(&r));
    let Some(role) = role else {
        let e = AppError::invalid("role", "unknown_role", "choose a role / 请选择角色");
        return outcome::<()>(&state, &v, USERS, &f, Err(e)).await;
    };
    let req = NewUserInput {
        username: f.get("username").unwrap_or_default(),
        display_name: f.get("display_name").unwrap_or_default(),
        password: f.fields.get("password").cloned().unwrap_or_default(),
        role,
        email: f.get("email"),
        department_id: f.id("department_id")?,
        grid_id: None,
        task_force_id: f.id("task_force_id")?,
        top_leader: f.get("top_leader").is_some(),
        service_centre: f.get("service_centre").is_some(),
        department_head: f.get("department_head").is_some(),
    };
    let result = org::create_user(&state, caller, req).await;
    outcome(&state, &v, USERS, &f, result).await
}

/// `POST /admin/departments`.
pub async fn create_department(
    State(state): State<AppState>,
    v: Viewer,
    PageForm(f): PageForm<AdminForm>,
) -> Result<Response, PageError> {
    let caller = admin_post(&v, &f)?;
    let req = NewDepartmentInput {
        name: f.get("name").unwrap_or_default(),
        email: f.get("email"),
    };
    let result = org::create_department(&state, caller, req).await;
    outcome(&state, &v, DEPARTMENTS, &f, result).await
}

/// `POST /admin/task-forces`.
pub async fn create_task_force(
    State(state): State<AppState>,
    v: Viewer,
    PageForm(f): PageForm<AdminForm>,
) -> Result<Response, PageError> {
    let caller = admin_post(&v, &f)?;
    let req = NewTaskForceInput {
        name: f.get("name").unwrap_or_default(),
        description: f.get("description"),
    };
    let result = org::create_task_force(&state, caller, req).await;
    outcome(&state, &v, TASK_FORCES, &f, result).await
}

/// `POST /admin/grids`: a grid with its five-ones.
pub async fn create_grid(
    State(state): State<AppState>,
    v: Viewer,
    PageForm(f): PageForm<AdminForm>,
) -> Result<Response, PageError> {
    let caller = admin_post(&v, &f)?;
    let mut ids = [0i64; 4];
    for (i, k) in ["linked_leader_id", "head_id", "task_force_id", "liaison_id"]
        .iter()
        .enumerate()
    {
        match f.id(k)? {
            Some(id) => ids[i] = id,
            None => {
                let e = AppError::invalid(k, "required", "required / 必填");
                return outcome::<()>(&state, &v, GRIDS, &f, Err(e)).await;
            }
        }
    }
    let req = NewGridInput {
        name: f.get("name").unwrap_or_default(),
        linked_leader_id: ids[0],
        head_id: ids[1],
        task_force_id: ids[2],
        liaison_id: ids[3],
        team: f.get("team").unwrap_or_default(),
    };
    let result = org::create_grid(&state, caller, req).await;
    outcome(&state, &v, GRIDS, &f, result).await
}

/// `POST /admin/chat`: a group-chat robot for a department, grid or task force (`owner` is
/// `department:3`, `grid:1` or `task_force:2`).
pub async fn create_webhook(
    State(state): State<AppState>,
    v: Viewer,
    PageForm(f): PageForm<AdminForm>,
) -> Result<Response, PageError> {
    let caller = admin_post(&v, &f)?;
    let owner = f.get("owner").unwrap_or_default();
    let (kind, id) = owner.split_once(':').unwrap_or_default();
    let req = gridline_app::chat::WebhookInput {
        owner_kind: kind.to_owned(),
        owner_id: id.parse().unwrap_or_default(),
        platform: f.get("platform").unwrap_or_default(),
        url: f.get("url").unwrap_or_default(),
        secret: f.get("secret"),
        label: f.get("label").unwrap_or_default(),
    };
    let result = gridline_app::chat::add(&state, caller, req).await;
    let mut form = f;
    // Neither the address nor the secret is shown again.
    form.fields.remove("secret");
    form.fields.remove("url");
    outcome(&state, &v, CHAT, &form, result).await
}

/// `POST /admin/chat/{id}/delete`.
pub async fn delete_webhook(
    State(state): State<AppState>,
    v: Viewer,
    axum::extract::Path(id): axum::extract::Path<i64>,
    PageForm(f): PageForm<AdminForm>,
) -> Result<Response, PageError> {
    let caller = admin_post(&v, &f)?;
    gridline_app::chat::remove(&state, caller, id).await?;
    Ok(Redirect::to("/admin/chat?done=1").into_response())
}
