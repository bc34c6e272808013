//! What a person holds that someone else must take over before they leave a post (交接):
//! open tickets as responsible person or tracker, and seats of a grid's five-ones.

use serde::Serialize;

use crate::ids::{GridId, TicketId};
use crate::org::UserFacts;

/// A seat of a grid's five-ones that a person holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Seat {
    /// 挂钩领导
    LinkedLeader,
    /// 网格负责人
    Head,
    /// 联络员
    Liaison,
}

impl Seat {
    /// Chinese, then English.
    pub fn label(self) -> &'static str {
        match self {
            Seat::LinkedLeader => "挂钩领导 / linked leader",
            Seat::Head => "网格负责人 / grid head",
            Seat::Liaison => "联络员 / liaison",
        }
    }
}

/// An open ticket someone holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HeldTicket {
    pub id: TicketId,
    pub number: String,
}

/// A grid seat someone holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HeldSeat {
    pub grid_id: GridId,
    pub grid: String,
    pub seat: Seat,
}

/// Everything a person holds that must be handed over before they leave their post.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Holdings {
    /// Open tickets they are the responsible person of.
    pub responsible: Vec<HeldTicket>,
    /// Open tickets they track.
    pub tracking: Vec<HeldTicket>,
    /// Grid seats.
    pub seats: Vec<HeldSeat>,
}

impl Holdings {
    /// Nothing to hand over.
    pub fn is_empty(&self) -> bool {
        self.responsible.is_empty() && self.tracking.is_empty() && self.seats.is_empty()
    }

    /// What must be handed over: the Chinese sentence, then the English one (the first
    /// tickets by number).
    pub fn describe(&self) -> String {
        let numbers = |ts: &[HeldTicket]| {
            let mut s: Vec<&str> = ts.iter().take(5).map(|t| t.number.as_str()).collect();
            if ts.len() > 5 {
                s.push("…");
            }
            s.join(", ")
        };
        let (mut zh, mut en) = (Vec::new(), Vec::new());
        for (ts, zh_what, en_what) in [
            (&self.responsible, "负责", "responsible for"),
            (&self.tracking, "跟踪", "tracking"),
        ] {
            if !ts.is_empty() {
                zh.push(format!(
                    "{zh_what} {} 件未办结工单（{}）",
                    ts.len(),
                    numbers(ts)
                ));
                en.push(format!(
                    "{en_what} {} open tickets ({})",
                    ts.len(),
                    numbers(ts)
                ));
            }
        }
        for s in &self.seats {
            let (seat_zh, seat_en) = s.seat.label().split_once(" / ").unwrap_or_default();
            zh.push(format!("{}{seat_zh}", s.grid));
            en.push(format!("{seat_en} of {}", s.grid));
        }
        format!(
            "请先交接：{} / hand over first: {}",
            zh.join("；"),
            en.join("; ")
        )
    }
}

/// Whether a change to a person takes them out of their post: deactivation, or a new role,
/// department or grid. Only then must what they hold be handed over first; a new name,
/// address or phone does not.
pub fn leaves_post(before: &UserFacts, after: &UserFacts, deactivating: bool) -> bool {
    deactivating
        || before.role != after.role
        || before.department_id != after.department_id
        || before.grid_id != after.grid_id
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Role;
    use crate::ids::{DepartmentId, UserId};

    fn officer(dept: i64) -> UserFacts {
        UserFacts {
            id: UserId(1),
            role: Role::DepartmentOfficer,
            department_id: Some(DepartmentId(dept)),
            grid_id: None,
            task_force_id: None,
            top_leader: false,
            service_centre: false,
            department_head: false,
        }
    }

    #[test]
    fn only_leaving_the_post_needs_a_handover() {
        let a = officer(1);
        assert!(!leaves_post(&a, &a.clone(), false), "a new name or phone");
        assert!(leaves_post(&a, &a.clone(), true), "deactivation");
        assert!(leaves_post(&a, &officer(2), false), "another department");
        let mut leader = a.clone();
        leader.role = Role::Leader;
        leader.department_id = None;
        assert!(leaves_post(&a, &leader, false), "another role");
    }

    #[test]
    fn the_description_names_what_is_held() {
        let h = Holdings {
            responsible: (1..=7)
                .map(|i| HeldTicket {
                    id: TicketId(i),
                    number: format!("GL-2026-00000{i}"),
                })
                .collect(),
            tracking: vec![],
            seats: vec![HeldSeat {
                grid_id: GridId(3),
                grid: "科创园网格".into(),
                seat: Seat::Liaison,
            }],
        };
        let d = h.describe();
        assert!(d.starts_with("请先交接：负责 7 件未办结工单（GL-2026-000001"));
        assert!(d.contains("responsible for 7 open tickets"));
        assert!(d.contains("GL-2026-000005, …"));
        assert!(!d.contains("GL-2026-000006"));
        assert!(d.contains("科创园网格联络员 / "));
        assert!(d.ends_with("liaison of 科创园网格"));
        assert!(Holdings::default().is_empty());
    }
}
