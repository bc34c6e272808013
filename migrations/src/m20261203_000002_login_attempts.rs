//! Login throttling shared by every process on one database (issue 16): attempts counted
//! per key and minute, and the account-and-address pairs that signed in before.

use sea_orm_migration::prelude::*;

#[derive(DeriveIden)]
enum LoginAttempts {
    Table,
    Key,
    Window,
    Count,
}

#[derive(DeriveIden)]
enum LoginKnown {
    Table,
    Pair,
    At,
}

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(LoginAttempts::Table)
                .col(ColumnDef::new(LoginAttempts::Key).string().not_null())
                .col(
                    ColumnDef::new(LoginAttempts::Window)
                        .big_integer()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(LoginAttempts::Count)
                        .big_integer()
                        .not_null(),
                )
                .primary_key(
                    Index::create()
                        .col(LoginAttempts::Key)
                        .col(LoginAttempts::Window),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_login_attempts_window")
                .table(LoginAttempts::Table)
                .col(LoginAttempts::Window)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(LoginKnown::Table)
                .col(
                    ColumnDef::new(LoginKnown::Pair)
                        .string()
                        .not_null()
                        .primary_key(),
                )
                .col(ColumnDef::new(LoginKnown::At).big_integer().not_null())
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(LoginKnown::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(LoginAttempts::Table).to_owned())
            .await
    }
}
