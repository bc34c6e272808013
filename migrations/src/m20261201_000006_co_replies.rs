//! Co-handling replies (协办意见, issue 13): when each co-handling department was asked, by
//! when it must reply, and when and by whom it did. NULL on rows from before (no deadline).
//! Expand only.

use sea_orm_migration::prelude::*;

#[derive(DeriveIden, Clone, Copy)]
enum TicketCoDepartments {
    Table,
    AskedAt,
    ReplyDueAt,
    RepliedAt,
    RepliedBy,
}

const COLUMNS: [TicketCoDepartments; 4] = [
    TicketCoDepartments::AskedAt,
    TicketCoDepartments::ReplyDueAt,
    TicketCoDepartments::RepliedAt,
    TicketCoDepartments::RepliedBy,
];

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one at a time.
        for c in COLUMNS {
            m.alter_table(
                Table::alter()
                    .table(TicketCoDepartments::Table)
                    .add_column(ColumnDef::new(c).big_integer().null())
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for c in COLUMNS {
            m.alter_table(
                Table::alter()
                    .table(TicketCoDepartments::Table)
                    .drop_column(c)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}
