//! Coverage rules (走访覆盖率) under random enterprises, visits and days.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

use chrono::{Duration, NaiveDate};
use gridline_domain::visit::{Cadence, VisitFacts, VisitTargets, coverage, state_on};
use gridline_domain::{EnterpriseId, GridId};
use proptest::prelude::*;

fn day(n: i64) -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 1, 1).unwrap() + Duration::days(n)
}

fn cadence() -> impl Strategy<Value = Cadence> {
    prop::sample::select(Cadence::ALL.to_vec())
}

fn enterprise() -> impl Strategy<Value = (u8, bool, i64, Vec<i64>)> {
    (
        0u8..4,
        any::<bool>(),
        0i64..700,
        prop::collection::vec(0i64..730, 0..6),
    )
}

proptest! {
    #[test]
    fn a_period_holds_its_day_and_follows_the_previous(c in cadence(), n in 0i64..2000) {
        let d = day(n);
        let (start, end) = c.period(d);
        prop_assert!(start <= d && d < end);
        let (ps, pe) = c.previous(d);
        prop_assert_eq!(pe, start);
        prop_assert!(ps < pe);
        // Every day of a period names the same period.
        prop_assert_eq!(c.period(end - Duration::days(1)), (start, end));
    }

    #[test]
    fn coverage_counts_add_up(
        above in cadence(),
        others in cadence(),
        ents in prop::collection::vec(enterprise(), 0..40),
        today in 0i64..730,
    ) {
        let targets = VisitTargets { above_size: above, others };
        let facts: Vec<VisitFacts> = ents
            .iter()
            .enumerate()
            .map(|(i, (g, a, reg, visits))| VisitFacts {
                enterprise_id: EnterpriseId(i as i64),
                grid_id: GridId(i64::from(*g)),
                above_size: *a,
                registered_on: day(*reg),
                last_visits: visits.iter().map(|v| day(*v)).collect(),
            })
            .collect();
        let today = day(today);
        let lines = coverage(&targets, &facts, today);
        let registered = facts.iter().filter(|f| f.registered_on <= today).count() as u64;
        prop_assert_eq!(lines.iter().map(|c| c.due).sum::<u64>(), registered);
        for c in &lines {
            prop_assert!(c.visited + c.overdue <= c.due);
            let rate = c.rate().unwrap();
            prop_assert!((0.0..=1.0).contains(&rate));
        }
        // A visit today covers any enterprise.
        for f in &facts {
            let mut seen = f.clone();
            seen.last_visits.push(today);
            prop_assert!(state_on(&targets, &seen, today).visited());
        }
    }
}
