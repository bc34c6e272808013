//! Per-person workload and timeliness (个人工作量): for each responsible person of the scope's
//! tickets, what they hold at the period's end and how their signing and resolving went.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{EventFact, HeldFact, resolution, signing};
use crate::calendar::WorkCalendar;
use crate::ids::{DepartmentId, TicketId, UserId};
use crate::kinds::ActionKind;
use crate::ticket::Ticket;

/// One responsible person's line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PersonLine {
    pub person_id: UserId,
    pub department_id: Option<DepartmentId>,
    /// Open and theirs at the period's end.
    pub held: u32,
    pub signed: u32,
    pub signed_on_time: u32,
    pub resolved: u32,
    pub resolved_on_time: u32,
    /// Mean working days from signing to resolution of those resolved in the period.
    pub avg_working_days: Option<f64>,
    /// Their tickets reopened in the period (重办).
    pub reopenings: u32,
}

fn blank(person_id: UserId, department_id: Option<DepartmentId>) -> PersonLine {
    PersonLine {
        person_id,
        department_id,
        held: 0,
        signed: 0,
        signed_on_time: 0,
        resolved: 0,
        resolved_on_time: 0,
        avg_working_days: None,
        reopenings: 0,
    }
}

/// The lines of every person responsible for a ticket of the scope (`tickets` in id order,
/// and the quiet ones in `held`), most held first. A line names the department of the
/// person's lowest-numbered ticket. A ticket counts for the person responsible for it now (a
/// handover moves its history too); tickets that ended without the loop count for nobody.
pub(super) fn lines<'a>(
    range: (DateTime<Utc>, DateTime<Utc>),
    tickets: impl IntoIterator<Item = &'a Ticket>,
    held: &[HeldFact],
    events: &[&EventFact],
    calendar: &WorkCalendar,
) -> Vec<PersonLine> {
    let (_, end) = range;
    // Each line with the id of the ticket its department came from.
    let mut out: BTreeMap<UserId, (PersonLine, Vec<f64>, TicketId)> = held
        .iter()
        .map(|h| {
            let mut line = blank(h.person_id, h.department_id);
            line.held = h.held;
            (h.person_id, (line, Vec::new(), h.first_ticket))
        })
        .collect();
    let mut owner: BTreeMap<TicketId, UserId> = BTreeMap::new();
    for t in tickets.into_iter().filter(|t| t.counts_for_departments()) {
        let Some(p) = t.responsible_person_id else {
            continue;
        };
        owner.insert(t.id, p);
        let (line, days, first) = out
            .entry(p)
            .or_insert_with(|| (blank(p, t.department_id), Vec::new(), t.id));
        if t.id < *first {
            line.department_id = t.department_id;
            *first = t.id;
        }
        let open_at_end = t.created_at < end
            && t.resolved_at.is_none_or(|r| r >= end)
            && t.closed_at.is_none_or(|c| c >= end);
        line.held += u32::from(open_at_end);
        if let Some(on_time) = signing(t, range) {
            line.signed += 1;
            line.signed_on_time += u32::from(on_time);
        }
        if let Some(on_time) = resolution(t, range) {
            line.resolved += 1;
            line.resolved_on_time += u32::from(on_time);
            if let (Some(a), Some(r)) = (t.accepted_at, t.resolved_at) {
                days.push(calendar.working_days_between(a, r) as f64);
            }
        }
    }
    for e in events.iter().filter(|e| e.action == ActionKind::Reopen) {
        if let Some((line, _, _)) = owner.get(&e.ticket_id).and_then(|p| out.get_mut(p)) {
            line.reopenings += 1;
        }
    }
    let mut lines: Vec<PersonLine> = out
        .into_values()
        .map(|(mut l, days, _)| {
            l.avg_working_days =
                (!days.is_empty()).then(|| days.iter().sum::<f64>() / days.len() as f64);
            l
        })
        .collect();
    lines.sort_by(|a, b| b.held.cmp(&a.held).then(a.person_id.cmp(&b.person_id)));
    lines
}
