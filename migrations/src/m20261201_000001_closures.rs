//! Tickets that end without the whole loop (issue 13): `closure` says how (duplicate,
//! withdrawn, invalid; NULL for the loop's own close), `duplicate_of` names the ticket a
//! duplicate points to, indexed so an original lists its duplicates. Expand only.

use sea_orm_migration::prelude::*;

#[derive(DeriveIden)]
enum Tickets {
    Table,
    Closure,
    DuplicateOf,
}

const INDEX: &str = "idx_tickets_duplicate_of";

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per ALTER TABLE.
        m.alter_table(
            Table::alter()
                .table(Tickets::Table)
                .add_column(ColumnDef::new(Tickets::Closure).string_len(16).null())
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Tickets::Table)
                .add_column(ColumnDef::new(Tickets::DuplicateOf).big_integer().null())
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name(INDEX)
                .table(Tickets::Table)
                .col(Tickets::DuplicateOf)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(Index::drop().name(INDEX).table(Tickets::Table).to_owned())
            .await?;
        for column in [Tickets::DuplicateOf, Tickets::Closure] {
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
