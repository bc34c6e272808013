//! Editing the structure from the admin pages: a department's or task force's page (name,
//! mailbox or description, deactivate), and a grid's page (the five-ones, the team, who held
//! each seat). Each form calls the application's use case, the one the API calls.

use std::collections::BTreeMap;

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use gridline_app::audit::{self, AuditQuery};
use gridline_app::org::{self, DepartmentPatch, GridPatch, TaskForcePatch};
use gridline_app::{AppError, AppState, ErrorKind};
use gridline_domain::{DepartmentId, GridId, Role, TaskForceId};
use serde::Deserialize;

use crate::pages::PageForm;
use crate::pages::people::{Done, Failed, Fields, audit_rows};
use crate::render::{PageError, page, status_of};
use crate::session::Viewer;
use crate::view::{Directory, local};

/// Which unit a page edits.
#[derive(Debug, Clone, Copy, Deserialize)]
enum Unit {
    Department,
    TaskForce,
}

impl Unit {
    fn kind(self) -> &'static str {
        match self {
            Unit::Department => "department",
            Unit::TaskForce => "task_force",
        }
    }
    fn path(self) -> &'static str {
        match self {
            Unit::Department => "/admin/departments",
            Unit::TaskForce => "/admin/task-forces",
        }
    }
}

async fn trail(
    state: &AppState,
    v: &Viewer,
    dir: &Directory,
    kind: &str,
    id: i64,
) -> Result<Vec<serde_json::Value>, PageError> {
    let rows = audit::list(
        state,
        &v.auth,
        AuditQuery {
            object_kind: Some(kind.to_owned()),
            object_id: Some(id),
            limit: Some(50),
            ..AuditQuery::default()
        },
    )
    .await?;
    Ok(audit_rows(dir, v.lang, &rows))
}

async fn unit_page(
    state: &AppState,
    v: &Viewer,
    unit: Unit,
    id: i64,
    done: Option<String>,
    failed: Option<Failed>,
) -> Result<Response, PageError> {
    v.require(&[Role::Admin])?;
    let record = match unit {
        Unit::Department => serde_json::to_value(
            org::departments(state)
                .await?
                .into_iter()
                .find(|d| d.id == id)
                .ok_or_else(PageError::not_found)?,
        ),
        Unit::TaskForce => serde_json::to_value(
            org::task_forces(state)
                .await?
                .into_iter()
                .find(|d| d.id == id)
                .ok_or_else(PageError::not_found)?,
        ),
    }
    .map_err(|e| PageError::internal(&e))?;
    let dir = Directory::load(state).await?;
    Ok(page(
        "admin_unit.html",
        &v.ctx(unit.path()),
        serde_json::json!({
            "kind": unit.kind(),
            "back": unit.path(),
            "x": record,
            "trail": trail(state, v, &dir, unit.kind(), id).await?,
            "done": done,
            "failed": failed,
        }),
    ))
}

/// `GET /admin/departments/{id}`.
pub async fn department(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    Query(q): Query<Done>,
) -> Result<Response, PageError> {
    unit_page(&state, &v, Unit::Department, id, q.done, None).await
}

/// `GET /admin/task-forces/{id}`.
pub async fn task_force(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    Query(q): Query<Done>,
) -> Result<Response, PageError> {
    unit_page(&state, &v, Unit::TaskForce, id, q.done, None).await
}

async fn after_unit(
    state: &AppState,
    v: &Viewer,
    unit: Unit,
    id: i64,
    f: &Fields,
    result: Result<(), AppError>,
) -> Result<Response, PageError> {
    match result {
        Ok(()) => Ok(Redirect::to(&format!("{}/{id}?done=saved", unit.path())).into_response()),
        Err(e) if matches!(e.kind(), ErrorKind::Conflict | ErrorKind::Invalid) => {
            let status = status_of(&e);
            let failed = Failed::of("edit", v.lang, &e, f.input());
            let mut res = unit_page(state, v, unit, id, None, Some(failed)).await?;
            *res.status_mut() = status;
            Ok(res)
        }
        Err(e) => Err(e.into()),
    }
}

/// The `active` choice of a unit form: `on`, `off`, or absent (unchanged).
fn active(f: &Fields) -> Result<Option<bool>, PageError> {
    match f.get("active").as_deref() {
        Some("on") => Ok(Some(true)),
        Some("off") => Ok(Some(false)),
        None => Ok(None),
        _ => Err(PageError::bad_request()),
    }
}

/// `POST /admin/departments/{id}`.
pub async fn edit_department(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    PageForm(f): PageForm<Fields>,
) -> Result<Response, PageError> {
    v.require(&[Role::Admin])?;
    v.check_csrf(&f.csrf)?;
    let patch = DepartmentPatch {
        expected_version: f.version()?,
        name: f.get("name"),
        email: f.fields.contains_key("email").then(|| f.get("email")),
        active: active(&f)?,
    };
    let result = org::edit_department(&state, &v.auth, DepartmentId(id), patch)
        .await
        .map(|_| ());
    after_unit(&state, &v, Unit::Department, id, &f, result).await
}

/// `POST /admin/task-forces/{id}`.
pub async fn edit_task_force(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    PageForm(f): PageForm<Fields>,
) -> Result<Response, PageError> {
    v.require(&[Role::Admin])?;
    v.check_csrf(&f.csrf)?;
    let patch = TaskForcePatch {
        expected_version: f.version()?,
        name: f.get("name"),
        description: f.fields.get("description").cloned(),
        active: active(&f)?,
    };
    let result = org::edit_task_force(&state, &v.auth, TaskForceId(id), patch)
        .await
        .map(|_| ());
    after_unit(&state, &v, Unit::TaskForce, id, &f, result).await
}

async fn grid_page(
    state: &AppState,
    v: &Viewer,
    id: i64,
    done: Option<String>,
    failed: Option<Failed>,
) -> Result<Response, PageError> {
    v.require(&[Role::Admin])?;
    let grid = org::grid(state, GridId(id)).await?;
    let (seats, team) = org::grid_history(state, GridId(id)).await?;
    let dir = Directory::load(state).await?;
    let holder = |seat: &str, id: i64| {
        if seat == "task_force" {
            dir.task_force(Some(id))
        } else {
            dir.user(Some(id))
        }
    };
    let by_role = |r: Role| -> Vec<(i64, String)> {
        dir.users
            .iter()
            .filter(|u| u.active && u.role == r.as_str())
            .map(|u| (u.id, u.display_name.clone()))
            .collect()
    };
    Ok(page(
        "admin_grid.html",
        &v.ctx("/admin/grids"),
        serde_json::json!({
            "g": grid,
            "team": team,
            "seats": seats.iter().map(|s| serde_json::json!({
                "seat": s.seat, "holder": holder(&s.seat, s.holder_id),
                "from": local(s.from), "to": s.to.map(local),
            })).collect::<Vec<_>>(),
            "leaders": by_role(Role::Leader),
            "dispatchers": by_role(Role::Dispatcher),
            "liaisons": by_role(Role::Liaison),
            "people": dir.users.iter().filter(|u| u.active).map(|u| (u.id, u.display_name.clone())).collect::<Vec<_>>(),
            "task_forces": dir.task_forces,
            "trail": trail(state, v, &dir, "grid", id).await?,
            "done": done,
            "failed": failed,
        }),
    ))
}

/// `GET /admin/grids/{id}`.
pub async fn grid(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    Query(q): Query<Done>,
) -> Result<Response, PageError> {
    grid_page(&state, &v, id, q.done, None).await
}

/// `POST /admin/grids/{id}`: the five-ones and the team.
pub async fn edit_grid(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    PageForm(f): PageForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    v.require(&[Role::Admin])?;
    let mut members = Vec::new();
    let mut single = BTreeMap::new();
    for (k, val) in f {
        if k == "team_member_ids" {
            members.push(val.parse::<i64>().map_err(|_| PageError::bad_request())?);
        } else {
            single.insert(k, val);
        }
    }
    let f = Fields::from_map(single);
    v.check_csrf(&f.csrf)?;
    let patch = GridPatch {
        expected_version: f.version()?,
        name: f.get("name"),
        linked_leader_id: f.id("linked_leader_id")?,
        head_id: f.id("head_id")?,
        task_force_id: f.id("task_force_id")?,
        liaison_id: f.id("liaison_id")?,
        team: f.get("team"),
        team_member_ids: Some(members),
    };
    match org::edit_grid(&state, &v.auth, GridId(id), patch).await {
        Ok(_) => Ok(Redirect::to(&format!("/admin/grids/{id}?done=saved")).into_response()),
        Err(e) if matches!(e.kind(), ErrorKind::Conflict | ErrorKind::Invalid) => {
            let status = status_of(&e);
            let failed = Failed::of("edit", v.lang, &e, f.input());
            let mut res = grid_page(&state, &v, id, None, Some(failed)).await?;
            *res.status_mut() = status;
            Ok(res)
        }
        Err(e) => Err(e.into()),
    }
}
