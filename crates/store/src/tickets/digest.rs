//! What the leaders' digest and the deadline sweeper read.

use chrono::{DateTime, Utc};
use gridline_domain::digest::Baseline;
use gridline_domain::ticket::CoHandler;
use gridline_domain::{Scope, Ticket};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::StoredEvent;
use super::baseline::Range;
use super::lists::scope_condition;
use super::mapping::{stored_event, to_co_handler, to_ticket};
use super::packed::Runs;
use crate::entity::{ticket_co_departments as co, ticket_events, tickets};
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
    /// and still open, or touched since the start. The quiet ones (open and untouched, see
    /// `domain::digest::Baseline`) come counted, the rest as rows in id order. Loaded for the
    /// digest only: the description is empty, last return and pending extension are not
    /// loaded, and of the co-handlers only those whose reply deadline falls in the period
    /// are (`domain::digest::compute` reads no more).
    pub async fn digest_tickets(
        &self,
        scope: &Scope,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> Result<(Runs<Ticket>, Baseline), StoreError> {
        let range = Range::new(self.backend(), start, end);
        // The quiet tickets' counts and the others' rows at once, on two connections (each
        // is a pass over the open tickets; on SQLite each connection has its own thread).
        let (baseline, out) = futures::try_join!(
            self.digest_baseline(scope, range),
            self.digest_active(scope, start, end, range)
        )?;
        Ok((out, baseline))
    }

    /// The tickets of a digest that are not quiet, as rows (see [`Store::digest_tickets`]).
    async fn digest_active(
        &self,
        scope: &Scope,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        range: Range,
    ) -> Result<Runs<Ticket>, StoreError> {
        let select = active(scope, start, range);
        // The co-handling opinions due in the period (one query, a few rows).
        let mut due: std::collections::HashMap<i64, Vec<CoHandler>> = Default::default();
        for r in co::Entity::find()
            .filter(co::Column::ReplyDueAt.gte(to_ms(start)))
            .filter(co::Column::ReplyDueAt.lt(to_ms(end)))
            .filter(in_scope(co::Column::TicketId, scope))
            .all(&self.read)
            .await?
        {
            due.entry(r.ticket_id).or_default().push(to_co_handler(&r)?);
        }
        // A chunk at a time: a zone's worth of raw rows and tickets never sit in memory
        // together.
        super::packed::read(&self.read, select, |row| {
            let co = due.remove(&row.id).unwrap_or_default();
            to_ticket(row, co)
        })
        .await
    }

    /// The events of `scope`'s tickets in `[start, end)` that a digest counts, each passed
    /// through `map` as it is read: a month's events at a million tickets are about 100 000,
    /// and held as `StoredEvent`s (each payload a parsed JSON map) they were tens of
    /// megabytes where the digest keeps a few bytes of each.
    pub async fn digest_events<T>(
        &self,
        scope: &Scope,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        mut map: impl FnMut(StoredEvent) -> Result<T, StoreError>,
    ) -> Result<Runs<T>, StoreError> {
        use ticket_events::Column as E;
        // What the digest reads of an event: its ticket, action, payload and time.
        let select = ticket_events::Entity::find()
            .select_only()
            .columns([E::Id, E::TicketId, E::Action, E::Payload, E::CreatedAt])
            .column_as(Expr::cust("CAST(0 AS BIGINT)"), "actor_id")
            .column_as(Expr::cust("''"), "from_status")
            .column_as(Expr::cust("''"), "to_status")
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
            .filter(in_scope(E::TicketId, scope));
        super::packed::read(&self.read, select, |row| map(stored_event(row)?)).await
    }
}

/// The tickets of a digest that are not quiet, with what the digest reads of them.
pub(super) fn active(
    scope: &Scope,
    start: DateTime<Utc>,
    range: Range,
) -> sea_orm::Select<tickets::Entity> {
    use tickets::Column as C;
    let open = super::open_statuses();
    // The digest reads dates, states and the three-ones: leave out the descriptions,
    // the JSON columns and the co-handling departments, which it never looks at and
    // which are most of the bytes (and, for co-handling, a second query per chunk).
    tickets::Entity::find()
        .select_only()
        .columns(
            <C as sea_orm::Iterable>::iter()
                .filter(|c| !matches!(c, C::Description | C::LastReturn | C::PendingExtension)),
        )
        .column_as(Expr::cust("''"), "description")
        .column_as(Expr::cust("NULL"), "last_return")
        .column_as(Expr::cust("NULL"), "pending_extension")
        .filter(scope_condition(scope))
        .filter(Expr::cust(range.filed_before_end()))
        .filter(
            Condition::any()
                .add(C::Status.is_in(open))
                .add(C::UpdatedAt.gte(to_ms(start))),
        )
        .filter(Expr::cust(format!("NOT {}", range.quiet())))
}

/// `column` names a ticket of `scope`: a subquery, or nothing for the whole zone (a
/// subquery of every ticket id would be built and probed for each row).
fn in_scope(column: impl ColumnTrait, scope: &Scope) -> Condition {
    if matches!(scope, Scope::All) {
        return Condition::all();
    }
    Condition::all().add(
        column.in_subquery(
            Query::select()
                .column(tickets::Column::Id)
                .from(tickets::Entity)
                .cond_where(scope_condition(scope))
                .to_owned(),
        ),
    )
}
