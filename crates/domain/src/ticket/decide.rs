//! The transition function: which states an action starts from, which actions an actor may
//! take now, and what a command does (one function per action).

use super::cohandling::{add_co_departments, co_reply, dispatch, escalate, resolve};
use super::handling::{decide_pause, follow_up, mark_duplicate, request_pause, resume};
pub use super::routing::check_dispatch;
use super::routing::reassign;
use super::{Command, Context, Event, EventKind, MAX_EXTENSION_DAYS, ReturnReason, Ticket};
use crate::error::DomainError;
use crate::kinds::{ActionKind, Satisfaction, Status};
use crate::org::Actor;
use crate::permission::{Access, access};
use crate::text::Remark;

/// The states from which an action may be taken.
pub fn allowed_from(action: ActionKind) -> &'static [Status] {
    use Status::*;
    match action {
        ActionKind::File => &[],
        ActionKind::Dispatch => &[Submitted],
        ActionKind::Accept | ActionKind::Return => &[Dispatched],
        ActionKind::Escalate => &[Accepted],
        ActionKind::AddCoDepartments => &[Escalated],
        ActionKind::CoReply => &[Dispatched, Accepted, Escalated, Paused],
        ActionKind::RequestExtension | ActionKind::DecideExtension | ActionKind::Resolve => {
            &[Accepted, Escalated]
        }
        ActionKind::Report => &[Resolved],
        ActionKind::Close | ActionKind::Reopen => &[Reported],
        ActionKind::Urge | ActionKind::Supervise => &[Submitted, Dispatched, Accepted, Escalated],
        ActionKind::Reassign => &[Dispatched, Accepted, Escalated, Paused],
        // Duplicates and invalid requests are caught in the queue, before a department has
        // them; the enterprise may withdraw until the ticket is resolved.
        ActionKind::MarkDuplicate | ActionKind::MarkInvalid => &[Submitted],
        ActionKind::Withdraw => &[Submitted, Dispatched, Accepted, Escalated, Paused],
        ActionKind::RequestPause | ActionKind::DecidePause => &[Accepted, Escalated],
        ActionKind::Resume => &[Paused],
        ActionKind::ForceDispatch | ActionKind::CloseOutOfScope => &[Arbitration],
        ActionKind::FollowUp => &[Resolved],
        ActionKind::Comment => &[
            Submitted,
            Arbitration,
            Dispatched,
            Accepted,
            Escalated,
            Paused,
            Resolved,
            Reported,
            Closed,
        ],
    }
}

/// The actions `actor` may take on `ticket` as it is: the permission table, the states each
/// action starts from, and the preconditions [`decide`] checks before it looks at a command's
/// values. The pages show exactly these as buttons; `decide` still has the last word.
pub fn available_actions(ticket: &Ticket, actor: &Actor) -> Vec<ActionKind> {
    use ActionKind as A;
    let mut out: Vec<ActionKind> = A::ALL
        .iter()
        .copied()
        .filter(|a| !matches!(a, A::File | A::Close | A::Reopen))
        .filter(|a| access(actor, *a, ticket) == Access::Allowed)
        .filter(|a| allowed_from(*a).contains(&ticket.status))
        .filter(|a| match a {
            A::RequestExtension => ticket.pending_extension.is_none(),
            A::DecideExtension => ticket.pending_extension.is_some(),
            A::RequestPause => ticket.pending_pause.is_none(),
            A::DecidePause => ticket.pending_pause.is_some(),
            A::CoReply => super::cohandling::awaited_department(ticket, actor).is_some(),
            _ => true,
        })
        .collect();
    // A comment is always possible: offered last, after the steps of the loop.
    out.sort_by_key(|a| *a == A::Comment);
    out
}

/// Decides what a command does to a ticket.
///
/// Checks, in order: the actor sees the ticket (else [`DomainError::NotVisible`]), their role
/// may take the action ([`DomainError::Forbidden`]), the version is current
/// ([`DomainError::StaleVersion`]), the state allows it ([`DomainError::InvalidTransition`]),
/// and the command's values ([`DomainError::Invalid`]).
pub fn decide(
    ticket: &Ticket,
    actor: &Actor,
    command: &Command,
    ctx: &Context<'_>,
) -> Result<Vec<Event>, DomainError> {
    let action = command.action();
    match access(actor, action, ticket) {
        Access::Hidden => return Err(DomainError::NotVisible),
        Access::Denied => return Err(DomainError::Forbidden { action }),
        Access::Allowed => {}
    }
    if ctx.expected_version != ticket.version {
        return Err(DomainError::StaleVersion {
            expected: ctx.expected_version,
            actual: ticket.version,
        });
    }
    if !allowed_from(action).contains(&ticket.status) {
        return Err(DomainError::InvalidTransition {
            action,
            status: ticket.status,
        });
    }
    let emit = Emit {
        actor: actor.id(),
        from: ticket.status,
        at: ctx.now,
    };
    match command {
        Command::Dispatch(order) => dispatch(ticket, &emit, order, false, ctx),
        Command::Accept => Ok(accept(&emit, ctx)),
        Command::Return {
            reason,
            arbitration_after,
        } => return_to_dispatcher(ticket, &emit, reason, *arbitration_after, ctx),
        Command::ForceDispatch(order) => dispatch(ticket, &emit, order, true, ctx),
        Command::FollowUp(call) => follow_up(ticket, &emit, call, ctx),
        Command::CloseOutOfScope(reason) => Ok(emit.to(
            EventKind::ClosedOutOfScope {
                reason: reason.as_str().to_owned(),
            },
            Status::Closed,
        )),
        Command::Escalate {
            task_force_id,
            co_department_ids,
            note,
        } => Ok(escalate(
            ticket,
            &emit,
            *task_force_id,
            co_department_ids,
            note.as_ref(),
            ctx,
        )),
        Command::AddCoDepartments(ids) => add_co_departments(ticket, &emit, ids, ctx),
        Command::CoReply(opinion) => co_reply(ticket, actor, &emit, opinion),
        Command::RequestExtension { days, reason } => {
            request_extension(ticket, &emit, *days, reason)
        }
        Command::DecideExtension { approve, note } => {
            decide_extension(ticket, &emit, *approve, note.as_ref(), ctx)
        }
        Command::Resolve {
            resolution,
            unanswered_reason,
        } => resolve(ticket, &emit, resolution, unanswered_reason.as_ref()),
        Command::Report {
            satisfaction,
            feedback,
        } => Ok(report(ticket, &emit, *satisfaction, feedback.as_ref(), ctx)),
        Command::Urge(note) => Ok(emit.same(EventKind::Urged {
            note: text(note.as_ref()),
        })),
        Command::Supervise(note) => Ok(emit.same(EventKind::Supervised {
            note: text(note.as_ref()),
        })),
        Command::Comment(body) => Ok(emit.same(EventKind::Commented {
            body: body.as_str().to_owned(),
        })),
        Command::Reassign {
            person,
            tracker,
            reason,
        } => reassign(ticket, &emit, person.as_ref(), tracker.as_ref(), reason),
        Command::RequestPause {
            code,
            text,
            resume_on,
        } => request_pause(ticket, &emit, *code, text.as_ref(), *resume_on, ctx),
        Command::DecidePause { approve, note } => {
            decide_pause(ticket, &emit, *approve, note.as_ref(), ctx)
        }
        Command::Resume(note) => resume(ticket, &emit, note.as_ref(), ctx),
        Command::MarkDuplicate { of, note } => {
            mark_duplicate(ticket, actor, &emit, of, note.as_ref())
        }
        Command::Withdraw(reason) => Ok(emit.to(
            EventKind::Withdrawn {
                reason: reason.as_str().to_owned(),
            },
            Status::Closed,
        )),
        Command::MarkInvalid(reason) => Ok(emit.to(
            EventKind::MarkedInvalid {
                reason: reason.as_str().to_owned(),
            },
            Status::Closed,
        )),
    }
}

/// Who acts, from which state, when: what every event of one command shares.
pub(super) struct Emit {
    pub(super) actor: crate::ids::UserId,
    pub(super) from: Status,
    pub(super) at: chrono::DateTime<chrono::Utc>,
}

impl Emit {
    /// One event moving the ticket to `to`.
    pub(super) fn to(&self, kind: EventKind, to: Status) -> Vec<Event> {
        vec![self.event(kind, self.from, to)]
    }

    /// One event that leaves the state as it is.
    pub(super) fn same(&self, kind: EventKind) -> Vec<Event> {
        self.to(kind, self.from)
    }

    pub(super) fn event(&self, kind: EventKind, from: Status, to: Status) -> Event {
        Event {
            kind,
            actor: self.actor,
            from,
            to,
            at: self.at,
        }
    }
}

pub(super) fn text(r: Option<&Remark>) -> Option<String> {
    r.map(|n| n.as_str().to_owned())
}

/// 签收: the response clock stops and the resolution clock starts.
fn accept(emit: &Emit, ctx: &Context<'_>) -> Vec<Event> {
    emit.to(
        EventKind::Accepted {
            resolution_due_at: ctx
                .calendar
                .resolution_due(emit.at, ctx.sla.resolution_days),
        },
        Status::Accepted,
    )
}

/// 退回: back to the dispatcher, keeping the three-ones it had in the event.
fn return_to_dispatcher(
    ticket: &Ticket,
    emit: &Emit,
    reason: &ReturnReason,
    arbitration_after: u32,
    ctx: &Context<'_>,
) -> Result<Vec<Event>, DomainError> {
    let previous = ticket.three_ones().ok_or_else(|| {
        DomainError::invalid("ticket", "no_three_ones", "ticket has no three-ones")
    })?;
    if ticket.forced_department == Some(previous.department_id) {
        return Err(DomainError::invalid(
            "reason",
            "forced",
            "arbitration confirmed this department; it may not return the ticket / 经退单审核强制派单，责任部门不能再退回",
        ));
    }
    // Returned once too often: to the service centre, not back to the queue.
    let arbitrate = arbitration_after > 0
        && ticket.return_count + 1 >= i32::try_from(arbitration_after).unwrap_or(i32::MAX);
    Ok(emit.to(
        EventKind::Returned {
            reason: reason.clone(),
            previous,
            dispatch_due_at: (!arbitrate).then(|| {
                ctx.calendar
                    .add_working_hours(emit.at, ctx.sla.dispatch_hours)
            }),
        },
        if arbitrate {
            Status::Arbitration
        } else {
            Status::Submitted
        },
    ))
}

/// 申请延期: one request at a time, 1 to [`MAX_EXTENSION_DAYS`] working days.
fn request_extension(
    ticket: &Ticket,
    emit: &Emit,
    days: u32,
    reason: &Remark,
) -> Result<Vec<Event>, DomainError> {
    if ticket.pending_extension.is_some() {
        return Err(DomainError::invalid(
            "days",
            "extension_pending",
            "an extension request is already waiting for a decision / 已有待审批的延期申请",
        ));
    }
    if !(1..=MAX_EXTENSION_DAYS).contains(&days) {
        return Err(DomainError::invalid(
            "days",
            "out_of_range",
            format!(
                "between 1 and {MAX_EXTENSION_DAYS} working days / 延期天数须在 1 至 {MAX_EXTENSION_DAYS} 个工作日之间"
            ),
        ));
    }
    Ok(emit.same(EventKind::ExtensionRequested {
        days,
        reason: reason.as_str().to_owned(),
    }))
}

/// 审批延期: an approval moves the resolution deadline by the days asked.
fn decide_extension(
    ticket: &Ticket,
    emit: &Emit,
    approve: bool,
    note: Option<&Remark>,
    ctx: &Context<'_>,
) -> Result<Vec<Event>, DomainError> {
    let pending = ticket.pending_extension.as_ref().ok_or_else(|| {
        DomainError::invalid(
            "approve",
            "no_pending_extension",
            "there is no extension request to decide / 没有待审批的延期申请",
        )
    })?;
    let resolution_due_at = match (approve, ticket.resolution_due_at) {
        (true, Some(due)) => Some(ctx.calendar.extend(due, pending.days)),
        _ => None,
    };
    Ok(emit.same(EventKind::ExtensionDecided {
        approved: approve,
        days: pending.days,
        note: text(note),
        resolution_due_at,
    }))
}

/// 反馈: the enterprise's verdict, then at once either closed (satisfied, basically
/// satisfied) or reopened to the department with a fresh resolution deadline (重办).
fn report(
    ticket: &Ticket,
    emit: &Emit,
    satisfaction: Satisfaction,
    feedback: Option<&Remark>,
    ctx: &Context<'_>,
) -> Vec<Event> {
    let mut out = emit.to(
        EventKind::Reported {
            satisfaction,
            feedback: text(feedback),
        },
        Status::Reported,
    );
    let (follow, to) = if satisfaction == Satisfaction::Unsatisfied {
        let reopened = EventKind::Reopened {
            reopen_count: ticket.reopen_count + 1,
            resolution_due_at: ctx
                .calendar
                .resolution_due(emit.at, ctx.sla.resolution_days),
        };
        (reopened, Status::Accepted)
    } else {
        (EventKind::Closed, Status::Closed)
    };
    out.push(emit.event(follow, Status::Reported, to));
    out
}

/// Decides, applies the events and bumps the version: the ticket as it will be stored.
pub fn execute(
    ticket: &Ticket,
    actor: &Actor,
    command: &Command,
    ctx: &Context<'_>,
) -> Result<(Ticket, Vec<Event>), DomainError> {
    let events = decide(ticket, actor, command, ctx)?;
    let mut next = ticket.clone();
    for e in &events {
        next.apply(e);
    }
    next.version += 1;
    Ok((next, events))
}
