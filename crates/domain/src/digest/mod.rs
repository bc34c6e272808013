//! The leaders' digest (定期反馈通报): periods and the numbers, computed from ticket and event
//! data by pure functions. The notifier renders them; nothing here reads a clock or a database.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};

use crate::calendar::{WorkCalendar, local_instant};
use crate::ids::{DepartmentId, TicketId, UserId};
use crate::kinds::{ActionKind, Closure, Satisfaction};
use crate::ticket::Ticket;

mod baseline;
mod events;
mod hotspots;
mod people;
pub use baseline::{Baseline, HeldFact, OVERDUE_ROWS, OverdueFact};
pub use events::EventFact;
mod period;
pub use hotspots::{HOTSPOT_ROWS, HotspotCell, Hotspots, RepeatEnterprise, hotspots};
pub use people::PersonLine;
pub use period::{PERIOD_YEARS_BACK, Period, due_periods};

/// One department's line in the ranking.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DepartmentLine {
    pub department_id: DepartmentId,
    pub signed: u32,
    pub signed_on_time: u32,
    pub resolved: u32,
    pub resolved_on_time: u32,
    pub overdue: u32,
    pub returns: u32,
    pub reopenings: u32,
    /// Working hours its tickets spent paused (挂起), counted when they resumed in the period.
    pub paused_hours: f64,
    /// Co-handling opinions (协办意见) it owed whose deadline fell in the period, and how many
    /// of them came late or not by the period's end (逾期协办).
    pub co_replies: u32,
    pub co_replies_late: u32,
    /// Verdicts on its tickets recorded in the period (reports and follow-up calls).
    #[serde(default)]
    pub satisfied: u32,
    #[serde(default)]
    pub basically_satisfied: u32,
    #[serde(default)]
    pub unsatisfied: u32,
    /// On-time resolution rate, in [0, 1]; `None` if nothing was resolved.
    pub resolution_rate: Option<f64>,
    /// On-time signing rate; `None` if nothing was signed.
    pub signing_rate: Option<f64>,
}

/// A ticket overdue at the end of the period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OverdueLine {
    pub ticket_id: TicketId,
    pub number: String,
    pub title: String,
    pub accountable_leader_id: Option<UserId>,
    pub department_id: Option<DepartmentId>,
    pub responsible_person_id: Option<UserId>,
    pub due_at: DateTime<Utc>,
    /// Working days past the deadline at the end of the period (0: the same day).
    pub days_overdue: i64,
}

/// Filed and resolved on one day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrendPoint {
    pub day: NaiveDate,
    pub filed: u32,
    pub resolved: u32,
}

/// The digest's numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DigestStats {
    pub filed: u32,
    pub resolved: u32,
    pub closed: u32,
    pub open_at_end: u32,
    pub overdue_at_end: u32,
    /// Dispatched in the period, and within the dispatch deadline (派单时限).
    pub dispatched: u32,
    pub dispatched_on_time: u32,
    pub dispatch_rate: Option<f64>,
    /// Waiting in a queue past the dispatch deadline at the end of the period.
    pub dispatch_overdue_at_end: u32,
    pub signed: u32,
    pub signed_on_time: u32,
    pub resolved_on_time: u32,
    pub signing_rate: Option<f64>,
    pub resolution_rate: Option<f64>,
    /// Mean working days from signing to resolution, over tickets resolved in the period.
    pub avg_working_days_to_resolve: Option<f64>,
    pub satisfied: u32,
    pub basically_satisfied: u32,
    pub unsatisfied: u32,
    /// Share of reports that were satisfied or basically satisfied.
    pub satisfaction_rate: Option<f64>,
    pub returns: u32,
    pub reopenings: u32,
    /// Ended in the period without the whole loop, counted apart from the departments'
    /// figures: duplicates (重复件), withdrawn (撤回) and invalid (无效件).
    pub duplicates: u32,
    pub withdrawn: u32,
    pub invalid: u32,
    /// Closed by arbitration as not the zone's business (非本区事项), also apart.
    pub out_of_scope: u32,
    /// Arbitrations decided in the period (退单审核: forced dispatches and closures).
    pub arbitrations: u32,
    pub ranking: Vec<DepartmentLine>,
    /// The most overdue at the end, most overdue first, at most [`OVERDUE_ROWS`]
    /// (`overdue_at_end` counts them all).
    pub overdue: Vec<OverdueLine>,
    pub trend: Vec<TrendPoint>,
    /// Where problems cluster (未诉先办); filled by [`hotspots`], which needs the
    /// enterprises' clusters ([`compute`] leaves it empty).
    #[serde(default)]
    pub hotspots: Hotspots,
    /// Per-person workload and timeliness, most held first.
    #[serde(default)]
    pub people: Vec<PersonLine>,
}

fn rate(part: u32, whole: u32) -> Option<f64> {
    (whole > 0).then(|| f64::from(part) / f64::from(whole))
}

fn within(t: DateTime<Utc>, (start, end): (DateTime<Utc>, DateTime<Utc>)) -> bool {
    t >= start && t < end
}

/// Signed within the period, and whether on time (by the response deadline).
fn signing(t: &Ticket, range: (DateTime<Utc>, DateTime<Utc>)) -> Option<bool> {
    let at = t.accepted_at.filter(|a| within(*a, range))?;
    Some(t.response_due_at.is_none_or(|due| at <= due))
}

/// Resolved within the period, and whether on time (by the resolution deadline, extensions
/// included).
fn resolution(t: &Ticket, range: (DateTime<Utc>, DateTime<Utc>)) -> Option<bool> {
    let at = t.resolved_at.filter(|r| within(*r, range))?;
    Some(t.resolution_due_at.is_none_or(|due| at <= due))
}

/// The deadline a ticket had running at `end`, if it was still open then and past it.
fn overdue_at(t: &Ticket, end: DateTime<Utc>) -> Option<DateTime<Utc>> {
    if t.created_at >= end || t.resolved_at.is_some_and(|r| r < end) || t.closed_at.is_some() {
        return None;
    }
    // Paused before the end: its clock was stopped then, whatever the old deadline says.
    if t.pause.as_ref().is_some_and(|p| p.paused_at < end) {
        return None;
    }
    let due = if t.accepted_at.is_some_and(|a| a < end) {
        t.resolution_due_at
    } else if t.dispatched_at.is_some_and(|d| d < end) {
        t.response_due_at
    } else {
        None
    }?;
    (due < end).then_some(due)
}

/// Computes the digest of `period` over `tickets` (the leader's scope, in id order) and
/// `events` (their history in the period). Reads the tickets' dates, states, numbers, titles, three-ones and
/// the co-handlers whose reply deadline falls in the period only (the store loads them
/// without descriptions, other co-handlers, last return or pending extension; keep it so or
/// widen that load).
pub fn compute(
    period: Period,
    tickets: &[Ticket],
    events: &[EventFact],
    calendar: &WorkCalendar,
) -> DigestStats {
    compute_with(period, tickets, &Baseline::default(), events, calendar)
}

/// [`compute`] over `tickets` and the quiet tickets counted in `baseline` (none of which is
/// in `tickets`): the same numbers as [`compute`] over all of them. `tickets` is anything
/// that walks them in id order, as often as asked, and `events` anything that walks them
/// once: a slice, or the runs the store reads a month's in (so that 90 000 tickets and
/// 100 000 events never need a buffer grown to hold them all).
pub fn compute_with<'a, 'e>(
    period: Period,
    tickets: impl IntoIterator<Item = &'a Ticket> + Clone,
    baseline: &Baseline,
    events: impl IntoIterator<Item = &'e EventFact>,
    calendar: &WorkCalendar,
) -> DigestStats {
    let range = period.range();
    let (_, end) = range;
    let in_period: Vec<&EventFact> = events.into_iter().filter(|e| within(e.at, range)).collect();
    let count = |a: ActionKind| in_period.iter().filter(|e| e.action == a).count() as u32;
    let sat = |s: Satisfaction| {
        in_period
            .iter()
            .filter(|e| {
                matches!(e.action, ActionKind::Report | ActionKind::FollowUp)
                    && e.satisfaction == Some(s)
            })
            .count() as u32
    };

    let mut departments: BTreeMap<DepartmentId, DepartmentLine> = BTreeMap::new();
    let line = |d: DepartmentId, m: &mut BTreeMap<DepartmentId, DepartmentLine>| {
        m.entry(d)
            .or_insert_with(|| DepartmentLine {
                department_id: d,
                signed: 0,
                signed_on_time: 0,
                resolved: 0,
                resolved_on_time: 0,
                overdue: 0,
                returns: 0,
                reopenings: 0,
                paused_hours: 0.0,
                co_replies: 0,
                co_replies_late: 0,
                satisfied: 0,
                basically_satisfied: 0,
                unsatisfied: 0,
                resolution_rate: None,
                signing_rate: None,
            })
            .department_id
    };

    let (mut signed, mut signed_on_time, mut resolved_on_time, mut resolved_n) = (0, 0, 0, 0);
    let mut days_to_resolve = Vec::new();
    let mut overdue = Vec::new();
    let mut open_at_end = baseline.open_at_end;
    let (mut dispatched, mut dispatched_on_time) = (0, 0);
    let mut dispatch_overdue_at_end = baseline.dispatch_overdue_at_end;
    let mut closures: BTreeMap<Closure, u32> = BTreeMap::new();
    // The responsible department of each ticket that counts for departments (those that
    // ended without the loop leave every department figure alone), looked up once.
    let counted: std::collections::HashMap<TicketId, Option<DepartmentId>> = tickets
        .clone()
        .into_iter()
        .filter(|t| t.counts_for_departments())
        .map(|t| (t.id, t.department_id))
        .collect();
    for t in tickets.clone() {
        let open = t.created_at < end
            && t.resolved_at.is_none_or(|r| r >= end)
            && t.closed_at.is_none_or(|c| c >= end);
        open_at_end += u32::from(open);
        if let Some(c) = t.closure {
            if t.closed_at.is_some_and(|at| within(at, range)) {
                *closures.entry(c).or_default() += 1;
            }
            continue;
        }
        if let Some(at) = t.dispatched_at.filter(|a| within(*a, range)) {
            dispatched += 1;
            dispatched_on_time += u32::from(t.dispatch_due_at.is_none_or(|due| at <= due));
        }
        let waiting_at_end = t.queued_at.is_some_and(|q| q < end)
            && t.dispatched_at
                .is_none_or(|d| d >= end || t.queued_at.is_some_and(|q| d < q))
            && t.closed_at.is_none_or(|c| c >= end);
        if waiting_at_end && t.dispatch_due_at.is_some_and(|due| due < end) {
            dispatch_overdue_at_end += 1;
        }
        if let Some(on_time) = signing(t, range) {
            signed += 1;
            signed_on_time += u32::from(on_time);
            if let Some(d) = t.department_id {
                line(d, &mut departments);
                if let Some(l) = departments.get_mut(&d) {
                    l.signed += 1;
                    l.signed_on_time += u32::from(on_time);
                }
            }
        }
        if let Some(on_time) = resolution(t, range) {
            resolved_n += 1;
            resolved_on_time += u32::from(on_time);
            if let (Some(a), Some(r)) = (t.accepted_at, t.resolved_at) {
                days_to_resolve.push(calendar.working_days_between(a, r) as f64);
            }
            if let Some(d) = t.department_id {
                line(d, &mut departments);
                if let Some(l) = departments.get_mut(&d) {
                    l.resolved += 1;
                    l.resolved_on_time += u32::from(on_time);
                }
            }
        }
        for c in &t.co_handlers {
            let Some(due) = c.reply_due_at.filter(|d| within(*d, range)) else {
                continue;
            };
            // Resolved or closed before the deadline without the opinion: no longer owed.
            let ended = t.resolved_at.or(t.closed_at);
            if c.replied_at.is_none() && ended.is_some_and(|e| e <= due) {
                continue;
            }
            line(c.department_id, &mut departments);
            if let Some(l) = departments.get_mut(&c.department_id) {
                l.co_replies += 1;
                l.co_replies_late += u32::from(c.replied_at.is_none_or(|r| r > due));
            }
        }
        if let Some(due) = overdue_at(t, end) {
            if let Some(d) = t.department_id {
                line(d, &mut departments);
                if let Some(l) = departments.get_mut(&d) {
                    l.overdue += 1;
                }
            }
            overdue.push(OverdueLine {
                ticket_id: t.id,
                number: t.number.clone(),
                title: t.title.clone(),
                accountable_leader_id: t.accountable_leader_id,
                department_id: t.department_id,
                responsible_person_id: t.responsible_person_id,
                due_at: due,
                days_overdue: calendar.working_days_between(due, end),
            });
        }
    }
    for (d, n) in &baseline.overdue {
        if let Some(d) = *d {
            line(d, &mut departments);
            if let Some(l) = departments.get_mut(&d) {
                l.overdue += n;
            }
        }
    }
    let overdue_at_end = overdue.len() as u32 + baseline.overdue_total();
    overdue.extend(baseline.overdue_rows.iter().map(|o| OverdueLine {
        ticket_id: o.ticket_id,
        number: o.number.clone(),
        title: o.title.clone(),
        accountable_leader_id: o.accountable_leader_id,
        department_id: o.department_id,
        responsible_person_id: o.responsible_person_id,
        due_at: o.due_at,
        days_overdue: calendar.working_days_between(o.due_at, end),
    }));
    // Returns count against the department that returned the ticket; reopenings and paused
    // hours against the department responsible for it.
    for e in &in_period {
        // Tickets that ended without the loop are not in the map: they count for nobody.
        let Some(responsible) = counted.get(&e.ticket_id) else {
            continue;
        };
        let dept = match e.action {
            ActionKind::Return => e.department_id,
            ActionKind::Reopen | ActionKind::Resume => *responsible,
            ActionKind::Report | ActionKind::FollowUp if e.satisfaction.is_some() => *responsible,
            _ => continue,
        };
        let Some(d) = dept else { continue };
        line(d, &mut departments);
        if let Some(l) = departments.get_mut(&d) {
            match e.action {
                ActionKind::Return => l.returns += 1,
                ActionKind::Reopen => l.reopenings += 1,
                ActionKind::Report | ActionKind::FollowUp => match e.satisfaction {
                    Some(Satisfaction::Satisfied) => l.satisfied += 1,
                    Some(Satisfaction::BasicallySatisfied) => l.basically_satisfied += 1,
                    _ => l.unsatisfied += 1,
                },
                _ => l.paused_hours += e.paused_secs.unwrap_or(0) as f64 / 3600.0,
            }
        }
    }
    let mut ranking: Vec<DepartmentLine> = departments
        .into_values()
        .map(|mut l| {
            l.resolution_rate = rate(l.resolved_on_time, l.resolved);
            l.signing_rate = rate(l.signed_on_time, l.signed);
            l
        })
        .collect();
    let key = |r: Option<f64>| r.unwrap_or(-1.0);
    ranking.sort_by(|a, b| {
        key(b.resolution_rate)
            .total_cmp(&key(a.resolution_rate))
            .then(key(b.signing_rate).total_cmp(&key(a.signing_rate)))
            .then(a.overdue.cmp(&b.overdue))
            .then(a.co_replies_late.cmp(&b.co_replies_late))
            .then(b.resolved.cmp(&a.resolved))
            .then(a.department_id.cmp(&b.department_id))
    });
    overdue.sort_by(|a, b| {
        b.days_overdue
            .cmp(&a.days_overdue)
            .then(a.due_at.cmp(&b.due_at))
            .then(a.ticket_id.cmp(&b.ticket_id))
    });
    overdue.truncate(OVERDUE_ROWS);

    let trend = period
        .days()
        .into_iter()
        .map(|day| {
            let r = (
                local_instant(day, NaiveTime::MIN),
                local_instant(day + Duration::days(1), NaiveTime::MIN),
            );
            TrendPoint {
                day,
                filed: tickets
                    .clone()
                    .into_iter()
                    .filter(|t| within(t.created_at, r))
                    .count() as u32,
                resolved: in_period
                    .iter()
                    .filter(|e| e.action == ActionKind::Resolve && within(e.at, r))
                    .count() as u32,
            }
        })
        .collect();

    let (s, b, u) = (
        sat(Satisfaction::Satisfied),
        sat(Satisfaction::BasicallySatisfied),
        sat(Satisfaction::Unsatisfied),
    );
    DigestStats {
        filed: tickets
            .clone()
            .into_iter()
            .filter(|t| within(t.created_at, range))
            .count() as u32,
        resolved: count(ActionKind::Resolve),
        closed: count(ActionKind::Close),
        open_at_end,
        overdue_at_end,
        dispatched,
        dispatched_on_time,
        dispatch_rate: rate(dispatched_on_time, dispatched),
        dispatch_overdue_at_end,
        signed,
        signed_on_time,
        resolved_on_time,
        signing_rate: rate(signed_on_time, signed),
        resolution_rate: rate(resolved_on_time, resolved_n),
        avg_working_days_to_resolve: (!days_to_resolve.is_empty())
            .then(|| days_to_resolve.iter().sum::<f64>() / days_to_resolve.len() as f64),
        satisfied: s,
        basically_satisfied: b,
        unsatisfied: u,
        satisfaction_rate: rate(s + b, s + b + u),
        returns: count(ActionKind::Return),
        reopenings: count(ActionKind::Reopen),
        duplicates: closures.get(&Closure::Duplicate).copied().unwrap_or(0),
        withdrawn: closures.get(&Closure::Withdrawn).copied().unwrap_or(0),
        invalid: closures.get(&Closure::Invalid).copied().unwrap_or(0),
        out_of_scope: closures.get(&Closure::OutOfScope).copied().unwrap_or(0),
        arbitrations: count(ActionKind::ForceDispatch) + count(ActionKind::CloseOutOfScope),
        ranking,
        overdue,
        trend,
        hotspots: Hotspots::default(),
        people: people::lines(range, tickets, &baseline.held, &in_period, calendar),
    }
}
