//! Login throttling shared by every process on the database: attempts per key and minute
//! (fixed windows), and the account-and-address pairs that signed in before.

use sea_orm::sea_query::{Alias, Expr, ExprTrait as _, OnConflict, Query};
use sea_orm::{ConnectionTrait, TransactionTrait};

use crate::{Store, StoreError};

fn attempts() -> Alias {
    Alias::new("login_attempts")
}

fn known() -> Alias {
    Alias::new("login_known")
}

fn col(name: &str) -> Alias {
    Alias::new(name)
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
        let forget = Query::delete()
            .from_table(attempts())
            .and_where(Expr::col(col("window")).lt(drop_before))
            .to_owned();
        txn.execute(&forget).await?;
        let mut counts = Vec::with_capacity(keys.len());
        for key in keys {
            let count = Query::insert()
                .into_table(attempts())
                .columns([col("key"), col("window"), col("count")])
                .values_panic([key.clone().into(), window.into(), 1i64.into()])
                .on_conflict(
                    OnConflict::columns([col("key"), col("window")])
                        .value(col("count"), Expr::col((attempts(), col("count"))).add(1))
                        .to_owned(),
                )
                .returning_col(col("count"))
                .to_owned();
            let row = txn
                .query_one_raw(backend.build(&count))
                .await?
                .ok_or_else(|| StoreError::Corrupt("login count returned nothing".into()))?;
            counts.push(row.try_get::<i64>("", "count")?);
        }
        txn.commit().await?;
        Ok(counts)
    }

    /// Whether the pair signed in at or after `since` (ms).
    pub async fn login_pair_known(&self, pair: &str, since: i64) -> Result<bool, StoreError> {
        let q = Query::select()
            .column(col("at"))
            .from(known())
            .and_where(Expr::col(col("pair")).eq(pair))
            .and_where(Expr::col(col("at")).gte(since))
            .to_owned();
        Ok(self.read.query_one(&q).await?.is_some())
    }

    /// Remembers that the pair signed in at `at` (ms).
    pub async fn remember_login_pair(&self, pair: &str, at: i64) -> Result<(), StoreError> {
        let q = Query::insert()
            .into_table(known())
            .columns([col("pair"), col("at")])
            .values_panic([pair.into(), at.into()])
            .on_conflict(
                OnConflict::column(col("pair"))
                    .update_column(col("at"))
                    .to_owned(),
            )
            .to_owned();
        self.write.execute(&q).await?;
        Ok(())
    }
}
