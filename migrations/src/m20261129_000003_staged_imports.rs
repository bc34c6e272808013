//! A register file checked by a dry run, kept until its importer confirms it (or an hour
//! passes), so the page does not ask for the file twice.

use sea_orm_migration::prelude::*;

#[derive(DeriveIden)]
enum StagedImports {
    Table,
    Token,
    ActorId,
    CreatedAt,
    Body,
}

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(StagedImports::Table)
                .col(
                    ColumnDef::new(StagedImports::Token)
                        .string()
                        .not_null()
                        .primary_key(),
                )
                .col(
                    ColumnDef::new(StagedImports::ActorId)
                        .big_integer()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(StagedImports::CreatedAt)
                        .big_integer()
                        .not_null(),
                )
                // The rows as read, JSON (the file's encoding and format already resolved).
                .col(ColumnDef::new(StagedImports::Body).text().not_null())
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(StagedImports::Table).to_owned())
            .await
    }
}
