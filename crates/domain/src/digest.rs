//! The leaders' digest (定期反馈通报): periods and the numbers, computed from ticket and event
//! data by pure functions. The notifier renders them; nothing here reads a clock or a database.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, IsoWeek, NaiveDate, NaiveTime, Utc, Weekday};
use serde::Serialize;

use crate::calendar::{WorkCalendar, ZONE, local_instant};
use crate::ids::{DepartmentId, TicketId, UserId};
use crate::kinds::{ActionKind, Closure, Satisfaction};
use crate::ticket::Ticket;

/// A digest period: an ISO week or a calendar month, in Asia/Shanghai.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Period {
    Week { year: i32, week: u32 },
    Month { year: i32, month: u32 },
}

/// How many years back a period may be asked for (the dashboard, the digest command).
pub const PERIOD_YEARS_BACK: i32 = 10;

impl Period {
    /// Parses `2026-W48` or `2026-11` (a four-digit year).
    pub fn parse(s: &str) -> Option<Period> {
        let year_ok = |y: &str| y.len() == 4 && y.bytes().all(|b| b.is_ascii_digit());
        if let Some((y, w)) = s.split_once("-W") {
            if !year_ok(y) {
                return None;
            }
            let (year, week) = (y.parse().ok()?, w.parse().ok()?);
            NaiveDate::from_isoywd_opt(year, week, Weekday::Mon)?;
            return Some(Period::Week { year, week });
        }
        let (y, m) = s.split_once('-')?;
        if m.len() != 2 || !year_ok(y) {
            return None;
        }
        let (year, month) = (y.parse().ok()?, m.parse().ok()?);
        NaiveDate::from_ymd_opt(year, month, 1)?;
        Some(Period::Month { year, month })
    }

    /// Parses a period someone asks to see on `today`: from [`PERIOD_YEARS_BACK`] years ago
    /// to next year. Anything else is refused, so the cost of a request stays bounded by the
    /// data rather than by the number typed.
    pub fn parse_recent(s: &str, today: NaiveDate) -> Option<Period> {
        let p = Period::parse(s)?;
        let year = p.first_day().year();
        (today.year() - PERIOD_YEARS_BACK..=today.year() + 1)
            .contains(&year)
            .then_some(p)
    }

    /// The first local day of the period.
    pub fn first_day(self) -> NaiveDate {
        match self {
            Period::Week { year, week } => NaiveDate::from_isoywd_opt(year, week, Weekday::Mon),
            Period::Month { year, month } => NaiveDate::from_ymd_opt(year, month, 1),
        }
        .unwrap_or_default()
    }

    /// The first local day after the period.
    pub fn end_day(self) -> NaiveDate {
        match self {
            Period::Week { .. } => self.first_day() + Duration::days(7),
            Period::Month { year, month } => {
                let (y, m) = if month == 12 {
                    (year + 1, 1)
                } else {
                    (year, month + 1)
                };
                NaiveDate::from_ymd_opt(y, m, 1).unwrap_or_default()
            }
        }
    }

    /// `[start, end)` as instants.
    pub fn range(self) -> (DateTime<Utc>, DateTime<Utc>) {
        (
            local_instant(self.first_day(), NaiveTime::MIN),
            local_instant(self.end_day(), NaiveTime::MIN),
        )
    }

    /// The days of the period.
    pub fn days(self) -> Vec<NaiveDate> {
        self.first_day()
            .iter_days()
            .take_while(|d| *d < self.end_day())
            .collect()
    }

    /// The week before the one containing `day`.
    pub fn week_before(day: NaiveDate) -> Period {
        let prev: IsoWeek = (day - Duration::days(7)).iso_week();
        Period::Week {
            year: prev.year(),
            week: prev.week(),
        }
    }

    /// The month before the one containing `day`.
    pub fn month_before(day: NaiveDate) -> Period {
        let (year, month) = if day.month() == 1 {
            (day.year() - 1, 12)
        } else {
            (day.year(), day.month() - 1)
        };
        Period::Month { year, month }
    }
}

impl std::fmt::Display for Period {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Period::Week { year, week } => write!(f, "{year}-W{week:02}"),
            Period::Month { year, month } => write!(f, "{year}-{month:02}"),
        }
    }
}

/// When digests are due: weekly on Monday at `hour`, monthly on the first working day of the
/// month at `hour`, both local. Returns the periods whose send time is in `(after, now]`.
pub fn due_periods(
    calendar: &WorkCalendar,
    hour: NaiveTime,
    after: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Vec<Period> {
    let mut out = Vec::new();
    let first = after.with_timezone(&ZONE).date_naive();
    let last = now.with_timezone(&ZONE).date_naive();
    for day in first.iter_days().take_while(|d| *d <= last) {
        let at = local_instant(day, hour);
        if at <= after || at > now {
            continue;
        }
        if day.weekday() == Weekday::Mon {
            out.push(Period::week_before(day));
        }
        let month_start = NaiveDate::from_ymd_opt(day.year(), day.month(), 1).unwrap_or(day);
        let first_working = if calendar.is_working_day(month_start) {
            month_start
        } else {
            calendar.nth_working_day_after(month_start, 1)
        };
        if day == first_working {
            out.push(Period::month_before(day));
        }
    }
    out
}

/// An event the digest counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventFact {
    pub ticket_id: TicketId,
    pub action: ActionKind,
    pub at: DateTime<Utc>,
    /// For `report`: the satisfaction recorded.
    pub satisfaction: Option<Satisfaction>,
    /// For `return`: the department that returned it (the ticket no longer names it).
    pub department_id: Option<DepartmentId>,
    /// For `resume`: the working time the ticket spent paused.
    pub paused_secs: Option<i64>,
}

/// One department's line in the ranking.
#[derive(Debug, Clone, PartialEq, Serialize)]
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
    /// On-time resolution rate, in [0, 1]; `None` if nothing was resolved.
    pub resolution_rate: Option<f64>,
    /// On-time signing rate; `None` if nothing was signed.
    pub signing_rate: Option<f64>,
}

/// A ticket overdue at the end of the period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TrendPoint {
    pub day: NaiveDate,
    pub filed: u32,
    pub resolved: u32,
}

/// The digest's numbers.
#[derive(Debug, Clone, PartialEq, Serialize)]
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
    pub overdue: Vec<OverdueLine>,
    pub trend: Vec<TrendPoint>,
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

/// Computes the digest of `period` over `tickets` (the leader's scope) and `events` (their
/// history in the period). Reads the tickets' dates, states, numbers, titles and three-ones
/// only (the store loads them without descriptions, co-handling departments, last return
/// or pending extension; keep it so or widen that load).
pub fn compute(
    period: Period,
    tickets: &[Ticket],
    events: &[EventFact],
    calendar: &WorkCalendar,
) -> DigestStats {
    let range = period.range();
    let (_, end) = range;
    let in_period: Vec<&EventFact> = events.iter().filter(|e| within(e.at, range)).collect();
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
                resolution_rate: None,
                signing_rate: None,
            })
            .department_id
    };

    let (mut signed, mut signed_on_time, mut resolved_on_time, mut resolved_n) = (0, 0, 0, 0);
    let mut days_to_resolve = Vec::new();
    let mut overdue = Vec::new();
    let mut open_at_end = 0;
    let (mut dispatched, mut dispatched_on_time, mut dispatch_overdue_at_end) = (0, 0, 0);
    let mut closures: BTreeMap<Closure, u32> = BTreeMap::new();
    // Tickets that ended without the loop leave every department figure alone.
    let excluded: std::collections::HashSet<TicketId> = tickets
        .iter()
        .filter(|t| !t.counts_for_departments())
        .map(|t| t.id)
        .collect();
    for t in tickets {
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
    // Returns count against the department that returned the ticket; reopenings against the
    // department responsible for it.
    for e in in_period
        .iter()
        .filter(|e| !excluded.contains(&e.ticket_id))
    {
        if e.action == ActionKind::Resume {
            let dept = tickets
                .iter()
                .find(|t| t.id == e.ticket_id)
                .and_then(|t| t.department_id);
            if let (Some(d), Some(secs)) = (dept, e.paused_secs) {
                line(d, &mut departments);
                if let Some(l) = departments.get_mut(&d) {
                    l.paused_hours += secs as f64 / 3600.0;
                }
            }
            continue;
        }
        let (dept, returned) = match e.action {
            ActionKind::Return => (e.department_id, true),
            ActionKind::Reopen => (
                tickets
                    .iter()
                    .find(|t| t.id == e.ticket_id)
                    .and_then(|t| t.department_id),
                false,
            ),
            _ => continue,
        };
        if let Some(d) = dept {
            line(d, &mut departments);
            if let Some(l) = departments.get_mut(&d) {
                if returned {
                    l.returns += 1;
                } else {
                    l.reopenings += 1;
                }
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
            .then(b.resolved.cmp(&a.resolved))
            .then(a.department_id.cmp(&b.department_id))
    });
    overdue.sort_by(|a, b| {
        b.days_overdue
            .cmp(&a.days_overdue)
            .then(a.due_at.cmp(&b.due_at))
    });

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
                filed: tickets.iter().filter(|t| within(t.created_at, r)).count() as u32,
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
            .iter()
            .filter(|t| within(t.created_at, range))
            .count() as u32,
        resolved: count(ActionKind::Resolve),
        closed: count(ActionKind::Close),
        open_at_end,
        overdue_at_end: overdue.len() as u32,
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
    }
}
