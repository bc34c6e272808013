//! How tickets and their events look on the wire.

use chrono::{DateTime, Utc};
use gridline_app::tickets::StoredEvent;
use gridline_domain::ticket::PendingExtension;
use gridline_domain::{ActionKind, ReturnReason, Ticket};
use serde::Serialize;
use utoipa::ToSchema;

/// A return reason (退回原因).
#[derive(Debug, Serialize, ToSchema)]
pub struct ReturnReasonDto {
    /// wrong_territory | unclear_ownership | overlapping_duties | other
    pub code: String,
    pub label: &'static str,
    pub text: Option<String>,
}

impl From<&ReturnReason> for ReturnReasonDto {
    fn from(r: &ReturnReason) -> Self {
        Self {
            code: r.code.as_str().to_owned(),
            label: r.code.label_zh(),
            text: r.text.clone(),
        }
    }
}

/// An extension request waiting for a leader.
#[derive(Debug, Serialize, ToSchema)]
pub struct PendingExtensionDto {
    pub days: u32,
    pub reason: String,
    pub requested_by: i64,
    pub requested_at: DateTime<Utc>,
}

impl From<&PendingExtension> for PendingExtensionDto {
    fn from(p: &PendingExtension) -> Self {
        Self {
            days: p.days,
            reason: p.reason.clone(),
            requested_by: p.requested_by.0,
            requested_at: p.requested_at,
        }
    }
}

/// A pause request waiting for a decision (挂起申请).
#[derive(Debug, Serialize, ToSchema)]
pub struct PendingPauseDto {
    /// waiting_enterprise | waiting_third_party | awaiting_policy | other
    pub code: String,
    pub text: Option<String>,
    pub resume_on: chrono::NaiveDate,
    pub requested_by: i64,
    pub requested_at: DateTime<Utc>,
}

/// A stopped resolution clock (挂起中).
#[derive(Debug, Serialize, ToSchema)]
pub struct PauseDto {
    pub paused_at: DateTime<Utc>,
    pub resume_on: chrono::NaiveDate,
    /// Working seconds the resolution clock had left when it stopped.
    pub remaining_secs: i64,
    /// accepted | escalated: where it goes back on resume.
    pub resumes_to: String,
}

/// A co-handling department (协办部门) and its opinion's deadline.
#[derive(Debug, Serialize, ToSchema)]
pub struct CoHandlerDto {
    pub department_id: i64,
    /// When it was named (absent on tickets from before reply deadlines).
    pub asked_at: Option<DateTime<Utc>>,
    pub reply_due_at: Option<DateTime<Utc>>,
    /// When it gave its opinion (协办意见; the opinion is the `co_reply` event).
    pub replied_at: Option<DateTime<Utc>>,
    pub replied_by: Option<i64>,
    /// Replied after its deadline, or its deadline has passed without a reply (computed now).
    pub late: bool,
}

/// A ticket (工单).
#[derive(Debug, Serialize, ToSchema)]
pub struct TicketDto {
    pub id: i64,
    /// `GL-2026-000123`
    pub number: String,
    /// submitted | dispatched | accepted | escalated | paused | resolved | reported | closed
    pub status: String,
    pub status_label: &'static str,
    pub enterprise_id: i64,
    pub grid_id: i64,
    pub category: String,
    pub priority: String,
    pub title: String,
    pub description: String,
    pub filed_by: i64,
    /// 班子成员
    pub accountable_leader_id: Option<i64>,
    /// 责任部门
    pub department_id: Option<i64>,
    /// 负责人员
    pub responsible_person_id: Option<i64>,
    /// 服务跟踪专员
    pub tracker_id: Option<i64>,
    pub task_force_id: Option<i64>,
    pub co_department_ids: Vec<i64>,
    /// The co-handling departments with their reply deadlines and replies.
    pub co_handlers: Vec<CoHandlerDto>,
    /// The dispatch deadline (派单时限) of the last time it entered the queue.
    pub dispatch_due_at: Option<DateTime<Utc>>,
    pub response_due_at: Option<DateTime<Utc>>,
    pub resolution_due_at: Option<DateTime<Utc>>,
    /// Whether the running deadline has passed (computed now, never stored).
    pub overdue: bool,
    pub reopen_count: i32,
    pub return_count: i32,
    pub satisfaction: Option<String>,
    pub last_return: Option<ReturnReasonDto>,
    pub pending_extension: Option<PendingExtensionDto>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pending_pause: Option<PendingPauseDto>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pause: Option<PauseDto>,
    /// How it ended without the whole loop: duplicate | withdrawn | invalid (absent otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub closure: Option<String>,
    /// For a duplicate: the ticket that carries the problem.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duplicate_of: Option<i64>,
    /// Send this back as `expected_version` with the next action.
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl TicketDto {
    /// The wire form of a ticket at `now`.
    pub fn new(t: &Ticket, now: DateTime<Utc>) -> Self {
        Self {
            id: t.id.0,
            number: t.number.clone(),
            status: t.status.as_str().to_owned(),
            status_label: t.status.label_zh(),
            enterprise_id: t.enterprise_id.0,
            grid_id: t.grid_id.0,
            category: t.category.as_str().to_owned(),
            priority: t.priority.as_str().to_owned(),
            title: t.title.clone(),
            description: t.description.clone(),
            filed_by: t.filed_by.0,
            accountable_leader_id: t.accountable_leader_id.map(|x| x.0),
            department_id: t.department_id.map(|x| x.0),
            responsible_person_id: t.responsible_person_id.map(|x| x.0),
            tracker_id: t.tracker_id.map(|x| x.0),
            task_force_id: t.task_force_id.map(|x| x.0),
            co_department_ids: t.co_department_ids().iter().map(|d| d.0).collect(),
            co_handlers: t
                .co_handlers
                .iter()
                .map(|c| CoHandlerDto {
                    department_id: c.department_id.0,
                    asked_at: c.asked_at,
                    reply_due_at: c.reply_due_at,
                    replied_at: c.replied_at,
                    replied_by: c.replied_by.map(|u| u.0),
                    late: c.late_at(now),
                })
                .collect(),
            dispatch_due_at: t.dispatch_due_at,
            response_due_at: t.response_due_at,
            resolution_due_at: t.resolution_due_at,
            overdue: t.is_overdue(now),
            reopen_count: t.reopen_count,
            return_count: t.return_count,
            satisfaction: t.satisfaction.map(|s| s.as_str().to_owned()),
            last_return: t.last_return.as_deref().map(Into::into),
            pending_extension: t.pending_extension.as_deref().map(Into::into),
            pending_pause: t.pending_pause.as_ref().map(|p| PendingPauseDto {
                code: p.code.as_str().to_owned(),
                text: p.text.clone(),
                resume_on: p.resume_on,
                requested_by: p.requested_by.0,
                requested_at: p.requested_at,
            }),
            pause: t.pause.as_ref().map(|p| PauseDto {
                paused_at: p.paused_at,
                resume_on: p.resume_on,
                remaining_secs: p.remaining_secs,
                resumes_to: p.from.as_str().to_owned(),
            }),
            closure: t.closure.map(|c| c.as_str().to_owned()),
            duplicate_of: t.duplicate_of.map(|d| d.0),
            version: t.version,
            created_at: t.created_at,
            updated_at: t.updated_at,
        }
    }
}

/// One entry of a ticket's history.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventDto {
    pub id: i64,
    pub actor_id: i64,
    pub action: String,
    pub action_label: &'static str,
    pub from_status: String,
    pub to_status: String,
    /// What the action carried (the three-ones, a reason, a resolution, ...).
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
    pub at: DateTime<Utc>,
}

impl From<StoredEvent> for EventDto {
    fn from(e: StoredEvent) -> Self {
        Self {
            action_label: ActionKind::parse(&e.action).map_or("", |a| a.label_zh()),
            id: e.id,
            actor_id: e.actor_id.0,
            action: e.action,
            from_status: e.from,
            to_status: e.to,
            payload: e.payload,
            at: e.at,
        }
    }
}
