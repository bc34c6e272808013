//! Co-handling (主办/协办): the responsible department leads; co-handling departments named
//! at dispatch, at escalation or later each give their opinion (协办意见) by a deadline, and
//! the responsible department does not resolve while one is awaited unless it says why.

use chrono::{DateTime, Utc};

use super::decide::{Emit, text};
use super::{Context, DispatchOrder, Event, EventKind, Ticket, check_dispatch};
use crate::error::DomainError;
use crate::ids::{DepartmentId, TaskForceId};
use crate::kinds::Status;
use crate::org::Actor;
use crate::text::Remark;

/// When co-handlers named now must reply: `co_reply_hours` working hours on.
fn reply_due(ctx: &Context<'_>, at: DateTime<Utc>) -> DateTime<Utc> {
    ctx.calendar.add_working_hours(at, ctx.sla.co_reply_hours)
}

/// The departments of `ids` that are neither responsible nor already co-handling, once each.
fn new_co_departments(
    ticket: &Ticket,
    responsible: Option<DepartmentId>,
    ids: &[DepartmentId],
) -> Vec<DepartmentId> {
    let mut out: Vec<DepartmentId> = Vec::new();
    for d in ids {
        if Some(*d) != responsible && !ticket.is_co_department(*d) && !out.contains(d) {
            out.push(*d);
        }
    }
    out
}

/// 派发 and 强制派单: the three-ones are set, the response clock starts, and any co-handling
/// departments named are asked for their opinion.
pub(super) fn dispatch(
    ticket: &Ticket,
    emit: &Emit,
    order: &DispatchOrder,
    forced: bool,
    ctx: &Context<'_>,
) -> Result<Vec<Event>, DomainError> {
    let three_ones = check_dispatch(order)?;
    let co_department_ids = new_co_departments(
        ticket,
        Some(three_ones.department_id),
        &order.co_department_ids,
    );
    let co_reply_due_at = (!co_department_ids.is_empty()).then(|| reply_due(ctx, emit.at));
    let tracker_id = order.tracker.as_ref().map(|t| t.id);
    let response_due_at = ctx
        .calendar
        .add_working_hours(emit.at, ctx.sla.response_hours);
    let kind = if forced {
        EventKind::ForceDispatched {
            three_ones,
            tracker_id,
            response_due_at,
            co_department_ids,
            co_reply_due_at,
        }
    } else {
        EventKind::Dispatched {
            three_ones,
            tracker_id,
            response_due_at,
            co_department_ids,
            co_reply_due_at,
        }
    };
    Ok(emit.to(kind, Status::Dispatched))
}

/// 提交专班: a task force takes over, with any new co-handling departments.
pub(super) fn escalate(
    ticket: &Ticket,
    emit: &Emit,
    task_force_id: TaskForceId,
    co_department_ids: &[DepartmentId],
    note: Option<&Remark>,
    ctx: &Context<'_>,
) -> Vec<Event> {
    let co_department_ids = new_co_departments(ticket, ticket.department_id, co_department_ids);
    let co_reply_due_at = (!co_department_ids.is_empty()).then(|| reply_due(ctx, emit.at));
    emit.to(
        EventKind::Escalated {
            task_force_id,
            co_department_ids,
            co_reply_due_at,
            note: text(note),
        },
        Status::Escalated,
    )
}

/// 增加协办部门: only departments not already on the ticket.
pub(super) fn add_co_departments(
    ticket: &Ticket,
    emit: &Emit,
    ids: &[DepartmentId],
    ctx: &Context<'_>,
) -> Result<Vec<Event>, DomainError> {
    let department_ids = new_co_departments(ticket, ticket.department_id, ids);
    if department_ids.is_empty() {
        return Err(DomainError::invalid(
            "department_ids",
            "nothing_to_add",
            "every department given already handles this ticket / 所选部门均已在办理该工单",
        ));
    }
    Ok(emit.same(EventKind::CoDepartmentsAdded {
        department_ids,
        co_reply_due_at: Some(reply_due(ctx, emit.at)),
    }))
}

/// The department of `actor` whose opinion the ticket awaits, if any: the one precondition of
/// a co-handling reply besides the permission table.
pub fn awaited_department(ticket: &Ticket, actor: &Actor) -> Option<DepartmentId> {
    let d = actor.user.department_id?;
    ticket
        .outstanding_co_replies()
        .any(|c| c.department_id == d)
        .then_some(d)
}

/// 协办意见: a co-handling department gives its opinion, once.
pub(super) fn co_reply(
    ticket: &Ticket,
    actor: &Actor,
    emit: &Emit,
    opinion: &Remark,
) -> Result<Vec<Event>, DomainError> {
    let department_id = awaited_department(ticket, actor).ok_or_else(|| {
        DomainError::invalid(
            "opinion",
            "already_replied",
            "your department has already given its opinion on this ticket / 本部门已提交协办意见",
        )
    })?;
    Ok(emit.same(EventKind::CoReplied {
        department_id,
        opinion: opinion.as_str().to_owned(),
    }))
}

/// 办结: what was done. While a co-handling department's opinion is awaited, only with the
/// reason the department did not wait.
pub(super) fn resolve(
    ticket: &Ticket,
    emit: &Emit,
    resolution: &Remark,
    unanswered_reason: Option<&Remark>,
) -> Result<Vec<Event>, DomainError> {
    let waiting = ticket.outstanding_co_replies().count();
    if waiting > 0 && unanswered_reason.is_none() {
        return Err(DomainError::invalid(
            "unanswered_reason",
            "co_replies_outstanding",
            format!(
                "{waiting} co-handling department(s) have not given their opinion; wait, or say why you resolve without it / 尚有 {waiting} 个协办部门未回复意见，请等待或说明不等待的原因"
            ),
        ));
    }
    Ok(emit.to(
        EventKind::Resolved {
            resolution: resolution.as_str().to_owned(),
            unanswered_reason: if waiting > 0 {
                text(unanswered_reason)
            } else {
                None
            },
        },
        Status::Resolved,
    ))
}
