//! Group-chat robots (群机器人, issue 16): a webhook per department, grid or task force, on
//! 企业微信, 钉钉 or 飞书, with its signing secret. Messages travel through the outbox.

use sea_orm_migration::prelude::*;

#[derive(DeriveIden)]
enum ChatWebhooks {
    Table,
    Id,
    OwnerKind,
    OwnerId,
    Platform,
    Url,
    Secret,
    Label,
    Active,
    CreatedAt,
}

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(ChatWebhooks::Table)
                .col(
                    ColumnDef::new(ChatWebhooks::Id)
                        .big_integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                .col(ColumnDef::new(ChatWebhooks::OwnerKind).string().not_null())
                .col(
                    ColumnDef::new(ChatWebhooks::OwnerId)
                        .big_integer()
                        .not_null(),
                )
                .col(ColumnDef::new(ChatWebhooks::Platform).string().not_null())
                .col(ColumnDef::new(ChatWebhooks::Url).text().not_null())
                .col(ColumnDef::new(ChatWebhooks::Secret).string().null())
                .col(ColumnDef::new(ChatWebhooks::Label).string().not_null())
                .col(
                    ColumnDef::new(ChatWebhooks::Active)
                        .boolean()
                        .not_null()
                        .default(true),
                )
                .col(
                    ColumnDef::new(ChatWebhooks::CreatedAt)
                        .big_integer()
                        .not_null(),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_chat_webhooks_owner")
                .table(ChatWebhooks::Table)
                .col(ChatWebhooks::OwnerKind)
                .col(ChatWebhooks::OwnerId)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(ChatWebhooks::Table).to_owned())
            .await
    }
}
