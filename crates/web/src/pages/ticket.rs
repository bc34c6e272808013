//! The ticket page: facts, the three-ones, both deadlines with working days left, the whole
//! history, attachments, and a form for each action the viewer may take now (and none other).

use std::collections::BTreeMap;

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use gridline_app::AppState;
use gridline_app::ErrorKind;
use gridline_app::tickets::{self as app_tickets, ActionFields, download, visible_attachment};
use gridline_domain::attachment::FileKind;
use gridline_domain::ticket::ReturnCode;
use gridline_domain::{ActionKind, EventKind, Satisfaction, Status};
use serde::{Deserialize, Serialize};

use crate::choices::Choices;
use crate::i18n::{Lang, app_error_text, t as tr};
use crate::pages::{PageForm, opt};
use crate::render::{PageError, page, status_of};
use crate::session::Viewer;
use crate::view::{Directory, light_name, local};

#[derive(Debug, Deserialize)]
pub struct Done {
    done: Option<String>,
}

#[derive(Debug, Serialize)]
struct Entry {
    id: i64,
    /// Evidence added to this step.
    files: Vec<serde_json::Value>,
    /// Whether the viewer may add evidence to it now.
    evidence: bool,
    at: String,
    actor: String,
    action: String,
    from: String,
    to: String,
    details: Vec<(String, String)>,
}

fn names(dir: &Directory, ids: &[gridline_domain::DepartmentId]) -> String {
    ids.iter()
        .map(|d| dir.department(Some(d.0)))
        .collect::<Vec<_>>()
        .join("、")
}

/// What an event adds, in the page's language: the application's typed facts, named here.
fn details(lang: Lang, dir: &Directory, kind: &EventKind) -> Vec<(String, String)> {
    use gridline_app::present::{Value, facts};
    let l = |k: &str| tr(lang, k);
    facts(kind)
        .into_iter()
        .map(|(fact, value)| {
            let shown = match value {
                Value::Text(t) => t,
                Value::Person(u) => dir.user(Some(u.0)),
                Value::Department(d) => dir.department(Some(d.0)),
                Value::Departments(ds) => names(dir, &ds),
                Value::TaskForce(t) => dir.task_force(Some(t.0)),
                Value::Time(at) => local(at),
                Value::Number(n) => n.to_string(),
                Value::ReturnCode(c) => l(&format!("return.{}", c.as_str())),
                Value::Satisfaction(s) => l(&format!("satisfaction.{s}")),
                Value::Approval(approved) => l(if approved {
                    "ticket.approved"
                } else {
                    "ticket.refused"
                }),
                Value::PauseCode(c) => l(&format!("pause.{}", c.as_str())),
                Value::Decision { approved, days } => format!(
                    "{} ({days})",
                    l(if approved {
                        "ticket.approved"
                    } else {
                        "ticket.refused"
                    })
                ),
            };
            (l(fact.key()), shown)
        })
        .collect()
}

/// A deadline, with the working days left (negative: overdue) when it is the one running.
fn deadline(
    state: &AppState,
    due: Option<chrono::DateTime<chrono::Utc>>,
    running: bool,
) -> serde_json::Value {
    match due {
        Some(d) => serde_json::json!({
            "at": local(d),
            "running": running,
            "days_left": state.calendar.working_days_between(state.now(), d),
            "overdue_days": -state.calendar.working_days_between(state.now(), d),
            "passed": d < state.now(),
        }),
        None => serde_json::Value::Null,
    }
}

/// What a failed action form shows again.
#[derive(Debug, Default, Serialize)]
pub struct Failed {
    action: String,
    field: String,
    message: String,
    input: BTreeMap<String, String>,
}

fn render(
    state: &AppState,
    v: &Viewer,
    view: app_tickets::TicketView,
    done: Option<&str>,
    failed: Option<Failed>,
) -> Result<Response, PageError> {
    let app_tickets::TicketView {
        ticket,
        actions,
        history: events,
        files,
        enterprise,
        duplicates,
        similar,
        original,
        directory: dir,
    } = view;
    let t = &ticket;
    // The action forms' choices, written once per directory (see `choices`).
    let choices = Choices::of_directory(&dir);
    let lang = v.lang;
    let file_json = |a: &gridline_app::tickets::AttachmentMeta| {
        serde_json::json!({
            "id": a.id,
            "name": a.filename,
            "image": FileKind::is_image(&a.content_type),
            "kb": (a.size + 1023) / 1024,
        })
    };
    let now = state.now();
    let timeline: Vec<Entry> = events
        .iter()
        .map(|e| Entry {
            id: e.id,
            files: files
                .iter()
                .filter(|a| a.event_id == Some(e.id))
                .map(file_json)
                .collect(),
            evidence: ActionKind::parse(&e.action).is_some_and(|a| {
                gridline_domain::attachment::check_evidence(
                    v.auth.actor.id(),
                    e.actor_id,
                    a,
                    e.at,
                    now,
                )
                .is_ok()
            }),
            at: local(e.at),
            actor: dir.user(Some(e.actor_id.0)),
            action: e.action.clone(),
            from: e.from.clone(),
            to: e.to.clone(),
            details: EventKind::from_parts(&e.action, &e.payload)
                .map(|k| details(lang, &dir, &k))
                .unwrap_or_default(),
        })
        .collect();
    let attachments: Vec<_> = files
        .iter()
        .filter(|a| a.event_id.is_none())
        .map(file_json)
        .collect();
    let actions: Vec<&str> = actions.into_iter().map(ActionKind::as_str).collect();
    // Duplicates point here; a dispatcher deciding on one sees what it may duplicate.
    let duplicates: Vec<serde_json::Value> = duplicates
        .iter()
        .map(|d| serde_json::json!({"id": d.id.0, "number": d.number, "title": d.title}))
        .collect();
    let possible: Vec<serde_json::Value> = similar
        .iter()
        .map(crate::pages::file::similar_json)
        .collect();
    let original = original.map(|o| match o.number {
        Some(number) => serde_json::json!({"id": o.id.0, "number": number}),
        None => serde_json::json!({"id": null, "number": format!("#{}", o.id.0)}),
    });
    let ctx = v.ctx("/tickets");
    Ok(page(
        "ticket.html",
        &ctx,
        minijinja::context! {
            tk => serde_json::json!({
                "id": t.id.0,
                "number": t.number,
                "title": t.title,
                "description": t.description,
                "status": t.status.as_str(),
                "category": t.category.as_str(),
                "priority": t.priority.as_str(),
                "grid": dir.grid(t.grid_id.0),
                "leader": dir.user(t.accountable_leader_id.map(|x| x.0)),
                "department": dir.department(t.department_id.map(|x| x.0)),
                "person": dir.user(t.responsible_person_id.map(|x| x.0)),
                "tracker": dir.user(t.tracker_id.map(|x| x.0)),
                "task_force": dir.task_force(t.task_force_id.map(|x| x.0)),
                "co_handlers": t.co_handlers.iter().map(|c| serde_json::json!({
                    "department": dir.department(Some(c.department_id.0)),
                    "due": c.reply_due_at.map(local),
                    "replied": c.replied_at.map(local),
                    "late": c.late_at(state.now()),
                })).collect::<Vec<_>>(),
                "co_waiting": t.outstanding_co_replies().count(),
                "filed_by": dir.user(Some(t.filed_by.0)),
                "created": local(t.created_at),
                "dispatch_due": deadline(state, t.dispatch_due_at, t.status == Status::Submitted),
                "response_due": deadline(state, t.response_due_at, t.status == Status::Dispatched),
                "resolution_due": deadline(state, t.resolution_due_at, matches!(t.status, Status::Accepted | Status::Escalated)),
                "running": t.next_due_at().is_some(),
                "light": gridline_domain::notice::light(t, state.now(), &state.notice).map(light_name),
                "reopen_count": t.reopen_count,
                "return_count": t.return_count,
                "satisfaction": t.satisfaction.map(|s| s.as_str()),
                "last_return": t.last_return.as_ref().map(|r| serde_json::json!({"code": r.code.as_str(), "text": r.text})),
                "pending": t.pending_extension.as_ref().map(|p| serde_json::json!({"days": p.days, "reason": p.reason, "by": dir.user(Some(p.requested_by.0))})),
                "version": t.version,
                "department_id": t.department_id.map(|d| d.0),
                "closure": t.closure.map(|c| c.as_str()),
                "pending_pause": t.pending_pause.as_ref().map(|p| serde_json::json!({"code": p.code.as_str(), "text": p.text, "resume_on": p.resume_on.to_string(), "by": dir.user(Some(p.requested_by.0))})),
                "pause": t.pause.as_ref().map(|p| serde_json::json!({"since": local(p.paused_at), "resume_on": p.resume_on.to_string(), "hours_left": format!("{:.1}", p.remaining_secs as f64 / 3600.0)})),
                "duplicate_of": original,
            }),
            duplicates => duplicates,
            possible_duplicates => possible,
            enterprise => serde_json::json!({"id": enterprise.id, "name": enterprise.name, "credit_code": enterprise.credit_code}),
            timeline => timeline,
            attachments => attachments,
            actions => actions,
            done => done,
            failed => failed,
            choices => minijinja::context! {
                leaders => choices.leaders.clone(),
                officers => choices.officers.clone(),
                trackers => choices.trackers.clone(),
                departments => choices.departments.clone(),
                task_forces => choices.task_forces.clone(),
            },
            officers_here => choices.officers_of(t.department_id.map(|d| d.0)),
            return_codes => ReturnCode::ALL.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
            satisfactions => Satisfaction::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
            follow_up_methods => gridline_domain::ticket::FollowUpMethod::ALL.iter().map(|m| m.as_str()).collect::<Vec<_>>(),
            causes => gridline_domain::ticket::DissatisfactionCause::ALL.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
            pause_codes => gridline_domain::PauseCode::ALL.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
            today => state.now().with_timezone(&gridline_domain::calendar::ZONE).date_naive().to_string(),
        },
    ))
}

/// `GET /tickets/{id}`.
pub async fn show(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    Query(q): Query<Done>,
) -> Result<Response, PageError> {
    let view = app_tickets::view(&state, &v.auth, id).await?;
    let done = opt(&q.done).filter(|d| ActionKind::parse(d).is_some());
    render(&state, &v, view, done, None)
}

/// An action form as posted: the CSRF token, where to go afterwards (the dashboard's buttons
/// come back to the dashboard), and the action's own fields, read as the application's
/// [`ActionFields`] (declared once, there; an empty value is no value).
struct ActionPost {
    csrf: String,
    back: Option<String>,
    fields: ActionFields,
    /// What was typed, to show again if the action is refused.
    input: BTreeMap<String, String>,
}

impl ActionPost {
    fn parse(pairs: Vec<(String, String)>) -> Result<Self, PageError> {
        let (mut csrf, mut back) = (String::new(), None);
        let mut rest = Vec::with_capacity(pairs.len());
        for (k, v) in pairs {
            match k.as_str() {
                "_csrf" => csrf = v,
                "back" => back = Some(v),
                _ => rest.push((k, v)),
            }
        }
        let encoded = serde_html_form::to_string(&rest).map_err(|_| PageError::bad_request())?;
        let fields = serde_html_form::from_str(&encoded).map_err(|e| {
            tracing::debug!(error = %e, "action form refused");
            PageError::bad_request()
        })?;
        Ok(Self {
            csrf,
            back,
            fields,
            input: rest.into_iter().collect(),
        })
    }
}

/// `POST /tickets/{id}/actions/{action}`: the same path as the API's action endpoint, and
/// the same use case.
pub async fn act(
    State(state): State<AppState>,
    v: Viewer,
    Path((id, action)): Path<(i64, String)>,
    PageForm(pairs): PageForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let post = ActionPost::parse(pairs)?;
    v.check_csrf(&post.csrf)?;
    let action = ActionKind::parse(&action).ok_or_else(PageError::not_found)?;
    match app_tickets::act(&state, &v.auth, id, action, &post.fields).await {
        Ok(_) => {
            let back = match opt(&post.back) {
                Some(b) => crate::session::safe_next(Some(b)),
                None => format!("/tickets/{id}?done={action}"),
            };
            Ok(Redirect::to(&back).into_response())
        }
        // Invalid values and stale versions: the page again, with the message by the form
        // and what was typed kept.
        Err(e) if matches!(e.kind(), ErrorKind::Conflict | ErrorKind::Invalid) => {
            let view = app_tickets::view(&state, &v.auth, id).await?;
            let failed = Failed {
                action: action.as_str().to_owned(),
                field: e.field_name().unwrap_or_default().to_owned(),
                message: app_error_text(v.lang, &e),
                input: post.input,
            };
            let mut res = render(&state, &v, view, None, Some(failed))?;
            *res.status_mut() = status_of(&e);
            Ok(res)
        }
        Err(e) => Err(e.into()),
    }
}

/// `GET /tickets/{id}/attachments/{attachment}`: only for those who see the ticket.
pub async fn attachment(
    State(state): State<AppState>,
    v: Viewer,
    Path((id, attachment)): Path<(i64, i64)>,
) -> Result<Response, PageError> {
    let a = visible_attachment(&state, &v.auth, id, attachment).await?;
    Ok(download(a)
        .into_response()
        .map(axum::body::Body::from)
        .into_response())
}
