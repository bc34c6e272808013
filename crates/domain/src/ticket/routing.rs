//! Who holds a ticket: the three-ones a dispatch sets (and key projects carry), and handing
//! the responsible person or tracker to someone else (改派).

use super::decide::Emit;
use super::{DispatchOrder, Event, EventKind, Handover, ThreeOnes, Ticket};
use crate::error::DomainError;
use crate::org::Role;
use crate::text::Remark;

/// The three-ones of a dispatch order, checked: a leader, and an officer of the responsible
/// department (and a tracker who is one). Key projects carry the three-ones by the same rule.
pub fn check_dispatch(order: &DispatchOrder) -> Result<ThreeOnes, DomainError> {
    if order.leader.role != Role::Leader {
        return Err(DomainError::invalid(
            "accountable_leader_id",
            "not_a_leader",
            "the accountable leader must be a leader / 班子成员必须是领导",
        ));
    }
    if order.person.role != Role::DepartmentOfficer
        || order.person.department_id != Some(order.department_id)
    {
        return Err(DomainError::invalid(
            "responsible_person_id",
            "not_in_department",
            "the responsible person must be an officer of the responsible department / 负责人员必须是责任部门的经办人",
        ));
    }
    if let Some(t) = &order.tracker
        && t.role != Role::Tracker
    {
        return Err(DomainError::invalid(
            "tracker_id",
            "not_a_tracker",
            "the tracker must be a service tracking commissioner / 跟踪人员必须是服务跟踪专员",
        ));
    }
    Ok(ThreeOnes {
        accountable_leader_id: order.leader.id,
        department_id: order.department_id,
        responsible_person_id: order.person.id,
    })
}

/// Hands a ticket's responsible person, tracker or both to someone else (改派): the new
/// person is an officer of the responsible department, the new tracker a tracker, and at
/// least one of them is new.
pub(super) fn reassign(
    ticket: &Ticket,
    emit: &Emit,
    person: Option<&crate::org::UserFacts>,
    tracker: Option<&crate::org::UserFacts>,
    reason: &Remark,
) -> Result<Vec<Event>, DomainError> {
    if let Some(p) = person
        && (p.role != Role::DepartmentOfficer || p.department_id != ticket.department_id)
    {
        return Err(DomainError::invalid(
            "responsible_person_id",
            "not_in_department",
            "the responsible person must be an officer of the responsible department / 负责人员必须是责任部门的经办人",
        ));
    }
    if let Some(t) = tracker
        && t.role != Role::Tracker
    {
        return Err(DomainError::invalid(
            "tracker_id",
            "not_a_tracker",
            "the tracker must be a service tracking commissioner / 跟踪人员必须是服务跟踪专员",
        ));
    }
    let responsible_person = person
        .filter(|p| Some(p.id) != ticket.responsible_person_id)
        .map(|p| Handover {
            from: ticket.responsible_person_id,
            to: p.id,
        });
    let new_tracker = tracker
        .filter(|t| Some(t.id) != ticket.tracker_id)
        .map(|t| Handover {
            from: ticket.tracker_id,
            to: t.id,
        });
    if responsible_person.is_none() && new_tracker.is_none() {
        return Err(DomainError::invalid(
            "responsible_person_id",
            "nothing_to_change",
            "name a new responsible person or tracker / 请选择新的负责人员或跟踪专员",
        ));
    }
    Ok(emit.same(EventKind::Reassigned {
        responsible_person,
        tracker: new_tracker,
        reason: reason.as_str().to_owned(),
    }))
}
