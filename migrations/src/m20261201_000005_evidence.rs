//! Evidence (办结佐证, issue 13): an attachment may belong to an event of its ticket (a
//! resolution, a return, a report, a follow-up call). NULL: filed with the ticket. Expand only.

use sea_orm_migration::prelude::*;

#[derive(DeriveIden)]
enum Attachments {
    Table,
    EventId,
}

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Attachments::Table)
                .add_column(ColumnDef::new(Attachments::EventId).big_integer().null())
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Attachments::Table)
                .drop_column(Attachments::EventId)
                .to_owned(),
        )
        .await
    }
}
