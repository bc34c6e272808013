//! Reads whose statement text is the same every time but for the values it binds (a ticket
//! by id, a ticket's history, files and enterprise): the text is built once per engine and
//! each read binds its values to it. Building sea-query's select of every column took a
//! twelfth of a get by id, and about a twentieth of the ticket page, which makes four such
//! reads.

use std::sync::OnceLock;

use sea_orm::{
    ConnectionTrait, DbBackend, DbErr, FromQueryResult, QueryResult, QueryTrait, Statement,
    TryGetableMany,
};
use serde::de::DeserializeOwned;

use crate::{Store, StoreError};

/// A statement's text for each engine, built on first use.
pub(crate) struct Kept([OnceLock<String>; 2]);

impl Kept {
    pub(crate) const fn new() -> Self {
        Self([OnceLock::new(), OnceLock::new()])
    }

    /// `query`'s text for `backend` (built by the first call only: `query` must give the
    /// same text whatever values it is given) with `values` bound, which must be the values
    /// that text binds, in order.
    pub(crate) fn statement<Q: QueryTrait>(
        &self,
        backend: DbBackend,
        query: impl FnOnce() -> Q,
        values: impl IntoIterator<Item = sea_orm::Value>,
    ) -> Statement {
        let slot = &self.0[usize::from(backend == DbBackend::Postgres)];
        let sql = slot.get_or_init(|| query().build(backend).sql);
        Statement::from_sql_and_values(backend, sql.as_str(), values)
    }
}

impl Store {
    /// The rows of a kept statement as models: on the direct readers when the store has
    /// them, else through sea-orm.
    pub(crate) async fn read_kept<M>(&self, stmt: Statement) -> Result<Vec<M>, StoreError>
    where
        M: FromQueryResult + DeserializeOwned,
    {
        self.kept_rows(stmt, |r| M::from_query_result(r, "")).await
    }

    /// The same for a select of some columns, read as a tuple.
    pub(crate) async fn read_kept_tuples<T>(&self, stmt: Statement) -> Result<Vec<T>, StoreError>
    where
        T: DeserializeOwned + TryGetableMany,
    {
        self.kept_rows(stmt, QueryResult::try_get_many_by_index::<T>)
            .await
    }

    /// Rows read by serde on the direct readers, else through sea-orm and `row`.
    async fn kept_rows<T: DeserializeOwned>(
        &self,
        stmt: Statement,
        row: impl Fn(&QueryResult) -> Result<T, DbErr>,
    ) -> Result<Vec<T>, StoreError> {
        if let Some(rows) = self.direct_sql_as(&stmt) {
            return rows;
        }
        let rows = self.read.query_all_raw(stmt).await?;
        Ok(rows.iter().map(row).collect::<Result<_, _>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entity::enterprises;
    use crate::tickets::{attachments_select, events_select};
    use gridline_domain::TicketId;
    use sea_orm::EntityTrait;

    /// Each kept statement is, for every value, the select built afresh for that value.
    #[test]
    fn a_kept_statement_is_the_select_built_afresh() {
        for backend in [DbBackend::Sqlite, DbBackend::Postgres] {
            let (events, files, enterprise) = (Kept::new(), Kept::new(), Kept::new());
            for id in [1, 42, i64::MAX] {
                let t = TicketId(id);
                assert_eq!(
                    events.statement(backend, || events_select(TicketId(0)), [id.into()]),
                    events_select(t).build(backend)
                );
                assert_eq!(
                    files.statement(backend, || attachments_select(TicketId(0)), [id.into()]),
                    attachments_select(t).build(backend)
                );
                assert_eq!(
                    enterprise.statement(
                        backend,
                        || enterprises::Entity::find_by_id(0),
                        [id.into()]
                    ),
                    enterprises::Entity::find_by_id(id).build(backend)
                );
            }
        }
    }
}
