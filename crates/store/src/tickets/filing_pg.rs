//! A batch of filings on PostgreSQL in two round trips: the numbers from the year's
//! sequence, then one statement that writes the tickets, their search terms and their
//! first events (data-modifying common table expressions, in autocommit: one statement is
//! one transaction, all or nothing). Written as a transaction of its own statements, a
//! batch took seven round trips (`BEGIN` to `COMMIT`), and its multi-row `INSERT`s were
//! parsed again whenever the batch's size changed; this statement's text is the same for
//! every batch (the rows come as JSON arrays, which PostgreSQL reads into the tables' own
//! row types), so each connection prepares it once.
//!
//! The rows are built as the transaction's path builds them (`new_row`, `event_row`, the
//! search document); only their passage differs. A batch this path cannot write — a year
//! without its sequence yet, or a first event that notifies (none does today: filing tells
//! no one until the ticket is dispatched) — goes the transaction's way instead.

use std::collections::{BTreeMap, HashMap};

use chrono::Datelike as _;
use gridline_domain::calendar::ZONE;
use gridline_domain::{Ticket, TicketId};
use sea_orm::sea_query::value::sea_value_to_json_value;
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DbBackend, EntityTrait, IdenStatic, Iterable, Statement,
};
use serde_json::{Map, Value as Json};

use super::create::new_row;
use super::events::event_row;
use super::filing::Job;
use super::mapping::to_ticket;
use super::numbers::{format_number, from_sequence};
use super::pg_rows::FromRow as _;
use super::search::document;
use crate::entity::{ticket_events, tickets};
use crate::{Store, StoreError};

/// The columns a row sets (all but those left to the database, the id), and the rows as
/// JSON objects keyed by column, which `jsonb_populate_recordset` reads with the table's
/// types.
fn rows_json<A: ActiveModelTrait>(rows: &[A]) -> (Vec<&'static str>, Vec<Map<String, Json>>) {
    let columns: Vec<_> = <A::Entity as EntityTrait>::Column::iter()
        .filter(|c| rows.first().is_some_and(|r| r.get(*c).is_set()))
        .collect();
    let objects = rows
        .iter()
        .map(|r| {
            columns
                .iter()
                .map(|c| {
                    let value = r
                        .get(*c)
                        .into_value()
                        .map_or(Json::Null, |v| sea_value_to_json_value(&v));
                    (c.as_str().to_owned(), value)
                })
                .collect()
        })
        .collect();
    (columns.iter().map(|c| c.as_str()).collect(), objects)
}

/// The one statement: `$1` the tickets, `$2` their search documents by number, `$3` their
/// first events by number. Answers the tickets' rows.
fn statement(ticket_columns: &[&str], event_columns: &[&str]) -> String {
    let t = ticket_columns.join(", ");
    let e_into = event_columns.join(", ");
    let e_from = event_columns
        .iter()
        .map(|c| match *c {
            "ticket_id" => "t.id".to_owned(),
            c => format!("ev.{c}"),
        })
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "WITH t AS (\
           INSERT INTO tickets ({t}) \
           SELECT {t} FROM jsonb_populate_recordset(NULL::tickets, $1) WITH ORDINALITY AS r \
           ORDER BY r.ordinality RETURNING *), \
         s AS (\
           INSERT INTO ticket_search (ticket_id, terms) \
           SELECT t.id, to_tsvector('simple', d.doc) \
           FROM t JOIN jsonb_to_recordset($2) AS d(number text, doc text) ON d.number = t.number), \
         e AS (\
           INSERT INTO ticket_events ({e_into}) \
           SELECT {e_from} FROM jsonb_array_elements($3) AS x(j) \
           JOIN t ON t.number = x.j->>'number' \
           CROSS JOIN LATERAL jsonb_populate_record(NULL::ticket_events, x.j) AS ev) \
         SELECT * FROM t"
    )
}

impl Store {
    /// Writes a batch in one statement, the tickets in the batch's order; `None` when this
    /// path cannot write it (see the module), before anything is taken or written.
    pub(super) async fn insert_batch_at_once(
        &self,
        batch: &[Job],
    ) -> Result<Option<Vec<Ticket>>, StoreError> {
        if self.write.get_database_backend() != DbBackend::Postgres
            || batch.iter().any(|j| j.filed.kind.notifies())
        {
            return Ok(None);
        }
        let mut years: BTreeMap<i32, Vec<usize>> = BTreeMap::new();
        for (i, job) in batch.iter().enumerate() {
            years
                .entry(job.filed.at.with_timezone(&ZONE).year())
                .or_default()
                .push(i);
        }
        let mut numbers = vec![String::new(); batch.len()];
        for (year, which) in years {
            let count = i64::try_from(which.len())
                .map_err(|_| StoreError::Corrupt("batch too large".into()))?;
            let Some(mut taken) = from_sequence(&self.write, year, count).await? else {
                return Ok(None);
            };
            taken.sort_unstable();
            for (i, v) in which.into_iter().zip(taken) {
                numbers[i] = format_number(year, v);
            }
        }
        let rows: Vec<_> = batch
            .iter()
            .zip(&numbers)
            .map(|(j, n)| new_row(&j.new, j.grid, &j.filed, j.idem.as_ref(), n.clone()))
            .collect();
        let (ticket_columns, tickets_json) = rows_json(&rows);
        let documents: Vec<Json> = batch
            .iter()
            .zip(&numbers)
            .map(|(j, n)| {
                let doc = document(j.new.title.as_str(), j.new.description.as_str(), n);
                serde_json::json!({ "number": n, "doc": doc })
            })
            .collect();
        // The ticket's id is the statement's to give: a placeholder here, `t.id` there.
        let events: Vec<_> = batch
            .iter()
            .map(|j| event_row(TicketId(0), &j.filed))
            .collect();
        let (event_columns, mut events_json) = rows_json::<ticket_events::ActiveModel>(&events);
        for (e, n) in events_json.iter_mut().zip(&numbers) {
            e.insert("number".to_owned(), Json::String(n.clone()));
        }
        let sql = statement(&ticket_columns, &event_columns);
        let values = [
            Json::Array(tickets_json.into_iter().map(Json::Object).collect()),
            Json::Array(documents),
            Json::Array(events_json.into_iter().map(Json::Object).collect()),
        ]
        .map(sea_orm::Value::from);
        let written = self
            .write
            .query_all_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                sql,
                values,
            ))
            .await?;
        let mut by_number: HashMap<String, tickets::Model> = written
            .iter()
            .map(|r| tickets::Model::from_row(r).map(|m| (m.number.clone(), m)))
            .collect::<Result<_, _>>()?;
        numbers
            .iter()
            .map(|n| {
                let row = by_number
                    .remove(n)
                    .ok_or_else(|| StoreError::Corrupt(format!("ticket {n} not returned")))?;
                to_ticket(row, vec![])
            })
            .collect::<Result<Vec<Ticket>, StoreError>>()
            .map(Some)
    }
}
