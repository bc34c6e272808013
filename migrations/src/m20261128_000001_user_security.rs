//! Two user columns the security fixes need (expand only: old code ignores them).
//!
//! - `token_epoch`: every access token carries the epoch it was issued under; signing out,
//!   a password change or reset, deactivation and a role change raise it, so every older
//!   token and page session is refused.
//! - `service_centre`: a dispatcher of the zone's service centre dispatches for every grid.
//!   It used to be implied by a dispatcher having no grid, which gave a newly created grid
//!   head the whole zone; now it is an explicit flag and a dispatcher with neither a grid nor
//!   the flag sees nothing. Existing grid-less dispatchers are not promoted: an administrator
//!   sets the flag for the real service centre.

use sea_orm_migration::prelude::*;

#[derive(DeriveIden)]
enum Users {
    Table,
    TokenEpoch,
    ServiceCentre,
}

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per ALTER TABLE.
        m.alter_table(
            Table::alter()
                .table(Users::Table)
                .add_column(
                    ColumnDef::new(Users::TokenEpoch)
                        .big_integer()
                        .not_null()
                        .default(0),
                )
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Users::Table)
                .add_column(
                    ColumnDef::new(Users::ServiceCentre)
                        .boolean()
                        .not_null()
                        .default(false),
                )
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for column in [Users::ServiceCentre, Users::TokenEpoch] {
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
