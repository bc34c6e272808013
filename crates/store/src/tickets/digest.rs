//! What the leaders' digest and the deadline sweeper read.

use chrono::{DateTime, Utc};
use futures::TryStreamExt as _;
use gridline_domain::{Scope, Ticket};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::StoredEvent;
use super::lists::scope_condition;
use super::mapping::{stored_event, to_ticket};
use crate::entity::{ticket_events, tickets};
use crate::{Store, StoreError, to_ms};

impl Store {
    /// Tickets with a running deadline, in id order after `after_id` (the deadline sweeper
    /// walks them in batches).
    pub async fn tickets_with_deadline(
        &self,
        after_id: i64,
        limit: u64,
    ) -> Result<Vec<Ticket>, StoreError> {
        let rows = tickets::Entity::find()
            .filter(
                Condition::any()
                    .add(tickets::Column::NextDueAt.is_not_null())
                    // A paused ticket has no running deadline but a resume day to remind of.
                    .add(tickets::Column::Status.eq(gridline_domain::Status::Paused.as_str())),
            )
            .filter(tickets::Column::Id.gt(after_id))
            .order_by_asc(tickets::Column::Id)
            .limit(limit)
            .all(&self.read)
            .await?;
        self.hydrate(rows).await
    }

    /// The tickets of `scope` that a digest of `[start, end)` looks at: filed before the end
    /// and still open, or touched since the start. Loaded for the digest only: the
    /// description is empty, and the co-handling departments, last return and pending
    /// extension are not loaded (`domain::digest::compute` reads none of them).
    pub async fn digest_tickets(
        &self,
        scope: &Scope,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> Result<Vec<Ticket>, StoreError> {
        use tickets::Column as C;
        let open = super::open_statuses();
        // The digest reads dates, states and the three-ones: leave out the descriptions,
        // the JSON columns and the co-handling departments, which it never looks at and
        // which are most of the bytes (and, for co-handling, a second query per chunk).
        let mut rows = tickets::Entity::find()
            .select_only()
            .columns(
                <C as sea_orm::Iterable>::iter()
                    .filter(|c| !matches!(c, C::Description | C::LastReturn | C::PendingExtension)),
            )
            .column_as(Expr::cust("''"), "description")
            .column_as(Expr::cust("NULL"), "last_return")
            .column_as(Expr::cust("NULL"), "pending_extension")
            .filter(scope_condition(scope))
            .filter(C::CreatedAt.lt(to_ms(end)))
            .filter(
                Condition::any()
                    .add(C::Status.is_in(open))
                    .add(C::UpdatedAt.gte(to_ms(start))),
            )
            .order_by_asc(C::Id)
            .into_model::<tickets::Model>()
            .stream(&self.read)
            .await?;
        // Row by row: a zone's worth of raw rows and tickets never sit in memory together.
        let mut out = Vec::new();
        while let Some(row) = rows.try_next().await? {
            out.push(to_ticket(row, vec![])?);
        }
        Ok(out)
    }

    /// The events of `scope`'s tickets in `[start, end)` that a digest counts.
    pub async fn digest_events(
        &self,
        scope: &Scope,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        use ticket_events::Column as E;
        let in_scope = Query::select()
            .column(tickets::Column::Id)
            .from(tickets::Entity)
            .cond_where(scope_condition(scope))
            .to_owned();
        ticket_events::Entity::find()
            .filter(E::CreatedAt.gte(to_ms(start)))
            .filter(E::CreatedAt.lt(to_ms(end)))
            .filter(E::Action.is_in([
                "resolve",
                "report",
                "close",
                "return",
                "reopen",
                "resume",
                "force_dispatch",
                "close_out_of_scope",
                "follow_up",
            ]))
            .filter(E::TicketId.in_subquery(in_scope))
            .order_by_asc(E::Id)
            .stream(&self.read)
            .await?
            .map_err(StoreError::from)
            .and_then(|m| std::future::ready(stored_event(m)))
            .try_collect()
            .await
    }
}
