//! Rows to domain values and back.

use gridline_domain::ticket::{CoHandler, Pause, PendingExtension, PendingPause};
use gridline_domain::{
    Category, Closure, DepartmentId, EnterpriseId, GridId, Priority, ReturnReason, Satisfaction,
    Status, TaskForceId, Ticket, TicketId, UserId,
};
use sea_orm::{NotSet, Set};

use super::StoredEvent;
use crate::entity::{ticket_co_departments as co, ticket_events, tickets};
use crate::{StoreError, from_ms, to_ms};

pub(crate) fn hex_sha256(data: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub(super) fn corrupt(what: &str, v: &str) -> StoreError {
    StoreError::Corrupt(format!("{what}: {v}"))
}

pub(super) fn parse_json<T: serde::de::DeserializeOwned>(
    s: &Option<String>,
    what: &str,
) -> Result<Option<T>, StoreError> {
    s.as_deref()
        .map(serde_json::from_str)
        .transpose()
        .map_err(|e| corrupt(what, &e.to_string()))
}

/// A co-handling row as the rules see it.
pub(super) fn to_co_handler(r: &co::Model) -> Result<CoHandler, StoreError> {
    Ok(CoHandler {
        department_id: DepartmentId(r.department_id),
        asked_at: r.asked_at.map(from_ms).transpose()?,
        reply_due_at: r.reply_due_at.map(from_ms).transpose()?,
        replied_at: r.replied_at.map(from_ms).transpose()?,
        replied_by: r.replied_by.map(UserId),
    })
}

/// The row of a ticket's co-handler.
pub(super) fn co_row(ticket: TicketId, c: &CoHandler) -> co::ActiveModel {
    co::ActiveModel {
        ticket_id: Set(ticket.0),
        department_id: Set(c.department_id.0),
        asked_at: Set(c.asked_at.map(to_ms)),
        reply_due_at: Set(c.reply_due_at.map(to_ms)),
        replied_at: Set(c.replied_at.map(to_ms)),
        replied_by: Set(c.replied_by.map(|u| u.0)),
    }
}

pub(super) fn to_ticket(
    m: tickets::Model,
    co_handlers: Vec<CoHandler>,
) -> Result<Ticket, StoreError> {
    let last_return: Option<Box<ReturnReason>> = parse_json(&m.last_return, "last_return")?;
    let pending_extension: Option<Box<PendingExtension>> =
        parse_json(&m.pending_extension, "pending_extension")?;
    let pending_pause: Option<Box<PendingPause>> = parse_json(&m.pending_pause, "pending_pause")?;
    let pause: Option<Box<Pause>> = parse_json(&m.pause, "pause")?;
    Ok(Ticket {
        id: TicketId(m.id),
        status: Status::parse(&m.status).ok_or_else(|| corrupt("status", &m.status))?,
        enterprise_id: EnterpriseId(m.enterprise_id),
        grid_id: GridId(m.grid_id),
        category: Category::parse(&m.category).ok_or_else(|| corrupt("category", &m.category))?,
        priority: Priority::parse(&m.priority).ok_or_else(|| corrupt("priority", &m.priority))?,
        satisfaction: match &m.satisfaction {
            Some(s) => Some(Satisfaction::parse(s).ok_or_else(|| corrupt("satisfaction", s))?),
            None => None,
        },
        number: m.number,
        title: m.title,
        description: m.description,
        filed_by: UserId(m.filed_by),
        accountable_leader_id: m.accountable_leader_id.map(UserId),
        department_id: m.department_id.map(DepartmentId),
        responsible_person_id: m.responsible_person_id.map(UserId),
        tracker_id: m.tracker_id.map(UserId),
        task_force_id: m.task_force_id.map(TaskForceId),
        co_handlers,
        queued_at: m.queued_at.map(from_ms).transpose()?,
        dispatch_due_at: m.dispatch_due_at.map(from_ms).transpose()?,
        response_due_at: m.response_due_at.map(from_ms).transpose()?,
        resolution_due_at: m.resolution_due_at.map(from_ms).transpose()?,
        dispatched_at: m.dispatched_at.map(from_ms).transpose()?,
        accepted_at: m.accepted_at.map(from_ms).transpose()?,
        resolved_at: m.resolved_at.map(from_ms).transpose()?,
        closed_at: m.closed_at.map(from_ms).transpose()?,
        reopen_count: m.reopen_count,
        return_count: m.return_count,
        last_return,
        pending_extension,
        pending_pause,
        pause,
        forced_department: m.forced_department_id.map(DepartmentId),
        closure: match &m.closure {
            Some(c) => Some(Closure::parse(c).ok_or_else(|| corrupt("closure", c))?),
            None => None,
        },
        duplicate_of: m.duplicate_of.map(TicketId),
        version: m.version,
        created_at: from_ms(m.created_at)?,
        updated_at: from_ms(m.updated_at)?,
    })
}

/// Every column the rules may change, from the ticket as it will be stored.
pub(super) fn changes(t: &Ticket) -> tickets::ActiveModel {
    tickets::ActiveModel {
        id: NotSet,
        number: NotSet,
        enterprise_id: NotSet,
        grid_id: NotSet,
        category: NotSet,
        priority: NotSet,
        title: NotSet,
        description: NotSet,
        filed_by: NotSet,
        created_at: NotSet,
        idempotency_key: NotSet,
        idempotency_hash: NotSet,
        status: Set(t.status.as_str().to_owned()),
        accountable_leader_id: Set(t.accountable_leader_id.map(|u| u.0)),
        department_id: Set(t.department_id.map(|d| d.0)),
        responsible_person_id: Set(t.responsible_person_id.map(|u| u.0)),
        tracker_id: Set(t.tracker_id.map(|u| u.0)),
        task_force_id: Set(t.task_force_id.map(|x| x.0)),
        queued_at: Set(t.queued_at.map(to_ms)),
        dispatch_due_at: Set(t.dispatch_due_at.map(to_ms)),
        response_due_at: Set(t.response_due_at.map(to_ms)),
        resolution_due_at: Set(t.resolution_due_at.map(to_ms)),
        next_due_at: Set(t.next_due_at().map(to_ms)),
        dispatched_at: Set(t.dispatched_at.map(to_ms)),
        accepted_at: Set(t.accepted_at.map(to_ms)),
        resolved_at: Set(t.resolved_at.map(to_ms)),
        closed_at: Set(t.closed_at.map(to_ms)),
        reopen_count: Set(t.reopen_count),
        return_count: Set(t.return_count),
        satisfaction: Set(t.satisfaction.map(|s| s.as_str().to_owned())),
        last_return: Set(t
            .last_return
            .as_ref()
            .and_then(|r| serde_json::to_string(r).ok())),
        pending_extension: Set(t
            .pending_extension
            .as_ref()
            .and_then(|p| serde_json::to_string(p).ok())),
        pending_pause: Set(t
            .pending_pause
            .as_ref()
            .and_then(|p| serde_json::to_string(p).ok())),
        pause: Set(t.pause.as_ref().and_then(|p| serde_json::to_string(p).ok())),
        forced_department_id: Set(t.forced_department.map(|d| d.0)),
        closure: Set(t.closure.map(|c| c.as_str().to_owned())),
        duplicate_of: Set(t.duplicate_of.map(|d| d.0)),
        version: Set(t.version),
        updated_at: Set(to_ms(t.updated_at)),
    }
}

/// An event as stored. A payload that is not JSON is corruption, reported as such (never
/// read as an empty payload).
pub(super) fn stored_event(m: ticket_events::Model) -> Result<StoredEvent, StoreError> {
    let payload = serde_json::from_str(&m.payload)
        .map_err(|e| StoreError::Corrupt(format!("payload of event {}: {e}", m.id)))?;
    Ok(StoredEvent {
        id: m.id,
        ticket_id: TicketId(m.ticket_id),
        actor_id: UserId(m.actor_id),
        action: m.action,
        from: m.from_status,
        to: m.to_status,
        payload,
        at: from_ms(m.created_at)?,
    })
}
