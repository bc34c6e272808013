//! What someone asks of a ticket, with the facts the rules need.

use chrono::{DateTime, Utc};

use super::ReturnReason;
use crate::calendar::WorkCalendar;
use crate::ids::{DepartmentId, GridId, TaskForceId, TicketId};
use crate::kinds::{ActionKind, Satisfaction};
use crate::kinds::{Closure, DissatisfactionCause, FollowUpMethod, PauseCode};
use crate::org::UserFacts;
use crate::sla::SlaTargets;
use crate::text::Remark;

/// What the dispatcher chose, with the facts about the chosen people that the rules check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DispatchOrder {
    pub leader: UserFacts,
    pub department_id: DepartmentId,
    pub person: UserFacts,
    pub tracker: Option<UserFacts>,
    /// Co-handling departments (协办) named with the dispatch.
    pub co_department_ids: Vec<DepartmentId>,
}

/// A follow-up call (回访) as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowUpCall {
    pub method: FollowUpMethod,
    /// Whom at the enterprise.
    pub contact: Remark,
    pub satisfaction: Satisfaction,
    /// Required when unsatisfied.
    pub cause: Option<DissatisfactionCause>,
    pub feedback: Option<Remark>,
    /// Whether objective dissatisfaction closes the ticket as explained (解释办结) rather
    /// than reopening it (config `sla.follow_up_objective_closes`).
    pub objective_closes: bool,
}

/// The ticket another is marked a duplicate of, with the facts the rules check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateTarget {
    pub id: TicketId,
    pub number: String,
    pub grid_id: GridId,
    pub closure: Option<Closure>,
}

/// A request to change a ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Dispatch(DispatchOrder),
    Accept,
    /// 退回: after `arbitration_after` returns (0: never) it goes to arbitration instead.
    Return {
        reason: ReturnReason,
        arbitration_after: u32,
    },
    /// 强制派单 (arbitration).
    ForceDispatch(DispatchOrder),
    /// 非本区事项 (arbitration).
    CloseOutOfScope(Remark),
    /// 回访: the tracker or the service centre calls the enterprise after resolution.
    FollowUp(FollowUpCall),
    Escalate {
        task_force_id: TaskForceId,
        co_department_ids: Vec<DepartmentId>,
        note: Option<Remark>,
    },
    AddCoDepartments(Vec<DepartmentId>),
    RequestExtension {
        days: u32,
        reason: Remark,
    },
    DecideExtension {
        approve: bool,
        note: Option<Remark>,
    },
    /// 办结: what was done, and why, if co-handling opinions are still awaited.
    Resolve {
        resolution: Remark,
        unanswered_reason: Option<Remark>,
    },
    /// 协办意见: a co-handling department's opinion.
    CoReply(Remark),
    Report {
        satisfaction: Satisfaction,
        feedback: Option<Remark>,
    },
    Urge(Option<Remark>),
    Supervise(Option<Remark>),
    Comment(Remark),
    /// A new responsible person (an officer of the responsible department), a new tracker,
    /// or both, with the reason (改派).
    Reassign {
        person: Option<UserFacts>,
        tracker: Option<UserFacts>,
        reason: Remark,
    },
    /// 申请挂起: the department waits for the enterprise or a third party.
    RequestPause {
        code: PauseCode,
        text: Option<Remark>,
        resume_on: chrono::NaiveDate,
    },
    /// 审批挂起.
    DecidePause {
        approve: bool,
        note: Option<Remark>,
    },
    /// 恢复办理.
    Resume(Option<Remark>),
    /// 重复件: closes the ticket as a duplicate of another.
    MarkDuplicate {
        of: DuplicateTarget,
        note: Option<Remark>,
    },
    /// 撤回: the enterprise no longer asks.
    Withdraw(Remark),
    /// 无效件: not a problem the zone takes up.
    MarkInvalid(Remark),
}

impl Command {
    /// The action this command asks for.
    pub fn action(&self) -> ActionKind {
        match self {
            Command::Dispatch(_) => ActionKind::Dispatch,
            Command::Accept => ActionKind::Accept,
            Command::Return { .. } => ActionKind::Return,
            Command::ForceDispatch(_) => ActionKind::ForceDispatch,
            Command::FollowUp(_) => ActionKind::FollowUp,
            Command::CloseOutOfScope(_) => ActionKind::CloseOutOfScope,
            Command::Escalate { .. } => ActionKind::Escalate,
            Command::AddCoDepartments(_) => ActionKind::AddCoDepartments,
            Command::RequestExtension { .. } => ActionKind::RequestExtension,
            Command::DecideExtension { .. } => ActionKind::DecideExtension,
            Command::Resolve { .. } => ActionKind::Resolve,
            Command::CoReply(_) => ActionKind::CoReply,
            Command::Report { .. } => ActionKind::Report,
            Command::Urge(_) => ActionKind::Urge,
            Command::Supervise(_) => ActionKind::Supervise,
            Command::Comment(_) => ActionKind::Comment,
            Command::Reassign { .. } => ActionKind::Reassign,
            Command::MarkDuplicate { .. } => ActionKind::MarkDuplicate,
            Command::RequestPause { .. } => ActionKind::RequestPause,
            Command::DecidePause { .. } => ActionKind::DecidePause,
            Command::Resume(_) => ActionKind::Resume,
            Command::Withdraw(_) => ActionKind::Withdraw,
            Command::MarkInvalid(_) => ActionKind::MarkInvalid,
        }
    }
}

/// The furthest ahead a pause may expect to resume, in calendar days.
pub const MAX_PAUSE_DAYS: i64 = 90;

/// The longest extension one request may ask for, in working days.
pub const MAX_EXTENSION_DAYS: u32 = 60;

/// What a decision needs besides the ticket, the actor and the command.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    pub now: DateTime<Utc>,
    pub calendar: &'a WorkCalendar,
    /// The targets for this ticket's category and priority.
    pub sla: SlaTargets,
    /// The version the caller last read.
    pub expected_version: i64,
}
