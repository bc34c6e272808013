//! Visits (走访): a liaison's record of meeting an enterprise, its photos, and the tickets
//! filed from it.
//!
//! `visited_on` is the local (Asia/Shanghai) day as `YYYY-MM-DD` text: coverage counts days,
//! and text of that form orders and compares the same on both engines.

use sea_orm_migration::prelude::*;

#[derive(DeriveIden)]
enum Visits {
    Table,
    Id,
    EnterpriseId,
    GridId,
    VisitedOn,
    Mode,
    PeopleMet,
    Topics,
    TopicNote,
    Notes,
    RecordedBy,
    CreatedAt,
    IdempotencyKey,
    IdempotencyHash,
}

#[derive(DeriveIden)]
enum VisitPhotos {
    Table,
    Id,
    VisitId,
    Filename,
    ContentType,
    Size,
    Sha256,
    Data,
    CreatedAt,
}

#[derive(DeriveIden)]
enum VisitTickets {
    Table,
    VisitId,
    TicketId,
}

#[derive(DeriveIden)]
enum Enterprises {
    Table,
    Id,
}
#[derive(DeriveIden)]
enum Tickets {
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

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Visits::Table)
                .col(
                    ColumnDef::new(Visits::Id)
                        .big_integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                .col(big(Visits::EnterpriseId))
                .col(big(Visits::GridId))
                .col(text(Visits::VisitedOn))
                .col(text(Visits::Mode))
                .col(text(Visits::PeopleMet))
                // Comma-separated topic names, in the order picked.
                .col(text(Visits::Topics))
                .col(ColumnDef::new(Visits::TopicNote).string().null())
                .col(ColumnDef::new(Visits::Notes).text().not_null())
                .col(big(Visits::RecordedBy))
                .col(big(Visits::CreatedAt))
                .col(ColumnDef::new(Visits::IdempotencyKey).string().null())
                .col(ColumnDef::new(Visits::IdempotencyHash).string().null())
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_visits_enterprise")
                        .from(Visits::Table, Visits::EnterpriseId)
                        .to(Enterprises::Table, Enterprises::Id),
                )
                .to_owned(),
        )
        .await?;
        for (name, cols) in [
            ("idx_visits_grid_day", &["grid_id", "visited_on", "id"][..]),
            (
                "idx_visits_enterprise_day",
                &["enterprise_id", "visited_on", "id"],
            ),
        ] {
            let mut idx = Index::create();
            idx.name(name).table(Visits::Table);
            for c in cols {
                idx.col(Alias::new(*c));
            }
            m.create_index(idx.to_owned()).await?;
        }
        m.create_index(
            Index::create()
                .name("uq_visits_idempotency")
                .table(Visits::Table)
                .col(Visits::RecordedBy)
                .col(Visits::IdempotencyKey)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(VisitPhotos::Table)
                .col(
                    ColumnDef::new(VisitPhotos::Id)
                        .big_integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                .col(big(VisitPhotos::VisitId))
                .col(text(VisitPhotos::Filename))
                .col(text(VisitPhotos::ContentType))
                .col(big(VisitPhotos::Size))
                .col(text(VisitPhotos::Sha256))
                .col(ColumnDef::new(VisitPhotos::Data).blob().not_null())
                .col(big(VisitPhotos::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_visit_photos_visit")
                        .from(VisitPhotos::Table, VisitPhotos::VisitId)
                        .to(Visits::Table, Visits::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_visit_photos_visit")
                .table(VisitPhotos::Table)
                .col(VisitPhotos::VisitId)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(VisitTickets::Table)
                .col(big(VisitTickets::VisitId))
                .col(big(VisitTickets::TicketId))
                .primary_key(
                    Index::create()
                        .col(VisitTickets::VisitId)
                        .col(VisitTickets::TicketId),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_visit_tickets_visit")
                        .from(VisitTickets::Table, VisitTickets::VisitId)
                        .to(Visits::Table, Visits::Id),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_visit_tickets_ticket")
                        .from(VisitTickets::Table, VisitTickets::TicketId)
                        .to(Tickets::Table, Tickets::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_visit_tickets_ticket")
                .table(VisitTickets::Table)
                .col(VisitTickets::TicketId)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            VisitTickets::Table.into_iden(),
            VisitPhotos::Table.into_iden(),
            Visits::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
