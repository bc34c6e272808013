//! Digest periods (ISO weeks and calendar months in Asia/Shanghai) and when each falls due.

use chrono::{DateTime, Datelike, Duration, IsoWeek, NaiveDate, NaiveTime, Utc, Weekday};

use crate::calendar::{WorkCalendar, ZONE, local_instant};

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
