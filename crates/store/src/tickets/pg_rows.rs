//! Models read from result rows, and on PostgreSQL the ticket rows read by name without
//! sea-orm's cost for a NULL value: sea-orm writes the column's name into an error string for
//! every NULL it reads (`TryGetError::Null(format!("{idx:?}"))`), which the optional field's
//! decoding then throws away. A ticket row holds a dozen NULL dates and ids; reading a
//! month's 133 306 tickets for a leader's first dashboard at a million tickets, that was
//! about a tenth of the server's time, and five percent of an officer's 100-row list.
//! SQLite's rows come packed as JSON (`packed.rs`) or through the direct readers.

use sea_orm::sqlx::Row as _;
use sea_orm::sqlx::postgres::PgRow;
use sea_orm::{FromQueryResult, QueryResult};

use crate::StoreError;
use crate::entity::{ticket_events, tickets};

/// A model from one result row.
pub(super) trait FromRow: FromQueryResult {
    fn from_row(r: &QueryResult) -> Result<Self, StoreError> {
        Ok(Self::from_query_result(r, "")?)
    }
}

impl FromRow for ticket_events::Model {}

impl FromRow for tickets::Model {
    fn from_row(r: &QueryResult) -> Result<Self, StoreError> {
        match r.try_as_pg_row() {
            Some(row) => ticket(row).map_err(|e| StoreError::Corrupt(format!("a ticket row: {e}"))),
            None => Ok(Self::from_query_result(r, "")?),
        }
    }
}

/// Each column by its name, as sea-orm's derived reading names them (a select may put
/// constants in place of some, under the same names).
fn ticket(r: &PgRow) -> Result<tickets::Model, sea_orm::sqlx::Error> {
    Ok(tickets::Model {
        id: r.try_get("id")?,
        number: r.try_get("number")?,
        status: r.try_get("status")?,
        enterprise_id: r.try_get("enterprise_id")?,
        grid_id: r.try_get("grid_id")?,
        category: r.try_get("category")?,
        priority: r.try_get("priority")?,
        title: r.try_get("title")?,
        description: r.try_get("description")?,
        filed_by: r.try_get("filed_by")?,
        accountable_leader_id: r.try_get("accountable_leader_id")?,
        department_id: r.try_get("department_id")?,
        responsible_person_id: r.try_get("responsible_person_id")?,
        tracker_id: r.try_get("tracker_id")?,
        task_force_id: r.try_get("task_force_id")?,
        queued_at: r.try_get("queued_at")?,
        dispatch_due_at: r.try_get("dispatch_due_at")?,
        response_due_at: r.try_get("response_due_at")?,
        resolution_due_at: r.try_get("resolution_due_at")?,
        next_due_at: r.try_get("next_due_at")?,
        dispatched_at: r.try_get("dispatched_at")?,
        accepted_at: r.try_get("accepted_at")?,
        resolved_at: r.try_get("resolved_at")?,
        closed_at: r.try_get("closed_at")?,
        reopen_count: r.try_get("reopen_count")?,
        return_count: r.try_get("return_count")?,
        satisfaction: r.try_get("satisfaction")?,
        last_return: r.try_get("last_return")?,
        pending_extension: r.try_get("pending_extension")?,
        pending_pause: r.try_get("pending_pause")?,
        pause: r.try_get("pause")?,
        forced_department_id: r.try_get("forced_department_id")?,
        closure: r.try_get("closure")?,
        duplicate_of: r.try_get("duplicate_of")?,
        version: r.try_get("version")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        idempotency_key: r.try_get("idempotency_key")?,
        idempotency_hash: r.try_get("idempotency_hash")?,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

    use sea_orm::{ConnectionTrait, DbBackend, EntityTrait, QueryTrait, Statement};

    use super::*;
    use crate::test_pg;

    /// Read by name, a ticket row is the model sea-orm reads: one with every optional column
    /// NULL, one with none, and the digest's select with constants in place of columns.
    #[tokio::test]
    async fn a_ticket_row_reads_as_sea_orm_reads_it() {
        let m = test_pg::migrated().await;
        let db = &m.db;
        // One string, so one connection runs it all (the rows' parents are not there: this
        // session skips foreign keys).
        db.execute_unprepared(
            "SET session_replication_role = replica; \
             INSERT INTO tickets (id, number, status, enterprise_id, grid_id, category, \
             priority, title, description, filed_by, reopen_count, return_count, version, \
             created_at, updated_at) VALUES (1, 'GL-2026-000001', 'submitted', 3, 4, 'land', \
             'normal', '土地', '平整', 5, 0, 0, 1, 1000, 2000); \
             INSERT INTO tickets (id, number, status, enterprise_id, grid_id, category, \
             priority, title, description, filed_by, accountable_leader_id, department_id, \
             responsible_person_id, tracker_id, task_force_id, queued_at, dispatch_due_at, \
             response_due_at, resolution_due_at, next_due_at, dispatched_at, accepted_at, \
             resolved_at, closed_at, reopen_count, return_count, satisfaction, last_return, \
             pending_extension, pending_pause, pause, forced_department_id, closure, \
             duplicate_of, version, created_at, updated_at, idempotency_key, idempotency_hash) \
             VALUES (2, 'GL-2026-000002', 'closed', 3, 4, 'land', 'urgent', 't', 'd', 5, 6, \
             7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 2, 3, 'satisfied', '{\"a\":1}', \
             '{\"b\":2}', '{\"c\":3}', '{\"d\":4}', 20, 'duplicate', 1, 9, 100, 200, 'key', \
             'hash')",
        )
        .await
        .unwrap();
        let selects = [
            tickets::Entity::find().build(DbBackend::Postgres),
            Statement::from_string(
                DbBackend::Postgres,
                "SELECT id, number, status, enterprise_id, grid_id, category, priority, title, \
                 filed_by, accountable_leader_id, department_id, responsible_person_id, \
                 tracker_id, task_force_id, queued_at, dispatch_due_at, response_due_at, \
                 resolution_due_at, next_due_at, dispatched_at, accepted_at, resolved_at, \
                 closed_at, reopen_count, return_count, satisfaction, pending_pause, pause, \
                 forced_department_id, closure, duplicate_of, version, created_at, updated_at, \
                 idempotency_key, idempotency_hash, '' AS description, NULL AS last_return, \
                 NULL AS pending_extension FROM tickets",
            ),
        ];
        for stmt in selects {
            let rows = db.query_all_raw(stmt).await.unwrap();
            assert_eq!(rows.len(), 2);
            for r in &rows {
                let ours = <tickets::Model as FromRow>::from_row(r).unwrap();
                assert_eq!(ours, tickets::Model::from_query_result(r, "").unwrap());
            }
        }
        m.close().await;
    }
}
