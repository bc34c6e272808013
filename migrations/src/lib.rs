//! Gridline's schema. Migrations never import entity code: each states its own tables.
//!
//! Timestamps are stored as BIGINT milliseconds since the Unix epoch (UTC) on both engines,
//! so ordering and range queries behave identically on SQLite and PostgreSQL.

pub use sea_orm_migration::prelude::*;

mod m20261126_000001_initial;
mod m20261127_000001_attachments;
mod m20261127_000002_pending_extension_index;
mod m20261128_000001_user_security;
mod m20261129_000001_day_two;
mod m20261129_000002_register;
mod m20261129_000003_staged_imports;
mod m20261130_000001_visits;
mod m20261130_000002_policies;
mod m20261130_000003_projects;
mod m20261201_000001_closures;
mod m20261201_000002_dispatch_clock;
mod m20261201_000003_pause;
mod m20261201_000004_arbitration;
mod m20261201_000005_evidence;
mod m20261201_000006_co_replies;
mod m20261202_000001_bulletins;
mod m20261203_000001_department_head;
mod m20261203_000002_login_attempts;
mod m20261203_000003_chat_webhooks;
mod m20261204_000001_ticket_search;
mod m20261205_000001_quiet_index;
mod m20261207_000001_postgres_search_upkeep;
mod m20261207_000002_partial_owner_indexes;

/// The list of migrations, oldest first.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261126_000001_initial::Migration),
            Box::new(m20261127_000001_attachments::Migration),
            Box::new(m20261127_000002_pending_extension_index::Migration),
            Box::new(m20261128_000001_user_security::Migration),
            Box::new(m20261129_000001_day_two::Migration),
            Box::new(m20261129_000002_register::Migration),
            Box::new(m20261129_000003_staged_imports::Migration),
            Box::new(m20261130_000001_visits::Migration),
            Box::new(m20261130_000002_policies::Migration),
            Box::new(m20261130_000003_projects::Migration),
            Box::new(m20261201_000001_closures::Migration),
            Box::new(m20261201_000002_dispatch_clock::Migration),
            Box::new(m20261201_000003_pause::Migration),
            Box::new(m20261201_000004_arbitration::Migration),
            Box::new(m20261201_000005_evidence::Migration),
            Box::new(m20261201_000006_co_replies::Migration),
            Box::new(m20261202_000001_bulletins::Migration),
            Box::new(m20261203_000001_department_head::Migration),
            Box::new(m20261203_000002_login_attempts::Migration),
            Box::new(m20261203_000003_chat_webhooks::Migration),
            Box::new(m20261204_000001_ticket_search::Migration),
            Box::new(m20261205_000001_quiet_index::Migration),
            Box::new(m20261207_000001_postgres_search_upkeep::Migration),
            Box::new(m20261207_000002_partial_owner_indexes::Migration),
        ]
    }
}
