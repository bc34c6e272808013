//! Pause (挂起, issue 13): `pending_pause` holds a request waiting for a decision,
//! `pause` the stopped clock of a paused ticket (both JSON, like `pending_extension`).
//! Expand only.

use sea_orm_migration::prelude::*;

#[derive(DeriveIden)]
enum Tickets {
    Table,
    PendingPause,
    Pause,
}

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for column in [Tickets::PendingPause, Tickets::Pause] {
            m.alter_table(
                Table::alter()
                    .table(Tickets::Table)
                    .add_column(ColumnDef::new(column).text().null())
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for column in [Tickets::Pause, Tickets::PendingPause] {
            m.alter_table(
                Table::alter()
                    .table(Tickets::Table)
                    .drop_column(column)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}
