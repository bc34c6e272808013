//! Day-two administration (expand only: old code ignores the new columns and table).
//!
//! - `users.phone`: a contact number beside the email.
//! - `users.version`: edits carry the version they were made on; a stale one is refused.
//! - `users.must_change_password`: set by an administrator's reset; the user chooses a new
//!   password before anything else.
//! - `audit_log`: every administrative change — who, when, what object, before and after.
//!   Rows are only ever added. Its newest id is also part of the organisation's change
//!   marker, so every cached copy of names and five-ones notices an edit.

use sea_orm_migration::prelude::*;

#[derive(DeriveIden)]
enum Users {
    Table,
    Phone,
    Version,
    MustChangePassword,
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    At,
    ActorId,
    ObjectKind,
    ObjectId,
    Action,
    Before,
    After,
}

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per ALTER TABLE.
        for column in [
            ColumnDef::new(Users::Phone).string().null().to_owned(),
            ColumnDef::new(Users::Version)
                .big_integer()
                .not_null()
                .default(1)
                .to_owned(),
            ColumnDef::new(Users::MustChangePassword)
                .boolean()
                .not_null()
                .default(false)
                .to_owned(),
        ] {
            let mut column = column;
            m.alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(&mut column)
                    .to_owned(),
            )
            .await?;
        }
        m.create_table(
            Table::create()
                .table(AuditLog::Table)
                .col(
                    ColumnDef::new(AuditLog::Id)
                        .big_integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                .col(ColumnDef::new(AuditLog::At).big_integer().not_null())
                // Null: the command line (an operator on the server), not a signed-in user.
                .col(ColumnDef::new(AuditLog::ActorId).big_integer().null())
                .col(ColumnDef::new(AuditLog::ObjectKind).string().not_null())
                .col(ColumnDef::new(AuditLog::ObjectId).big_integer().not_null())
                .col(ColumnDef::new(AuditLog::Action).string().not_null())
                .col(ColumnDef::new(AuditLog::Before).text().not_null())
                .col(ColumnDef::new(AuditLog::After).text().not_null())
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_audit_object")
                .table(AuditLog::Table)
                .col(AuditLog::ObjectKind)
                .col(AuditLog::ObjectId)
                .col(AuditLog::Id)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_audit_actor")
                .table(AuditLog::Table)
                .col(AuditLog::ActorId)
                .col(AuditLog::Id)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(AuditLog::Table).to_owned())
            .await?;
        for column in [Users::MustChangePassword, Users::Version, Users::Phone] {
            m.alter_table(
                Table::alter()
                    .table(Users::Table)
                    .drop_column(column)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}
