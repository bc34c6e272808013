//! Key projects (重点项目) pages: the list with each project's standing (and the create form
//! for the keepers), a project with its milestones as a timeline, the forms to record one
//! reached and to ask to move a planned day, the accountable leader's decision, and the
//! linked tickets with their deadlines.

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use gridline_app::projects::{self, MilestoneInput, ProjectInput, ReachInput, ReplanInput};
use gridline_app::{AppError, AppState, ErrorKind};
use gridline_domain::project::{DEFAULT_MILESTONES, milestone_standing};
use gridline_domain::{DepartmentId, GridId};
use serde::Deserialize;

use crate::i18n::{app_error_text, t};
use crate::pages::PageForm;
use crate::pages::people::Fields;
use crate::render::{PageError, page};
use crate::session::Viewer;
use crate::view::Directory;

/// Counts by grid and by department, named, for the dashboard and the list.
pub(crate) fn summary_rows(
    dir: &Directory,
    grids: &[(GridId, projects::StandingCounts)],
    depts: &[(DepartmentId, projects::StandingCounts)],
) -> serde_json::Value {
    let row = |name: String, c: &projects::StandingCounts| serde_json::json!({"name": name, "on_track": c.on_track, "at_risk": c.at_risk, "late": c.late, "done": c.done});
    serde_json::json!({
        "grids": grids.iter().map(|(g, c)| row(dir.grid(g.0), c)).collect::<Vec<_>>(),
        "departments": depts.iter().map(|(d, c)| row(dir.department(Some(d.0)), c)).collect::<Vec<_>>(),
    })
}

/// The projects a viewer sees with their standing, late first.
pub(crate) async fn rows(
    state: &AppState,
    v: &Viewer,
    dir: &Directory,
) -> Result<Vec<serde_json::Value>, PageError> {
    let list = projects::list(state, &v.auth).await?;
    let names =
        gridline_app::org::enterprise_names(state, list.iter().map(|p| p.enterprise_id.0)).await?;
    let order = |s: &str| match s {
        "late" => 0,
        "at_risk" => 1,
        "on_track" => 2,
        _ => 3,
    };
    let mut out: Vec<_> = list
        .iter()
        .map(|p| {
            let standing = projects::standing(state, p).as_str();
            let next = p.milestones.iter().find(|m| m.reached_on.is_none());
            serde_json::json!({
                "id": p.id,
                "name": p.name,
                "enterprise": names.get(&p.enterprise_id.0),
                "grid": dir.grid(p.grid_id.0),
                "grid_id": p.grid_id.0,
                "department": dir.department(Some(p.three.department_id.0)),
                "investment": p.investment,
                "standing": standing,
                "next": next.map(|m| serde_json::json!({"name": m.name, "planned_on": m.planned_on.to_string()})),
            })
        })
        .collect();
    out.sort_by_key(|r| order(r["standing"].as_str().unwrap_or_default()));
    Ok(out)
}

async fn list_page(
    state: &AppState,
    v: &Viewer,
    input: serde_json::Value,
    errors: BTreeMap<String, String>,
) -> Result<Response, PageError> {
    let dir = Directory::load(state).await?;
    let keeper = projects::may_keep(state, &v.auth).await?;
    let people = if keeper {
        gridline_app::org::people(state, None).await?
    } else {
        vec![]
    };
    let pick = |role: &str| {
        people
            .iter()
            .filter(|p| p.active && p.role == role)
            .map(|p| serde_json::json!({"id": p.id, "name": p.display_name, "department_id": p.department_id}))
            .collect::<Vec<_>>()
    };
    let failed = !errors.is_empty();
    let mut res = page(
        "projects.html",
        &v.ctx("/projects"),
        serde_json::json!({
            "rows": rows(state, v, &dir).await?,
            "keeper": keeper,
            "leaders": pick("leader"),
            "officers": pick("department_officer"),
            "departments": gridline_app::org::departments(state).await?.into_iter().filter(|d| d.active).map(|d| serde_json::json!({"id": d.id, "name": d.name})).collect::<Vec<_>>(),
            "defaults": DEFAULT_MILESTONES,
            "input": input,
            "errors": errors,
        }),
    );
    if failed {
        *res.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

/// `GET /projects`.
pub async fn list(State(state): State<AppState>, v: Viewer) -> Result<Response, PageError> {
    list_page(&state, &v, serde_json::json!({}), BTreeMap::new()).await
}

/// `GET /projects/export`: the list as .xlsx.
pub async fn export(State(state): State<AppState>, v: Viewer) -> Result<Response, PageError> {
    let bytes = projects::export(&state, &v.auth).await?;
    Ok(crate::render::xlsx("key-projects.xlsx", bytes))
}

/// `POST /projects`: creates a project (milestones `m0_name`, `m0_planned_on`, …).
pub async fn create(
    State(state): State<AppState>,
    v: Viewer,
    PageForm(f): PageForm<Fields>,
) -> Result<Response, PageError> {
    v.check_csrf(&f.csrf)?;
    let lang = v.lang;
    let input = serde_json::to_value(f.input()).unwrap_or_default();
    let num = |k: &str| f.get(k).and_then(|x| x.parse::<i64>().ok());
    let mut milestones = Vec::new();
    let mut errors = BTreeMap::new();
    for i in 0..gridline_domain::project::MAX_MILESTONES {
        let (Some(name), Some(on)) = (
            f.get(&format!("m{i}_name")),
            f.get(&format!("m{i}_planned_on")),
        ) else {
            continue;
        };
        match chrono::NaiveDate::parse_from_str(&on, "%Y-%m-%d") {
            Ok(planned_on) => milestones.push(MilestoneInput { name, planned_on }),
            Err(_) => {
                errors.insert("milestones".to_owned(), t(lang, "policy.bad_date"));
            }
        }
    }
    let ids = (
        num("enterprise_id"),
        num("accountable_leader_id"),
        num("department_id"),
        num("responsible_person_id"),
    );
    let (Some(enterprise_id), Some(leader), Some(department), Some(person)) = ids else {
        errors.insert("form".to_owned(), t(lang, "project.fill_all"));
        return list_page(&state, &v, input, errors).await;
    };
    if !errors.is_empty() {
        return list_page(&state, &v, input, errors).await;
    }
    let req = ProjectInput {
        name: f.get("name").unwrap_or_default(),
        enterprise_id,
        investment: num("investment").unwrap_or(0),
        accountable_leader_id: leader,
        department_id: department,
        responsible_person_id: person,
        milestones,
    };
    match projects::create(&state, &v.auth, &req).await {
        Ok(p) => Ok(Redirect::to(&format!("/projects/{}?done=created", p.id)).into_response()),
        Err(e) if e.kind() == ErrorKind::Invalid => {
            errors.insert(
                e.field_name().unwrap_or("form").to_owned(),
                app_error_text(lang, &e),
            );
            list_page(&state, &v, input, errors).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Deserialize)]
pub struct Done {
    done: Option<String>,
}

async fn show_page(
    state: &AppState,
    v: &Viewer,
    id: i64,
    done: Option<String>,
    failed: Option<(i64, String)>,
) -> Result<Response, PageError> {
    let p = projects::get(state, &v.auth, id).await?;
    let dir = Directory::load(state).await?;
    let today = gridline_app::visits::today(state);
    let e = gridline_app::org::enterprise(state, p.enterprise_id).await?;
    let works =
        p.three.responsible_person_id == v.id() || projects::may_keep(state, &v.auth).await?;
    let decides = p.three.accountable_leader_id == v.id();
    let milestones: Vec<_> = p
        .milestones
        .iter()
        .zip(projects::facts(&p))
        .map(|(m, f)| {
            serde_json::json!({
                "id": m.id,
                "name": m.name,
                "planned_on": m.planned_on.to_string(),
                "reached_on": m.reached_on.map(|d| d.to_string()),
                "evidence": m.evidence,
                "standing": milestone_standing(&f, today).as_str(),
                "proposal": m.proposal.as_ref().map(|x| serde_json::json!({"planned_on": x.planned_on.to_string(), "reason": x.reason})),
            })
        })
        .collect();
    let tickets: Vec<_> = projects::tickets(state, &v.auth, &p)
        .await?
        .iter()
        .map(|t| {
            serde_json::json!({
                "id": t.id.0, "number": t.number, "title": t.title, "status": t.status.as_str(),
                "open": t.status.is_open(),
                "due": t.resolution_due_at.or(t.response_due_at).map(|d| d.with_timezone(&gridline_domain::calendar::ZONE).format("%Y-%m-%d %H:%M").to_string()),
            })
        })
        .collect();
    let history: Vec<_> = projects::history(state, &p)
        .await?
        .into_iter()
        .map(|h| {
            serde_json::json!({
                "kind": h.kind,
                "at": h.at.with_timezone(&gridline_domain::calendar::ZONE).format("%Y-%m-%d %H:%M").to_string(),
                "who": dir.user(Some(h.actor_id.0)),
                "milestone": h.milestone_id.and_then(|mid| p.milestones.iter().find(|m| m.id == mid).map(|m| m.name.clone())),
                "payload": h.payload,
            })
        })
        .collect();
    let mut res = page(
        "project.html",
        &v.ctx("/projects"),
        serde_json::json!({
            "p": {
                "id": p.id, "name": p.name, "investment": p.investment,
                "standing": projects::standing(state, &p).as_str(),
                "grid": dir.grid(p.grid_id.0),
                "leader": dir.user(Some(p.three.accountable_leader_id.0)),
                "department": dir.department(Some(p.three.department_id.0)),
                "person": dir.user(Some(p.three.responsible_person_id.0)),
            },
            "enterprise": {"id": e.id, "name": e.name},
            "milestones": milestones,
            "tickets": tickets,
            "history": history,
            "works": works,
            "decides": decides,
            "today": today.to_string(),
            "done": done,
            "failed": failed.as_ref().map(|(m, msg)| serde_json::json!({"milestone": m, "message": msg})),
        }),
    );
    if failed.is_some() {
        *res.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

/// `GET /projects/{id}`.
pub async fn show(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    axum::extract::Query(q): axum::extract::Query<Done>,
) -> Result<Response, PageError> {
    show_page(&state, &v, id, q.done, None).await
}

/// `POST /projects/{id}/milestones/{milestone}/{action}`: `reach`, `replan`, `approve`,
/// `refuse`; and `link` (a ticket; `milestone` 0).
pub async fn act(
    State(state): State<AppState>,
    v: Viewer,
    Path((id, milestone, action)): Path<(i64, i64, String)>,
    PageForm(f): PageForm<Fields>,
) -> Result<Response, PageError> {
    v.check_csrf(&f.csrf)?;
    let date = |k: &str| {
        f.get(k)
            .and_then(|d| chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok())
            .ok_or_else(|| AppError::invalid(k, "format", "请填写有效日期 / enter a valid date"))
    };
    let result: Result<&str, AppError> = async {
        match action.as_str() {
            "reach" => {
                let input = ReachInput {
                    reached_on: date("reached_on")?,
                    evidence: f.get("evidence").unwrap_or_default(),
                };
                projects::reach(&state, &v.auth, id, milestone, &input).await?;
                Ok("reached")
            }
            "replan" => {
                let input = ReplanInput {
                    planned_on: date("planned_on")?,
                    reason: f.get("reason").unwrap_or_default(),
                };
                projects::propose(&state, &v.auth, id, milestone, &input).await?;
                Ok("replan")
            }
            "approve" | "refuse" => {
                projects::decide(&state, &v.auth, id, milestone, action == "approve").await?;
                Ok("decided")
            }
            "link" => {
                let ticket = f
                    .get("ticket_id")
                    .and_then(|x| x.parse().ok())
                    .ok_or_else(|| {
                        AppError::invalid("ticket_id", "format", "工单编号 / a ticket id")
                    })?;
                projects::link(&state, &v.auth, id, ticket).await?;
                Ok("linked")
            }
            _ => Err(AppError::not_found("action")),
        }
    }
    .await;
    match result {
        Ok(done) => Ok(Redirect::to(&format!("/projects/{id}?done={done}")).into_response()),
        Err(e) if matches!(e.kind(), ErrorKind::Invalid | ErrorKind::Conflict) => {
            let msg = app_error_text(v.lang, &e);
            show_page(&state, &v, id, None, Some((milestone, msg))).await
        }
        Err(e) => Err(e.into()),
    }
}
