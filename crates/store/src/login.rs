//! Login throttling shared by every process on the database: attempts per key and minute
//! (fixed windows), and the account-and-address pairs that signed in before.

use sea_orm::{ConnectionTrait, DbBackend, Statement, TransactionTrait};

use crate::{Store, StoreError};

fn sql(backend: DbBackend, postgres: &'static str) -> String {
    match backend {
        DbBackend::Postgres => postgres.to_owned(),
        // The same statement with SQLite's placeholders.
        _ => {
            let mut out = String::with_capacity(postgres.len());
            let mut chars = postgres.chars().peekable();
            while let Some(c) = chars.next() {
                if c == '$' {
                    while chars.peek().is_some_and(char::is_ascii_digit) {
                        chars.next();
                    }
                    out.push('?');
                } else {
                    out.push(c);
                }
            }
            out
        }
    }
}

impl Store {
    /// Counts one attempt under each key in the window starting at `window` (ms) and
    /// returns each key's count in it, atomically across processes; windows that began
    /// before `drop_before` are forgotten.
    pub async fn count_login_attempts(
        &self,
        keys: &[String],
        window: i64,
        drop_before: i64,
    ) -> Result<Vec<i64>, StoreError> {
        let backend = self.write.get_database_backend();
        let txn = self.write.begin().await?;
        txn.execute_raw(Statement::from_sql_and_values(
            backend,
            sql(backend, "DELETE FROM login_attempts WHERE \"window\" < $1"),
            [drop_before.into()],
        ))
        .await?;
        let mut counts = Vec::with_capacity(keys.len());
        for key in keys {
            let row = txn
                .query_one_raw(Statement::from_sql_and_values(
                    backend,
                    sql(
                        backend,
                        "INSERT INTO login_attempts (key, \"window\", count) VALUES ($1, $2, 1) \
                         ON CONFLICT (key, \"window\") DO UPDATE SET count = login_attempts.count + 1 \
                         RETURNING count",
                    ),
                    [key.clone().into(), window.into()],
                ))
                .await?
                .ok_or_else(|| StoreError::Corrupt("login count returned nothing".into()))?;
            counts.push(row.try_get::<i64>("", "count")?);
        }
        txn.commit().await?;
        Ok(counts)
    }

    /// Whether the pair signed in at or after `since` (ms).
    pub async fn login_pair_known(&self, pair: &str, since: i64) -> Result<bool, StoreError> {
        let backend = self.read.get_database_backend();
        let row = self
            .read
            .query_one_raw(Statement::from_sql_and_values(
                backend,
                sql(backend, "SELECT at FROM login_known WHERE pair = $1"),
                [pair.into()],
            ))
            .await?;
        Ok(match row {
            Some(r) => r.try_get::<i64>("", "at")? >= since,
            None => false,
        })
    }

    /// Remembers that the pair signed in at `at` (ms).
    pub async fn remember_login_pair(&self, pair: &str, at: i64) -> Result<(), StoreError> {
        let backend = self.write.get_database_backend();
        self.write
            .execute_raw(Statement::from_sql_and_values(
                backend,
                sql(
                    backend,
                    "INSERT INTO login_known (pair, at) VALUES ($1, $2) \
                     ON CONFLICT (pair) DO UPDATE SET at = excluded.at",
                ),
                [pair.into(), at.into()],
            ))
            .await?;
        Ok(())
    }
}
