//! The dispatch deadline (派单时限, issue 13): `queued_at` is when a ticket last entered the
//! queue (filed or returned), `dispatch_due_at` when it must be dispatched by. Expand only.
//! Tickets already in a queue keep no dispatch deadline (the working-hour arithmetic is the
//! calendar's, not SQL's); one starts when they are next returned, and every new filing has
//! one.

use sea_orm_migration::prelude::*;

#[derive(DeriveIden)]
enum Tickets {
    Table,
    QueuedAt,
    DispatchDueAt,
}

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for column in [Tickets::QueuedAt, Tickets::DispatchDueAt] {
            m.alter_table(
                Table::alter()
                    .table(Tickets::Table)
                    .add_column(ColumnDef::new(column).big_integer().null())
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for column in [Tickets::DispatchDueAt, Tickets::QueuedAt] {
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
