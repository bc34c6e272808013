//! Returns that do not bounce forever (退单审核, issue 13): `forced_department_id` is the
//! department arbitration confirmed (强制派单), which may not return the ticket. Expand only.

use sea_orm_migration::prelude::*;

#[derive(DeriveIden)]
enum Tickets {
    Table,
    ForcedDepartmentId,
}

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Tickets::Table)
                .add_column(
                    ColumnDef::new(Tickets::ForcedDepartmentId)
                        .big_integer()
                        .null(),
                )
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Tickets::Table)
                .drop_column(Tickets::ForcedDepartmentId)
                .to_owned(),
        )
        .await
    }
}
