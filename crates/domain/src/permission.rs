//! Who sees which tickets and who may do what: the one table the API and the pages ask.

use serde::Serialize;

use crate::ids::{DepartmentId, GridId, TaskForceId, UserId};
use crate::kinds::{ActionKind, Status};
use crate::org::{Actor, Role};
use crate::ticket::{Ticket, allowed_from};

/// The tickets a user may see. The store turns this into a query; [`Scope::admits`] is the
/// same rule for one ticket in memory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Scope {
    /// Admins, top leaders and the service centre's dispatchers (an explicit flag).
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
            // Zone-wide only by the explicit flag: a grid head created before their grid
            // names them has no grid yet, and must see nothing rather than everything.
            Role::Dispatcher if u.service_centre => Scope::All,
            Role::Dispatcher => u.grid_id.map_or(Scope::Nothing, |g| Scope::Grids(vec![g])),
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
            Scope::Department(d) => t.department_id == Some(*d) || t.is_co_department(*d),
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
    /// A dispatcher of the zone's service centre (退单审核).
    ServiceCentre,
    /// An officer of a co-handling department (协办), not the responsible one.
    CoDepartment,
}

/// One row of the permission table: who, and in which of the action's states this role may
/// take it (`None`: every state the action starts from, see [`allowed_from`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Rule {
    relation: Relation,
    only_in: Option<&'static [Status]>,
}

/// The permission table: which roles may take an action, on what condition, in which states.
///
/// Resolving is split by state: the responsible department resolves what it has signed for
/// (`accepted`), and once a ticket is escalated the task force does; a ticket reopened after
/// a task force resolved it is back with the department (`accepted`), not the task force.
fn rule(action: ActionKind, role: Role) -> Option<Rule> {
    use ActionKind as A;
    use Relation::*;
    use Role as R;
    let any = |relation| {
        Some(Rule {
            relation,
            only_in: None,
        })
    };
    let only = |relation, states: &'static [Status]| {
        Some(Rule {
            relation,
            only_in: Some(states),
        })
    };
    match (action, role) {
        (A::File, R::Liaison) => any(InScope),
        (A::Dispatch, R::Dispatcher) => any(InScope),
        (A::Accept | A::Return | A::RequestExtension, R::DepartmentOfficer) => {
            any(ResponsibleDepartment)
        }
        (A::Escalate, R::DepartmentOfficer) => any(ResponsibleDepartment),
        (A::Escalate, R::Leader) => any(InScope),
        (A::AddCoDepartments, R::TaskForceMember) => any(InScope),
        (A::CoReply, R::DepartmentOfficer) => any(CoDepartment),
        (A::DecideExtension, R::Leader) => any(InScope),
        (A::Resolve, R::DepartmentOfficer) => only(ResponsibleDepartment, &[Status::Accepted]),
        (A::Resolve, R::TaskForceMember) => only(InScope, &[Status::Escalated]),
        (A::Report, R::Liaison) => any(InScope),
        (A::Urge, R::Tracker | R::Leader) => any(InScope),
        (A::Supervise, R::Leader) => any(InScope),
        (A::Comment, _) => any(InScope),
        // Handing a ticket to a colleague (改派): the responsible department itself, a leader
        // over it, or an administrator when someone leaves (the bulk handover).
        (A::Reassign, R::DepartmentOfficer) => any(ResponsibleDepartment),
        (A::Reassign, R::Leader | R::Admin) => any(InScope),
        (A::MarkDuplicate | A::MarkInvalid, R::Dispatcher) => any(InScope),
        (A::Withdraw, R::Liaison) => any(InScope),
        (A::ForceDispatch | A::CloseOutOfScope, R::Dispatcher) => any(ServiceCentre),
        // 回访: the ticket's tracker or the service centre; the liaison's report stays.
        (A::FollowUp, R::Tracker) => any(InScope),
        (A::FollowUp, R::Dispatcher) => any(ServiceCentre),
        // 挂起: the responsible department asks; the accountable leader (or one over the
        // grid) or the grid's dispatcher decides; the department or a deciding role resumes.
        (A::RequestPause, R::DepartmentOfficer) => any(ResponsibleDepartment),
        (A::DecidePause, R::Leader | R::Dispatcher) => any(InScope),
        (A::Resume, R::DepartmentOfficer) => any(ResponsibleDepartment),
        (A::Resume, R::Leader | R::Dispatcher) => any(InScope),
        _ => None,
    }
}

/// Whether the actor may see a person's email address: administrators (who manage them) and
/// the person themselves. The directory of names is for everyone signed in; addresses are not.
pub fn sees_address_of(actor: &Actor, person: UserId) -> bool {
    actor.role() == Role::Admin || actor.id() == person
}

/// The enterprises whose register entries the actor keeps (edits, deactivates): all of
/// them for administrators and zone-wide dispatchers, a grid's for its head; `None` for
/// every other role.
pub fn register_scope(actor: &Actor) -> Option<Scope> {
    matches!(actor.role(), Role::Admin | Role::Dispatcher).then(|| Scope::of(actor))
}

/// Whether the actor publishes the bulletin (通报): the zone's top leaders and the service
/// centre's dispatchers.
pub fn publishes_bulletins(actor: &Actor) -> bool {
    let u = &actor.user;
    (u.role == Role::Leader && u.top_leader) || (u.role == Role::Dispatcher && u.service_centre)
}

/// Whose per-person workload (个人工作量) the actor sees: leaders and administrators that
/// of every person responsible for a ticket of their scope; a department's head that of the
/// people of their own department (a co-handled ticket's responsible person belongs to
/// another department and is not theirs to see); nobody else. The scope to compute over,
/// and the department the lines are narrowed to.
pub fn workload_view(actor: &Actor) -> Option<(Scope, Option<DepartmentId>)> {
    let u = &actor.user;
    match u.role {
        Role::Admin | Role::Leader => Some((Scope::of(actor), None)),
        Role::DepartmentOfficer if u.department_head => {
            u.department_id.map(|d| (Scope::Department(d), Some(d)))
        }
        _ => None,
    }
}

/// Whether the actor may import the register: an import may touch any grid, so only the
/// zone-wide keepers.
pub fn imports_register(actor: &Actor) -> bool {
    register_scope(actor) == Some(Scope::All)
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
///
/// A row's state condition refuses only among the states the action starts from: an action
/// the state does not allow at all stays a conflict (409), decided by [`allowed_from`].
pub fn access(actor: &Actor, action: ActionKind, ticket: &Ticket) -> Access {
    if !can_see(actor, ticket) {
        return Access::Hidden;
    }
    let Some(rule) = rule(action, actor.role()) else {
        return Access::Denied;
    };
    if let Some(states) = rule.only_in
        && allowed_from(action).contains(&ticket.status)
        && !states.contains(&ticket.status)
    {
        return Access::Denied;
    }
    match rule.relation {
        Relation::InScope => Access::Allowed,
        Relation::ResponsibleDepartment => {
            if actor.user.department_id.is_some()
                && actor.user.department_id == ticket.department_id
            {
                Access::Allowed
            } else {
                Access::Denied
            }
        }
        Relation::CoDepartment => match actor.user.department_id {
            Some(d) if ticket.is_co_department(d) && ticket.department_id != Some(d) => {
                Access::Allowed
            }
            _ => Access::Denied,
        },
        Relation::ServiceCentre => {
            if actor.user.service_centre {
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

    #[test]
    fn addresses_are_for_admins_and_oneself() {
        use crate::org::UserFacts;
        let actor = |id: i64, role: Role| Actor {
            user: UserFacts {
                id: UserId(id),
                role,
                department_id: None,
                grid_id: None,
                task_force_id: None,
                top_leader: false,
                service_centre: false,
                department_head: false,
            },
            linked_grids: vec![],
        };
        assert!(sees_address_of(&actor(1, Role::Admin), UserId(2)));
        assert!(sees_address_of(&actor(2, Role::Liaison), UserId(2)));
        assert!(!sees_address_of(&actor(3, Role::Leader), UserId(2)));
    }

    #[test]
    fn workload_is_for_leaders_admins_and_heads_of_their_own_department() {
        use crate::org::UserFacts;
        let actor = |role: Role, head: bool| Actor {
            user: UserFacts {
                id: UserId(1),
                role,
                department_id: Some(DepartmentId(4)),
                grid_id: None,
                task_force_id: None,
                top_leader: false,
                service_centre: false,
                department_head: head,
            },
            linked_grids: vec![GridId(2)],
        };
        assert_eq!(
            workload_view(&actor(Role::DepartmentOfficer, true)),
            Some((Scope::Department(DepartmentId(4)), Some(DepartmentId(4))))
        );
        assert_eq!(workload_view(&actor(Role::DepartmentOfficer, false)), None);
        assert_eq!(
            workload_view(&actor(Role::Admin, false)),
            Some((Scope::All, None))
        );
        assert_eq!(
            workload_view(&actor(Role::Leader, false)),
            Some((
                Scope::Leader {
                    grids: vec![GridId(2)],
                    user: UserId(1)
                },
                None
            ))
        );
        for role in [
            Role::Dispatcher,
            Role::Liaison,
            Role::TaskForceMember,
            Role::Tracker,
        ] {
            assert_eq!(workload_view(&actor(role, false)), None, "{role}");
        }
    }
}
