//! Policy targeting and key-project standing under random enterprises, criteria and plans.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

use chrono::{Duration, NaiveDate};
use gridline_domain::policy::{EnterpriseFacts, Targeting};
use gridline_domain::project::{MilestoneFacts, Standing, milestone_standing, project_standing};
use gridline_domain::{Cluster, EnterpriseId, GridId};
use proptest::prelude::*;

fn enterprises() -> impl Strategy<Value = Vec<EnterpriseFacts>> {
    prop::collection::vec((0u8..4, 0usize..4, any::<bool>()), 0..30).prop_map(|v| {
        v.into_iter()
            .enumerate()
            .map(|(i, (g, c, a))| EnterpriseFacts {
                id: EnterpriseId(i as i64),
                grid_id: GridId(i64::from(g)),
                cluster: [
                    Cluster::ElectronicInformation,
                    Cluster::FoodBeverageWater,
                    Cluster::MachineryMoulds,
                    Cluster::Other,
                ][c],
                above_size: a,
            })
            .collect()
    })
}

fn day(n: i64) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 1, 1).unwrap() + Duration::days(n)
}

proptest! {
    #[test]
    fn a_narrower_targeting_never_targets_more(all in enterprises(), g in 0i64..4, above in any::<bool>()) {
        let wide = Targeting::default();
        let narrow = Targeting { grids: vec![GridId(g)], ..Targeting::default() };
        let narrower = Targeting { above_size: Some(above), ..narrow.clone() };
        let count = |t: &Targeting| all.iter().filter(|e| t.admits(e)).count();
        prop_assert_eq!(count(&wide), all.len());
        prop_assert!(count(&narrower) <= count(&narrow));
        prop_assert!(count(&narrow) <= count(&wide));
        for e in all.iter().filter(|e| narrower.admits(e)) {
            prop_assert_eq!(e.grid_id, GridId(g));
            prop_assert_eq!(e.above_size, above);
        }
    }

    #[test]
    fn a_hand_picked_list_is_exactly_what_it_names(all in enterprises(), picks in prop::collection::vec(0i64..40, 1..5)) {
        let t = Targeting { enterprises: picks.iter().map(|p| EnterpriseId(*p)).collect(), grids: vec![GridId(0)], ..Targeting::default() };
        let chosen: Vec<i64> = all.iter().filter(|e| t.admits(e)).map(|e| e.id.0).collect();
        for id in &chosen {
            prop_assert!(picks.contains(id));
        }
        prop_assert_eq!(chosen.len(), all.iter().filter(|e| picks.contains(&e.id.0)).count());
    }

    #[test]
    fn a_project_is_as_late_as_its_latest_milestone(
        plan in prop::collection::vec((0i64..400, prop::option::of(0i64..400)), 1..8),
        today in 0i64..400,
    ) {
        let ms: Vec<MilestoneFacts> = plan.iter().map(|(p, r)| MilestoneFacts { planned_on: day(*p), reached_on: r.map(day) }).collect();
        let today = day(today);
        let s = project_standing(&ms, today);
        let any_late = ms.iter().any(|m| m.reached_on.is_none() && m.planned_on < today);
        prop_assert_eq!(s == Standing::Late, any_late);
        prop_assert_eq!(s == Standing::Done, ms.iter().all(|m| m.reached_on.is_some()));
        // Reaching every milestone makes it done, whatever the dates.
        let all_done: Vec<_> = ms.iter().map(|m| MilestoneFacts { reached_on: Some(m.planned_on), ..*m }).collect();
        prop_assert_eq!(project_standing(&all_done, today), Standing::Done);
        for m in &ms {
            let st = milestone_standing(m, today);
            prop_assert_eq!(st == Standing::Done, m.reached_on.is_some());
        }
    }
}
