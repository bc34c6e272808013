//! Visits (走访): how a liaison met an enterprise, what they talked about, and the rhythm
//! each enterprise class is visited on (coverage: visited ÷ due).
//!
//! Coverage is counted per enterprise over the cadence period of its class that holds the
//! day asked about: an above-size enterprise on a monthly cadence is covered for November
//! when it had a visit dated in November up to that day. An enterprise is overdue when it
//! had no visit in its previous period and none yet in this one (a new period does not make
//! every enterprise late on its first day).

use chrono::{Datelike, Duration, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::error::DomainError;
use crate::ids::{EnterpriseId, GridId};
use crate::org::{Actor, Role};
use crate::permission::Scope;

string_enum! {
    /// How the visit was made.
    VisitMode {
        OnSite = "on_site" / "实地走访",
        Phone = "phone" / "电话",
        Video = "video" / "视频",
        Meeting = "meeting" / "座谈会",
    }
}

string_enum! {
    /// What was talked about (a fixed list; free text goes beside it).
    Topic {
        Operations = "operations" / "生产经营",
        Land = "land" / "用地",
        Utilities = "utilities" / "水电气",
        Permits = "permits" / "审批报建",
        Hiring = "hiring" / "用工",
        Finance = "finance" / "融资",
        Policy = "policy" / "政策",
        Safety = "safety" / "安全环保",
        Other = "other" / "其他",
    }
}

string_enum! {
    /// How often an enterprise class is to be visited.
    Cadence {
        Week = "week" / "每周",
        Month = "month" / "每月",
        Quarter = "quarter" / "每季度",
        HalfYear = "half_year" / "每半年",
        Year = "year" / "每年",
    }
}

impl Cadence {
    /// The period `[first, end)` of this cadence holding `day`.
    pub fn period(self, day: NaiveDate) -> (NaiveDate, NaiveDate) {
        let first_of = |year: i32, month: u32| {
            NaiveDate::from_ymd_opt(year, month, 1).unwrap_or(NaiveDate::MIN)
        };
        let months = |n: u32| {
            let m0 = (day.month0() / n) * n;
            let start = first_of(day.year(), m0 + 1);
            let next = m0 + n;
            let end = if next >= 12 {
                first_of(day.year() + 1, next - 12 + 1)
            } else {
                first_of(day.year(), next + 1)
            };
            (start, end)
        };
        match self {
            Cadence::Week => {
                let start = day - Duration::days(i64::from(day.weekday().num_days_from_monday()));
                (start, start + Duration::days(7))
            }
            Cadence::Month => months(1),
            Cadence::Quarter => months(3),
            Cadence::HalfYear => months(6),
            Cadence::Year => months(12),
        }
    }

    /// The period before the one holding `day`.
    pub fn previous(self, day: NaiveDate) -> (NaiveDate, NaiveDate) {
        let (start, _) = self.period(day);
        self.period(start - Duration::days(1))
    }
}

/// The coverage targets (config `[visits]`): how often each class is to be visited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VisitTargets {
    /// Above-size enterprises (规上企业).
    pub above_size: Cadence,
    /// Every other enterprise.
    pub others: Cadence,
}

impl Default for VisitTargets {
    fn default() -> Self {
        Self {
            above_size: Cadence::Month,
            others: Cadence::Quarter,
        }
    }
}

impl VisitTargets {
    /// The cadence of an enterprise.
    pub fn cadence(&self, above_size: bool) -> Cadence {
        if above_size {
            self.above_size
        } else {
            self.others
        }
    }
}

/// An enterprise as coverage sees it: its class, when it entered the register (local day),
/// and the local days of its visits up to the day asked about (any order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisitFacts {
    pub enterprise_id: EnterpriseId,
    pub grid_id: GridId,
    pub above_size: bool,
    pub registered_on: NaiveDate,
    pub last_visits: Vec<NaiveDate>,
}

/// Where an enterprise stands on `day`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum VisitState {
    /// Visited in the current period.
    Visited { on: NaiveDate },
    /// Not yet visited in the current period, which ends before `by`.
    Due { by: NaiveDate },
    /// No visit in the previous period nor yet in this one.
    Overdue { by: NaiveDate },
}

impl VisitState {
    /// Whether the enterprise counts as visited.
    pub fn visited(self) -> bool {
        matches!(self, VisitState::Visited { .. })
    }
}

/// Where `facts` stands on `day` under `targets`. Visits after `day` are not counted.
pub fn state_on(targets: &VisitTargets, facts: &VisitFacts, day: NaiveDate) -> VisitState {
    let cadence = targets.cadence(facts.above_size);
    let (start, end) = cadence.period(day);
    let in_range = |from: NaiveDate, to: NaiveDate| {
        facts
            .last_visits
            .iter()
            .copied()
            .filter(|d| *d >= from && *d < to && *d <= day)
            .max()
    };
    if let Some(on) = in_range(start, end) {
        return VisitState::Visited { on };
    }
    let (prev_start, prev_end) = cadence.previous(day);
    let new_this_period = facts.registered_on >= prev_end;
    if new_this_period || in_range(prev_start, prev_end).is_some() {
        VisitState::Due { by: end }
    } else {
        VisitState::Overdue { by: end }
    }
}

/// One grid's coverage on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Coverage {
    pub grid_id: GridId,
    /// Active enterprises that are due a visit in their current period.
    pub due: u64,
    /// Of those, visited in it.
    pub visited: u64,
    /// Of those, not visited in the previous period either.
    pub overdue: u64,
}

impl Coverage {
    /// visited ÷ due, or `None` when nothing is due.
    pub fn rate(&self) -> Option<f64> {
        (self.due > 0).then(|| self.visited as f64 / self.due as f64)
    }
}

/// Coverage per grid on `day`, for every grid with an enterprise (ordered by grid id).
pub fn coverage(targets: &VisitTargets, facts: &[VisitFacts], day: NaiveDate) -> Vec<Coverage> {
    let mut by_grid = std::collections::BTreeMap::<GridId, Coverage>::new();
    for f in facts.iter().filter(|f| f.registered_on <= day) {
        let c = by_grid.entry(f.grid_id).or_insert(Coverage {
            grid_id: f.grid_id,
            due: 0,
            visited: 0,
            overdue: 0,
        });
        c.due += 1;
        match state_on(targets, f, day) {
            VisitState::Visited { .. } => c.visited += 1,
            VisitState::Overdue { .. } => c.overdue += 1,
            VisitState::Due { .. } => {}
        }
    }
    by_grid.into_values().collect()
}

/// Whether `actor` may record a visit to an enterprise of `grid`: the grid's liaison, as
/// for filing its tickets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorder {
    Yes,
    /// Not a liaison.
    WrongRole,
    /// A liaison of another grid.
    OtherGrid,
}

/// See [`Recorder`].
pub fn recorder(actor: &Actor, grid: GridId) -> Recorder {
    if actor.role() != Role::Liaison {
        Recorder::WrongRole
    } else if actor.user.grid_id != Some(grid) {
        Recorder::OtherGrid
    } else {
        Recorder::Yes
    }
}

/// The grids whose visits and coverage a scope sees: grid work belongs to those who see
/// whole grids (administrators, top leaders, the service centre: `None`, every grid; grid
/// heads, liaisons, linked leaders: theirs). Departments, task forces and trackers see none.
pub fn visible_grids(scope: &Scope) -> Option<Vec<GridId>> {
    match scope {
        Scope::All => None,
        Scope::Grids(g) | Scope::Leader { grids: g, .. } => Some(g.clone()),
        _ => Some(vec![]),
    }
}

/// How far back a visit may be dated: a liaison records it the same week, not months later
/// (a late record would rewrite coverage already reported).
pub const MAX_BACKDATE_DAYS: i64 = 31;

/// Checks a visit's date against `today` (both local): not in the future, not older than
/// [`MAX_BACKDATE_DAYS`].
pub fn check_date(date: NaiveDate, today: NaiveDate) -> Result<(), DomainError> {
    if date > today {
        return Err(DomainError::invalid(
            "visited_on",
            "in_future",
            "a visit cannot be dated in the future / 走访日期不能晚于今天",
        ));
    }
    if (today - date).num_days() > MAX_BACKDATE_DAYS {
        return Err(DomainError::invalid(
            "visited_on",
            "too_old",
            format!(
                "a visit is recorded within {MAX_BACKDATE_DAYS} days / 走访须在 {MAX_BACKDATE_DAYS} 天内登记"
            ),
        ));
    }
    Ok(())
}

/// How far back coverage may be asked for, in days (the cost of a request is set by the
/// data, not by the day typed).
pub const COVERAGE_DAYS_BACK: i64 = 3660;

/// Checks a day coverage is asked for: not after `today`, at most ten years back.
pub fn check_coverage_day(day: NaiveDate, today: NaiveDate) -> Result<(), DomainError> {
    if day > today || (today - day).num_days() > COVERAGE_DAYS_BACK {
        return Err(DomainError::invalid(
            "day",
            "out_of_range",
            "a day from ten years ago to today / 日期须在十年内且不晚于今天",
        ));
    }
    Ok(())
}

/// The most problems one visit may file as tickets at once.
pub const MAX_PROBLEMS: usize = 10;

/// Parses the topics: at least one, each known, none twice (order kept).
pub fn parse_topics(raw: &[String]) -> Result<Vec<Topic>, DomainError> {
    let mut out = Vec::new();
    for r in raw {
        let t = Topic::parse(r.trim()).ok_or_else(|| {
            DomainError::invalid(
                "topics",
                "unknown_topic",
                format!("unknown topic {r:?} / 未知的话题"),
            )
        })?;
        if !out.contains(&t) {
            out.push(t);
        }
    }
    if out.is_empty() {
        return Err(DomainError::invalid(
            "topics",
            "required",
            "pick at least one topic / 至少选择一个走访话题",
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn facts(above: bool, registered: NaiveDate, visits: &[NaiveDate]) -> VisitFacts {
        VisitFacts {
            enterprise_id: EnterpriseId(1),
            grid_id: GridId(1),
            above_size: above,
            registered_on: registered,
            last_visits: visits.to_vec(),
        }
    }

    #[test]
    fn periods() {
        assert_eq!(
            Cadence::Month.period(d(2026, 12, 31)),
            (d(2026, 12, 1), d(2027, 1, 1))
        );
        assert_eq!(
            Cadence::Quarter.period(d(2026, 11, 29)),
            (d(2026, 10, 1), d(2027, 1, 1))
        );
        assert_eq!(
            Cadence::Quarter.previous(d(2026, 1, 5)),
            (d(2025, 10, 1), d(2026, 1, 1))
        );
        assert_eq!(
            Cadence::HalfYear.period(d(2026, 7, 1)),
            (d(2026, 7, 1), d(2027, 1, 1))
        );
        assert_eq!(
            Cadence::Year.period(d(2026, 3, 3)),
            (d(2026, 1, 1), d(2027, 1, 1))
        );
        // 2026-11-29 is a Sunday.
        assert_eq!(
            Cadence::Week.period(d(2026, 11, 29)),
            (d(2026, 11, 23), d(2026, 11, 30))
        );
    }

    #[test]
    fn states() {
        let t = VisitTargets::default();
        let old = d(2025, 1, 1);
        let today = d(2026, 11, 29);
        assert_eq!(
            state_on(&t, &facts(true, old, &[d(2026, 11, 3)]), today),
            VisitState::Visited { on: d(2026, 11, 3) }
        );
        // Visited last month: due this month, not late.
        assert_eq!(
            state_on(&t, &facts(true, old, &[d(2026, 10, 30)]), today),
            VisitState::Due { by: d(2026, 12, 1) }
        );
        // Nothing last month nor this: overdue.
        assert_eq!(
            state_on(&t, &facts(true, old, &[d(2026, 9, 30)]), today),
            VisitState::Overdue { by: d(2026, 12, 1) }
        );
        // Registered this month: only due.
        assert_eq!(
            state_on(&t, &facts(true, d(2026, 11, 10), &[]), today),
            VisitState::Due { by: d(2026, 12, 1) }
        );
        // Others go by the quarter: an October visit covers November.
        assert!(state_on(&t, &facts(false, old, &[d(2026, 10, 2)]), today).visited());
        // A visit after the day asked about does not count for it.
        assert!(!state_on(&t, &facts(true, old, &[d(2026, 11, 20)]), d(2026, 11, 10)).visited());
    }

    #[test]
    fn dates_and_topics() {
        let today = d(2026, 11, 29);
        assert!(check_date(today, today).is_ok());
        assert!(check_date(d(2026, 10, 29), today).is_ok());
        assert!(check_date(d(2026, 11, 30), today).is_err());
        assert!(check_date(d(2026, 10, 28), today).is_err());
        assert!(check_coverage_day(today, today).is_ok());
        assert!(check_coverage_day(d(2026, 11, 30), today).is_err());
        assert!(check_coverage_day(d(2016, 1, 1), today).is_err());
        let topics = parse_topics(&["land".into(), "hiring".into(), "land".into()]).unwrap();
        assert_eq!(topics, vec![Topic::Land, Topic::Hiring]);
        assert!(parse_topics(&[]).is_err());
        assert!(parse_topics(&["weather".into()]).is_err());
    }
}
