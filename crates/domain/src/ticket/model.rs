//! The ticket as the rules see it, and how an event changes it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Event, EventKind};
use crate::error::DomainError;
use crate::ids::{DepartmentId, EnterpriseId, GridId, TaskForceId, TicketId, UserId};
use crate::kinds::{Category, Closure, PauseCode, Priority, ReturnCode, Satisfaction, Status};
use crate::text::Remark;

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

/// A co-handling department (协办部门): when it was asked, by when it must reply with its
/// opinion (协办意见), and when it did. Tickets given co-handlers before reply deadlines
/// existed have none.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoHandler {
    pub department_id: DepartmentId,
    pub asked_at: Option<DateTime<Utc>>,
    pub reply_due_at: Option<DateTime<Utc>>,
    pub replied_at: Option<DateTime<Utc>>,
    pub replied_by: Option<UserId>,
}

impl CoHandler {
    /// Named at `at`, to reply by `due`.
    pub fn asked(
        department_id: DepartmentId,
        at: DateTime<Utc>,
        due: Option<DateTime<Utc>>,
    ) -> Self {
        Self {
            department_id,
            asked_at: Some(at),
            reply_due_at: due,
            replied_at: None,
            replied_by: None,
        }
    }

    /// Whether its reply is still awaited.
    pub fn outstanding(&self) -> bool {
        self.replied_at.is_none()
    }

    /// Whether, as of `now`, it replied after its deadline or its deadline passed without
    /// a reply (逾期协办).
    pub fn late_at(&self, now: DateTime<Utc>) -> bool {
        match (self.reply_due_at, self.replied_at) {
            (Some(due), Some(r)) => r > due,
            (Some(due), None) => now > due,
            (None, _) => false,
        }
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

/// A pause (挂起) the responsible department asked for, waiting for a decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingPause {
    pub code: PauseCode,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub text: Option<String>,
    /// When the department expects to go on (a reminder goes out that morning).
    pub resume_on: chrono::NaiveDate,
    pub requested_by: UserId,
    pub requested_at: DateTime<Utc>,
}

/// A ticket on pause: its resolution clock is stopped with `remaining_secs` of working
/// time left, to run again from the moment it resumes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pause {
    /// The state it returns to (accepted or escalated).
    pub from: Status,
    pub paused_at: DateTime<Utc>,
    pub resume_on: chrono::NaiveDate,
    pub remaining_secs: i64,
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
    /// Co-handling departments (协办), in the order they were named.
    pub co_handlers: Vec<CoHandler>,
    /// When the ticket last entered the queue (filed or returned): the dispatch clock's start.
    pub queued_at: Option<DateTime<Utc>>,
    /// The dispatch deadline (派单时限) of the last time it entered the queue.
    pub dispatch_due_at: Option<DateTime<Utc>>,
    pub response_due_at: Option<DateTime<Utc>>,
    pub resolution_due_at: Option<DateTime<Utc>>,
    pub dispatched_at: Option<DateTime<Utc>>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub reopen_count: i32,
    pub return_count: i32,
    pub satisfaction: Option<Satisfaction>,
    // The four below are boxed: most tickets have none of them, and inline they were 168
    // of a ticket's 552 bytes (a month's digest at a million holds about 90 000 tickets).
    pub last_return: Option<Box<ReturnReason>>,
    pub pending_extension: Option<Box<PendingExtension>>,
    pub pending_pause: Option<Box<PendingPause>>,
    /// Set while paused (挂起).
    pub pause: Option<Box<Pause>>,
    /// The department arbitration confirmed (强制派单): it may not return the ticket.
    pub forced_department: Option<DepartmentId>,
    /// Set when the ticket ended without the whole loop (duplicate, withdrawn, invalid).
    pub closure: Option<Closure>,
    /// For a duplicate: the ticket that carries the problem.
    pub duplicate_of: Option<TicketId>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Ticket {
    /// The deadline that is running now: the dispatch deadline while in the queue, the
    /// response deadline until the department signs, then the resolution deadline until it
    /// is resolved; none afterwards.
    pub fn next_due_at(&self) -> Option<DateTime<Utc>> {
        match self.status {
            Status::Submitted => self.dispatch_due_at,
            Status::Dispatched => self.response_due_at,
            Status::Accepted | Status::Escalated => self.resolution_due_at,
            _ => None,
        }
    }

    /// Whether the running deadline has passed.
    pub fn is_overdue(&self, now: DateTime<Utc>) -> bool {
        self.next_due_at().is_some_and(|due| due < now)
    }

    /// Whether the ticket counts in the departments' figures (ranking, rates, returns): not
    /// if it ended as a duplicate, withdrawn or invalid.
    pub fn counts_for_departments(&self) -> bool {
        self.closure.is_none()
    }

    /// The co-handling departments' ids.
    pub fn co_department_ids(&self) -> Vec<DepartmentId> {
        self.co_handlers.iter().map(|c| c.department_id).collect()
    }

    /// Whether `d` co-handles the ticket.
    pub fn is_co_department(&self, d: DepartmentId) -> bool {
        self.co_handlers.iter().any(|c| c.department_id == d)
    }

    /// The co-handlers whose opinion the responsible department still waits for (a
    /// department that became the responsible one since is not waited for).
    pub fn outstanding_co_replies(&self) -> impl Iterator<Item = &CoHandler> {
        self.co_handlers
            .iter()
            .filter(|c| c.outstanding() && Some(c.department_id) != self.department_id)
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
                co_department_ids,
                co_reply_due_at,
            }
            | EventKind::ForceDispatched {
                three_ones,
                tracker_id,
                response_due_at,
                co_department_ids,
                co_reply_due_at,
            } => {
                self.ask_co_handlers(co_department_ids, event.at, *co_reply_due_at);
                if matches!(event.kind, EventKind::ForceDispatched { .. }) {
                    self.forced_department = Some(three_ones.department_id);
                }
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
            EventKind::Returned {
                reason,
                dispatch_due_at,
                ..
            } => {
                self.queued_at = Some(event.at);
                self.dispatch_due_at = *dispatch_due_at;
                self.accountable_leader_id = None;
                self.department_id = None;
                self.responsible_person_id = None;
                self.response_due_at = None;
                self.dispatched_at = None;
                self.return_count += 1;
                self.last_return = Some(Box::new(reason.clone()));
            }
            EventKind::Escalated {
                task_force_id,
                co_department_ids,
                co_reply_due_at,
                ..
            } => {
                self.task_force_id = Some(*task_force_id);
                self.ask_co_handlers(co_department_ids, event.at, *co_reply_due_at);
            }
            EventKind::CoDepartmentsAdded {
                department_ids,
                co_reply_due_at,
            } => {
                self.ask_co_handlers(department_ids, event.at, *co_reply_due_at);
            }
            EventKind::CoReplied { department_id, .. } => {
                if let Some(c) = self
                    .co_handlers
                    .iter_mut()
                    .find(|c| c.department_id == *department_id && c.outstanding())
                {
                    c.replied_at = Some(event.at);
                    c.replied_by = Some(event.actor);
                }
            }
            EventKind::ExtensionRequested { days, reason } => {
                self.pending_extension = Some(Box::new(PendingExtension {
                    days: *days,
                    reason: reason.clone(),
                    requested_by: event.actor,
                    requested_at: event.at,
                }));
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
                self.pending_pause = None;
            }
            EventKind::Reported { satisfaction, .. }
            | EventKind::FollowedUp { satisfaction, .. } => {
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
            EventKind::Reassigned {
                responsible_person,
                tracker,
                ..
            } => {
                if let Some(h) = responsible_person {
                    self.responsible_person_id = Some(h.to);
                }
                if let Some(h) = tracker {
                    self.tracker_id = Some(h.to);
                }
            }
            EventKind::PauseRequested {
                code,
                text,
                resume_on,
            } => {
                self.pending_pause = Some(Box::new(PendingPause {
                    code: *code,
                    text: text.clone(),
                    resume_on: *resume_on,
                    requested_by: event.actor,
                    requested_at: event.at,
                }));
            }
            EventKind::PauseDecided {
                approved,
                remaining_secs,
                ..
            } => {
                if let (true, Some(pending), Some(left)) =
                    (*approved, self.pending_pause.as_ref(), remaining_secs)
                {
                    self.pause = Some(Box::new(Pause {
                        from: event.from,
                        paused_at: event.at,
                        resume_on: pending.resume_on,
                        remaining_secs: *left,
                    }));
                }
                self.pending_pause = None;
            }
            EventKind::Resumed {
                resolution_due_at, ..
            } => {
                self.pause = None;
                self.resolution_due_at = Some(*resolution_due_at);
            }
            EventKind::MarkedDuplicate { of, .. } => {
                self.closure = Some(Closure::Duplicate);
                self.duplicate_of = Some(*of);
                self.closed_at = Some(event.at);
                self.pending_extension = None;
            }
            EventKind::Withdrawn { .. } => {
                self.closure = Some(Closure::Withdrawn);
                self.closed_at = Some(event.at);
                self.pending_extension = None;
                self.pending_pause = None;
                self.pause = None;
            }
            EventKind::MarkedInvalid { .. } => {
                self.closure = Some(Closure::Invalid);
                self.closed_at = Some(event.at);
            }
            EventKind::ClosedOutOfScope { .. } => {
                self.closure = Some(Closure::OutOfScope);
                self.closed_at = Some(event.at);
            }
            EventKind::Urged { .. }
            | EventKind::Supervised { .. }
            | EventKind::Commented { .. } => {}
        }
    }
}

impl Ticket {
    /// Adds the departments not yet co-handling, each asked at `at` to reply by `due`.
    fn ask_co_handlers(
        &mut self,
        ids: &[DepartmentId],
        at: DateTime<Utc>,
        due: Option<DateTime<Utc>>,
    ) {
        for d in ids {
            if !self.is_co_department(*d) {
                self.co_handlers.push(CoHandler::asked(*d, at, due));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Ticket;

    /// A month's digest at a million tickets holds about 90 000 of them at once: the rare
    /// parts stay boxed (they were 168 of 552 bytes inline).
    #[test]
    fn a_ticket_keeps_its_rare_parts_out_of_line() {
        assert!(
            std::mem::size_of::<Ticket>() <= 416,
            "a ticket is {} bytes",
            std::mem::size_of::<Ticket>()
        );
    }
}
