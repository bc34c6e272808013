//! The calendar's unit and property tests.

use super::*;
use proptest::prelude::*;

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn days(list: &[&str]) -> Vec<NaiveDate> {
    list.iter().map(|s| d(s)).collect()
}

/// The 2026 official calendar (国办发明电〔2025〕7号).
fn cal2026() -> WorkCalendar {
    let mut off = days(&["2026-01-01", "2026-01-02", "2026-01-03"]);
    off.extend(
        d("2026-02-15")
            .iter_days()
            .take_while(|x| *x <= d("2026-02-23")),
    );
    off.extend(days(&[
        "2026-04-04",
        "2026-04-05",
        "2026-04-06",
        "2026-05-01",
        "2026-05-02",
        "2026-05-03",
        "2026-05-04",
        "2026-05-05",
        "2026-06-19",
        "2026-06-20",
        "2026-06-21",
        "2026-09-25",
        "2026-09-26",
        "2026-09-27",
    ]));
    off.extend(d("2026-10-01").iter_days().take(7));
    let workdays = days(&[
        "2026-01-04",
        "2026-02-14",
        "2026-02-28",
        "2026-05-09",
        "2026-09-20",
        "2026-10-10",
    ]);
    WorkCalendar::new(
        vec![CalendarYear {
            year: 2026,
            off,
            workdays,
        }],
        WorkingHours::default(),
    )
    .unwrap()
}

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

#[test]
fn accepted_before_national_day_is_due_on_the_make_up_saturday() {
    let cal = cal2026();
    let due = cal.resolution_due(at("2026-09-30T10:00:00+08:00"), 3);
    assert_eq!(due, at("2026-10-10T18:00:00+08:00"));
}

#[test]
fn make_up_days_work_and_holidays_do_not() {
    let cal = cal2026();
    assert!(cal.is_working_day(d("2026-01-04"))); // Sunday, worked
    assert!(!cal.is_working_day(d("2026-01-02"))); // Friday, off
    assert!(!cal.is_working_day(d("2026-02-16")));
    assert!(cal.is_working_day(d("2026-02-28"))); // Saturday, worked
    assert!(!cal.is_working_day(d("2026-03-07"))); // ordinary Saturday
    assert!(cal.is_working_day(d("2026-03-09"))); // ordinary Monday
}

#[test]
fn working_hours_skip_nights_and_holidays() {
    let cal = cal2026();
    // Thursday 16:00 + 4h: 2h on Thursday, then Friday 1 Jan and the weekend are off,
    // except Sunday 4 Jan which is worked: due Sunday 11:00.
    let due = cal.add_working_hours(at("2025-12-31T16:00:00+08:00"), 4);
    assert_eq!(due, at("2026-01-04T11:00:00+08:00"));
    // Before opening time counts from opening time.
    let due = cal.add_working_hours(at("2026-03-09T07:30:00+08:00"), 2);
    assert_eq!(due, at("2026-03-09T11:00:00+08:00"));
    // Exactly filling a day ends at close of business, not the next morning.
    let due = cal.add_working_hours(at("2026-03-09T09:00:00+08:00"), 9);
    assert_eq!(due, at("2026-03-09T18:00:00+08:00"));
}

#[test]
fn extension_moves_by_working_days() {
    let cal = cal2026();
    let due = at("2026-09-30T18:00:00+08:00");
    assert_eq!(cal.extend(due, 1), at("2026-10-08T18:00:00+08:00"));
}

#[test]
fn working_days_between_counts_signed() {
    let cal = cal2026();
    let a = at("2026-09-30T12:00:00+08:00");
    let b = at("2026-10-10T09:00:00+08:00");
    assert_eq!(cal.working_days_between(a, b), 3);
    assert_eq!(cal.working_days_between(b, a), -3);
    assert_eq!(cal.working_days_between(a, a), 0);
}

#[test]
fn inconsistent_years_are_refused() {
    let bad = |off: &[&str], work: &[&str]| {
        WorkCalendar::new(
            vec![CalendarYear {
                year: 2026,
                off: days(off),
                workdays: days(work),
            }],
            WorkingHours::default(),
        )
    };
    assert!(matches!(
        bad(&["2025-12-31"], &[]),
        Err(CalendarError::WrongYear { .. })
    ));
    assert!(matches!(
        bad(&["2026-01-04"], &["2026-01-04"]),
        Err(CalendarError::Both(_))
    ));
    assert!(matches!(
        bad(&[], &["2026-01-05"]),
        Err(CalendarError::MakeUpOnWeekday(_))
    ));
    assert!(matches!(
        bad(&["2026-01-01", "2026-01-01"], &[]),
        Err(CalendarError::Duplicate(_))
    ));
}

proptest! {
    #[test]
    fn resolution_due_is_a_working_day_at_close_of_business(
        offset_min in 0i64..(366 * 24 * 60),
        n in 1u32..30,
    ) {
        let cal = cal2026();
        let accepted = at("2026-01-01T00:00:00+08:00") + Duration::minutes(offset_min);
        let due = cal.resolution_due(accepted, n);
        let local = due.with_timezone(&ZONE);
        prop_assert!(cal.is_working_day(local.date_naive()));
        prop_assert_eq!(local.time(), cal.hours().end);
        prop_assert!(due > accepted);
        prop_assert_eq!(cal.working_days_between(accepted, due), i64::from(n));
    }

    #[test]
    fn response_due_lies_within_working_hours(
        offset_min in 0i64..(366 * 24 * 60),
        hours in 1u32..40,
    ) {
        let cal = cal2026();
        let from = at("2026-01-01T00:00:00+08:00") + Duration::minutes(offset_min);
        let due = cal.add_working_hours(from, hours);
        let local = due.with_timezone(&ZONE);
        prop_assert!(cal.is_working_day(local.date_naive()));
        prop_assert!(local.time() > cal.hours().start && local.time() <= cal.hours().end);
        prop_assert!(due >= from + Duration::hours(i64::from(hours)));
    }

    /// The arithmetic count equals counting day by day, across holidays, make-up days,
    /// year ends and both directions.
    #[test]
    fn working_days_between_counts_like_day_by_day(
        a in 0i64..(3 * 366),
        b in 0i64..(3 * 366),
    ) {
        let cal = cal2026();
        let start = at("2025-06-01T10:00:00+08:00");
        let (from, to) = (start + Duration::days(a), start + Duration::days(b));
        let (x, y) = (from.with_timezone(&ZONE).date_naive(), to.with_timezone(&ZONE).date_naive());
        let (lo, hi, sign) = if x <= y { (x, y, 1) } else { (y, x, -1) };
        let slow = lo.iter_days().skip(1).take_while(|d| *d <= hi)
            .filter(|d| cal.is_working_day(*d)).count() as i64;
        prop_assert_eq!(cal.working_days_between(from, to), sign * slow);
    }

    /// A paused clock (挂起) neither loses nor gains working time: what was left when it
    /// stopped is exactly what is left when it resumes, wherever the pause falls (nights,
    /// weekends, the National Day holiday, make-up Saturdays, year ends).
    #[test]
    fn a_paused_clock_keeps_its_working_time(
        paused in 0i64..(2 * 366 * 24 * 60),
        left_min in 0i64..(30 * 9 * 60),
        pause_min in 0i64..(90 * 24 * 60),
    ) {
        let cal = cal2026();
        let paused_at = at("2025-06-01T00:00:00+08:00") + Duration::minutes(paused);
        let due = cal.add_working_time(paused_at, Duration::minutes(left_min));
        let left = cal.working_time_between(paused_at, due);
        prop_assert_eq!(left, Duration::minutes(left_min));
        let resumed_at = paused_at + Duration::minutes(pause_min);
        let new_due = cal.add_working_time(resumed_at, left);
        prop_assert_eq!(cal.working_time_between(resumed_at, new_due), left);
        prop_assert!(new_due >= due);
        let local = new_due.with_timezone(&ZONE);
        if left > Duration::zero() {
            prop_assert!(cal.is_working_day(local.date_naive()));
            prop_assert!(local.time() > cal.hours().start && local.time() <= cal.hours().end);
        }
    }
}

/// Far-apart days are counted by arithmetic, not one by one (a dashboard period in year
/// 262142 used to walk 95 million days).
#[test]
fn working_days_between_far_apart() {
    let cal = cal2026();
    let from = at("2026-01-01T10:00:00+08:00");
    let far = NaiveDate::from_ymd_opt(262_142, 12, 1).unwrap();
    let to = local_instant(far, NaiveTime::MIN);
    let n = cal.working_days_between(from, to);
    // About 5/7 of the days, less 2026's weekday holidays, plus its make-up days.
    let days = (far - from.with_timezone(&ZONE).date_naive()).num_days();
    assert!((n - days * 5 / 7).abs() < 30, "{n} vs {days}");
}
