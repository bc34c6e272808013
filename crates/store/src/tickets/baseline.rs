//! The quiet tickets of a digest (`domain::digest::Baseline`), counted in SQL: open, not
//! touched since the period began, no date of theirs in the period, no pause, no closure,
//! no co-handling opinion due in it. Every predicate here mirrors one in
//! `domain::digest::compute` (the property test `digest_sql` holds them together).

use chrono::{DateTime, Utc};
use gridline_domain::digest::{Baseline, HeldFact, OVERDUE_ROWS, OverdueFact};
use gridline_domain::{DepartmentId, Scope, TicketId, UserId};
use sea_orm::sea_query::{Alias, Expr, PostgresQueryBuilder, Query, SelectStatement};
use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend, QueryResult, Statement};

use super::lists::scope_condition;
use crate::entity::tickets;
use crate::{Store, StoreError, from_ms, to_ms};

/// A period as the SQL sees it: milliseconds, inlined (integers, never text).
#[derive(Clone, Copy)]
pub(super) struct Range {
    start: i64,
    end: i64,
    /// `+` on SQLite: a unary plus keeps its planner off the status index and off a date
    /// index, which it would walk for most of the table, one row fetch each (five times
    /// slower than reading the table through); nothing on PostgreSQL.
    plain: &'static str,
}

impl Range {
    pub(super) fn new(backend: DbBackend, start: DateTime<Utc>, end: DateTime<Utc>) -> Self {
        Self {
            start: to_ms(start),
            end: to_ms(end),
            plain: if backend == DbBackend::Sqlite {
                "+"
            } else {
                ""
            },
        }
    }

    /// True for a quiet ticket; never NULL, so `NOT` of it is the loaded rest.
    pub(super) fn quiet(self) -> String {
        let Range {
            start: s,
            end: e,
            plain: p,
        } = self;
        let open = super::open_statuses()
            .iter()
            .map(|st| format!("'{st}'"))
            .collect::<Vec<_>>()
            .join(",");
        let outside = |c: &str| format!("({c} IS NULL OR {c} < {s} OR {c} >= {e})");
        // `{p}status IN (..)`, `closure IS NULL` and `pause IS NULL` as written here are
        // the terms of SQLite's covering index `idx_tickets_quiet` (migration
        // m20261205_000001): it walks a partial index only for a query that states them.
        format!(
            "({p}status IN ({open}) AND updated_at < {s} AND {p}created_at < {s} \
             AND closure IS NULL AND pause IS NULL AND {} AND {} AND {} AND {} \
             AND id NOT IN (SELECT ticket_id FROM ticket_co_departments \
             WHERE reply_due_at >= {s} AND reply_due_at < {e}))",
            outside("dispatched_at"),
            outside("accepted_at"),
            outside("resolved_at"),
            outside("closed_at"),
        )
    }

    /// Filed before the end: nearly every ticket, so not by the filing-date index (which a
    /// planner with statistics chose for it: at 1M tickets, 4 s against 0.8 s for reading
    /// the table through).
    pub(super) fn filed_before_end(self) -> String {
        format!("{}created_at < {}", self.plain, self.end)
    }

    /// Open at the end (a quiet ticket was filed before it).
    fn open_at_end(self) -> String {
        let e = self.end;
        format!(
            "((resolved_at IS NULL OR resolved_at >= {e}) AND (closed_at IS NULL OR closed_at >= {e}))"
        )
    }

    /// Waiting in a queue past the dispatch deadline at the end.
    fn dispatch_overdue(self) -> String {
        let e = self.end;
        format!(
            "(queued_at < {e} AND (dispatched_at IS NULL OR dispatched_at >= {e} \
             OR dispatched_at < queued_at) AND (closed_at IS NULL OR closed_at >= {e}) \
             AND dispatch_due_at < {e})"
        )
    }

    /// The deadline running at the end (signing's, then resolution's).
    fn due(self) -> String {
        let e = self.end;
        format!(
            "(CASE WHEN accepted_at < {e} THEN resolution_due_at \
             WHEN dispatched_at < {e} THEN response_due_at END)"
        )
    }

    /// Still open at the end and past the deadline running then.
    fn overdue(self) -> String {
        let e = self.end;
        format!(
            "((resolved_at IS NULL OR resolved_at >= {e}) AND closed_at IS NULL AND {} < {e})",
            self.due()
        )
    }
}

fn int(row: &QueryResult, col: &str) -> Result<i64, StoreError> {
    Ok(row.try_get::<Option<i64>>("", col)?.unwrap_or(0))
}

fn count(row: &QueryResult, col: &str) -> Result<u32, StoreError> {
    Ok(u32::try_from(int(row, col)?).unwrap_or(u32::MAX))
}

impl Store {
    /// What the quiet tickets of `scope` add to the digest of `[start, end)`: a few grouped
    /// queries, never a row per ticket (but the [`OVERDUE_ROWS`] most overdue).
    pub(super) async fn digest_baseline(
        &self,
        scope: &Scope,
        range: Range,
    ) -> Result<Baseline, StoreError> {
        let db = &self.read;
        let mut b = Baseline::default();
        let mut overdue: std::collections::BTreeMap<Option<i64>, u32> = Default::default();
        // One line per person: the department of their lowest-numbered ticket.
        let mut people: std::collections::BTreeMap<i64, HeldFact> = Default::default();
        // On PostgreSQL the most overdue come in the same pass (see `grouped_with_overdue`).
        let (groups, most_due) = if db.get_database_backend() == DbBackend::Postgres {
            let mut groups = Vec::new();
            let mut due = Vec::new();
            for row in db.query_all_raw(grouped_with_overdue(scope, range)).await? {
                if row.try_get::<bool>("", "grouped")? {
                    groups.push(row);
                } else {
                    due.push((int(&row, "first_id")?, int(&row, "due")?));
                }
            }
            (groups, Some(due))
        } else {
            (db.query_all(&grouped(scope, range)).await?, None)
        };
        for row in groups {
            let dept = row.try_get::<Option<i64>>("", "dept")?;
            let open = count(&row, "open_n")?;
            b.open_at_end += open;
            b.dispatch_overdue_at_end += count(&row, "dispatch_n")?;
            let late = count(&row, "overdue_n")?;
            if late > 0 {
                *overdue.entry(dept).or_default() += late;
            }
            let Some(person) = row.try_get::<Option<i64>>("", "person")? else {
                continue;
            };
            let fact = HeldFact {
                person_id: UserId(person),
                first_ticket: TicketId(int(&row, "first_id")?),
                department_id: dept.map(DepartmentId),
                held: open,
            };
            let h = people.entry(person).or_insert(HeldFact { held: 0, ..fact });
            h.held += fact.held;
            if fact.first_ticket <= h.first_ticket {
                h.first_ticket = fact.first_ticket;
                h.department_id = fact.department_id;
            }
        }
        b.overdue = overdue
            .into_iter()
            .map(|(d, n)| (d.map(DepartmentId), n))
            .collect();
        b.held = people.into_values().collect();
        if b.overdue_total() > 0 {
            let due = match most_due {
                Some(due) => due,
                None => self.overdue_due(scope, range).await?,
            };
            b.overdue_rows = self.most_overdue(due).await?;
        }
        Ok(b)
    }

    /// The ids and deadlines of the [`OVERDUE_ROWS`] most overdue quiet tickets, in order,
    /// from SQLite's covering index ([`overdue_ids`]).
    async fn overdue_due(
        &self,
        scope: &Scope,
        range: Range,
    ) -> Result<Vec<(i64, i64)>, StoreError> {
        let mut due = Vec::new();
        for row in self.read.query_all(&overdue_ids(scope, range)).await? {
            due.push((row.try_get("", "id")?, int(&row, "due")?));
        }
        Ok(due)
    }

    /// The [`OVERDUE_ROWS`] most overdue of the quiet tickets, by deadline then id, from
    /// their ids and deadlines in that order (read from the covering index on SQLite, in
    /// the grouped pass on PostgreSQL): only those rows are read.
    async fn most_overdue(&self, due: Vec<(i64, i64)>) -> Result<Vec<OverdueFact>, StoreError> {
        use tickets::Column as C;
        let db = &self.read;
        let rows = Query::select()
            .columns([
                C::Id,
                C::Number,
                C::Title,
                C::AccountableLeaderId,
                C::DepartmentId,
                C::ResponsiblePersonId,
            ])
            .from(tickets::Entity)
            .and_where(C::Id.is_in(due.iter().map(|(id, _)| *id)))
            .to_owned();
        let mut by_id: std::collections::HashMap<i64, QueryResult> = Default::default();
        for row in db.query_all(&rows).await? {
            by_id.insert(row.try_get("", "id")?, row);
        }
        let mut out = Vec::with_capacity(due.len());
        for (id, at) in due {
            // Gone between the two reads (a ticket is never deleted): nothing to list.
            let Some(row) = by_id.get(&id) else { continue };
            out.push(OverdueFact {
                ticket_id: TicketId(id),
                number: row.try_get("", "number")?,
                title: row.try_get("", "title")?,
                accountable_leader_id: row
                    .try_get::<Option<i64>>("", "accountable_leader_id")?
                    .map(UserId),
                department_id: row
                    .try_get::<Option<i64>>("", "department_id")?
                    .map(DepartmentId),
                responsible_person_id: row
                    .try_get::<Option<i64>>("", "responsible_person_id")?
                    .map(UserId),
                due_at: from_ms(at)?,
            });
        }
        Ok(out)
    }
}

/// The quiet tickets of `scope`.
fn quiet(scope: &Scope, range: Range) -> SelectStatement {
    Query::select()
        .from(tickets::Entity)
        .cond_where(scope_condition(scope))
        .and_where(Expr::cust(range.quiet()))
        .to_owned()
}

/// One pass over the quiet tickets, by responsible department and person: the totals, the
/// overdue by department, and what each person holds. It walks `idx_tickets_quiet`, which
/// is in group order and holds every column read here, so SQLite neither sorts nor reads
/// the table.
pub(super) fn grouped(scope: &Scope, range: Range) -> SelectStatement {
    use tickets::Column as C;
    let sum = |cond: String| Expr::cust(format!("SUM(CASE WHEN {cond} THEN 1 ELSE 0 END)"));
    quiet(scope, range)
        .expr_as(Expr::col(C::DepartmentId), Alias::new("dept"))
        .expr_as(Expr::col(C::ResponsiblePersonId), Alias::new("person"))
        .expr_as(Expr::cust("MIN(id)"), Alias::new("first_id"))
        .expr_as(sum(range.open_at_end()), Alias::new("open_n"))
        .expr_as(sum(range.dispatch_overdue()), Alias::new("dispatch_n"))
        .expr_as(sum(range.overdue()), Alias::new("overdue_n"))
        .add_group_by([
            Expr::col(C::DepartmentId),
            Expr::col(C::ResponsiblePersonId),
        ])
        .to_owned()
}

/// On PostgreSQL, the grouped pass and the [`OVERDUE_ROWS`] most overdue in one pass over
/// the quiet tickets (it has no covering index for them: each was a pass over the table,
/// one after the other; at a million tickets 0.36–0.45 s and 0.30–0.35 s, and 0.53–0.60 s
/// together). The group rows carry `grouped` true and [`grouped`]'s columns (`overdue_n`
/// counts the deadlines of the overdue: an overdue ticket always has one); the overdue
/// rows `grouped` false, the ticket's id in `first_id` and its deadline in `due`, in
/// [`overdue_ids`]'s order.
fn grouped_with_overdue(scope: &Scope, range: Range) -> Statement {
    use tickets::Column as C;
    let flag = |cond: String| Expr::cust(format!("CASE WHEN {cond} THEN 1 ELSE 0 END"));
    let (inner, values) = quiet(scope, range)
        .expr_as(Expr::col(C::DepartmentId), Alias::new("dept"))
        .expr_as(Expr::col(C::ResponsiblePersonId), Alias::new("person"))
        .column(C::Id)
        .expr_as(flag(range.open_at_end()), Alias::new("o"))
        .expr_as(flag(range.dispatch_overdue()), Alias::new("x"))
        .expr_as(
            Expr::cust(format!(
                "CASE WHEN {} THEN {} END",
                range.overdue(),
                range.due()
            )),
            Alias::new("late"),
        )
        .build(PostgresQueryBuilder);
    let sql = format!(
        "WITH q AS MATERIALIZED ({inner}) \
         SELECT TRUE AS grouped, dept, person, MIN(id) AS first_id, SUM(o) AS open_n, \
         SUM(x) AS dispatch_n, COUNT(late) AS overdue_n, NULL::bigint AS due \
         FROM q GROUP BY dept, person \
         UNION ALL (SELECT FALSE, NULL, NULL, id, NULL, NULL, NULL, late FROM q \
         WHERE late IS NOT NULL ORDER BY late, id LIMIT {OVERDUE_ROWS})"
    );
    Statement::from_sql_and_values(DbBackend::Postgres, sql, values)
}

/// The ids and running deadlines of the [`OVERDUE_ROWS`] most overdue quiet tickets, from
/// the covering index alone.
pub(super) fn overdue_ids(scope: &Scope, range: Range) -> SelectStatement {
    use tickets::Column as C;
    quiet(scope, range)
        .column(C::Id)
        .expr_as(Expr::cust(range.due()), Alias::new("due"))
        .and_where(Expr::cust(range.overdue()))
        .order_by_expr(Expr::cust(range.due()), sea_orm::Order::Asc)
        .order_by(C::Id, sea_orm::Order::Asc)
        .limit(OVERDUE_ROWS as u64)
        .to_owned()
}
