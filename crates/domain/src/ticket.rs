//! Tickets (工单): states, commands, events, and the transition function.
//!
//! [`decide`] is a pure function of (ticket, actor, command, context) that returns the events
//! a command produces, or why it is refused. [`Ticket::apply`] folds an event into the
//! ticket. [`execute`] does both and bumps the version once per command.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::calendar::WorkCalendar;
use crate::error::DomainError;
use crate::ids::{DepartmentId, EnterpriseId, GridId, TaskForceId, TicketId, UserId};
use crate::org::{Actor, Role, UserFacts};
use crate::permission::{Access, access};
use crate::sla::SlaTargets;
use crate::text::{Description, Remark, TicketTitle};

macro_rules! string_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $s:literal / $zh:literal),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vdoc])* $variant),* }

        impl $name {
            /// Every value.
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            /// The stable name used in the API and the database.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $s),* }
            }

            /// The Chinese label shown to users.
            pub fn label_zh(self) -> &'static str {
                match self { $($name::$variant => $zh),* }
            }

            /// Parses [`Self::as_str`]'s output.
            pub fn parse(s: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.as_str() == s)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

string_enum! {
    /// Where a ticket is in the closed loop.
    Status {
        Submitted = "submitted" / "已登记",
        Dispatched = "dispatched" / "已派发",
        Accepted = "accepted" / "已签收",
        Escalated = "escalated" / "专班协调",
        Resolved = "resolved" / "已办结",
        Reported = "reported" / "已反馈",
        Closed = "closed" / "已归档",
    }
}

impl Status {
    /// Still being worked: not yet resolved.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            Status::Submitted | Status::Dispatched | Status::Accepted | Status::Escalated
        )
    }
}

string_enum! {
    /// How urgent a ticket is; the deadlines depend on it.
    Priority {
        Low = "low" / "低",
        Normal = "normal" / "普通",
        High = "high" / "高",
        Urgent = "urgent" / "紧急",
    }
}

string_enum! {
    /// What kind of problem the enterprise has.
    Category {
        Land = "land" / "用地",
        Utilities = "utilities" / "水电气",
        Permits = "permits" / "报批报建",
        Hiring = "hiring" / "用工",
        Finance = "finance" / "融资",
        Policy = "policy" / "政策",
        Other = "other" / "其他",
    }
}

string_enum! {
    /// The enterprise's verdict on the outcome.
    Satisfaction {
        Satisfied = "satisfied" / "满意",
        BasicallySatisfied = "basically_satisfied" / "基本满意",
        Unsatisfied = "unsatisfied" / "不满意",
    }
}

string_enum! {
    /// Every action, including those only the system takes (`close`, `reopen`).
    ActionKind {
        File = "file" / "登记",
        Dispatch = "dispatch" / "派发",
        Accept = "accept" / "签收",
        Return = "return" / "退回",
        Escalate = "escalate" / "提交专班",
        AddCoDepartments = "add_co_departments" / "增加协办部门",
        RequestExtension = "request_extension" / "申请延期",
        DecideExtension = "decide_extension" / "审批延期",
        Resolve = "resolve" / "办结",
        Report = "report" / "反馈",
        Close = "close" / "归档",
        Reopen = "reopen" / "重办",
        Urge = "urge" / "催办",
        Supervise = "supervise" / "督办",
        Comment = "comment" / "评论",
    }
}

string_enum! {
    /// Why a department returns a ticket (退回原因).
    ReturnCode {
        WrongTerritory = "wrong_territory" / "非本辖区",
        UnclearOwnership = "unclear_ownership" / "职责不清",
        OverlappingDuties = "overlapping_duties" / "职责交叉",
        Other = "other" / "其他",
    }
}

/// A return reason: one of the fixed list; `other` needs a text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnReason {
    pub code: ReturnCode,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

impl ReturnReason {
    /// Validates: `other` requires a text; the others take an optional one.
    pub fn parse(code: ReturnCode, text: Option<&str>) -> Result<Self, DomainError> {
        let text = match text {
            Some(t) if !t.trim().is_empty() => Some(Remark::parse(t)?.into_inner()),
            _ => None,
        };
        if code == ReturnCode::Other && text.is_none() {
            return Err(DomainError::invalid(
                "reason_text",
                "required",
                "a return for another reason needs an explanation / 选择“其他”时须填写原因",
            ));
        }
        Ok(Self { code, text })
    }
}

/// The three-ones (三个一): accountable leader, responsible department, responsible person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreeOnes {
    pub accountable_leader_id: UserId,
    pub department_id: DepartmentId,
    pub responsible_person_id: UserId,
}

/// An extension waiting for a leader's decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingExtension {
    pub days: u32,
    pub reason: String,
    pub requested_by: UserId,
    pub requested_at: DateTime<Utc>,
}

/// A ticket's current state: the fold of its events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ticket {
    pub id: TicketId,
    pub number: String,
    pub status: Status,
    pub enterprise_id: EnterpriseId,
    pub grid_id: GridId,
    pub category: Category,
    pub priority: Priority,
    pub title: String,
    pub description: String,
    pub filed_by: UserId,
    pub accountable_leader_id: Option<UserId>,
    pub department_id: Option<DepartmentId>,
    pub responsible_person_id: Option<UserId>,
    pub tracker_id: Option<UserId>,
    pub task_force_id: Option<TaskForceId>,
    pub co_department_ids: Vec<DepartmentId>,
    pub response_due_at: Option<DateTime<Utc>>,
    pub resolution_due_at: Option<DateTime<Utc>>,
    pub dispatched_at: Option<DateTime<Utc>>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub reopen_count: i32,
    pub return_count: i32,
    pub satisfaction: Option<Satisfaction>,
    pub last_return: Option<ReturnReason>,
    pub pending_extension: Option<PendingExtension>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Ticket {
    /// The deadline that is running now: the response deadline until the department signs,
    /// then the resolution deadline until it is resolved; none afterwards.
    pub fn next_due_at(&self) -> Option<DateTime<Utc>> {
        match self.status {
            Status::Dispatched => self.response_due_at,
            Status::Accepted | Status::Escalated => self.resolution_due_at,
            _ => None,
        }
    }

    /// Whether the running deadline has passed.
    pub fn is_overdue(&self, now: DateTime<Utc>) -> bool {
        self.next_due_at().is_some_and(|due| due < now)
    }

    /// The three-ones, if all are set.
    pub fn three_ones(&self) -> Option<ThreeOnes> {
        Some(ThreeOnes {
            accountable_leader_id: self.accountable_leader_id?,
            department_id: self.department_id?,
            responsible_person_id: self.responsible_person_id?,
        })
    }

    /// Folds one event into the ticket.
    pub fn apply(&mut self, event: &Event) {
        self.status = event.to;
        self.updated_at = event.at;
        match &event.kind {
            EventKind::Filed => {}
            EventKind::Dispatched {
                three_ones,
                tracker_id,
                response_due_at,
            } => {
                self.accountable_leader_id = Some(three_ones.accountable_leader_id);
                self.department_id = Some(three_ones.department_id);
                self.responsible_person_id = Some(three_ones.responsible_person_id);
                self.tracker_id = tracker_id.or(self.tracker_id);
                self.response_due_at = Some(*response_due_at);
                self.dispatched_at = Some(event.at);
                self.last_return = None;
            }
            EventKind::Accepted { resolution_due_at } => {
                self.accepted_at = Some(event.at);
                self.resolution_due_at = Some(*resolution_due_at);
            }
            EventKind::Returned { reason, .. } => {
                self.accountable_leader_id = None;
                self.department_id = None;
                self.responsible_person_id = None;
                self.response_due_at = None;
                self.dispatched_at = None;
                self.return_count += 1;
                self.last_return = Some(reason.clone());
            }
            EventKind::Escalated {
                task_force_id,
                co_department_ids,
                ..
            } => {
                self.task_force_id = Some(*task_force_id);
                add_unique(&mut self.co_department_ids, co_department_ids);
            }
            EventKind::CoDepartmentsAdded { department_ids } => {
                add_unique(&mut self.co_department_ids, department_ids);
            }
            EventKind::ExtensionRequested { days, reason } => {
                self.pending_extension = Some(PendingExtension {
                    days: *days,
                    reason: reason.clone(),
                    requested_by: event.actor,
                    requested_at: event.at,
                });
            }
            EventKind::ExtensionDecided {
                resolution_due_at, ..
            } => {
                self.pending_extension = None;
                if let Some(due) = resolution_due_at {
                    self.resolution_due_at = Some(*due);
                }
            }
            EventKind::Resolved { .. } => {
                self.resolved_at = Some(event.at);
                self.pending_extension = None;
            }
            EventKind::Reported { satisfaction, .. } => {
                self.satisfaction = Some(*satisfaction);
            }
            EventKind::Closed => self.closed_at = Some(event.at),
            EventKind::Reopened {
                reopen_count,
                resolution_due_at,
            } => {
                self.reopen_count = *reopen_count;
                self.resolution_due_at = Some(*resolution_due_at);
                self.resolved_at = None;
                self.accepted_at = Some(event.at);
            }
            EventKind::Urged { .. }
            | EventKind::Supervised { .. }
            | EventKind::Commented { .. } => {}
        }
    }
}

fn add_unique(into: &mut Vec<DepartmentId>, more: &[DepartmentId]) {
    for d in more {
        if !into.contains(d) {
            into.push(*d);
        }
    }
}

/// What happened to a ticket. The history is the list of these; nothing is deleted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum EventKind {
    #[serde(rename = "file")]
    Filed,
    #[serde(rename = "dispatch")]
    Dispatched {
        three_ones: ThreeOnes,
        #[serde(skip_serializing_if = "Option::is_none", default)]
        tracker_id: Option<UserId>,
        response_due_at: DateTime<Utc>,
    },
    #[serde(rename = "accept")]
    Accepted { resolution_due_at: DateTime<Utc> },
    #[serde(rename = "return")]
    Returned {
        reason: ReturnReason,
        /// The three-ones the ticket had, so the return counts against routing.
        previous: ThreeOnes,
    },
    #[serde(rename = "escalate")]
    Escalated {
        task_force_id: TaskForceId,
        co_department_ids: Vec<DepartmentId>,
        #[serde(skip_serializing_if = "Option::is_none", default)]
        note: Option<String>,
    },
    #[serde(rename = "add_co_departments")]
    CoDepartmentsAdded { department_ids: Vec<DepartmentId> },
    #[serde(rename = "request_extension")]
    ExtensionRequested { days: u32, reason: String },
    #[serde(rename = "decide_extension")]
    ExtensionDecided {
        approved: bool,
        days: u32,
        #[serde(skip_serializing_if = "Option::is_none", default)]
        note: Option<String>,
        /// The new resolution deadline, when approved.
        #[serde(skip_serializing_if = "Option::is_none", default)]
        resolution_due_at: Option<DateTime<Utc>>,
    },
    #[serde(rename = "resolve")]
    Resolved { resolution: String },
    #[serde(rename = "report")]
    Reported {
        satisfaction: Satisfaction,
        #[serde(skip_serializing_if = "Option::is_none", default)]
        feedback: Option<String>,
    },
    #[serde(rename = "close")]
    Closed,
    #[serde(rename = "reopen")]
    Reopened {
        reopen_count: i32,
        resolution_due_at: DateTime<Utc>,
    },
    #[serde(rename = "urge")]
    Urged { note: Option<String> },
    #[serde(rename = "supervise")]
    Supervised { note: Option<String> },
    #[serde(rename = "comment")]
    Commented { body: String },
}

impl EventKind {
    /// The action this event records.
    pub fn action(&self) -> ActionKind {
        match self {
            EventKind::Filed => ActionKind::File,
            EventKind::Dispatched { .. } => ActionKind::Dispatch,
            EventKind::Accepted { .. } => ActionKind::Accept,
            EventKind::Returned { .. } => ActionKind::Return,
            EventKind::Escalated { .. } => ActionKind::Escalate,
            EventKind::CoDepartmentsAdded { .. } => ActionKind::AddCoDepartments,
            EventKind::ExtensionRequested { .. } => ActionKind::RequestExtension,
            EventKind::ExtensionDecided { .. } => ActionKind::DecideExtension,
            EventKind::Resolved { .. } => ActionKind::Resolve,
            EventKind::Reported { .. } => ActionKind::Report,
            EventKind::Closed => ActionKind::Close,
            EventKind::Reopened { .. } => ActionKind::Reopen,
            EventKind::Urged { .. } => ActionKind::Urge,
            EventKind::Supervised { .. } => ActionKind::Supervise,
            EventKind::Commented { .. } => ActionKind::Comment,
        }
    }

    /// The event's data without the action name, as stored in the history.
    pub fn payload(&self) -> serde_json::Value {
        let mut v = serde_json::to_value(self).unwrap_or(serde_json::Value::Null);
        if let Some(obj) = v.as_object_mut() {
            obj.remove("action");
        }
        v
    }

    /// Rebuilds an event from its action name and payload (the inverse of [`Self::payload`]).
    pub fn from_parts(action: &str, payload: &serde_json::Value) -> Option<EventKind> {
        let mut obj = payload.as_object().cloned().unwrap_or_default();
        obj.insert("action".into(), serde_json::Value::String(action.into()));
        serde_json::from_value(serde_json::Value::Object(obj)).ok()
    }

    /// Whether someone is told of it by mail (an outbox row is written with the event).
    pub fn notifies(&self) -> bool {
        !crate::notice::event_recipients(self.action()).is_empty()
    }
}

/// One entry in a ticket's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub kind: EventKind,
    pub actor: UserId,
    pub from: Status,
    pub to: Status,
    pub at: DateTime<Utc>,
}

/// What the dispatcher chose, with the facts about the chosen people that the rules check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DispatchOrder {
    pub leader: UserFacts,
    pub department_id: DepartmentId,
    pub person: UserFacts,
    pub tracker: Option<UserFacts>,
}

/// A request to change a ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Dispatch(DispatchOrder),
    Accept,
    Return(ReturnReason),
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
    Resolve(Remark),
    Report {
        satisfaction: Satisfaction,
        feedback: Option<Remark>,
    },
    Urge(Option<Remark>),
    Supervise(Option<Remark>),
    Comment(Remark),
}

impl Command {
    /// The action this command asks for.
    pub fn action(&self) -> ActionKind {
        match self {
            Command::Dispatch(_) => ActionKind::Dispatch,
            Command::Accept => ActionKind::Accept,
            Command::Return(_) => ActionKind::Return,
            Command::Escalate { .. } => ActionKind::Escalate,
            Command::AddCoDepartments(_) => ActionKind::AddCoDepartments,
            Command::RequestExtension { .. } => ActionKind::RequestExtension,
            Command::DecideExtension { .. } => ActionKind::DecideExtension,
            Command::Resolve(_) => ActionKind::Resolve,
            Command::Report { .. } => ActionKind::Report,
            Command::Urge(_) => ActionKind::Urge,
            Command::Supervise(_) => ActionKind::Supervise,
            Command::Comment(_) => ActionKind::Comment,
        }
    }
}

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

/// The states from which an action may be taken.
pub fn allowed_from(action: ActionKind) -> &'static [Status] {
    use Status::*;
    match action {
        ActionKind::File => &[],
        ActionKind::Dispatch => &[Submitted],
        ActionKind::Accept | ActionKind::Return => &[Dispatched],
        ActionKind::Escalate => &[Accepted],
        ActionKind::AddCoDepartments => &[Escalated],
        ActionKind::RequestExtension | ActionKind::DecideExtension | ActionKind::Resolve => {
            &[Accepted, Escalated]
        }
        ActionKind::Report => &[Resolved],
        ActionKind::Close | ActionKind::Reopen => &[Reported],
        ActionKind::Urge | ActionKind::Supervise => &[Submitted, Dispatched, Accepted, Escalated],
        ActionKind::Comment => &[
            Submitted, Dispatched, Accepted, Escalated, Resolved, Reported, Closed,
        ],
    }
}

/// The actions `actor` may take on `ticket` as it is: the permission table, the states each
/// action starts from, and the preconditions [`decide`] checks before it looks at a command's
/// values. The pages show exactly these as buttons; `decide` still has the last word.
pub fn available_actions(ticket: &Ticket, actor: &Actor) -> Vec<ActionKind> {
    use ActionKind as A;
    A::ALL
        .iter()
        .copied()
        .filter(|a| !matches!(a, A::File | A::Close | A::Reopen))
        .filter(|a| access(actor, *a, ticket) == Access::Allowed)
        .filter(|a| allowed_from(*a).contains(&ticket.status))
        .filter(|a| match a {
            A::RequestExtension => ticket.pending_extension.is_none(),
            A::DecideExtension => ticket.pending_extension.is_some(),
            _ => true,
        })
        .collect()
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
    let now = ctx.now;
    let event = |kind: EventKind, to: Status| Event {
        kind,
        actor: actor.id(),
        from: ticket.status,
        to,
        at: now,
    };
    let same = ticket.status;
    let events = match command {
        Command::Dispatch(order) => {
            let three_ones = check_dispatch(order)?;
            vec![event(
                EventKind::Dispatched {
                    three_ones,
                    tracker_id: order.tracker.as_ref().map(|t| t.id),
                    response_due_at: ctx.calendar.add_working_hours(now, ctx.sla.response_hours),
                },
                Status::Dispatched,
            )]
        }
        Command::Accept => vec![event(
            EventKind::Accepted {
                resolution_due_at: ctx.calendar.resolution_due(now, ctx.sla.resolution_days),
            },
            Status::Accepted,
        )],
        Command::Return(reason) => {
            let previous = ticket.three_ones().ok_or_else(|| {
                DomainError::invalid("ticket", "no_three_ones", "ticket has no three-ones")
            })?;
            vec![event(
                EventKind::Returned {
                    reason: reason.clone(),
                    previous,
                },
                Status::Submitted,
            )]
        }
        Command::Escalate {
            task_force_id,
            co_department_ids,
            note,
        } => vec![event(
            EventKind::Escalated {
                task_force_id: *task_force_id,
                co_department_ids: new_co_departments(ticket, co_department_ids),
                note: note.as_ref().map(|n| n.as_str().to_owned()),
            },
            Status::Escalated,
        )],
        Command::AddCoDepartments(ids) => {
            let department_ids = new_co_departments(ticket, ids);
            if department_ids.is_empty() {
                return Err(DomainError::invalid(
                    "department_ids",
                    "nothing_to_add",
                    "every department given already handles this ticket / 所选部门均已在办理该工单",
                ));
            }
            vec![event(
                EventKind::CoDepartmentsAdded { department_ids },
                same,
            )]
        }
        Command::RequestExtension { days, reason } => {
            if ticket.pending_extension.is_some() {
                return Err(DomainError::invalid(
                    "days",
                    "extension_pending",
                    "an extension request is already waiting for a decision / 已有待审批的延期申请",
                ));
            }
            if !(1..=MAX_EXTENSION_DAYS).contains(days) {
                return Err(DomainError::invalid(
                    "days",
                    "out_of_range",
                    format!(
                        "between 1 and {MAX_EXTENSION_DAYS} working days / 延期天数须在 1 至 {MAX_EXTENSION_DAYS} 个工作日之间"
                    ),
                ));
            }
            vec![event(
                EventKind::ExtensionRequested {
                    days: *days,
                    reason: reason.as_str().to_owned(),
                },
                same,
            )]
        }
        Command::DecideExtension { approve, note } => {
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
            vec![event(
                EventKind::ExtensionDecided {
                    approved: *approve,
                    days: pending.days,
                    note: note.as_ref().map(|n| n.as_str().to_owned()),
                    resolution_due_at,
                },
                same,
            )]
        }
        Command::Resolve(resolution) => {
            vec![event(
                EventKind::Resolved {
                    resolution: resolution.as_str().to_owned(),
                },
                Status::Resolved,
            )]
        }
        Command::Report {
            satisfaction,
            feedback,
        } => {
            let mut out = vec![event(
                EventKind::Reported {
                    satisfaction: *satisfaction,
                    feedback: feedback.as_ref().map(|f| f.as_str().to_owned()),
                },
                Status::Reported,
            )];
            let follow = if *satisfaction == Satisfaction::Unsatisfied {
                EventKind::Reopened {
                    reopen_count: ticket.reopen_count + 1,
                    resolution_due_at: ctx.calendar.resolution_due(now, ctx.sla.resolution_days),
                }
            } else {
                EventKind::Closed
            };
            let to = match follow {
                EventKind::Closed => Status::Closed,
                _ => Status::Accepted,
            };
            out.push(Event {
                kind: follow,
                actor: actor.id(),
                from: Status::Reported,
                to,
                at: now,
            });
            out
        }
        Command::Urge(note) => vec![event(
            EventKind::Urged {
                note: note.as_ref().map(|n| n.as_str().to_owned()),
            },
            same,
        )],
        Command::Supervise(note) => vec![event(
            EventKind::Supervised {
                note: note.as_ref().map(|n| n.as_str().to_owned()),
            },
            same,
        )],
        Command::Comment(body) => vec![event(
            EventKind::Commented {
                body: body.as_str().to_owned(),
            },
            same,
        )],
    };
    Ok(events)
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

fn new_co_departments(ticket: &Ticket, ids: &[DepartmentId]) -> Vec<DepartmentId> {
    let mut out: Vec<DepartmentId> = Vec::new();
    for d in ids {
        if Some(*d) != ticket.department_id
            && !ticket.co_department_ids.contains(d)
            && !out.contains(d)
        {
            out.push(*d);
        }
    }
    out
}

fn check_dispatch(order: &DispatchOrder) -> Result<ThreeOnes, DomainError> {
    if order.leader.role != Role::Leader {
        return Err(DomainError::invalid(
            "accountable_leader_id",
            "not_a_leader",
            "the accountable leader must be a leader / 班子成员必须是领导",
        ));
    }
    if order.person.role != Role::DepartmentOfficer
        || order.person.department_id != Some(order.department_id)
    {
        return Err(DomainError::invalid(
            "responsible_person_id",
            "not_in_department",
            "the responsible person must be an officer of the responsible department / 负责人员必须是责任部门的经办人",
        ));
    }
    if let Some(t) = &order.tracker
        && t.role != Role::Tracker
    {
        return Err(DomainError::invalid(
            "tracker_id",
            "not_a_tracker",
            "the tracker must be a service tracking commissioner / 跟踪人员必须是服务跟踪专员",
        ));
    }
    Ok(ThreeOnes {
        accountable_leader_id: order.leader.id,
        department_id: order.department_id,
        responsible_person_id: order.person.id,
    })
}

/// A new ticket as filed, before the store gives it an id and a number.
#[derive(Debug, Clone)]
pub struct NewTicket {
    pub enterprise_id: EnterpriseId,
    pub category: Category,
    pub priority: Priority,
    pub title: TicketTitle,
    pub description: Description,
}

/// Decides whether `actor` may file a ticket for an enterprise of `enterprise_grid`, and
/// returns the filing event.
pub fn file(
    actor: &Actor,
    enterprise_grid: GridId,
    now: DateTime<Utc>,
) -> Result<Event, DomainError> {
    if actor.role() != Role::Liaison {
        return Err(DomainError::Forbidden {
            action: ActionKind::File,
        });
    }
    if actor.user.grid_id != Some(enterprise_grid) {
        return Err(DomainError::invalid(
            "enterprise_id",
            "outside_grid",
            "the enterprise is not in your grid / 该企业不在您的网格内",
        ));
    }
    Ok(Event {
        kind: EventKind::Filed,
        actor: actor.id(),
        from: Status::Submitted,
        to: Status::Submitted,
        at: now,
    })
}
