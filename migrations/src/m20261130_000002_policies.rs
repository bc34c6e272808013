//! Policy delivery (送政策上门): the policy catalogue and one delivery task per targeted
//! enterprise, assigned to its grid's liaison with a working-day deadline.
//!
//! Days (validity, application deadline, delivery day) are local `YYYY-MM-DD` text, as for
//! visits; deadlines are epoch milliseconds.

use sea_orm_migration::prelude::*;

#[derive(DeriveIden)]
enum Policies {
    Table,
    Id,
    Title,
    Issuer,
    DocNumber,
    Summary,
    Link,
    ValidFrom,
    ValidTo,
    ApplyBy,
    Targeting,
    DueAt,
    PublishedBy,
    PublishedAt,
}

#[derive(DeriveIden)]
enum PolicyDeliveries {
    Table,
    Id,
    PolicyId,
    EnterpriseId,
    GridId,
    LiaisonId,
    DueAt,
    DeliveredOn,
    Channel,
    Contact,
    Answer,
    Note,
    RecordedBy,
    RecordedAt,
    TicketId,
}

#[derive(DeriveIden)]
enum Enterprises {
    Table,
    Id,
}

#[derive(DeriveMigrationName)]
pub struct Migration;

fn big(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).big_integer().not_null().to_owned()
}
fn text(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).string().not_null().to_owned()
}
fn maybe(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).string().null().to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Policies::Table)
                .col(
                    ColumnDef::new(Policies::Id)
                        .big_integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                .col(text(Policies::Title))
                .col(text(Policies::Issuer))
                .col(text(Policies::DocNumber))
                .col(ColumnDef::new(Policies::Summary).text().not_null())
                .col(maybe(Policies::Link))
                .col(text(Policies::ValidFrom))
                .col(maybe(Policies::ValidTo))
                .col(maybe(Policies::ApplyBy))
                // JSON: clusters, above_size, grids, enterprises.
                .col(ColumnDef::new(Policies::Targeting).text().not_null())
                .col(big(Policies::DueAt))
                .col(big(Policies::PublishedBy))
                .col(big(Policies::PublishedAt))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(PolicyDeliveries::Table)
                .col(
                    ColumnDef::new(PolicyDeliveries::Id)
                        .big_integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                .col(big(PolicyDeliveries::PolicyId))
                .col(big(PolicyDeliveries::EnterpriseId))
                .col(big(PolicyDeliveries::GridId))
                .col(big(PolicyDeliveries::LiaisonId))
                .col(big(PolicyDeliveries::DueAt))
                .col(maybe(PolicyDeliveries::DeliveredOn))
                .col(maybe(PolicyDeliveries::Channel))
                .col(maybe(PolicyDeliveries::Contact))
                .col(maybe(PolicyDeliveries::Answer))
                .col(ColumnDef::new(PolicyDeliveries::Note).text().null())
                .col(
                    ColumnDef::new(PolicyDeliveries::RecordedBy)
                        .big_integer()
                        .null(),
                )
                .col(
                    ColumnDef::new(PolicyDeliveries::RecordedAt)
                        .big_integer()
                        .null(),
                )
                .col(
                    ColumnDef::new(PolicyDeliveries::TicketId)
                        .big_integer()
                        .null(),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_deliveries_policy")
                        .from(PolicyDeliveries::Table, PolicyDeliveries::PolicyId)
                        .to(Policies::Table, Policies::Id),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_deliveries_enterprise")
                        .from(PolicyDeliveries::Table, PolicyDeliveries::EnterpriseId)
                        .to(Enterprises::Table, Enterprises::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("uq_deliveries_policy_enterprise")
                .table(PolicyDeliveries::Table)
                .col(PolicyDeliveries::PolicyId)
                .col(PolicyDeliveries::EnterpriseId)
                .unique()
                .to_owned(),
        )
        .await?;
        for (name, cols) in [
            ("idx_deliveries_grid_due", &["grid_id", "due_at", "id"][..]),
            ("idx_deliveries_enterprise", &["enterprise_id", "id"]),
        ] {
            let mut idx = Index::create();
            idx.name(name).table(PolicyDeliveries::Table);
            for c in cols {
                idx.col(Alias::new(*c));
            }
            m.create_index(idx.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(PolicyDeliveries::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(Policies::Table).to_owned())
            .await
    }
}
