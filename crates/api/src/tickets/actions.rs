//! `POST /api/v1/tickets/{id}/actions/{action}`: every step of the closed loop.
//!
//! The body always carries `expected_version`; the other fields depend on the action. The
//! handler parses the body into a domain [`Command`] (loading the facts the rules need),
//! then the store runs the rules and writes the result in one transaction.

use axum::extract::State;
use gridline_domain::permission::{Access, access};
use gridline_domain::text::Remark;
use gridline_domain::ticket::{DispatchOrder, ReturnCode, execute};
use gridline_domain::{
    ActionKind, Command, Context, DepartmentId, DomainError, ReturnReason, Satisfaction,
    TaskForceId, Ticket, TicketId, UserId,
};
use gridline_store::tickets::StoredEvent;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{Json, Path};
use crate::state::AppState;
use crate::tickets::dto::{EventDto, TicketDto};
use crate::tickets::get::visible_ticket;

/// The body of an action. Which fields an action takes:
///
/// | action | fields besides `expected_version` |
/// |---|---|
/// | dispatch | `accountable_leader_id`, `department_id`, `responsible_person_id` (the three-ones), optional `tracker_id` |
/// | accept | none |
/// | return | `reason` (wrong_territory, unclear_ownership, overlapping_duties, other), `reason_text` (required for other) |
/// | escalate | `task_force_id`, optional `co_department_ids`, `note` |
/// | add_co_departments | `department_ids` |
/// | request_extension | `days` (working days), `reason` |
/// | decide_extension | `approve`, optional `note` |
/// | resolve | `resolution` |
/// | report | `satisfaction` (satisfied, basically_satisfied, unsatisfied), optional `feedback` |
/// | urge, supervise | optional `note` |
/// | comment | `body` |
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionBody {
    /// The `version` of the ticket as the caller last read it.
    pub expected_version: i64,
    pub accountable_leader_id: Option<i64>,
    pub department_id: Option<i64>,
    pub responsible_person_id: Option<i64>,
    pub tracker_id: Option<i64>,
    #[schema(value_type = Option<String>)]
    pub reason: Option<serde_json::Value>,
    pub reason_text: Option<String>,
    pub task_force_id: Option<i64>,
    pub co_department_ids: Option<Vec<i64>>,
    pub department_ids: Option<Vec<i64>>,
    pub days: Option<u32>,
    pub approve: Option<bool>,
    pub resolution: Option<String>,
    #[schema(value_type = Option<String>)]
    pub satisfaction: Option<Satisfaction>,
    pub feedback: Option<String>,
    pub note: Option<String>,
    pub body: Option<String>,
}

/// The ticket after the action, and the events it recorded.
#[derive(Debug, Serialize, ToSchema)]
pub struct ActionResponse {
    pub ticket: TicketDto,
    pub events: Vec<EventDto>,
}

fn missing(field: &'static str, action: ActionKind) -> ApiError {
    ApiError::invalid(
        field,
        "required",
        format!(
            "{action} needs {field} / “{}”操作需要字段 {field}",
            action.label_zh()
        ),
    )
}

fn req<T>(v: Option<T>, field: &'static str, action: ActionKind) -> ApiResult<T> {
    v.ok_or_else(|| missing(field, action))
}

/// Refuses fields that the action does not take, so a mistaken request is not half-applied.
fn only(body: &ActionBody, action: ActionKind, allowed: &[&str]) -> ApiResult<()> {
    let present = [
        (
            "accountable_leader_id",
            body.accountable_leader_id.is_some(),
        ),
        ("department_id", body.department_id.is_some()),
        (
            "responsible_person_id",
            body.responsible_person_id.is_some(),
        ),
        ("tracker_id", body.tracker_id.is_some()),
        ("reason", body.reason.is_some()),
        ("reason_text", body.reason_text.is_some()),
        ("task_force_id", body.task_force_id.is_some()),
        ("co_department_ids", body.co_department_ids.is_some()),
        ("department_ids", body.department_ids.is_some()),
        ("days", body.days.is_some()),
        ("approve", body.approve.is_some()),
        ("resolution", body.resolution.is_some()),
        ("satisfaction", body.satisfaction.is_some()),
        ("feedback", body.feedback.is_some()),
        ("note", body.note.is_some()),
        ("body", body.body.is_some()),
    ];
    match present
        .iter()
        .find(|(name, set)| *set && !allowed.contains(name))
    {
        Some((name, _)) => Err(ApiError::invalid(
            name,
            "field_not_allowed",
            format!(
                "{action} does not take {name} / “{}”操作不接受字段 {name}",
                action.label_zh()
            ),
        )),
        None => Ok(()),
    }
}

fn remark(v: Option<&str>, field: &'static str) -> ApiResult<Option<Remark>> {
    match v.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => Ok(Some(
            Remark::parse(s).map_err(|e| ApiError::on_field(e, field))?,
        )),
        None => Ok(None),
    }
}

fn required_remark(v: Option<&str>, field: &'static str, action: ActionKind) -> ApiResult<Remark> {
    remark(v, field)?.ok_or_else(|| missing(field, action))
}

fn dept_ids(ids: &[i64]) -> ApiResult<Vec<DepartmentId>> {
    if ids.len() > 50 {
        return Err(ApiError::invalid(
            "department_ids",
            "too_many",
            "at most 50 departments",
        ));
    }
    Ok(ids.iter().map(|d| DepartmentId(*d)).collect())
}

/// Turns the body into a command, loading the facts the rules need.
async fn command(state: &AppState, action: ActionKind, b: &ActionBody) -> ApiResult<Command> {
    use ActionKind as A;
    let store = &state.store;
    Ok(match action {
        A::Dispatch => {
            only(
                b,
                action,
                &[
                    "accountable_leader_id",
                    "department_id",
                    "responsible_person_id",
                    "tracker_id",
                ],
            )?;
            let leader = req(b.accountable_leader_id, "accountable_leader_id", action)?;
            let department = req(b.department_id, "department_id", action)?;
            let person = req(b.responsible_person_id, "responsible_person_id", action)?;
            store
                .check_departments(&[DepartmentId(department)], "department_id")
                .await?;
            let tracker = match b.tracker_id {
                Some(t) => Some(store.user_facts_for(UserId(t), "tracker_id").await?),
                None => None,
            };
            Command::Dispatch(DispatchOrder {
                leader: store
                    .user_facts_for(UserId(leader), "accountable_leader_id")
                    .await?,
                department_id: DepartmentId(department),
                person: store
                    .user_facts_for(UserId(person), "responsible_person_id")
                    .await?,
                tracker,
            })
        }
        A::Accept => {
            only(b, action, &[])?;
            Command::Accept
        }
        A::Return => {
            only(b, action, &["reason", "reason_text"])?;
            let raw = req(b.reason.as_ref(), "reason", action)?;
            let code = raw
                .as_str()
                .and_then(ReturnCode::parse)
                .ok_or_else(|| {
                    ApiError::invalid(
                        "reason",
                        "unknown_reason",
                        "reason is one of wrong_territory, unclear_ownership, overlapping_duties, other / 退回原因不在列表中",
                    )
                })?;
            Command::Return(
                ReturnReason::parse(code, b.reason_text.as_deref())
                    .map_err(|e| ApiError::on_field(e, "reason_text"))?,
            )
        }
        A::Escalate => {
            only(b, action, &["task_force_id", "co_department_ids", "note"])?;
            let tf = TaskForceId(req(b.task_force_id, "task_force_id", action)?);
            store.task_force(tf).await.map_err(|_| {
                ApiError::invalid(
                    "task_force_id",
                    "unknown_task_force",
                    "no such task force / 专班不存在",
                )
            })?;
            let co = dept_ids(b.co_department_ids.as_deref().unwrap_or_default())?;
            store.check_departments(&co, "co_department_ids").await?;
            Command::Escalate {
                task_force_id: tf,
                co_department_ids: co,
                note: remark(b.note.as_deref(), "note")?,
            }
        }
        A::AddCoDepartments => {
            only(b, action, &["department_ids"])?;
            let ids = dept_ids(req(b.department_ids.as_deref(), "department_ids", action)?)?;
            store.check_departments(&ids, "department_ids").await?;
            Command::AddCoDepartments(ids)
        }
        A::RequestExtension => {
            only(b, action, &["days", "reason"])?;
            let reason = match &b.reason {
                Some(serde_json::Value::String(s)) => Some(s.as_str()),
                Some(_) => return Err(ApiError::invalid("reason", "invalid", "reason is text")),
                None => None,
            };
            Command::RequestExtension {
                days: req(b.days, "days", action)?,
                reason: required_remark(reason, "reason", action)?,
            }
        }
        A::DecideExtension => {
            only(b, action, &["approve", "note"])?;
            Command::DecideExtension {
                approve: req(b.approve, "approve", action)?,
                note: remark(b.note.as_deref(), "note")?,
            }
        }
        A::Resolve => {
            only(b, action, &["resolution"])?;
            Command::Resolve(required_remark(
                b.resolution.as_deref(),
                "resolution",
                action,
            )?)
        }
        A::Report => {
            only(b, action, &["satisfaction", "feedback"])?;
            Command::Report {
                satisfaction: req(b.satisfaction, "satisfaction", action)?,
                feedback: remark(b.feedback.as_deref(), "feedback")?,
            }
        }
        A::Urge => {
            only(b, action, &["note"])?;
            Command::Urge(remark(b.note.as_deref(), "note")?)
        }
        A::Supervise => {
            only(b, action, &["note"])?;
            Command::Supervise(remark(b.note.as_deref(), "note")?)
        }
        A::Comment => {
            only(b, action, &["body"])?;
            Command::Comment(required_remark(b.body.as_deref(), "body", action)?)
        }
        A::File | A::Close | A::Reopen => return Err(unknown_action()),
    })
}

fn unknown_action() -> ApiError {
    ApiError::not_found("action")
}

/// Runs one action for the caller: visibility (404), the permission table (403), then the
/// body's values, then the rules and the write in one transaction. The API and the pages
/// both come through here.
pub async fn perform(
    state: &AppState,
    auth: &AuthUser,
    id: i64,
    action: ActionKind,
    body: &ActionBody,
) -> ApiResult<(Ticket, Vec<StoredEvent>)> {
    // Answer 404 before looking at the body, so the body's errors do not leak existence.
    let current = visible_ticket(state, auth, id).await?;
    if access(&auth.actor, action, &current) == Access::Denied {
        return Err(DomainError::Forbidden { action }.into());
    }
    let cmd = command(state, action, body).await?;
    let now = state.now();
    let calendar = state.calendar.clone();
    let sla = state.sla.clone();
    let actor = auth.actor.clone();
    let expected_version = body.expected_version;
    Ok(state
        .store
        .transition(TicketId(id), move |t| {
            let ctx = Context {
                now,
                calendar: &calendar,
                sla: sla.targets(t.category, t.priority),
                expected_version,
            };
            execute(t, &actor, &cmd, &ctx)
        })
        .await?)
}

/// Takes an action on a ticket.
#[utoipa::path(
    post,
    path = "/api/v1/tickets/{id}/actions/{action}",
    tag = "tickets",
    security(("bearer" = [])),
    params(
        ("id" = i64, Path),
        ("action" = String, Path, description = "dispatch | accept | return | escalate | add_co_departments | request_extension | decide_extension | resolve | report | urge | supervise | comment"),
    ),
    request_body = ActionBody,
    responses(
        (status = 200, body = ActionResponse),
        (status = 403, description = "the caller's role may not take this action", body = Problem),
        (status = 404, description = "ticket missing or not visible, or unknown action", body = Problem),
        (status = 409, description = "stale expected_version, or the state does not allow the action", body = Problem),
        (status = 422, body = Problem),
    )
)]
pub async fn take_action(
    State(state): State<AppState>,
    auth: AuthUser,
    Path((id, action)): Path<(i64, String)>,
    Json(body): Json<ActionBody>,
) -> ApiResult<axum::Json<ActionResponse>> {
    let action = ActionKind::parse(&action).ok_or_else(unknown_action)?;
    let now = state.now();
    let (ticket, events) = perform(&state, &auth, id, action, &body).await?;
    Ok(axum::Json(ActionResponse {
        ticket: TicketDto::new(&ticket, now),
        events: events.into_iter().map(Into::into).collect(),
    }))
}
