//! A ticket read in one query: its co-handling rows come folded into one text column by a
//! correlated subquery (the same SQL on both engines), instead of a second query for them.
//! A read of one ticket was two round trips to the database's thread; at tens of thousands
//! of reads a second the hand-offs, not the queries, were what cost.

use gridline_domain::ticket::CoHandler;
use gridline_domain::{DepartmentId, Ticket, UserId};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ConnectionTrait, DbBackend, EntityTrait, QuerySelect, QueryTrait, Select, Statement,
};

use super::mapping::{corrupt, to_ticket};
use crate::entity::tickets;
use crate::kept::Kept;
use crate::{Store, StoreError, direct, from_ms};

/// The column's name in the result.
const COLUMN: &str = "co_folded";

/// Each co-handler as `department,asked,due,replied,by` (milliseconds; empty for none),
/// joined by `;`, in the order of the rows' read (asked, then department).
const FOLD: &str = "(SELECT string_agg(\
     CAST(c.department_id AS TEXT) || ',' || \
     COALESCE(CAST(c.asked_at AS TEXT), '') || ',' || \
     COALESCE(CAST(c.reply_due_at AS TEXT), '') || ',' || \
     COALESCE(CAST(c.replied_at AS TEXT), '') || ',' || \
     COALESCE(CAST(c.replied_by AS TEXT), ''), \
     ';' ORDER BY c.asked_at, c.department_id) \
     FROM ticket_co_departments c WHERE c.ticket_id = tickets.id)";

/// Reads the first `limit` tickets `select` finds, each with its co-handlers, in one query.
/// `order` is the select's own order, as SQL over its columns (`created_at DESC, id DESC`).
///
/// The limit is written into the SQL as a number, not bound: SQLite reads a bound `LIMIT`
/// as a planning hint and plans the statement again every time it is bound, whatever the
/// value, so a kept statement was parsed anew on every page (a quarter of a list's CPU).
/// A page's statement text then differs by page size only (a few sizes), each kept
/// prepared.
///
/// On SQLite the rows come packed into one JSON value built inside SQLite (see
/// `packed.rs`): a list page of a hundred tickets is one hand-over from the connection's
/// thread instead of a hundred, and one allocation instead of four thousand.
///
/// With direct readers (see `direct.rs`) that one value is read on the calling thread.
pub(super) async fn read(
    store: &Store,
    select: Select<tickets::Entity>,
    order: &str,
    limit: u64,
) -> Result<Vec<Ticket>, StoreError> {
    let db = &store.read;
    let backend = db.get_database_backend();
    let mut stmt = select.expr_as(Expr::cust(FOLD), COLUMN).build(backend);
    stmt.sql.push_str(&format!(" LIMIT {limit}"));
    if backend != DbBackend::Sqlite {
        return statement_rows(store, stmt).await;
    }
    let sql = format!(
        "SELECT json_group_array(json_array({}, {COLUMN}) ORDER BY {order}) AS packed FROM ({})",
        super::packed::row_array::<tickets::Entity>(),
        stmt.sql
    );
    let stmt =
        Statement::from_sql_and_values(backend, sql, stmt.values.map(|v| v.0).unwrap_or_default());
    let packed: Option<String> = match store.direct_sql_as::<(Option<String>,)>(&stmt) {
        Some(rows) => rows?.pop().and_then(|(p,)| p),
        None => match db.query_one_raw(stmt).await? {
            Some(r) => r.try_get("", "packed")?,
            None => None,
        },
    };
    let rows: Vec<(tickets::Model, Option<String>)> =
        serde_json::from_str(packed.as_deref().unwrap_or("[]"))
            .map_err(|e| StoreError::Corrupt(format!("packed tickets: {e}")))?;
    rows.into_iter()
        .map(|(row, folded)| to_ticket(row, unfold(folded.as_deref().unwrap_or(""))?))
        .collect()
}

/// One ticket by id, row by row (packing one row cost a get by id a sixth of its
/// throughput). The statement's text is the same for every id, so it is built once per
/// engine: building sea-query's select of every column took a twelfth of a get by id.
pub(super) async fn by_id(store: &Store, id: i64) -> Result<Vec<Ticket>, StoreError> {
    statement_rows(
        store,
        by_id_statement(store.read.get_database_backend(), id),
    )
    .await
}

fn by_id_statement(backend: DbBackend, id: i64) -> Statement {
    static SQL: Kept = Kept::new();
    SQL.statement(
        backend,
        || tickets::Entity::find_by_id(0).expr_as(Expr::cust(FOLD), COLUMN),
        [id.into()],
    )
}

/// The rows of a select of tickets with their folded co-handlers, row by row: on the
/// calling thread when the store has direct readers, else through sea-orm (PostgreSQL).
async fn statement_rows(store: &Store, stmt: Statement) -> Result<Vec<Ticket>, StoreError> {
    let db = &store.read;
    if let Some(rows) = store
        .direct
        .as_ref()
        .and_then(|d| d.rows(&stmt, direct_row))
    {
        return rows;
    }
    db.query_all_raw(stmt)
        .await?
        .iter()
        .map(|r| {
            let row = <tickets::Model as super::pg_rows::FromRow>::from_row(r)?;
            let folded: Option<String> = r.try_get("", COLUMN)?;
            to_ticket(row, unfold(folded.as_deref().unwrap_or(""))?)
        })
        .collect()
}

/// A row of the select on the direct path: the entity's columns in the model's field order
/// (read by serde as the struct, as the packed reads are), then the folded co-handlers.
fn direct_row(r: &rusqlite::Row<'_>) -> Result<Ticket, StoreError> {
    let mut cols = direct::columns(r)?;
    let folded = match cols.pop() {
        Some(serde_json::Value::String(s)) => s,
        _ => String::new(),
    };
    let row: tickets::Model = serde_json::from_value(serde_json::Value::Array(cols))
        .map_err(|e| StoreError::Corrupt(format!("a ticket row: {e}")))?;
    to_ticket(row, unfold(&folded)?)
}

/// The co-handlers out of the folded column.
fn unfold(s: &str) -> Result<Vec<CoHandler>, StoreError> {
    if s.is_empty() {
        return Ok(Vec::new());
    }
    s.split(';')
        .map(|one| {
            let f: Vec<&str> = one.split(',').collect();
            let [dept, asked, due, replied, by] = f[..] else {
                return Err(corrupt("co-handler", one));
            };
            let num = |v: &str| -> Result<Option<i64>, StoreError> {
                if v.is_empty() {
                    return Ok(None);
                }
                v.parse().map(Some).map_err(|_| corrupt("co-handler", one))
            };
            let time = |v: &str| num(v)?.map(from_ms).transpose();
            Ok(CoHandler {
                department_id: DepartmentId(num(dept)?.ok_or_else(|| corrupt("co-handler", one))?),
                asked_at: time(asked)?,
                reply_due_at: time(due)?,
                replied_at: time(replied)?,
                replied_by: num(by)?.map(UserId),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ticket_by_id_is_the_select_built_afresh() {
        for backend in [DbBackend::Sqlite, DbBackend::Postgres] {
            for id in [1, 42, i64::MAX] {
                let fresh = tickets::Entity::find_by_id(id)
                    .expr_as(Expr::cust(FOLD), COLUMN)
                    .build(backend);
                assert_eq!(by_id_statement(backend, id), fresh, "{backend:?}, {id}");
            }
        }
    }

    #[test]
    fn unfolds_what_the_query_folds() {
        assert!(unfold("").unwrap().is_empty());
        let two = unfold("3,1000,,2000,7;5,,,,").unwrap();
        assert_eq!(two.len(), 2);
        assert_eq!(two[0].department_id, DepartmentId(3));
        assert_eq!(two[0].asked_at, Some(from_ms(1000).unwrap()));
        assert_eq!(two[0].reply_due_at, None);
        assert_eq!(two[0].replied_at, Some(from_ms(2000).unwrap()));
        assert_eq!(two[0].replied_by, Some(UserId(7)));
        assert_eq!(two[1].department_id, DepartmentId(5));
        assert_eq!(two[1].asked_at, None);
        assert!(unfold("3,1000").is_err());
        assert!(unfold(",,,,").is_err());
        assert!(unfold("x,,,,").is_err());
    }
}
