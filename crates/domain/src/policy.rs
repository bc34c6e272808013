//! Policy delivery (送政策上门): which enterprises a policy targets, who publishes, how a
//! delivery is answered, and the figures per policy and grid.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::calendar::{WorkCalendar, ZONE};
use crate::error::DomainError;
use crate::ids::{DepartmentId, EnterpriseId, GridId};
use crate::org::{Actor, Cluster, Role};

string_enum! {
    /// How the policy reached the enterprise.
    Channel {
        Visit = "visit" / "上门",
        Phone = "phone" / "电话",
        Wechat = "wechat" / "微信",
        Meeting = "meeting" / "会议",
    }
}

string_enum! {
    /// What the enterprise answered.
    Answer {
        NotRelevant = "not_relevant" / "不适用",
        Interested = "interested" / "有意向",
        WillApply = "will_apply" / "将申报",
    }
}

/// Whom a policy is for. A hand-picked list wins; otherwise every active enterprise that
/// matches each non-empty criterion (clusters, size, grids) is targeted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Targeting {
    #[serde(default)]
    pub clusters: Vec<Cluster>,
    /// `true`: above-size only; `false`: the others only; absent: both.
    #[serde(default)]
    pub above_size: Option<bool>,
    #[serde(default)]
    pub grids: Vec<GridId>,
    /// A hand-picked list (the other criteria are then ignored).
    #[serde(default)]
    pub enterprises: Vec<EnterpriseId>,
}

/// An enterprise as targeting sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EnterpriseFacts {
    pub id: EnterpriseId,
    pub grid_id: GridId,
    pub cluster: Cluster,
    pub above_size: bool,
}

impl Targeting {
    /// Whether `e` is targeted.
    pub fn admits(&self, e: &EnterpriseFacts) -> bool {
        if !self.enterprises.is_empty() {
            return self.enterprises.contains(&e.id);
        }
        (self.clusters.is_empty() || self.clusters.contains(&e.cluster))
            && self.above_size.is_none_or(|a| a == e.above_size)
            && (self.grids.is_empty() || self.grids.contains(&e.grid_id))
    }

    /// The targeted enterprises among `all`; refused when none is.
    pub fn select(&self, all: &[EnterpriseFacts]) -> Result<Vec<EnterpriseFacts>, DomainError> {
        let out: Vec<_> = all.iter().copied().filter(|e| self.admits(e)).collect();
        if out.is_empty() {
            return Err(DomainError::invalid(
                "targeting",
                "no_targets",
                "the targeting matches no active enterprise / 该政策没有匹配的在册企业",
            ));
        }
        Ok(out)
    }
}

string_enum! {
    /// A notice about deliveries still to make (one per policy and liaison).
    DeliveryNotice {
        Warning = "delivery_warning" / "政策送达即将到期",
        Overdue = "delivery_overdue" / "政策送达已逾期",
    }
}

/// The notice due at `now` for a pending delivery of a policy published at `published`
/// and due at `due`: the same warning point as a ticket's deadline (the notice policy's
/// share of the time), then overdue.
pub fn delivery_notice(
    published: DateTime<Utc>,
    due: DateTime<Utc>,
    now: DateTime<Utc>,
    policy: &crate::notice::NoticePolicy,
) -> Option<DeliveryNotice> {
    if now >= due {
        Some(DeliveryNotice::Overdue)
    } else if now >= crate::notice::warn_at(published, due, policy) {
        Some(DeliveryNotice::Warning)
    } else {
        None
    }
}

impl DeliveryNotice {
    /// Sent once per policy, liaison and kind.
    pub fn dedupe_key(self, policy: i64, liaison: i64) -> String {
        format!("{}:{policy}:{liaison}", self.as_str())
    }
}

/// Policy settings (config `[policies]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicySettings {
    /// The department whose officers publish policies besides administrators (by name).
    pub publisher_department: String,
    /// Working days a liaison has to deliver a published policy.
    pub delivery_days: u32,
}

impl Default for PolicySettings {
    fn default() -> Self {
        Self {
            publisher_department: "经济发展局".into(),
            delivery_days: 5,
        }
    }
}

/// The grids whose deliveries an actor sees: publishers see every delivery of the
/// catalogue; everyone else the grids they see whole (`visit::visible_grids`).
pub fn delivery_grids(actor: &Actor, publisher: Option<DepartmentId>) -> Option<Vec<GridId>> {
    if publishes(actor, publisher) {
        None
    } else {
        crate::visit::visible_grids(&crate::permission::Scope::of(actor))
    }
}

/// Checks a policy's link: an http(s) address of at most 500 characters.
pub fn check_link(raw: &str) -> Result<String, DomainError> {
    let link = raw.trim();
    let ok = (link.starts_with("https://") || link.starts_with("http://"))
        && link.len() > 8
        && link.chars().count() <= 500
        && !link.chars().any(|c| c.is_whitespace() || c.is_control());
    if ok {
        Ok(link.to_owned())
    } else {
        Err(DomainError::invalid(
            "link",
            "format",
            "an http:// or https:// address / 须为 http:// 或 https:// 开头的网址",
        ))
    }
}

/// Whether `actor` publishes policies: administrators, and officers of the department the
/// configuration names (the economic-development department, 经济发展局).
pub fn publishes(actor: &Actor, publisher: Option<DepartmentId>) -> bool {
    match actor.role() {
        Role::Admin => true,
        Role::DepartmentOfficer => publisher.is_some() && actor.user.department_id == publisher,
        _ => false,
    }
}

/// When deliveries of a policy published at `at` are due: close of business on the
/// `days`-th working day after the publishing day.
pub fn delivery_due(calendar: &WorkCalendar, at: DateTime<Utc>, days: u32) -> DateTime<Utc> {
    let day = at.with_timezone(&ZONE).date_naive();
    calendar.close_of_business(calendar.nth_working_day_after(day, days))
}

/// Checks a policy's dates: valid until not before valid from; an application deadline
/// inside the validity.
pub fn check_dates(
    valid_from: NaiveDate,
    valid_to: Option<NaiveDate>,
    apply_by: Option<NaiveDate>,
) -> Result<(), DomainError> {
    if valid_to.is_some_and(|t| t < valid_from) {
        return Err(DomainError::invalid(
            "valid_to",
            "before_valid_from",
            "valid until must not be before valid from / 有效期止不能早于起",
        ));
    }
    if apply_by.is_some_and(|a| a < valid_from || valid_to.is_some_and(|t| a > t)) {
        return Err(DomainError::invalid(
            "apply_by",
            "outside_validity",
            "the application deadline must fall within the validity / 申报截止日须在有效期内",
        ));
    }
    Ok(())
}

/// One delivery as the figures see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeliveryFacts {
    pub grid_id: GridId,
    pub due_at: DateTime<Utc>,
    pub answer: Option<Answer>,
}

/// Delivery figures (per policy or per grid).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct DeliveryStats {
    pub targeted: u64,
    pub delivered: u64,
    pub interested: u64,
    pub will_apply: u64,
    /// Not delivered and past due.
    pub overdue: u64,
}

impl DeliveryStats {
    /// Adds one delivery as of `now`.
    pub fn add(&mut self, d: &DeliveryFacts, now: DateTime<Utc>) {
        self.targeted += 1;
        match d.answer {
            Some(a) => {
                self.delivered += 1;
                match a {
                    Answer::Interested => self.interested += 1,
                    Answer::WillApply => self.will_apply += 1,
                    Answer::NotRelevant => {}
                }
            }
            None if now > d.due_at => self.overdue += 1,
            None => {}
        }
    }

    /// delivered ÷ targeted.
    pub fn rate(&self) -> Option<f64> {
        (self.targeted > 0).then(|| self.delivered as f64 / self.targeted as f64)
    }
}

/// Figures per grid (ordered by grid id) and in all.
pub fn stats_by_grid(
    deliveries: &[DeliveryFacts],
    now: DateTime<Utc>,
) -> (Vec<(GridId, DeliveryStats)>, DeliveryStats) {
    let mut by = std::collections::BTreeMap::<GridId, DeliveryStats>::new();
    let mut all = DeliveryStats::default();
    for d in deliveries {
        by.entry(d.grid_id).or_default().add(d, now);
        all.add(d, now);
    }
    (by.into_iter().collect(), all)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::UserId;
    use crate::org::UserFacts;

    fn ent(id: i64, grid: i64, cluster: Cluster, above: bool) -> EnterpriseFacts {
        EnterpriseFacts {
            id: EnterpriseId(id),
            grid_id: GridId(grid),
            cluster,
            above_size: above,
        }
    }

    #[test]
    fn targeting() {
        let all = [
            ent(1, 1, Cluster::ElectronicInformation, true),
            ent(2, 1, Cluster::FoodBeverageWater, false),
            ent(3, 2, Cluster::ElectronicInformation, false),
        ];
        let ids = |t: &Targeting| -> Vec<i64> {
            t.select(&all)
                .map(|v| v.iter().map(|e| e.id.0).collect())
                .unwrap_or_default()
        };
        assert_eq!(ids(&Targeting::default()), vec![1, 2, 3]);
        let electronics = Targeting {
            clusters: vec![Cluster::ElectronicInformation],
            ..Targeting::default()
        };
        assert_eq!(ids(&electronics), vec![1, 3]);
        let small_electronics = Targeting {
            above_size: Some(false),
            ..electronics.clone()
        };
        assert_eq!(ids(&small_electronics), vec![3]);
        let grid_one = Targeting {
            grids: vec![GridId(1)],
            ..electronics
        };
        assert_eq!(ids(&grid_one), vec![1]);
        let picked = Targeting {
            enterprises: vec![EnterpriseId(2)],
            grids: vec![GridId(2)],
            ..Targeting::default()
        };
        assert_eq!(ids(&picked), vec![2], "a hand-picked list wins");
        let none = Targeting {
            grids: vec![GridId(9)],
            ..Targeting::default()
        };
        assert!(none.select(&all).is_err());
    }

    #[test]
    fn publishers_and_dates() {
        let actor = |role, dept: Option<i64>| Actor {
            user: UserFacts {
                id: UserId(1),
                role,
                department_id: dept.map(DepartmentId),
                grid_id: None,
                task_force_id: None,
                top_leader: false,
                service_centre: false,
                department_head: false,
            },
            linked_grids: vec![],
        };
        let econ = Some(DepartmentId(4));
        assert!(publishes(&actor(Role::Admin, None), econ));
        assert!(publishes(&actor(Role::DepartmentOfficer, Some(4)), econ));
        assert!(!publishes(&actor(Role::DepartmentOfficer, Some(5)), econ));
        assert!(!publishes(&actor(Role::DepartmentOfficer, Some(4)), None));
        assert!(!publishes(&actor(Role::Liaison, None), econ));
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
        assert!(check_dates(d(1, 1), Some(d(12, 31)), Some(d(6, 30))).is_ok());
        assert!(check_dates(d(6, 1), Some(d(1, 1)), None).is_err());
        assert!(check_dates(d(1, 1), Some(d(6, 1)), Some(d(7, 1))).is_err());
        assert!(check_link("https://www.gov.cn/zhengce/2026.htm").is_ok());
        assert!(check_link("javascript:alert(1)").is_err());
        assert!(check_link("https://a b").is_err());
    }

    #[test]
    fn notices() {
        let policy = crate::notice::NoticePolicy {
            warn_share: 0.75,
            supervise_after_days: 2,
        };
        let start = Utc::now();
        let due = start + chrono::Duration::hours(100);
        let at = |h: i64| start + chrono::Duration::hours(h);
        assert_eq!(delivery_notice(start, due, at(10), &policy), None);
        assert_eq!(
            delivery_notice(start, due, at(80), &policy),
            Some(DeliveryNotice::Warning)
        );
        assert_eq!(
            delivery_notice(start, due, at(100), &policy),
            Some(DeliveryNotice::Overdue)
        );
        assert_ne!(
            DeliveryNotice::Warning.dedupe_key(1, 2),
            DeliveryNotice::Overdue.dedupe_key(1, 2)
        );
    }

    #[test]
    fn figures() {
        let now = Utc::now();
        let due = |h: i64| now + chrono::Duration::hours(h);
        let list = [
            DeliveryFacts {
                grid_id: GridId(1),
                due_at: due(-1),
                answer: None,
            },
            DeliveryFacts {
                grid_id: GridId(1),
                due_at: due(5),
                answer: None,
            },
            DeliveryFacts {
                grid_id: GridId(2),
                due_at: due(-1),
                answer: Some(Answer::WillApply),
            },
            DeliveryFacts {
                grid_id: GridId(2),
                due_at: due(5),
                answer: Some(Answer::Interested),
            },
            DeliveryFacts {
                grid_id: GridId(2),
                due_at: due(5),
                answer: Some(Answer::NotRelevant),
            },
        ];
        let (by, all) = stats_by_grid(&list, now);
        assert_eq!(
            all,
            DeliveryStats {
                targeted: 5,
                delivered: 3,
                interested: 1,
                will_apply: 1,
                overdue: 1
            }
        );
        assert_eq!(by[0].1.overdue, 1);
        assert_eq!(by[1].1.rate(), Some(1.0));
    }
}
