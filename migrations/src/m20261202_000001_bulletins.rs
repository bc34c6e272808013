//! Bulletins (通报, issue 14): a period's appraisal, frozen when published. The snapshot is
//! the whole bulletin as JSON text, so later changes to tickets never reach it.

use sea_orm_migration::prelude::*;

#[derive(DeriveIden)]
enum Bulletins {
    Table,
    Id,
    Period,
    PublishedAt,
    PublishedBy,
    Snapshot,
}

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Bulletins::Table)
                .col(
                    ColumnDef::new(Bulletins::Id)
                        .big_integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                .col(
                    ColumnDef::new(Bulletins::Period)
                        .string()
                        .not_null()
                        .unique_key(),
                )
                .col(
                    ColumnDef::new(Bulletins::PublishedAt)
                        .big_integer()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(Bulletins::PublishedBy)
                        .big_integer()
                        .not_null(),
                )
                .col(ColumnDef::new(Bulletins::Snapshot).text().not_null())
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(Bulletins::Table).to_owned())
            .await
    }
}
