//! The transitions of handling as a 12345 centre runs it (issue 13): duplicates, pause and
//! follow-up calls. [`super::decide`] dispatches to these as to the loop's own steps.

use super::decide::{Emit, text};
use super::{Context, DuplicateTarget, Event, EventKind, MAX_PAUSE_DAYS, Ticket};
use crate::error::DomainError;
use crate::kinds::{PauseCode, Satisfaction, Status};
use crate::org::Actor;
use crate::text::Remark;

/// 申请挂起: one request at a time, before the deadline has passed (a clock that has run out
/// is not stopped), expecting to resume on a day from today to [`MAX_PAUSE_DAYS`] ahead;
/// `other` needs a text.
pub(super) fn request_pause(
    ticket: &Ticket,
    emit: &Emit,
    code: PauseCode,
    text: Option<&Remark>,
    resume_on: chrono::NaiveDate,
    ctx: &Context<'_>,
) -> Result<Vec<Event>, DomainError> {
    if ticket.pending_pause.is_some() {
        return Err(DomainError::invalid(
            "reason",
            "pause_pending",
            "a pause request is already waiting for a decision / 已有待审批的挂起申请",
        ));
    }
    if code == PauseCode::Other && text.is_none() {
        return Err(DomainError::invalid(
            "reason_text",
            "required",
            "a pause for another reason needs an explanation / 选择“其他”时须填写原因",
        ));
    }
    if ticket.resolution_due_at.is_some_and(|due| due <= ctx.now) {
        return Err(DomainError::invalid(
            "reason",
            "overdue",
            "the resolution deadline has passed; a clock that has run out is not paused / 已超过办结期限，不能挂起",
        ));
    }
    let today = ctx.now.with_timezone(&crate::calendar::ZONE).date_naive();
    if resume_on < today || resume_on > today + chrono::Duration::days(MAX_PAUSE_DAYS) {
        return Err(DomainError::invalid(
            "resume_on",
            "out_of_range",
            format!(
                "the expected resume date is from today to {MAX_PAUSE_DAYS} days ahead / 预计恢复日期须在今天至 {MAX_PAUSE_DAYS} 天内"
            ),
        ));
    }
    Ok(emit.same(EventKind::PauseRequested {
        code,
        text: text.map(|t| t.as_str().to_owned()),
        resume_on,
    }))
}

/// 审批挂起: approved, the resolution clock stops with the working time it has left.
pub(super) fn decide_pause(
    ticket: &Ticket,
    emit: &Emit,
    approve: bool,
    note: Option<&Remark>,
    ctx: &Context<'_>,
) -> Result<Vec<Event>, DomainError> {
    if ticket.pending_pause.is_none() {
        return Err(DomainError::invalid(
            "approve",
            "no_pending_pause",
            "there is no pause request to decide / 没有待审批的挂起申请",
        ));
    }
    let remaining = match (approve, ticket.resolution_due_at) {
        (true, Some(due)) if due <= ctx.now => {
            return Err(DomainError::invalid(
                "approve",
                "overdue",
                "the resolution deadline has passed since the request; refuse it / 申请后已超过办结期限，请不予批准",
            ));
        }
        (true, Some(due)) => Some(ctx.calendar.working_time_between(ctx.now, due)),
        (true, None) => Some(chrono::Duration::zero()),
        (false, _) => None,
    };
    let kind = EventKind::PauseDecided {
        approved: approve,
        note: text(note),
        remaining_secs: remaining.map(|r| r.num_seconds()),
    };
    Ok(if approve {
        emit.to(kind, Status::Paused)
    } else {
        emit.same(kind)
    })
}

/// 恢复办理: back to where it was, the resolution deadline set from now by the working time
/// the clock had left.
pub(super) fn resume(
    ticket: &Ticket,
    emit: &Emit,
    note: Option<&Remark>,
    ctx: &Context<'_>,
) -> Result<Vec<Event>, DomainError> {
    let pause = ticket.pause.as_ref().ok_or_else(|| {
        DomainError::invalid(
            "ticket",
            "not_paused",
            "the ticket is not paused / 工单未挂起",
        )
    })?;
    let left = chrono::Duration::seconds(pause.remaining_secs);
    Ok(emit.to(
        EventKind::Resumed {
            resolution_due_at: ctx.calendar.add_working_time(ctx.now, left),
            paused_secs: ctx
                .calendar
                .working_time_between(pause.paused_at, ctx.now)
                .num_seconds(),
            note: text(note),
        },
        pause.from,
    ))
}

/// 重复件: closes the ticket as a duplicate of another that carries the problem: not itself,
/// not one that ended without the loop itself, and of the same grid unless the dispatcher
/// is the service centre's (zone-wide).
pub(super) fn mark_duplicate(
    ticket: &Ticket,
    actor: &Actor,
    emit: &Emit,
    of: &DuplicateTarget,
    note: Option<&Remark>,
) -> Result<Vec<Event>, DomainError> {
    if of.id == ticket.id {
        return Err(DomainError::invalid(
            "duplicate_of",
            "same_ticket",
            "a ticket is not a duplicate of itself / 不能标记为自身的重复件",
        ));
    }
    if of.closure.is_some() {
        return Err(DomainError::invalid(
            "duplicate_of",
            "not_an_original",
            "that ticket ended without being handled; name the one that carries the problem / 该工单已作为重复、撤回或无效件关闭，请选择实际办理的工单",
        ));
    }
    if of.grid_id != ticket.grid_id && !actor.user.service_centre {
        return Err(DomainError::invalid(
            "duplicate_of",
            "other_grid",
            "only the service centre marks duplicates across grids / 跨网格的重复件由服务中心标记",
        ));
    }
    Ok(emit.to(
        EventKind::MarkedDuplicate {
            of: of.id,
            number: of.number.clone(),
            note: text(note),
        },
        Status::Closed,
    ))
}

/// 回访: the enterprise's verdict by call. Unsatisfied needs a cause; only a subjective one
/// (or an objective one when `objective_closes` is off) reopens the ticket; otherwise it
/// closes, an unsatisfied verdict with an objective cause as explained (解释办结).
pub(super) fn follow_up(
    ticket: &Ticket,
    emit: &Emit,
    call: &super::command::FollowUpCall,
    ctx: &Context<'_>,
) -> Result<Vec<Event>, DomainError> {
    use crate::kinds::DissatisfactionCause as Cause;
    let unsatisfied = call.satisfaction == Satisfaction::Unsatisfied;
    if unsatisfied && call.cause.is_none() {
        return Err(DomainError::invalid(
            "cause",
            "required",
            "an unsatisfied verdict needs its cause: subjective or objective / 不满意须判定原因（主观或客观）",
        ));
    }
    let reopen = unsatisfied && (call.cause == Some(Cause::Subjective) || !call.objective_closes);
    let mut out = emit.to(
        EventKind::FollowedUp {
            method: call.method,
            contact: call.contact.as_str().to_owned(),
            satisfaction: call.satisfaction,
            cause: call.cause.filter(|_| unsatisfied),
            feedback: text(call.feedback.as_ref()),
            explained: unsatisfied && !reopen,
        },
        Status::Reported,
    );
    let (follow, to) = if reopen {
        (
            EventKind::Reopened {
                reopen_count: ticket.reopen_count + 1,
                resolution_due_at: ctx
                    .calendar
                    .resolution_due(emit.at, ctx.sla.resolution_days),
            },
            Status::Accepted,
        )
    } else {
        (EventKind::Closed, Status::Closed)
    };
    out.push(emit.event(follow, Status::Reported, to));
    Ok(out)
}
