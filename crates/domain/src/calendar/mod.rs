//! The official working-day calendar (工作日历) and the deadlines computed from it.
//!
//! Statutory days off are not working days; make-up working days (调休上班), often a
//! Saturday or Sunday, are. The calendar is data, one [`CalendarYear`] per year, loaded from
//! config and renewed when the State Council publishes the next year. All local times are
//! Asia/Shanghai.

use std::collections::BTreeSet;

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Asia::Shanghai;
use chrono_tz::Tz;
use serde::Deserialize;

/// The zone's time zone.
pub const ZONE: Tz = Shanghai;

/// One year of the official calendar, as published.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalendarYear {
    pub year: i32,
    /// Statutory days off (法定节假日放假), including the weekend days inside a holiday.
    pub off: Vec<NaiveDate>,
    /// Make-up working days (调休上班).
    pub workdays: Vec<NaiveDate>,
}

/// Why a calendar year was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("{date} is listed under {year} but belongs to another year")]
    WrongYear { year: i32, date: NaiveDate },
    #[error("{0} is listed both as a day off and as a make-up working day")]
    Both(NaiveDate),
    #[error("{0} is a make-up working day but already a weekday")]
    MakeUpOnWeekday(NaiveDate),
    #[error("{0} is listed twice")]
    Duplicate(NaiveDate),
    #[error("year {0} is loaded twice")]
    DuplicateYear(i32),
    #[error("working hours must start before they end")]
    Hours,
}

/// The working day's hours: deadlines in hours count only time inside them, and
/// "close of business" is `end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkingHours {
    pub start: NaiveTime,
    pub end: NaiveTime,
}

impl Default for WorkingHours {
    fn default() -> Self {
        Self {
            start: NaiveTime::from_hms_opt(9, 0, 0).unwrap_or(NaiveTime::MIN),
            end: NaiveTime::from_hms_opt(18, 0, 0).unwrap_or(NaiveTime::MIN),
        }
    }
}

/// Working days and hours. Years not loaded fall back to Monday–Friday.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkCalendar {
    off: BTreeSet<NaiveDate>,
    makeup: BTreeSet<NaiveDate>,
    years: BTreeSet<i32>,
    hours: WorkingHours,
}

impl WorkCalendar {
    /// Builds a calendar from published years, checking each for consistency.
    pub fn new(years: Vec<CalendarYear>, hours: WorkingHours) -> Result<Self, CalendarError> {
        if hours.start >= hours.end {
            return Err(CalendarError::Hours);
        }
        let mut cal = WorkCalendar {
            off: BTreeSet::new(),
            makeup: BTreeSet::new(),
            years: BTreeSet::new(),
            hours,
        };
        for y in years {
            if !cal.years.insert(y.year) {
                return Err(CalendarError::DuplicateYear(y.year));
            }
            for &d in y.off.iter().chain(&y.workdays) {
                if d.year() != y.year {
                    return Err(CalendarError::WrongYear {
                        year: y.year,
                        date: d,
                    });
                }
            }
            for &d in &y.off {
                if !cal.off.insert(d) {
                    return Err(CalendarError::Duplicate(d));
                }
            }
            for &d in &y.workdays {
                if cal.off.contains(&d) {
                    return Err(CalendarError::Both(d));
                }
                if !is_weekend(d) {
                    return Err(CalendarError::MakeUpOnWeekday(d));
                }
                if !cal.makeup.insert(d) {
                    return Err(CalendarError::Duplicate(d));
                }
            }
        }
        Ok(cal)
    }

    /// The years loaded from published data.
    pub fn years(&self) -> impl Iterator<Item = i32> + '_ {
        self.years.iter().copied()
    }

    /// Whether `year` comes from published data (otherwise it is Monday–Friday).
    pub fn covers(&self, year: i32) -> bool {
        self.years.contains(&year)
    }

    /// The working hours.
    pub fn hours(&self) -> WorkingHours {
        self.hours
    }

    /// Statutory days off of `year`.
    pub fn off_days(&self, year: i32) -> Vec<NaiveDate> {
        self.off
            .iter()
            .copied()
            .filter(|d| d.year() == year)
            .collect()
    }

    /// Make-up working days of `year`.
    pub fn makeup_days(&self, year: i32) -> Vec<NaiveDate> {
        self.makeup
            .iter()
            .copied()
            .filter(|d| d.year() == year)
            .collect()
    }

    /// Whether people work on `date`.
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        if self.makeup.contains(&date) {
            return true;
        }
        !self.off.contains(&date) && !is_weekend(date)
    }

    /// The `n`th working day after `date` (`n = 0` is `date` itself).
    pub fn nth_working_day_after(&self, date: NaiveDate, n: u32) -> NaiveDate {
        let mut d = date;
        let mut left = n;
        while left > 0 {
            d = d.succ_opt().unwrap_or(d);
            if self.is_working_day(d) {
                left -= 1;
            }
        }
        d
    }

    /// Close of business on `date`, as an instant.
    pub fn close_of_business(&self, date: NaiveDate) -> DateTime<Utc> {
        local_instant(date, self.hours.end)
    }

    /// The resolution deadline: close of business on the `days`th working day after the
    /// local day of `accepted_at`.
    pub fn resolution_due(&self, accepted_at: DateTime<Utc>, days: u32) -> DateTime<Utc> {
        let day = accepted_at.with_timezone(&ZONE).date_naive();
        self.close_of_business(self.nth_working_day_after(day, days))
    }

    /// Moves a deadline by `days` working days (an approved extension).
    pub fn extend(&self, due: DateTime<Utc>, days: u32) -> DateTime<Utc> {
        let day = due.with_timezone(&ZONE).date_naive();
        self.close_of_business(self.nth_working_day_after(day, days))
    }

    /// `hours` working hours after `from`, counting only time within working hours on
    /// working days (the response deadline).
    pub fn add_working_hours(&self, from: DateTime<Utc>, hours: u32) -> DateTime<Utc> {
        self.add_working_time(from, Duration::hours(i64::from(hours)))
    }

    /// `time` of working time after `from` (a paused clock resumed with what it had left).
    pub fn add_working_time(&self, from: DateTime<Utc>, time: Duration) -> DateTime<Utc> {
        let mut left = time.max(Duration::zero());
        let local = from.with_timezone(&ZONE);
        let mut day = local.date_naive();
        let mut start = local.time();
        loop {
            if self.is_working_day(day) && start < self.hours.end {
                let begin = start.max(self.hours.start);
                let available = self.hours.end - begin;
                if left <= available {
                    return local_instant(day, begin) + left;
                }
                left -= available;
            }
            day = match day.succ_opt() {
                Some(d) => d,
                None => return from,
            };
            start = NaiveTime::MIN;
        }
    }

    /// The working time (within working hours on working days) from `from` to `to`; zero
    /// when `to` is not later. Walks the days between, so callers keep the span bounded (a
    /// pause's remaining time is at most the time to a deadline).
    pub fn working_time_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Duration {
        if to <= from {
            return Duration::zero();
        }
        let (a, b) = (from.with_timezone(&ZONE), to.with_timezone(&ZONE));
        let mut total = Duration::zero();
        let mut day = a.date_naive();
        let last = b.date_naive();
        while day <= last {
            if self.is_working_day(day) {
                let lo = if day == a.date_naive() {
                    a.time().max(self.hours.start)
                } else {
                    self.hours.start
                };
                let hi = if day == last {
                    b.time().min(self.hours.end)
                } else {
                    self.hours.end
                };
                if hi > lo {
                    total += hi - lo;
                }
            }
            day = match day.succ_opt() {
                Some(d) => d,
                None => break,
            };
        }
        total
    }

    /// Whole working days from the local day of `from` to the local day of `to`: 0 when
    /// `to` is on the same day, negative when `to` is earlier. Used for "time left" and
    /// "days overdue".
    ///
    /// Counted arithmetically (weekdays by whole weeks, then the listed days off and make-up
    /// days in the range), so its cost does not grow with the distance between the days.
    pub fn working_days_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> i64 {
        use std::ops::Bound::{Excluded, Included};
        let a = from.with_timezone(&ZONE).date_naive();
        let b = to.with_timezone(&ZONE).date_naive();
        let (lo, hi, sign) = if a <= b { (a, b, 1) } else { (b, a, -1) };
        // Working days in (lo, hi]: weekdays, less statutory days off that fall on weekdays
        // (a holiday's weekend days are listed too), plus make-up days (always weekends).
        let weekdays = weekdays_through(hi) - weekdays_through(lo);
        let off = self
            .off
            .range((Excluded(lo), Included(hi)))
            .filter(|d| !is_weekend(**d))
            .count();
        let makeup = self.makeup.range((Excluded(lo), Included(hi))).count();
        let count = weekdays - i64::try_from(off).unwrap_or(0) + i64::try_from(makeup).unwrap_or(0);
        sign * count
    }
}

/// Monday to Friday days from 0001-01-01 (a Monday) through `d`, counted by whole weeks.
fn weekdays_through(d: NaiveDate) -> i64 {
    let days = i64::from(d.num_days_from_ce()); // 0001-01-01 is day 1
    let (weeks, rest) = (days.div_euclid(7), days.rem_euclid(7));
    weeks * 5 + rest.min(5)
}

fn is_weekend(d: NaiveDate) -> bool {
    matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

/// The instant of a local date and time in the zone (no DST in Asia/Shanghai since 1991).
pub fn local_instant(date: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
    ZONE.from_local_datetime(&date.and_time(time))
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| date.and_time(time).and_utc())
}

#[cfg(test)]
mod tests;
