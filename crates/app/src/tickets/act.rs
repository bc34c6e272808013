//! Acting on a ticket: every step of the closed loop after filing.
//!
//! The fields always carry `expected_version`; the others depend on the action. They are
//! turned into a domain [`Command`] (loading the facts the rules need), then the store runs
//! the rules and writes the result in one transaction.

use gridline_domain::permission::{Access, access};
use gridline_domain::text::Remark;
use gridline_domain::ticket::{
    DispatchOrder, DissatisfactionCause, DuplicateTarget, FollowUpCall, FollowUpMethod, PauseCode,
    ReturnCode, execute,
};
use gridline_domain::{
    ActionKind, Command, Context, DepartmentId, DomainError, ReturnReason, Satisfaction,
    TaskForceId, Ticket, TicketId, UserId,
};
use gridline_store::tickets::StoredEvent;
use serde::Deserialize;

use crate::auth::Caller;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::tickets::read::visible_ticket;

/// The fields of an action, as any door received them (the API's JSON body, a page's form):
/// declared once, here. Which fields an action takes:
///
/// | action | fields besides `expected_version` |
/// |---|---|
/// | dispatch | `accountable_leader_id`, `department_id`, `responsible_person_id` (the three-ones), optional `tracker_id`, optional `co_department_ids` (co-handling departments, 协办) |
/// | accept | none |
/// | return | `reason` (wrong_territory, unclear_ownership, overlapping_duties, other), `reason_text` (required for other) |
/// | escalate | `task_force_id`, optional `co_department_ids`, `note` |
/// | add_co_departments | `department_ids` |
/// | request_extension | `days` (working days), `reason` |
/// | decide_extension | `approve`, optional `note` |
/// | resolve | `resolution`; `unanswered_reason` when a co-handling opinion is still awaited |
/// | co_reply | `opinion` (协办意见: a co-handling department's officer, once per department) |
/// | report | `satisfaction` (satisfied, basically_satisfied, unsatisfied), optional `feedback` |
/// | urge, supervise | optional `note` |
/// | comment | `body` |
/// | reassign | `responsible_person_id` and/or `tracker_id` (who takes over), `reason` |
/// | mark_duplicate | `duplicate_of` (the ticket that carries the problem), optional `note` |
/// | withdraw, mark_invalid | `reason` |
/// | force_dispatch | as dispatch (the service centre's arbitration; the department may not return it) |
/// | close_out_of_scope | `reason` |
/// | follow_up | `method` (phone, visit, sms, wechat), `contact`, `satisfaction`, `cause` (subjective, objective; required when unsatisfied), optional `feedback` |
/// | request_pause | `reason` (waiting_enterprise, waiting_third_party, awaiting_policy, other), `reason_text` (required for other), `resume_on` (YYYY-MM-DD) |
/// | decide_pause | `approve`, optional `note` |
/// | resume | optional `note` |
#[derive(Debug, Default, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = ActionBody))]
#[serde(deny_unknown_fields)]
pub struct ActionFields {
    /// The `version` of the ticket as the caller last read it.
    pub expected_version: i64,
    pub accountable_leader_id: Option<i64>,
    pub department_id: Option<i64>,
    pub responsible_person_id: Option<i64>,
    pub tracker_id: Option<i64>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub reason: Option<serde_json::Value>,
    pub reason_text: Option<String>,
    pub task_force_id: Option<i64>,
    pub co_department_ids: Option<Vec<i64>>,
    pub department_ids: Option<Vec<i64>>,
    pub days: Option<u32>,
    pub approve: Option<bool>,
    pub resolution: Option<String>,
    /// For `resolve` while co-handling opinions are awaited: why not wait for them.
    pub unanswered_reason: Option<String>,
    /// For `co_reply`: the co-handling department's opinion (协办意见).
    pub opinion: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub satisfaction: Option<Satisfaction>,
    pub feedback: Option<String>,
    pub note: Option<String>,
    pub body: Option<String>,
    /// For `mark_duplicate`: the id of the ticket that carries the problem.
    pub duplicate_of: Option<i64>,
    /// For `follow_up`: phone | visit | sms | wechat.
    pub method: Option<String>,
    /// For `follow_up`: whom at the enterprise.
    pub contact: Option<String>,
    /// For `follow_up` when unsatisfied: subjective | objective.
    pub cause: Option<String>,
    /// For `request_pause`: the day the department expects to go on (YYYY-MM-DD).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub resume_on: Option<chrono::NaiveDate>,
}

fn missing(field: &'static str, action: ActionKind) -> AppError {
    AppError::invalid(
        field,
        "required",
        format!(
            "{action} needs {field} / “{}”操作需要字段 {field}",
            action.label_zh()
        ),
    )
}

fn req<T>(v: Option<T>, field: &'static str, action: ActionKind) -> AppResult<T> {
    v.ok_or_else(|| missing(field, action))
}

/// Refuses fields that the action does not take, so a mistaken request is not half-applied.
fn only(body: &ActionFields, action: ActionKind, allowed: &[&str]) -> AppResult<()> {
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
        ("unanswered_reason", body.unanswered_reason.is_some()),
        ("opinion", body.opinion.is_some()),
        ("satisfaction", body.satisfaction.is_some()),
        ("feedback", body.feedback.is_some()),
        ("note", body.note.is_some()),
        ("body", body.body.is_some()),
        ("duplicate_of", body.duplicate_of.is_some()),
        ("resume_on", body.resume_on.is_some()),
        ("method", body.method.is_some()),
        ("contact", body.contact.is_some()),
        ("cause", body.cause.is_some()),
    ];
    match present
        .iter()
        .find(|(name, set)| *set && !allowed.contains(name))
    {
        Some((name, _)) => Err(AppError::invalid(
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

fn remark(v: Option<&str>, field: &'static str) -> AppResult<Option<Remark>> {
    match v.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => Ok(Some(
            Remark::parse(s).map_err(|e| AppError::on_field(e, field))?,
        )),
        None => Ok(None),
    }
}

fn required_remark(v: Option<&str>, field: &'static str, action: ActionKind) -> AppResult<Remark> {
    remark(v, field)?.ok_or_else(|| missing(field, action))
}

fn dept_ids(ids: &[i64]) -> AppResult<Vec<DepartmentId>> {
    if ids.len() > 50 {
        return Err(AppError::invalid(
            "department_ids",
            "too_many",
            "at most 50 departments",
        ));
    }
    Ok(ids.iter().map(|d| DepartmentId(*d)).collect())
}

/// Turns the body into a command, loading the facts the rules need.
async fn command(
    state: &AppState,
    caller: &Caller,
    action: ActionKind,
    b: &ActionFields,
) -> AppResult<Command> {
    use ActionKind as A;
    let store = &state.store;
    Ok(match action {
        A::Dispatch | A::ForceDispatch => {
            only(
                b,
                action,
                &[
                    "accountable_leader_id",
                    "department_id",
                    "responsible_person_id",
                    "tracker_id",
                    "co_department_ids",
                ],
            )?;
            let co = dept_ids(b.co_department_ids.as_deref().unwrap_or_default())?;
            store.check_departments(&co, "co_department_ids").await?;
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
            let order = DispatchOrder {
                leader: store
                    .user_facts_for(UserId(leader), "accountable_leader_id")
                    .await?,
                department_id: DepartmentId(department),
                person: store
                    .user_facts_for(UserId(person), "responsible_person_id")
                    .await?,
                tracker,
                co_department_ids: co,
            };
            if action == A::ForceDispatch {
                Command::ForceDispatch(order)
            } else {
                Command::Dispatch(order)
            }
        }
        A::FollowUp => {
            only(
                b,
                action,
                &["method", "contact", "satisfaction", "cause", "feedback"],
            )?;
            let method = req(b.method.as_deref(), "method", action)?;
            let method = FollowUpMethod::parse(method).ok_or_else(|| {
                AppError::invalid(
                    "method",
                    "unknown_method",
                    "method is one of phone, visit, sms, wechat / 回访方式不在列表中",
                )
            })?;
            let cause = match b.cause.as_deref().filter(|c| !c.is_empty()) {
                Some(c) => Some(DissatisfactionCause::parse(c).ok_or_else(|| {
                    AppError::invalid(
                        "cause",
                        "unknown_cause",
                        "cause is subjective or objective / 不满意原因须为主观或客观",
                    )
                })?),
                None => None,
            };
            Command::FollowUp(FollowUpCall {
                method,
                contact: required_remark(b.contact.as_deref(), "contact", action)?,
                satisfaction: req(b.satisfaction, "satisfaction", action)?,
                cause,
                feedback: remark(b.feedback.as_deref(), "feedback")?,
                objective_closes: state.sla.follow_up_objective_closes,
            })
        }
        A::CloseOutOfScope => {
            only(b, action, &["reason"])?;
            Command::CloseOutOfScope(required_remark(text_reason(b)?, "reason", action)?)
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
                    AppError::invalid(
                        "reason",
                        "unknown_reason",
                        "reason is one of wrong_territory, unclear_ownership, overlapping_duties, other / 退回原因不在列表中",
                    )
                })?;
            Command::Return {
                reason: ReturnReason::parse(code, b.reason_text.as_deref())
                    .map_err(|e| AppError::on_field(e, "reason_text"))?,
                arbitration_after: state.sla.arbitration_after_returns,
            }
        }
        A::Escalate => {
            only(b, action, &["task_force_id", "co_department_ids", "note"])?;
            let tf = TaskForceId(req(b.task_force_id, "task_force_id", action)?);
            let unknown = || {
                AppError::invalid(
                    "task_force_id",
                    "unknown_task_force",
                    "no such active task force / 专班不存在或已停用",
                )
            };
            let row = store.task_force(tf).await.map_err(|e| match e {
                gridline_store::StoreError::NotFound(_) => unknown(),
                other => other.into(),
            })?;
            if !row.active {
                return Err(unknown());
            }
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
            Command::RequestExtension {
                days: req(b.days, "days", action)?,
                reason: required_remark(text_reason(b)?, "reason", action)?,
            }
        }
        A::Reassign => {
            only(
                b,
                action,
                &["responsible_person_id", "tracker_id", "reason"],
            )?;
            if b.responsible_person_id.is_none() && b.tracker_id.is_none() {
                return Err(missing("responsible_person_id", action));
            }
            let facts = |id: Option<i64>, field: &'static str| async move {
                match id {
                    Some(u) => store.user_facts_for(UserId(u), field).await.map(Some),
                    None => Ok(None),
                }
            };
            Command::Reassign {
                person: facts(b.responsible_person_id, "responsible_person_id").await?,
                tracker: facts(b.tracker_id, "tracker_id").await?,
                reason: required_remark(text_reason(b)?, "reason", action)?,
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
            only(b, action, &["resolution", "unanswered_reason"])?;
            Command::Resolve {
                resolution: required_remark(b.resolution.as_deref(), "resolution", action)?,
                unanswered_reason: remark(b.unanswered_reason.as_deref(), "unanswered_reason")?,
            }
        }
        A::CoReply => {
            only(b, action, &["opinion"])?;
            Command::CoReply(required_remark(b.opinion.as_deref(), "opinion", action)?)
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
        A::MarkDuplicate => {
            only(b, action, &["duplicate_of", "note"])?;
            let of = req(b.duplicate_of, "duplicate_of", action)?;
            // The original must be one the dispatcher sees; one they do not is as unknown.
            let original = visible_ticket(state, caller, of).await.map_err(|e| {
                if e.kind() == crate::error::ErrorKind::NotFound {
                    AppError::invalid(
                        "duplicate_of",
                        "unknown_ticket",
                        "no such ticket among those you see / 您可见的工单中没有该工单",
                    )
                } else {
                    e
                }
            })?;
            Command::MarkDuplicate {
                of: DuplicateTarget {
                    id: original.id,
                    number: original.number,
                    grid_id: original.grid_id,
                    closure: original.closure,
                },
                note: remark(b.note.as_deref(), "note")?,
            }
        }
        A::RequestPause => {
            only(b, action, &["reason", "reason_text", "resume_on"])?;
            let raw = req(b.reason.as_ref(), "reason", action)?;
            let code = raw.as_str().and_then(PauseCode::parse).ok_or_else(|| {
                AppError::invalid(
                    "reason",
                    "unknown_reason",
                    "reason is one of waiting_enterprise, waiting_third_party, awaiting_policy, other / 挂起原因不在列表中",
                )
            })?;
            Command::RequestPause {
                code,
                text: remark(b.reason_text.as_deref(), "reason_text")?,
                resume_on: req(b.resume_on, "resume_on", action)?,
            }
        }
        A::DecidePause => {
            only(b, action, &["approve", "note"])?;
            Command::DecidePause {
                approve: req(b.approve, "approve", action)?,
                note: remark(b.note.as_deref(), "note")?,
            }
        }
        A::Resume => {
            only(b, action, &["note"])?;
            Command::Resume(remark(b.note.as_deref(), "note")?)
        }
        A::Withdraw => {
            only(b, action, &["reason"])?;
            Command::Withdraw(required_remark(text_reason(b)?, "reason", action)?)
        }
        A::MarkInvalid => {
            only(b, action, &["reason"])?;
            Command::MarkInvalid(required_remark(text_reason(b)?, "reason", action)?)
        }
        A::File | A::Close | A::Reopen => return Err(unknown_action()),
    })
}

/// `reason` as text (a return's reason is a code; the others' are text).
fn text_reason(b: &ActionFields) -> AppResult<Option<&str>> {
    match &b.reason {
        Some(serde_json::Value::String(s)) => Ok(Some(s.as_str())),
        Some(_) => Err(AppError::invalid("reason", "invalid", "reason is text")),
        None => Ok(None),
    }
}

/// 404 for an action name that is not one (or not one a door may take).
pub fn unknown_action() -> AppError {
    AppError::not_found("action")
}

/// Runs one action for the caller: visibility (404), the permission table (403), then the
/// fields' values, then the rules and the write in one transaction. The API and the pages
/// both come through here.
pub async fn act(
    state: &AppState,
    caller: &Caller,
    id: i64,
    action: ActionKind,
    body: &ActionFields,
) -> AppResult<(Ticket, Vec<StoredEvent>)> {
    // Answer 404 before looking at the body, so the body's errors do not leak existence.
    let current = visible_ticket(state, caller, id).await?;
    if access(&caller.actor, action, &current) == Access::Denied {
        return Err(DomainError::Forbidden { action }.into());
    }
    let cmd = command(state, caller, action, body).await?;
    let now = state.now();
    let calendar = state.calendar.clone();
    let sla = state.sla.clone();
    let actor = caller.actor.clone();
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
