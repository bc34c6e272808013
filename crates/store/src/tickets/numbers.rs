//! Ticket numbers (`GL-2026-000123`), per year. On SQLite a counter row per year, taken in
//! the filing transaction (SQLite has one writer anyway). On PostgreSQL a sequence per year:
//! the counter row's lock was held from the number to the commit, so every concurrent
//! filing waited for the one before (about 1 000 creates a second at most, whatever the
//! cores). A sequence is never rolled back: a filing that fails after taking its number
//! leaves a gap. Numbers stay unique and increasing, not gapless (README says so).

use sea_orm::{ConnectionTrait, DatabaseTransaction, DbBackend, Statement};

use crate::StoreError;

/// The sequence of a year's numbers on PostgreSQL (the year is an integer: safe to inline).
fn sequence(year: i32) -> String {
    format!("ticket_number_{year}")
}

/// The next ticket number of a year.
pub(super) async fn next_number(
    txn: &DatabaseTransaction,
    year: i32,
) -> Result<String, StoreError> {
    let mut one = next_numbers(txn, year, 1).await?;
    one.pop()
        .ok_or_else(|| StoreError::Corrupt("no ticket number taken".into()))
}

/// The next `n` ticket numbers of a year, in increasing order (a batch of filings takes
/// them in one statement).
pub(super) async fn next_numbers(
    txn: &DatabaseTransaction,
    year: i32,
    n: usize,
) -> Result<Vec<String>, StoreError> {
    let count = i64::try_from(n).map_err(|_| StoreError::Corrupt("batch too large".into()))?;
    if count == 0 {
        return Ok(vec![]);
    }
    let backend = txn.get_database_backend();
    let mut from_sequence: Vec<i64> = vec![];
    if backend == DbBackend::Postgres {
        // NULL (not an error, which would end the transaction) when the year has no
        // sequence yet: then the counter row numbers them.
        let sql = format!(
            "SELECT nextval(to_regclass('{}')) AS n FROM generate_series(1, $1)",
            sequence(year)
        );
        for row in txn
            .query_all_raw(Statement::from_sql_and_values(backend, sql, [count.into()]))
            .await?
        {
            match row.try_get::<Option<i64>>("", "n")? {
                Some(v) => from_sequence.push(v),
                None => break,
            }
        }
    }
    let mut taken = if from_sequence.len() == n {
        from_sequence
    } else {
        let last = counter(txn, year, count).await?;
        (last - count + 1..=last).collect()
    };
    taken.sort_unstable();
    Ok(taken
        .into_iter()
        .map(|v| format!("GL-{year}-{v:06}"))
        .collect())
}

async fn counter(txn: &DatabaseTransaction, year: i32, n: i64) -> Result<i64, StoreError> {
    let backend = txn.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => {
            "INSERT INTO ticket_counters (year, last) VALUES ($1, $2) \
             ON CONFLICT (year) DO UPDATE SET last = ticket_counters.last + $2 RETURNING last"
        }
        _ => {
            "INSERT INTO ticket_counters (year, last) VALUES (?1, ?2) \
             ON CONFLICT (year) DO UPDATE SET last = ticket_counters.last + ?2 RETURNING last"
        }
    };
    let row = txn
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            sql,
            [year.into(), n.into()],
        ))
        .await?
        .ok_or_else(|| StoreError::Corrupt("ticket counter returned nothing".into()))?;
    Ok(row.try_get("", "last")?)
}

/// Creates the PostgreSQL sequences of `years` that do not exist yet, each starting after
/// its counter row (inside the migration transaction, which one process at a time holds).
pub(crate) async fn ensure_sequences(
    txn: &DatabaseTransaction,
    years: &[i32],
) -> Result<(), StoreError> {
    let backend = txn.get_database_backend();
    if backend != DbBackend::Postgres {
        return Ok(());
    }
    for &year in years {
        let last: i64 = txn
            .query_one_raw(Statement::from_sql_and_values(
                backend,
                "SELECT COALESCE(MAX(last), 0) AS last FROM ticket_counters WHERE year = $1",
                [year.into()],
            ))
            .await?
            .map(|r| r.try_get("", "last"))
            .transpose()?
            .unwrap_or(0);
        txn.execute_unprepared(&format!(
            "CREATE SEQUENCE IF NOT EXISTS {} START WITH {}",
            sequence(year),
            last + 1
        ))
        .await?;
    }
    Ok(())
}
