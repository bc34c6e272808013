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
    let backend = txn.get_database_backend();
    let from_sequence = if backend == DbBackend::Postgres {
        // NULL (not an error, which would end the transaction) when the year has no
        // sequence yet: then the counter row numbers it.
        let sql = format!("SELECT nextval(to_regclass('{}')) AS n", sequence(year));
        txn.query_one_raw(Statement::from_string(backend, sql))
            .await?
            .map(|r| r.try_get::<Option<i64>>("", "n"))
            .transpose()?
            .flatten()
    } else {
        None
    };
    let n = match from_sequence {
        Some(n) => n,
        None => counter(txn, year).await?,
    };
    Ok(format!("GL-{year}-{n:06}"))
}

async fn counter(txn: &DatabaseTransaction, year: i32) -> Result<i64, StoreError> {
    let backend = txn.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => {
            "INSERT INTO ticket_counters (year, last) VALUES ($1, 1) \
             ON CONFLICT (year) DO UPDATE SET last = ticket_counters.last + 1 RETURNING last"
        }
        _ => {
            "INSERT INTO ticket_counters (year, last) VALUES (?, 1) \
             ON CONFLICT (year) DO UPDATE SET last = ticket_counters.last + 1 RETURNING last"
        }
    };
    let row = txn
        .query_one_raw(Statement::from_sql_and_values(backend, sql, [year.into()]))
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
