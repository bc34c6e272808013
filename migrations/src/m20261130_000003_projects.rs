//! Key projects (重点项目): the project with its three-ones, its milestones (a planned day,
//! the day reached and the evidence, a planned-day move waiting for the accountable leader),
//! its history (every planned day kept) and the tickets linked to it.

use sea_orm_migration::prelude::*;

#[derive(DeriveIden)]
enum Projects {
    Table,
    Id,
    Name,
    EnterpriseId,
    GridId,
    Investment,
    AccountableLeaderId,
    DepartmentId,
    ResponsiblePersonId,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ProjectMilestones {
    Table,
    Id,
    ProjectId,
    Seq,
    Name,
    PlannedOn,
    ReachedOn,
    Evidence,
    ProposedOn,
    ProposedReason,
    ProposedBy,
}

#[derive(DeriveIden)]
enum ProjectEvents {
    Table,
    Id,
    ProjectId,
    MilestoneId,
    Kind,
    ActorId,
    At,
    Payload,
}

#[derive(DeriveIden)]
enum ProjectTickets {
    Table,
    ProjectId,
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

fn id(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .big_integer()
        .not_null()
        .auto_increment()
        .primary_key()
        .to_owned()
}
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
                .table(Projects::Table)
                .col(id(Projects::Id))
                .col(text(Projects::Name))
                .col(big(Projects::EnterpriseId))
                .col(big(Projects::GridId))
                // 万元 (ten thousand yuan).
                .col(big(Projects::Investment))
                .col(big(Projects::AccountableLeaderId))
                .col(big(Projects::DepartmentId))
                .col(big(Projects::ResponsiblePersonId))
                .col(big(Projects::CreatedBy))
                .col(big(Projects::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_projects_enterprise")
                        .from(Projects::Table, Projects::EnterpriseId)
                        .to(Enterprises::Table, Enterprises::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(ProjectMilestones::Table)
                .col(id(ProjectMilestones::Id))
                .col(big(ProjectMilestones::ProjectId))
                .col(ColumnDef::new(ProjectMilestones::Seq).integer().not_null())
                .col(text(ProjectMilestones::Name))
                .col(text(ProjectMilestones::PlannedOn))
                .col(ColumnDef::new(ProjectMilestones::ReachedOn).string().null())
                .col(ColumnDef::new(ProjectMilestones::Evidence).text().null())
                .col(
                    ColumnDef::new(ProjectMilestones::ProposedOn)
                        .string()
                        .null(),
                )
                .col(
                    ColumnDef::new(ProjectMilestones::ProposedReason)
                        .text()
                        .null(),
                )
                .col(
                    ColumnDef::new(ProjectMilestones::ProposedBy)
                        .big_integer()
                        .null(),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_milestones_project")
                        .from(ProjectMilestones::Table, ProjectMilestones::ProjectId)
                        .to(Projects::Table, Projects::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_milestones_project")
                .table(ProjectMilestones::Table)
                .col(ProjectMilestones::ProjectId)
                .col(ProjectMilestones::Seq)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(ProjectEvents::Table)
                .col(id(ProjectEvents::Id))
                .col(big(ProjectEvents::ProjectId))
                .col(
                    ColumnDef::new(ProjectEvents::MilestoneId)
                        .big_integer()
                        .null(),
                )
                .col(text(ProjectEvents::Kind))
                .col(big(ProjectEvents::ActorId))
                .col(big(ProjectEvents::At))
                .col(ColumnDef::new(ProjectEvents::Payload).text().not_null())
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_project_events_project")
                        .from(ProjectEvents::Table, ProjectEvents::ProjectId)
                        .to(Projects::Table, Projects::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_project_events_project")
                .table(ProjectEvents::Table)
                .col(ProjectEvents::ProjectId)
                .col(ProjectEvents::Id)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(ProjectTickets::Table)
                .col(big(ProjectTickets::ProjectId))
                .col(big(ProjectTickets::TicketId))
                .primary_key(
                    Index::create()
                        .col(ProjectTickets::ProjectId)
                        .col(ProjectTickets::TicketId),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_project_tickets_project")
                        .from(ProjectTickets::Table, ProjectTickets::ProjectId)
                        .to(Projects::Table, Projects::Id),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_project_tickets_ticket")
                        .from(ProjectTickets::Table, ProjectTickets::TicketId)
                        .to(Tickets::Table, Tickets::Id),
                )
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            ProjectTickets::Table.into_iden(),
            ProjectEvents::Table.into_iden(),
            ProjectMilestones::Table.into_iden(),
            Projects::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
