//! Appraisal (考核) under random department figures and weights: a score is the sum of its
//! weighted indicators, within 0–100; better figures never score lower; the red and black
//! lists never overlap; a bulletin reads back from its stored form exactly as published.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

use chrono::TimeZone;
use gridline_domain::appraisal::{
    AppraisalPolicy, Bulletin, Indicator, compose, red_and_black, score, scores,
};
use gridline_domain::digest::{DepartmentLine, DigestStats, OverdueLine};
use gridline_domain::{DepartmentId, TicketId, UserId};
use proptest::prelude::*;

fn line() -> impl Strategy<Value = DepartmentLine> {
    (
        1i64..50,
        prop::array::uniform8(0u32..40),
        prop::array::uniform3(0u32..20),
    )
        .prop_map(|(id, a, s)| {
            let (signed, resolved, co) = (a[0], a[1], a[2]);
            DepartmentLine {
                department_id: DepartmentId(id),
                signed,
                signed_on_time: a[3].min(signed),
                resolved,
                resolved_on_time: a[4].min(resolved),
                overdue: a[5],
                returns: a[6],
                reopenings: a[7].min(resolved),
                paused_hours: 0.0,
                co_replies: co,
                co_replies_late: a[3].min(co),
                satisfied: s[0],
                basically_satisfied: s[1],
                unsatisfied: s[2],
                resolution_rate: None,
                signing_rate: None,
            }
        })
}

/// Random non-negative weights scaled to 100 points.
fn policy() -> impl Strategy<Value = AppraisalPolicy> {
    (
        prop::collection::vec(0u32..100, Indicator::ALL.len()),
        1usize..5,
    )
        .prop_map(|(raw, n)| {
            let total: u32 = raw.iter().sum::<u32>().max(1);
            let mut weights: Vec<f64> = raw
                .iter()
                .map(|w| f64::from(*w) * 100.0 / f64::from(total))
                .collect();
            if raw.iter().all(|w| *w == 0) {
                weights[0] = 100.0;
            }
            AppraisalPolicy {
                weights: Indicator::ALL.iter().copied().zip(weights).collect(),
                list_size: n,
                named_after_days: 5,
            }
        })
}

fn stats(ranking: Vec<DepartmentLine>, overdue: Vec<OverdueLine>) -> DigestStats {
    let mut s: DigestStats = serde_json::from_value(serde_json::json!({
        "filed": 0, "resolved": 0, "closed": 0, "open_at_end": 0, "overdue_at_end": 0,
        "dispatched": 0, "dispatched_on_time": 0, "dispatch_rate": null,
        "dispatch_overdue_at_end": 0, "signed": 0, "signed_on_time": 0, "resolved_on_time": 0,
        "signing_rate": null, "resolution_rate": null, "avg_working_days_to_resolve": null,
        "satisfied": 0, "basically_satisfied": 0, "unsatisfied": 0, "satisfaction_rate": null,
        "returns": 0, "reopenings": 0, "duplicates": 0, "withdrawn": 0, "invalid": 0,
        "out_of_scope": 0, "arbitrations": 0, "ranking": [], "overdue": [], "trend": []
    }))
    .unwrap();
    // One line per department.
    let mut seen = std::collections::BTreeSet::new();
    s.ranking = ranking
        .into_iter()
        .filter(|l| seen.insert(l.department_id))
        .collect();
    s.overdue = overdue;
    s
}

proptest! {
    #[test]
    fn a_score_is_the_sum_of_its_weighted_indicators(l in line(), p in policy()) {
        p.validate().unwrap();
        let s = score(&l, &p);
        let sum: f64 = s.indicators.iter().map(|i| i.points).sum();
        prop_assert!((s.score - sum).abs() < 1e-9);
        prop_assert!(s.score >= -1e-9 && s.score <= 100.0 + 1e-9, "{}", s.score);
        for i in &s.indicators {
            prop_assert_eq!(i.weight, p.weights[&i.indicator]);
            prop_assert!((i.points - i.weight * i.value.unwrap_or(1.0)).abs() < 1e-9);
            prop_assert!(i.value.is_none_or(|v| (0.0..=1.0).contains(&v)));
        }
    }

    #[test]
    fn better_figures_never_score_lower(l in line(), p in policy()) {
        let before = score(&l, &p).score;
        let mut better = l.clone();
        better.signed_on_time = (better.signed_on_time + 1).min(better.signed);
        better.resolved_on_time = (better.resolved_on_time + 1).min(better.resolved);
        better.co_replies_late = better.co_replies_late.saturating_sub(1);
        better.unsatisfied = better.unsatisfied.saturating_sub(1);
        better.satisfied += u32::from(l.unsatisfied > 0);
        prop_assert!(score(&better, &p).score >= before - 1e-9);
    }

    #[test]
    fn the_lists_never_overlap(lines in prop::collection::vec(line(), 0..12), p in policy()) {
        let all = scores(&stats(lines, vec![]), &p);
        for w in all.windows(2) {
            prop_assert!(w[0].score >= w[1].score);
        }
        let (red, black) = red_and_black(&all, p.list_size);
        prop_assert!(red.len() <= p.list_size && black.len() <= p.list_size);
        prop_assert!(red.iter().all(|d| !black.contains(d)));
        let active = |d: &DepartmentId| all.iter().any(|s| s.department_id == *d && s.active);
        prop_assert!(red.iter().chain(&black).all(active));
    }

    /// What is stored is what was published: the bulletin reads back equal, whatever the
    /// figures (the store keeps this form; later changes to tickets never reach it).
    #[test]
    fn a_bulletin_reads_back_as_published(
        lines in prop::collection::vec(line(), 0..8),
        days in prop::collection::vec(0i64..30, 0..6),
        p in policy(),
    ) {
        let overdue = days
            .iter()
            .enumerate()
            .map(|(i, d)| OverdueLine {
                ticket_id: TicketId(i as i64 + 1),
                number: format!("GL-2026-{i:06}"),
                title: "迟办".into(),
                accountable_leader_id: Some(UserId(1)),
                department_id: Some(DepartmentId(1)),
                responsible_person_id: None,
                due_at: chrono::Utc.with_ymd_and_hms(2026, 11, 2, 10, 0, 0).unwrap(),
                days_overdue: *d,
            })
            .collect();
        let at = chrono::Utc.with_ymd_and_hms(2026, 12, 1, 2, 0, 0).unwrap();
        let b = compose("2026-11".into(), stats(lines, overdue), &p, 3, at, UserId(9));
        prop_assert!(b.named.iter().all(|o| o.days_overdue >= 3 + 5));
        prop_assert_eq!(b.named.len(), days.iter().filter(|d| **d >= 8).count());
        let stored = serde_json::to_string(&b).unwrap();
        let back: Bulletin = serde_json::from_str(&stored).unwrap();
        prop_assert_eq!(back, b);
    }
}

#[test]
fn the_default_weights_make_100_points() {
    AppraisalPolicy::default().validate().unwrap();
    let mut p = AppraisalPolicy::default();
    p.weights.insert(Indicator::Signing, 20.0);
    assert!(p.validate().unwrap_err().contains("105"));
}
