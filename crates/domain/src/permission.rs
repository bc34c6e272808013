//! Who sees which tickets and who may do what: the one table the API and the pages ask.

use serde::Serialize;

use crate::ids::{DepartmentId, GridId, TaskForceId, UserId};
use crate::org::{Actor, Role};
use crate::ticket::{ActionKind, Ticket};

/// The tickets a user may see. The store turns this into a query; [`Scope::admits`] is the
/// same rule for one ticket in memory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Scope {
    /// Admins, top leaders and the service centre's dispatchers.
    All,
    /// Tickets of these grids (liaisons and grid heads).
    Grids(Vec<GridId>),
    /// Tickets whose responsible or co-handling department is this one.
    Department(DepartmentId),
    /// Tickets escalated to this task force.
    TaskForce(TaskForceId),
    /// Tickets this tracker follows.
    Tracker(UserId),
    /// Tickets of the leader's linked grids or where they are the accountable leader.
    Leader { grids: Vec<GridId>, user: UserId },
    /// Nothing (a user whose attachments are missing).
    Nothing,
}

impl Scope {
    /// The scope of `actor`.
    pub fn of(actor: &Actor) -> Scope {
        let u = &actor.user;
        match u.role {
            Role::Admin => Scope::All,
            Role::Leader if u.top_leader => Scope::All,
            Role::Leader => Scope::Leader {
                grids: actor.linked_grids.clone(),
                user: u.id,
            },
            Role::Dispatcher => match u.grid_id {
                Some(g) => Scope::Grids(vec![g]),
                None => Scope::All,
            },
            Role::Liaison => u.grid_id.map_or(Scope::Nothing, |g| Scope::Grids(vec![g])),
            Role::DepartmentOfficer => u.department_id.map_or(Scope::Nothing, Scope::Department),
            Role::TaskForceMember => u.task_force_id.map_or(Scope::Nothing, Scope::TaskForce),
            Role::Tracker => Scope::Tracker(u.id),
        }
    }

    /// Whether the scope takes in every ticket of grid `g`: the grids a viewer may narrow a
    /// dashboard or list to.
    pub fn covers_grid(&self, g: GridId) -> bool {
        match self {
            Scope::All => true,
            Scope::Grids(grids) | Scope::Leader { grids, .. } => grids.contains(&g),
            _ => false,
        }
    }

    /// Whether a ticket is inside this scope.
    pub fn admits(&self, t: &Ticket) -> bool {
        match self {
            Scope::All => true,
            Scope::Grids(grids) => grids.contains(&t.grid_id),
            Scope::Department(d) => t.department_id == Some(*d) || t.co_department_ids.contains(d),
            Scope::TaskForce(tf) => t.task_force_id == Some(*tf),
            Scope::Tracker(u) => t.tracker_id == Some(*u),
            Scope::Leader { grids, user } => {
                grids.contains(&t.grid_id) || t.accountable_leader_id == Some(*user)
            }
            Scope::Nothing => false,
        }
    }
}

/// What, beyond seeing the ticket, the actor must be to take an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Relation {
    /// Seeing the ticket is enough.
    InScope,
    /// An officer of the responsible department (not a co-handling one).
    ResponsibleDepartment,
}

/// The permission table: which roles may take an action, and on what condition.
fn rule(action: ActionKind, role: Role) -> Option<Relation> {
    use ActionKind as A;
    use Relation::*;
    use Role as R;
    match (action, role) {
        (A::File, R::Liaison) => Some(InScope),
        (A::Dispatch, R::Dispatcher) => Some(InScope),
        (A::Accept | A::Return | A::RequestExtension, R::DepartmentOfficer) => {
            Some(ResponsibleDepartment)
        }
        (A::Escalate, R::DepartmentOfficer) => Some(ResponsibleDepartment),
        (A::Escalate, R::Leader) => Some(InScope),
        (A::AddCoDepartments, R::TaskForceMember) => Some(InScope),
        (A::DecideExtension, R::Leader) => Some(InScope),
        (A::Resolve, R::DepartmentOfficer) => Some(ResponsibleDepartment),
        (A::Resolve, R::TaskForceMember) => Some(InScope),
        (A::Report, R::Liaison) => Some(InScope),
        (A::Urge, R::Tracker | R::Leader) => Some(InScope),
        (A::Supervise, R::Leader) => Some(InScope),
        (A::Comment, _) => Some(InScope),
        _ => None,
    }
}

/// Whether the actor sees the ticket.
pub fn can_see(actor: &Actor, ticket: &Ticket) -> bool {
    Scope::of(actor).admits(ticket)
}

/// The answer to "may this actor take this action on this ticket?", state aside.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Yes.
    Allowed,
    /// The ticket is not visible: answer 404.
    Hidden,
    /// Visible, but not for this role or relation: answer 403.
    Denied,
}

/// Checks visibility first (so existence is not leaked), then the permission table.
pub fn access(actor: &Actor, action: ActionKind, ticket: &Ticket) -> Access {
    if !can_see(actor, ticket) {
        return Access::Hidden;
    }
    match rule(action, actor.role()) {
        None => Access::Denied,
        Some(Relation::InScope) => Access::Allowed,
        Some(Relation::ResponsibleDepartment) => {
            if actor.user.department_id.is_some()
                && actor.user.department_id == ticket.department_id
            {
                Access::Allowed
            } else {
                Access::Denied
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grids_a_scope_covers() {
        let (a, b) = (GridId(1), GridId(2));
        assert!(Scope::All.covers_grid(b));
        assert!(Scope::Grids(vec![a]).covers_grid(a));
        assert!(!Scope::Grids(vec![a]).covers_grid(b));
        let leader = Scope::Leader {
            grids: vec![b],
            user: UserId(7),
        };
        assert!(leader.covers_grid(b) && !leader.covers_grid(a));
        assert!(!Scope::Department(DepartmentId(1)).covers_grid(a));
        assert!(!Scope::Nothing.covers_grid(a));
    }
}
