//! Filing (登记): who may file for which enterprise, and the first event.

use chrono::{DateTime, Utc};

use super::{Event, EventKind};
use crate::error::DomainError;
use crate::ids::{EnterpriseId, GridId};
use crate::kinds::{ActionKind, Category, Priority, Status};
use crate::org::{Actor, Role};
use crate::text::{Description, TicketTitle};

/// A new ticket as filed, before the store gives it an id and a number.
#[derive(Debug, Clone)]
pub struct NewTicket {
    pub enterprise_id: EnterpriseId,
    pub category: Category,
    pub priority: Priority,
    pub title: TicketTitle,
    pub description: Description,
    /// The dispatch deadline (派单时限), from [`crate::SlaPolicy::dispatch_due`].
    pub dispatch_due_at: Option<DateTime<Utc>>,
}

/// Decides whether `actor` may file a ticket for an enterprise of `enterprise_grid`, and
/// returns the filing event.
pub fn file(
    actor: &Actor,
    enterprise_grid: GridId,
    now: DateTime<Utc>,
) -> Result<Event, DomainError> {
    if actor.role() != Role::Liaison {
        return Err(DomainError::Forbidden {
            action: ActionKind::File,
        });
    }
    if actor.user.grid_id != Some(enterprise_grid) {
        return Err(DomainError::invalid(
            "enterprise_id",
            "outside_grid",
            "the enterprise is not in your grid / 该企业不在您的网格内",
        ));
    }
    Ok(Event {
        kind: EventKind::Filed,
        actor: actor.id(),
        from: Status::Submitted,
        to: Status::Submitted,
        at: now,
    })
}
