//! Deadline targets (SLA) per category and priority, from config.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::kinds::{Category, Priority};

/// How long the dispatcher has to dispatch (working hours from filing or a return, 派单时限),
/// and a department to sign (working hours from dispatch) and to resolve (working days
/// after the day it signed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlaTargets {
    #[serde(default = "default_dispatch_hours")]
    pub dispatch_hours: u32,
    pub response_hours: u32,
    pub resolution_days: u32,
    /// How long a co-handling department (协办) has to give its opinion, in working hours
    /// from being named.
    #[serde(default = "default_co_reply_hours")]
    pub co_reply_hours: u32,
}

/// The dispatch deadline when the config names none: half a working day.
pub const fn default_dispatch_hours() -> u32 {
    4
}

/// The co-handling reply deadline when the config names none: two working days.
pub const fn default_co_reply_hours() -> u32 {
    16
}

/// A per-category adjustment, optionally only for one priority.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlaOverride {
    pub category: Category,
    #[serde(default)]
    pub priority: Option<Priority>,
    #[serde(default)]
    pub response_hours: Option<u32>,
    #[serde(default)]
    pub resolution_days: Option<u32>,
}

/// The targets for every (category, priority).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlaPolicy {
    /// Targets by priority; every priority must be present.
    pub priorities: BTreeMap<Priority, SlaTargets>,
    /// Later overrides win over earlier ones; a priority-specific one over a general one.
    #[serde(default)]
    pub overrides: Vec<SlaOverride>,
    /// The return that sends a ticket to the service centre's arbitration (退单审核)
    /// instead of back to the queue: 2 = the second return; 0 = never.
    #[serde(default = "default_arbitration_after")]
    pub arbitration_after_returns: u32,
    /// Whether a follow-up call (回访) that finds the enterprise unsatisfied for an
    /// objective cause closes the ticket as explained (解释办结) rather than reopening it.
    #[serde(default = "default_true")]
    pub follow_up_objective_closes: bool,
}

const fn default_true() -> bool {
    true
}

/// A ticket returned a second time goes to arbitration.
pub const fn default_arbitration_after() -> u32 {
    2
}

impl SlaPolicy {
    /// Checks every priority has targets and no target is zero.
    pub fn validate(&self) -> Result<(), String> {
        for p in Priority::ALL {
            let t = self
                .priorities
                .get(p)
                .ok_or_else(|| format!("sla.priorities.{} is missing", p.as_str()))?;
            if t.dispatch_hours == 0
                || t.response_hours == 0
                || t.resolution_days == 0
                || t.co_reply_hours == 0
            {
                return Err(format!(
                    "sla.priorities.{}: targets must be at least 1",
                    p.as_str()
                ));
            }
        }
        if self
            .overrides
            .iter()
            .any(|o| o.response_hours == Some(0) || o.resolution_days == Some(0))
        {
            return Err("sla.overrides: targets must be at least 1".into());
        }
        Ok(())
    }

    /// When a ticket filed (or returned) at `at` must be dispatched: the priority's
    /// `dispatch_hours` working hours later.
    pub fn dispatch_due(
        &self,
        calendar: &crate::calendar::WorkCalendar,
        category: Category,
        priority: Priority,
        at: chrono::DateTime<chrono::Utc>,
    ) -> chrono::DateTime<chrono::Utc> {
        calendar.add_working_hours(at, self.targets(category, priority).dispatch_hours)
    }

    /// The targets for a ticket.
    pub fn targets(&self, category: Category, priority: Priority) -> SlaTargets {
        let mut t = self
            .priorities
            .get(&priority)
            .copied()
            .unwrap_or(SlaTargets {
                dispatch_hours: default_dispatch_hours(),
                response_hours: 8,
                resolution_days: 5,
                co_reply_hours: default_co_reply_hours(),
            });
        let general = self
            .overrides
            .iter()
            .filter(|o| o.category == category && o.priority.is_none());
        let specific = self
            .overrides
            .iter()
            .filter(|o| o.category == category && o.priority == Some(priority));
        for o in general.chain(specific) {
            if let Some(h) = o.response_hours {
                t.response_hours = h;
            }
            if let Some(d) = o.resolution_days {
                t.resolution_days = d;
            }
        }
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> SlaPolicy {
        let mut priorities = BTreeMap::new();
        for (p, h, d) in [
            (Priority::Low, 16, 10),
            (Priority::Normal, 8, 5),
            (Priority::High, 4, 3),
            (Priority::Urgent, 2, 1),
        ] {
            priorities.insert(
                p,
                SlaTargets {
                    dispatch_hours: 4,
                    response_hours: h,
                    resolution_days: d,
                    co_reply_hours: 16,
                },
            );
        }
        SlaPolicy {
            arbitration_after_returns: 2,
            follow_up_objective_closes: true,
            priorities,
            overrides: vec![
                SlaOverride {
                    category: Category::Land,
                    priority: Some(Priority::Urgent),
                    response_hours: None,
                    resolution_days: Some(5),
                },
                SlaOverride {
                    category: Category::Land,
                    priority: None,
                    response_hours: None,
                    resolution_days: Some(15),
                },
            ],
        }
    }

    #[test]
    fn specific_overrides_beat_general_ones_beat_defaults() {
        let p = policy();
        assert!(p.validate().is_ok());
        assert_eq!(
            p.targets(Category::Hiring, Priority::Normal)
                .resolution_days,
            5
        );
        assert_eq!(
            p.targets(Category::Land, Priority::Normal).resolution_days,
            15
        );
        assert_eq!(
            p.targets(Category::Land, Priority::Normal).response_hours,
            8
        );
        assert_eq!(
            p.targets(Category::Land, Priority::Urgent).resolution_days,
            5
        );
    }

    #[test]
    fn missing_priority_is_reported() {
        let mut p = policy();
        p.priorities.remove(&Priority::High);
        assert!(p.validate().unwrap_err().contains("high"));
    }
}
