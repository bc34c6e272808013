//! Attachments: photos and PDFs a liaison adds when filing, stored with the ticket in the
//! same transaction (so a ticket never exists with half its files).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Attachments {
    Table,
    Id,
    TicketId,
    Filename,
    ContentType,
    Size,
    Sha256,
    Data,
    UploadedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Tickets {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Attachments::Table)
                .col(
                    ColumnDef::new(Attachments::Id)
                        .big_integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                .col(
                    ColumnDef::new(Attachments::TicketId)
                        .big_integer()
                        .not_null(),
                )
                .col(ColumnDef::new(Attachments::Filename).string().not_null())
                .col(ColumnDef::new(Attachments::ContentType).string().not_null())
                .col(ColumnDef::new(Attachments::Size).big_integer().not_null())
                .col(ColumnDef::new(Attachments::Sha256).string().not_null())
                .col(ColumnDef::new(Attachments::Data).blob().not_null())
                .col(
                    ColumnDef::new(Attachments::UploadedBy)
                        .big_integer()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(Attachments::CreatedAt)
                        .big_integer()
                        .not_null(),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_attachments_ticket")
                        .from(Attachments::Table, Attachments::TicketId)
                        .to(Tickets::Table, Tickets::Id)
                        .on_delete(ForeignKeyAction::Restrict),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_attachments_ticket")
                .table(Attachments::Table)
                .col(Attachments::TicketId)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(Attachments::Table).to_owned())
            .await
    }
}
