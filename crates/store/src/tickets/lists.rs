//! Scoped, filtered, keyset-paginated lists and counts.

use chrono::{DateTime, Utc};
use gridline_domain::{GridId, Scope, Ticket};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::{Cursor, Page, Sort, TicketFilter, folded};
use crate::entity::{ticket_co_departments as co, ticket_events, tickets};
use crate::{Store, StoreError, to_ms};

/// The WHERE of a ticket list: the caller's scope and the filter (not the cursor).
pub(super) fn filter_condition(
    scope: &Scope,
    filter: &TicketFilter,
    now: DateTime<Utc>,
    search: Option<&super::search::SearchPlan>,
) -> Condition {
    Condition::all()
        .add(scope_condition(scope))
        .add(unscoped_condition(filter, now, search))
}

/// The filter's part of a list's WHERE (no scope, no cursor).
fn unscoped_condition(
    filter: &TicketFilter,
    now: DateTime<Utc>,
    search: Option<&super::search::SearchPlan>,
) -> Condition {
    use tickets::Column as C;
    let mut cond = Condition::all();
    if let Some(s) = filter.status {
        cond = cond.add(C::Status.eq(s.as_str()));
    }
    if let Some(d) = filter.department_id {
        cond = cond.add(C::DepartmentId.eq(d.0));
    }
    if let Some(g) = filter.grid_id {
        cond = cond.add(C::GridId.eq(g.0));
    }
    if let Some(e) = filter.enterprise_id {
        cond = cond.add(C::EnterpriseId.eq(e.0));
    }
    if let Some(c) = filter.category {
        cond = cond.add(C::Category.eq(c.as_str()));
    }
    if filter.overdue {
        cond = cond.add(C::NextDueAt.lt(to_ms(now)));
    }
    if filter.open_only {
        let open = super::open_statuses();
        cond = cond.add(C::Status.is_in(open));
    }
    if filter.pending_extension {
        cond = cond.add(C::PendingExtension.is_not_null());
    }
    if let (Some(q), Some(plan)) = (&filter.q, search) {
        cond = cond.add(super::search::condition(q.as_str(), plan));
    }
    cond
}

/// The tickets department `d` co-handles, as a subquery.
fn co_subquery(d: i64) -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .column(co::Column::TicketId)
        .from(co::Entity)
        .and_where(co::Column::DepartmentId.eq(d))
        .to_owned()
}

pub(super) fn scope_condition(scope: &Scope) -> Condition {
    use tickets::Column as C;
    let ids = |v: &[GridId]| v.iter().map(|g| g.0).collect::<Vec<_>>();
    match scope {
        Scope::All => Condition::all(),
        Scope::Grids(grids) => Condition::all().add(C::GridId.is_in(ids(grids))),
        Scope::Department(d) => Condition::any()
            .add(C::DepartmentId.eq(d.0))
            .add(C::Id.in_subquery(co_subquery(d.0))),
        Scope::TaskForce(tf) => Condition::all().add(C::TaskForceId.eq(tf.0)),
        Scope::Tracker(u) => Condition::all().add(C::TrackerId.eq(u.0)),
        Scope::Leader { grids, user } => Condition::any()
            .add(C::GridId.is_in(ids(grids)))
            .add(C::AccountableLeaderId.eq(user.0)),
        Scope::Nothing => Condition::all().add(Expr::cust("1 = 0")),
    }
}

impl Store {
    /// The id of the newest event: it changes with every command, so it tells whether
    /// anything about any ticket changed since it was last read (one index lookup).
    pub async fn last_event_id(&self) -> Result<i64, StoreError> {
        let select = ticket_events::Entity::find()
            .select_only()
            .column_as(ticket_events::Column::Id.max(), "max_id");
        let max: Vec<(Option<i64>,)> = self.read_tuples(select).await?;
        Ok(max.first().and_then(|m| m.0).unwrap_or(0))
    }

    /// How many tickets a list would hold (all pages).
    pub async fn count_tickets(
        &self,
        scope: &Scope,
        filter: &TicketFilter,
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        use sea_orm::PaginatorTrait;
        // Not on the direct path: a count reads every matching row (half a million open
        // tickets at a million), too long to hold the calling thread for.
        let select = tickets::Entity::find().filter(filter_condition(
            scope,
            filter,
            now,
            self.search_plan(filter).await?.as_ref(),
        ));
        Ok(select.count(&self.read).await?)
    }

    /// One page of the tickets in `scope` that match `filter`, with keyset pagination.
    /// A department's tickets are its own or co-handled: the two are read apart, each in
    /// its own index order, and merged (one query with the OR read and sorted every ticket
    /// of the department: an officer's inbox at a million tickets).
    pub async fn list_tickets(
        &self,
        scope: &Scope,
        filter: &TicketFilter,
        now: DateTime<Utc>,
    ) -> Result<Page, StoreError> {
        let limit = filter.limit.clamp(1, 100);
        let search = self.search_plan(filter).await?;
        let rest = unscoped_condition(filter, now, search.as_ref());
        let mut items = if let Scope::Department(d) = scope {
            use tickets::Column as C;
            let own = Condition::all()
                .add(C::DepartmentId.eq(d.0))
                .add(rest.clone());
            let mut rows = self.list_rows(own, filter, limit).await?;
            // The co-handled ones by their ids (the department's co-handling rows, an index
            // read), so the planner cannot walk the whole deadline index probing for them.
            let select = co::Entity::find()
                .select_only()
                .column(co::Column::TicketId)
                .filter(co::Column::DepartmentId.eq(d.0));
            let ids: Vec<i64> = self
                .read_tuples(select)
                .await?
                .into_iter()
                .map(|(id,): (i64,)| id)
                .collect();
            for chunk in ids.chunks(10_000) {
                let co_handled = Condition::all()
                    .add(C::Id.is_in(chunk.iter().copied()))
                    .add(rest.clone());
                rows.extend(self.list_rows(co_handled, filter, limit).await?);
            }
            match filter.sort {
                Sort::CreatedAt => rows.sort_by_key(|r| std::cmp::Reverse((r.created_at, r.id))),
                Sort::Deadline => {
                    rows.sort_by_key(|r| (r.next_due_at().is_none(), r.next_due_at(), r.id))
                }
            }
            // A ticket in both comes twice, side by side (same key).
            rows.dedup_by_key(|r| r.id);
            rows.truncate(limit as usize + 1);
            rows
        } else {
            let cond = Condition::all().add(scope_condition(scope)).add(rest);
            self.list_rows(cond, filter, limit).await?
        };
        let has_more = items.len() as u64 > limit;
        items.truncate(limit as usize);
        let next = if has_more {
            items.last().map(|t| Cursor {
                sort: filter.sort,
                key: match filter.sort {
                    Sort::CreatedAt => Some(to_ms(t.created_at)),
                    Sort::Deadline => t.next_due_at().map(to_ms),
                },
                id: t.id.0,
            })
        } else {
            None
        };
        Ok(Page { items, next })
    }

    /// Up to `limit + 1` rows matching `cond` after the filter's cursor, in its order.
    async fn list_rows(
        &self,
        cond: Condition,
        filter: &TicketFilter,
        limit: u64,
    ) -> Result<Vec<Ticket>, StoreError> {
        use tickets::Column as C;
        Ok(match filter.sort {
            Sort::CreatedAt => {
                let mut c = cond;
                if let Some(cur) = filter.after {
                    let k = cur.key.unwrap_or(i64::MAX);
                    c = c.add(
                        Condition::any().add(C::CreatedAt.lt(k)).add(
                            Condition::all()
                                .add(C::CreatedAt.eq(k))
                                .add(C::Id.lt(cur.id)),
                        ),
                    );
                }
                let select = tickets::Entity::find()
                    .filter(c)
                    .order_by_desc(C::CreatedAt)
                    .order_by_desc(C::Id);
                folded::read(self, select, "created_at DESC, id DESC", limit + 1).await?
            }
            Sort::Deadline => {
                let mut rows = Vec::new();
                // Part one: tickets with a running deadline, nearest first.
                if filter.after.is_none_or(|c| c.key.is_some()) {
                    let mut c = cond.clone().add(C::NextDueAt.is_not_null());
                    if let Some(Cursor {
                        key: Some(k), id, ..
                    }) = filter.after
                    {
                        c = c.add(
                            Condition::any()
                                .add(C::NextDueAt.gt(k))
                                .add(Condition::all().add(C::NextDueAt.eq(k)).add(C::Id.gt(id))),
                        );
                    }
                    let select = tickets::Entity::find()
                        .filter(c)
                        .order_by_asc(C::NextDueAt)
                        .order_by_asc(C::Id);
                    rows = folded::read(self, select, "next_due_at, id", limit + 1).await?;
                }
                // Part two, once part one runs out: tickets without a deadline, by id.
                if (rows.len() as u64) <= limit && !filter.overdue {
                    let mut c = cond.add(C::NextDueAt.is_null());
                    if let Some(Cursor { key: None, id, .. }) = filter.after {
                        c = c.add(C::Id.gt(id));
                    }
                    let select = tickets::Entity::find().filter(c).order_by_asc(C::Id);
                    // The whole page size, cut here: one statement text for every fill
                    // (the limit is part of the SQL, see `folded::read`).
                    let mut more = folded::read(self, select, "id", limit + 1).await?;
                    more.truncate(limit as usize + 1 - rows.len());
                    rows.extend(more);
                }
                rows
            }
        })
    }
}
