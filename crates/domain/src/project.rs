//! Key projects (重点项目): the three-ones, milestones from signing to production and their
//! state on a day, who keeps and who sees a project, and moving a planned date (asked for by
//! the responsible person, decided by the accountable leader, as extensions are).

use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::error::DomainError;
use crate::ids::{DepartmentId, GridId, UserId};
use crate::org::{Actor, Role};
use crate::permission::Scope;
use crate::ticket::ThreeOnes;

/// The default milestones, in order.
pub const DEFAULT_MILESTONES: [&str; 7] = [
    "签约",
    "拿地",
    "净地交付",
    "开工",
    "水电气接入",
    "竣工",
    "投产",
];

/// A milestone this many days or fewer before its planned date, not reached, is at risk.
pub const AT_RISK_DAYS: i64 = 14;

/// The most milestones a project has.
pub const MAX_MILESTONES: usize = 20;

/// A milestone as the rules see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MilestoneFacts {
    pub planned_on: NaiveDate,
    pub reached_on: Option<NaiveDate>,
}

string_enum! {
    /// Where a milestone (or a whole project) stands on a day.
    Standing {
        Done = "done" / "已完成",
        OnTrack = "on_track" / "正常",
        AtRisk = "at_risk" / "临期",
        Late = "late" / "滞后",
    }
}

/// A milestone on `today`.
pub fn milestone_standing(m: &MilestoneFacts, today: NaiveDate) -> Standing {
    if m.reached_on.is_some() {
        Standing::Done
    } else if m.planned_on < today {
        Standing::Late
    } else if m.planned_on - today <= Duration::days(AT_RISK_DAYS) {
        Standing::AtRisk
    } else {
        Standing::OnTrack
    }
}

/// A project on `today`: late if a milestone is, else at risk if one is, else on track;
/// done when every milestone is reached.
pub fn project_standing(milestones: &[MilestoneFacts], today: NaiveDate) -> Standing {
    let all: Vec<Standing> = milestones
        .iter()
        .map(|m| milestone_standing(m, today))
        .collect();
    if all.contains(&Standing::Late) {
        Standing::Late
    } else if all.contains(&Standing::AtRisk) {
        Standing::AtRisk
    } else if all.iter().all(|s| *s == Standing::Done) {
        Standing::Done
    } else {
        Standing::OnTrack
    }
}

/// Checks a project's milestones: at least one, at most [`MAX_MILESTONES`], names unique,
/// planned dates in order (a later milestone is not planned before an earlier one).
pub fn check_milestones(list: &[(String, NaiveDate)]) -> Result<(), DomainError> {
    if list.is_empty() || list.len() > MAX_MILESTONES {
        return Err(DomainError::invalid(
            "milestones",
            "count",
            format!("1 to {MAX_MILESTONES} milestones / 节点须为 1 至 {MAX_MILESTONES} 个"),
        ));
    }
    for (i, (name, _)) in list.iter().enumerate() {
        if list[..i].iter().any(|(n, _)| n == name) {
            return Err(DomainError::invalid(
                "milestones",
                "duplicate",
                format!("milestone {name} is listed twice / 节点“{name}”重复"),
            ));
        }
    }
    if list.windows(2).any(|w| w[1].1 < w[0].1) {
        return Err(DomainError::invalid(
            "milestones",
            "out_of_order",
            "planned dates must not go backwards / 节点计划日期须按先后顺序",
        ));
    }
    Ok(())
}

/// Whether `actor` keeps the key-project list (creates projects, links tickets): the same
/// people who publish policies — administrators and the economic-development department.
pub fn keeps_projects(actor: &Actor, publisher: Option<DepartmentId>) -> bool {
    crate::policy::publishes(actor, publisher)
}

/// Who sees a project: its keepers, whoever sees its grid whole, its accountable leader,
/// and the officers of its responsible department.
pub fn sees(
    actor: &Actor,
    grid: GridId,
    three: &ThreeOnes,
    publisher: Option<DepartmentId>,
) -> bool {
    if keeps_projects(actor, publisher) || Scope::of(actor).covers_grid(grid) {
        return true;
    }
    match actor.role() {
        Role::Leader => actor.id() == three.accountable_leader_id,
        Role::DepartmentOfficer => actor.user.department_id == Some(three.department_id),
        _ => false,
    }
}

/// Who records a milestone as reached and asks to move a planned date: the responsible
/// person, or a keeper.
pub fn works(actor: &Actor, three: &ThreeOnes, publisher: Option<DepartmentId>) -> bool {
    actor.id() == three.responsible_person_id || keeps_projects(actor, publisher)
}

/// Who decides a planned date's move: the accountable leader.
pub fn decides(actor: &Actor, leader: UserId) -> bool {
    actor.id() == leader
}

/// A milestone reached on `on`, seen on `today`: not in the future.
pub fn check_reached(on: NaiveDate, today: NaiveDate) -> Result<(), DomainError> {
    if on > today {
        return Err(DomainError::invalid(
            "reached_on",
            "in_future",
            "a milestone cannot be reached in the future / 完成日期不能晚于今天",
        ));
    }
    Ok(())
}

/// A notice about a milestone: near its planned date, or past it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MilestoneNotice {
    AtRisk,
    Late,
}

impl MilestoneNotice {
    /// The outbox kind.
    pub fn as_str(self) -> &'static str {
        match self {
            MilestoneNotice::AtRisk => "milestone_at_risk",
            MilestoneNotice::Late => "milestone_late",
        }
    }

    /// Reads [`Self::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        [MilestoneNotice::AtRisk, MilestoneNotice::Late]
            .into_iter()
            .find(|n| n.as_str() == s)
    }

    /// Once per milestone, planned date and kind (a moved date may warn again).
    pub fn dedupe_key(self, milestone: i64, planned_on: NaiveDate) -> String {
        format!("{}:{milestone}:{planned_on}", self.as_str())
    }

    /// The notice a milestone is due on `today`, if any.
    pub fn of(m: &MilestoneFacts, today: NaiveDate) -> Option<Self> {
        match milestone_standing(m, today) {
            Standing::Late => Some(MilestoneNotice::Late),
            Standing::AtRisk => Some(MilestoneNotice::AtRisk),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, day).unwrap()
    }

    #[test]
    fn standings() {
        let today = d(11, 29);
        let m = |planned, reached| MilestoneFacts {
            planned_on: planned,
            reached_on: reached,
        };
        assert_eq!(
            milestone_standing(&m(d(11, 1), Some(d(11, 2))), today),
            Standing::Done
        );
        assert_eq!(
            milestone_standing(&m(d(11, 28), None), today),
            Standing::Late
        );
        assert_eq!(
            milestone_standing(&m(d(12, 10), None), today),
            Standing::AtRisk
        );
        assert_eq!(
            milestone_standing(&m(d(12, 31), None), today),
            Standing::OnTrack
        );
        assert_eq!(
            project_standing(&[m(d(11, 1), Some(d(11, 1))), m(d(12, 31), None)], today),
            Standing::OnTrack
        );
        assert_eq!(
            project_standing(&[m(d(11, 20), None), m(d(12, 1), None)], today),
            Standing::Late
        );
        assert_eq!(
            project_standing(&[m(d(11, 1), Some(d(11, 1)))], today),
            Standing::Done
        );
        assert_eq!(
            MilestoneNotice::of(&m(d(12, 1), None), today),
            Some(MilestoneNotice::AtRisk)
        );
    }

    #[test]
    fn milestone_lists() {
        let l = |v: &[(&str, NaiveDate)]| -> Vec<(String, NaiveDate)> {
            v.iter().map(|(n, d)| ((*n).to_owned(), *d)).collect()
        };
        assert!(check_milestones(&l(&[("签约", d(1, 1)), ("投产", d(6, 1))])).is_ok());
        assert!(check_milestones(&[]).is_err());
        assert!(check_milestones(&l(&[("签约", d(1, 1)), ("签约", d(2, 1))])).is_err());
        assert!(check_milestones(&l(&[("签约", d(3, 1)), ("投产", d(2, 1))])).is_err());
        assert!(check_reached(d(11, 30), d(11, 29)).is_err());
    }
}
