//! Many rows read as a few, on SQLite: each result row carries a chunk of the query's rows as
//! one JSON array, built inside SQLite.
//!
//! sqlx hands SQLite's rows over one by one from the connection's thread, copying every
//! value into its own allocation; for the 90 000 tickets and 100 000 events of a month's
//! digest at a million tickets that was most of the time (a profile of the first dashboard:
//! a quarter in thread switches, a sixth in malloc and free for the values, under a percent
//! in the digest's own computation). PostgreSQL streams rows over its socket without either
//! cost and reads them as they are.

use sea_orm::sea_query::Expr;
use sea_orm::{
    DatabaseConnection, DbBackend, EntityTrait, FromQueryResult, Iterable, QueryOrder, QueryTrait,
    Select, Statement,
};
use serde::de::DeserializeOwned;

use crate::StoreError;

/// A chunk holds the rows of 2^`SHIFT` consecutive ids (2 048): at most that many, and as
/// many as match among them.
const SHIFT: u32 = 11;

/// One result row: a chunk of rows.
#[derive(FromQueryResult)]
struct Chunk {
    chunk: String,
}

/// The rows of `select` in id order, each as `E::Model` passed through `map`, a chunk at a
/// time (the raw rows of a chunk never sit in memory beside all the mapped ones), held in
/// [`Runs`]. `select` names every column of the entity (by its own name; constants may
/// stand in for some) and carries no order.
pub(super) async fn read<E, T>(
    db: &DatabaseConnection,
    select: Select<E>,
    mut map: impl FnMut(E::Model) -> Result<T, StoreError>,
) -> Result<Runs<T>, StoreError>
where
    E: EntityTrait,
    E::Model: DeserializeOwned + super::pg_rows::FromRow + Send + Sync,
{
    use futures::TryStreamExt as _;
    let mut out = Runs::default();
    let backend = db.get_database_backend();
    if backend != DbBackend::Sqlite {
        use sea_orm::StreamTrait as _;
        let stmt = select.order_by_asc(Expr::col("id")).build(backend);
        let mut rows = db.stream_raw(stmt).await?;
        while let Some(row) = rows.try_next().await? {
            out.push(map(<E::Model as super::pg_rows::FromRow>::from_row(&row)?)?);
        }
        return Ok(out);
    }
    let stmt = select.build(backend);
    // Chunked by id range rather than by row number: a window over the rows made SQLite
    // write them all to a scratch table first (at 1M tickets, a month's digest read took
    // a quarter longer that way, and its events half as long again).
    let sql = format!(
        "SELECT json_group_array({} ORDER BY id) AS chunk FROM ({}) \
         GROUP BY id >> {SHIFT} ORDER BY id >> {SHIFT}",
        row_array::<E>(),
        stmt.sql
    );
    let mut chunks = Chunk::find_by_statement(Statement::from_sql_and_values(
        backend,
        sql,
        stmt.values.map(|v| v.0).unwrap_or_default(),
    ))
    .stream(db)
    .await?;
    while let Some(Chunk { chunk }) = chunks.try_next().await? {
        let models: Vec<E::Model> = serde_json::from_str(&chunk)
            .map_err(|e| StoreError::Corrupt(format!("a packed chunk of rows: {e}")))?;
        for m in models {
            out.push(map(m)?);
        }
    }
    Ok(out)
}

/// Many rows in order, held in runs of [`RUN`] rather than one vector. A vector grown by
/// pushing doubles its buffer and copies into the new one, holding both for a moment: for
/// a month's 90 000 digest tickets at a million that was tens of megabytes at the first
/// dashboard's peak. Walk them with [`Runs::iter`] (or `&runs`, which the digest's rules
/// take).
#[derive(Debug)]
pub struct Runs<T> {
    runs: Vec<Vec<T>>,
}

const RUN: usize = 1 << SHIFT;

impl<T> Default for Runs<T> {
    fn default() -> Self {
        Self { runs: Vec::new() }
    }
}

impl<T> Runs<T> {
    fn push(&mut self, item: T) {
        match self.runs.last_mut() {
            Some(run) if run.len() < RUN => run.push(item),
            _ => {
                let mut run = Vec::with_capacity(RUN);
                run.push(item);
                self.runs.push(run);
            }
        }
    }

    /// The rows in order.
    pub fn iter(&self) -> std::iter::Flatten<std::slice::Iter<'_, Vec<T>>> {
        self.runs.iter().flatten()
    }

    /// Every run but the last is full.
    pub fn len(&self) -> usize {
        self.runs
            .last()
            .map_or(0, |last| (self.runs.len() - 1) * RUN + last.len())
    }

    pub fn is_empty(&self) -> bool {
        self.runs.is_empty()
    }
}

impl<'a, T> IntoIterator for &'a Runs<T> {
    type Item = &'a T;
    type IntoIter = std::iter::Flatten<std::slice::Iter<'a, Vec<T>>>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// A row as SQLite's JSON array of the entity's columns in the model's field order, which
/// serde reads as the struct.
pub(super) fn row_array<E: EntityTrait>() -> String {
    let fields: Vec<String> = E::Column::iter()
        .map(|c| format!("\"{}\"", sea_orm::IdenStatic::as_str(&c)))
        .collect();
    format!("json_array({})", fields.join(", "))
}

#[cfg(test)]
mod tests {
    use super::{RUN, Runs};

    #[test]
    fn runs_hold_the_rows_in_order_and_none_over_its_run() {
        for n in [0, 1, RUN - 1, RUN, RUN + 1, 3 * RUN + 17] {
            let mut runs = Runs::default();
            for i in 0..n {
                runs.push(i);
            }
            assert_eq!(runs.len(), n);
            assert_eq!(
                runs.iter().copied().collect::<Vec<_>>(),
                (0..n).collect::<Vec<_>>()
            );
            assert!(runs.runs.iter().all(|r| r.capacity() == RUN));
        }
    }
}
