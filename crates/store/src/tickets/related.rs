//! Tickets related to another: possible duplicates and the duplicates of an original.

use chrono::{DateTime, Utc};
use gridline_domain::{EnterpriseId, GridId, Scope, Ticket, TicketId};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::lists::scope_condition;
use super::mapping::to_ticket;
use crate::entity::tickets;
use crate::{Store, StoreError, to_ms};

/// At most this many recent tickets are compared with a new one.
const NEAR_LIMIT: u64 = 300;

impl Store {
    /// The tickets of `scope` filed since `since` for the enterprise or in the grid that
    /// have not ended without the loop, newest first (at most a few hundred): what possible
    /// duplicates are chosen from.
    pub async fn recent_near(
        &self,
        scope: &Scope,
        enterprise: EnterpriseId,
        grid: GridId,
        since: DateTime<Utc>,
    ) -> Result<Vec<Ticket>, StoreError> {
        use tickets::Column as C;
        let rows = tickets::Entity::find()
            .filter(scope_condition(scope))
            .filter(
                Condition::any()
                    .add(C::EnterpriseId.eq(enterprise.0))
                    .add(C::GridId.eq(grid.0)),
            )
            .filter(C::CreatedAt.gte(to_ms(since)))
            .filter(C::Closure.is_null())
            .order_by_desc(C::Id)
            .limit(NEAR_LIMIT)
            .all(&self.read)
            .await?;
        rows.into_iter().map(|r| to_ticket(r, vec![])).collect()
    }

    /// The tickets of `scope` marked duplicates of `original`, oldest first.
    pub async fn duplicates_of(
        &self,
        scope: &Scope,
        original: TicketId,
    ) -> Result<Vec<Ticket>, StoreError> {
        let select = tickets::Entity::find()
            .filter(scope_condition(scope))
            .filter(tickets::Column::DuplicateOf.eq(original.0))
            .order_by_asc(tickets::Column::Id);
        let rows = self.read_models(select).await?;
        rows.into_iter().map(|r| to_ticket(r, vec![])).collect()
    }
}
