//! What happened to a ticket: the events commands produce and the history keeps.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{ReturnReason, ThreeOnes};
use crate::ids::{DepartmentId, TaskForceId, TicketId, UserId};
use crate::kinds::{
    ActionKind, DissatisfactionCause, FollowUpMethod, PauseCode, Satisfaction, Status,
};

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
        /// Co-handling departments named with it (协办), and by when they reply.
        #[serde(skip_serializing_if = "Vec::is_empty", default)]
        co_department_ids: Vec<DepartmentId>,
        #[serde(skip_serializing_if = "Option::is_none", default)]
        co_reply_due_at: Option<DateTime<Utc>>,
    },
    #[serde(rename = "accept")]
    Accepted { resolution_due_at: DateTime<Utc> },
    #[serde(rename = "return")]
    Returned {
        reason: ReturnReason,
        /// The three-ones the ticket had, so the return counts against routing.
        previous: ThreeOnes,
        /// The new dispatch deadline (派单时限), running from the return.
        #[serde(skip_serializing_if = "Option::is_none", default)]
        dispatch_due_at: Option<DateTime<Utc>>,
    },
    #[serde(rename = "escalate")]
    Escalated {
        task_force_id: TaskForceId,
        co_department_ids: Vec<DepartmentId>,
        #[serde(skip_serializing_if = "Option::is_none", default)]
        co_reply_due_at: Option<DateTime<Utc>>,
        #[serde(skip_serializing_if = "Option::is_none", default)]
        note: Option<String>,
    },
    #[serde(rename = "add_co_departments")]
    CoDepartmentsAdded {
        department_ids: Vec<DepartmentId>,
        #[serde(skip_serializing_if = "Option::is_none", default)]
        co_reply_due_at: Option<DateTime<Utc>>,
    },
    /// A co-handling department's opinion (协办意见).
    #[serde(rename = "co_reply")]
    CoReplied {
        department_id: DepartmentId,
        opinion: String,
    },
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
    Resolved {
        resolution: String,
        /// Why it was resolved while co-handling opinions were still awaited.
        #[serde(skip_serializing_if = "Option::is_none", default)]
        unanswered_reason: Option<String>,
    },
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
    #[serde(rename = "reassign")]
    Reassigned {
        #[serde(skip_serializing_if = "Option::is_none", default)]
        responsible_person: Option<Handover>,
        #[serde(skip_serializing_if = "Option::is_none", default)]
        tracker: Option<Handover>,
        reason: String,
    },
    /// 强制派单: arbitration confirms the three-ones; the department may not return it.
    #[serde(rename = "force_dispatch")]
    ForceDispatched {
        three_ones: ThreeOnes,
        #[serde(skip_serializing_if = "Option::is_none", default)]
        tracker_id: Option<UserId>,
        response_due_at: DateTime<Utc>,
        /// Co-handling departments named with it (协办), and by when they reply.
        #[serde(skip_serializing_if = "Vec::is_empty", default)]
        co_department_ids: Vec<DepartmentId>,
        #[serde(skip_serializing_if = "Option::is_none", default)]
        co_reply_due_at: Option<DateTime<Utc>>,
    },
    /// Arbitration closes it as not the zone's business (非本区事项).
    #[serde(rename = "close_out_of_scope")]
    ClosedOutOfScope { reason: String },
    /// 回访: the enterprise's verdict by the tracker's or the service centre's call; then
    /// closed or reopened, like a report. The verdict that counts is the first recorded.
    #[serde(rename = "follow_up")]
    FollowedUp {
        method: FollowUpMethod,
        contact: String,
        satisfaction: Satisfaction,
        #[serde(skip_serializing_if = "Option::is_none", default)]
        cause: Option<DissatisfactionCause>,
        #[serde(skip_serializing_if = "Option::is_none", default)]
        feedback: Option<String>,
        /// Closed although unsatisfied: the cause was objective (解释办结).
        #[serde(default)]
        explained: bool,
    },
    /// The responsible department asks to pause (申请挂起).
    #[serde(rename = "request_pause")]
    PauseRequested {
        code: PauseCode,
        #[serde(skip_serializing_if = "Option::is_none", default)]
        text: Option<String>,
        resume_on: chrono::NaiveDate,
    },
    /// The accountable leader or the dispatcher decides (审批挂起); approved, the clock stops
    /// with `remaining_secs` of working time left.
    #[serde(rename = "decide_pause")]
    PauseDecided {
        approved: bool,
        #[serde(skip_serializing_if = "Option::is_none", default)]
        note: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none", default)]
        remaining_secs: Option<i64>,
    },
    /// The clock runs again (恢复办理) with what it had left.
    #[serde(rename = "resume")]
    Resumed {
        resolution_due_at: DateTime<Utc>,
        /// Working time the ticket spent paused.
        paused_secs: i64,
        #[serde(skip_serializing_if = "Option::is_none", default)]
        note: Option<String>,
    },
    /// Closed as a duplicate of another ticket (重复件).
    #[serde(rename = "mark_duplicate")]
    MarkedDuplicate {
        of: TicketId,
        /// The other ticket's number, as it was shown.
        number: String,
        #[serde(skip_serializing_if = "Option::is_none", default)]
        note: Option<String>,
    },
    /// Withdrawn at the enterprise's request (撤回).
    #[serde(rename = "withdraw")]
    Withdrawn { reason: String },
    /// Closed as invalid (无效件).
    #[serde(rename = "mark_invalid")]
    MarkedInvalid { reason: String },
}

/// Who held a post of a ticket, and who holds it now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Handover {
    pub from: Option<UserId>,
    pub to: UserId,
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
            EventKind::CoReplied { .. } => ActionKind::CoReply,
            EventKind::ExtensionRequested { .. } => ActionKind::RequestExtension,
            EventKind::ExtensionDecided { .. } => ActionKind::DecideExtension,
            EventKind::Resolved { .. } => ActionKind::Resolve,
            EventKind::Reported { .. } => ActionKind::Report,
            EventKind::Closed => ActionKind::Close,
            EventKind::Reopened { .. } => ActionKind::Reopen,
            EventKind::Urged { .. } => ActionKind::Urge,
            EventKind::Supervised { .. } => ActionKind::Supervise,
            EventKind::Commented { .. } => ActionKind::Comment,
            EventKind::Reassigned { .. } => ActionKind::Reassign,
            EventKind::MarkedDuplicate { .. } => ActionKind::MarkDuplicate,
            EventKind::PauseRequested { .. } => ActionKind::RequestPause,
            EventKind::ForceDispatched { .. } => ActionKind::ForceDispatch,
            EventKind::FollowedUp { .. } => ActionKind::FollowUp,
            EventKind::ClosedOutOfScope { .. } => ActionKind::CloseOutOfScope,
            EventKind::PauseDecided { .. } => ActionKind::DecidePause,
            EventKind::Resumed { .. } => ActionKind::Resume,
            EventKind::Withdrawn { .. } => ActionKind::Withdraw,
            EventKind::MarkedInvalid { .. } => ActionKind::MarkInvalid,
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

    /// The co-handling departments this event asks to co-handle.
    pub fn named_co_departments(&self) -> &[DepartmentId] {
        match self {
            EventKind::Dispatched {
                co_department_ids, ..
            }
            | EventKind::ForceDispatched {
                co_department_ids, ..
            }
            | EventKind::Escalated {
                co_department_ids, ..
            } => co_department_ids,
            EventKind::CoDepartmentsAdded { department_ids, .. } => department_ids,
            _ => &[],
        }
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
