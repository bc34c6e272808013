//! The closed loop: organisation, enterprises, tickets, their history and the outbox.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Departments {
    Table,
    Id,
    Name,
    Email,
    CreatedAt,
}

#[derive(DeriveIden)]
enum TaskForces {
    Table,
    Id,
    Name,
    Description,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Username,
    DisplayName,
    PasswordHash,
    Role,
    Email,
    DepartmentId,
    GridId,
    TaskForceId,
    TopLeader,
    Active,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Grids {
    Table,
    Id,
    Name,
    LinkedLeaderId,
    HeadId,
    TaskForceId,
    LiaisonId,
    Team,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Enterprises {
    Table,
    Id,
    Name,
    CreditCode,
    Cluster,
    GridId,
    AboveSize,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Tickets {
    Table,
    Id,
    Number,
    Status,
    EnterpriseId,
    GridId,
    Category,
    Priority,
    Title,
    Description,
    FiledBy,
    AccountableLeaderId,
    DepartmentId,
    ResponsiblePersonId,
    TrackerId,
    TaskForceId,
    ResponseDueAt,
    ResolutionDueAt,
    NextDueAt,
    DispatchedAt,
    AcceptedAt,
    ResolvedAt,
    ClosedAt,
    ReopenCount,
    ReturnCount,
    Satisfaction,
    LastReturn,
    PendingExtension,
    Version,
    CreatedAt,
    UpdatedAt,
    IdempotencyKey,
    IdempotencyHash,
}

#[derive(DeriveIden)]
enum TicketCoDepartments {
    Table,
    TicketId,
    DepartmentId,
}

#[derive(DeriveIden)]
enum TicketEvents {
    Table,
    Id,
    TicketId,
    ActorId,
    Action,
    FromStatus,
    ToStatus,
    Payload,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Outbox {
    Table,
    Id,
    TicketId,
    EventId,
    DedupeKey,
    Kind,
    Payload,
    State,
    Attempts,
    NextAttemptAt,
    LastError,
    LockedUntil,
    CreatedAt,
    SentAt,
}

#[derive(DeriveIden)]
enum TicketCounters {
    Table,
    Year,
    Last,
}

fn id(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .big_integer()
        .not_null()
        .auto_increment()
        .primary_key()
        .to_owned()
}

fn fk(
    name: &str,
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(ForeignKeyAction::Restrict)
        .to_owned()
}

fn index(name: &str, table: impl IntoIden, cols: &[&'static str]) -> IndexCreateStatement {
    let mut i = Index::create();
    i.name(name).table(table);
    for c in cols {
        i.col(Alias::new(*c));
    }
    i.to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Departments::Table)
                .col(id(Departments::Id))
                .col(
                    ColumnDef::new(Departments::Name)
                        .string()
                        .not_null()
                        .unique_key(),
                )
                .col(ColumnDef::new(Departments::Email).string().null())
                .col(
                    ColumnDef::new(Departments::CreatedAt)
                        .big_integer()
                        .not_null(),
                )
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(TaskForces::Table)
                .col(id(TaskForces::Id))
                .col(
                    ColumnDef::new(TaskForces::Name)
                        .string()
                        .not_null()
                        .unique_key(),
                )
                .col(ColumnDef::new(TaskForces::Description).text().not_null())
                .col(
                    ColumnDef::new(TaskForces::CreatedAt)
                        .big_integer()
                        .not_null(),
                )
                .to_owned(),
        )
        .await?;

        // users.grid_id has no foreign key: grids point at users (the five-ones) and a cycle of
        // foreign keys cannot be created on SQLite. The store checks the grid exists.
        m.create_table(
            Table::create()
                .table(Users::Table)
                .col(id(Users::Id))
                .col(
                    ColumnDef::new(Users::Username)
                        .string()
                        .not_null()
                        .unique_key(),
                )
                .col(ColumnDef::new(Users::DisplayName).string().not_null())
                .col(ColumnDef::new(Users::PasswordHash).string().not_null())
                .col(ColumnDef::new(Users::Role).string().not_null())
                .col(ColumnDef::new(Users::Email).string().null())
                .col(ColumnDef::new(Users::DepartmentId).big_integer().null())
                .col(ColumnDef::new(Users::GridId).big_integer().null())
                .col(ColumnDef::new(Users::TaskForceId).big_integer().null())
                .col(
                    ColumnDef::new(Users::TopLeader)
                        .boolean()
                        .not_null()
                        .default(false),
                )
                .col(
                    ColumnDef::new(Users::Active)
                        .boolean()
                        .not_null()
                        .default(true),
                )
                .col(ColumnDef::new(Users::CreatedAt).big_integer().not_null())
                .foreign_key(&mut fk(
                    "fk_users_department",
                    (Users::Table, Users::DepartmentId),
                    (Departments::Table, Departments::Id),
                ))
                .foreign_key(&mut fk(
                    "fk_users_task_force",
                    (Users::Table, Users::TaskForceId),
                    (TaskForces::Table, TaskForces::Id),
                ))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Grids::Table)
                .col(id(Grids::Id))
                .col(ColumnDef::new(Grids::Name).string().not_null().unique_key())
                .col(
                    ColumnDef::new(Grids::LinkedLeaderId)
                        .big_integer()
                        .not_null(),
                )
                .col(ColumnDef::new(Grids::HeadId).big_integer().not_null())
                .col(ColumnDef::new(Grids::TaskForceId).big_integer().not_null())
                .col(ColumnDef::new(Grids::LiaisonId).big_integer().not_null())
                .col(ColumnDef::new(Grids::Team).string().not_null())
                .col(ColumnDef::new(Grids::CreatedAt).big_integer().not_null())
                .foreign_key(&mut fk(
                    "fk_grids_linked_leader",
                    (Grids::Table, Grids::LinkedLeaderId),
                    (Users::Table, Users::Id),
                ))
                .foreign_key(&mut fk(
                    "fk_grids_head",
                    (Grids::Table, Grids::HeadId),
                    (Users::Table, Users::Id),
                ))
                .foreign_key(&mut fk(
                    "fk_grids_task_force",
                    (Grids::Table, Grids::TaskForceId),
                    (TaskForces::Table, TaskForces::Id),
                ))
                .foreign_key(&mut fk(
                    "fk_grids_liaison",
                    (Grids::Table, Grids::LiaisonId),
                    (Users::Table, Users::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "idx_grids_linked_leader",
            Grids::Table,
            &["linked_leader_id"],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(Enterprises::Table)
                .col(id(Enterprises::Id))
                .col(ColumnDef::new(Enterprises::Name).string().not_null())
                .col(
                    ColumnDef::new(Enterprises::CreditCode)
                        .string()
                        .not_null()
                        .unique_key(),
                )
                .col(ColumnDef::new(Enterprises::Cluster).string().not_null())
                .col(ColumnDef::new(Enterprises::GridId).big_integer().not_null())
                .col(ColumnDef::new(Enterprises::AboveSize).boolean().not_null())
                .col(
                    ColumnDef::new(Enterprises::CreatedAt)
                        .big_integer()
                        .not_null(),
                )
                .foreign_key(&mut fk(
                    "fk_enterprises_grid",
                    (Enterprises::Table, Enterprises::GridId),
                    (Grids::Table, Grids::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "idx_enterprises_grid",
            Enterprises::Table,
            &["grid_id"],
        ))
        .await?;

        let big = |c: Tickets| ColumnDef::new(c).big_integer().null().to_owned();
        m.create_table(
            Table::create()
                .table(Tickets::Table)
                .col(id(Tickets::Id))
                .col(
                    ColumnDef::new(Tickets::Number)
                        .string()
                        .not_null()
                        .unique_key(),
                )
                .col(ColumnDef::new(Tickets::Status).string().not_null())
                .col(
                    ColumnDef::new(Tickets::EnterpriseId)
                        .big_integer()
                        .not_null(),
                )
                .col(ColumnDef::new(Tickets::GridId).big_integer().not_null())
                .col(ColumnDef::new(Tickets::Category).string().not_null())
                .col(ColumnDef::new(Tickets::Priority).string().not_null())
                .col(ColumnDef::new(Tickets::Title).string().not_null())
                .col(ColumnDef::new(Tickets::Description).text().not_null())
                .col(ColumnDef::new(Tickets::FiledBy).big_integer().not_null())
                .col(big(Tickets::AccountableLeaderId))
                .col(big(Tickets::DepartmentId))
                .col(big(Tickets::ResponsiblePersonId))
                .col(big(Tickets::TrackerId))
                .col(big(Tickets::TaskForceId))
                .col(big(Tickets::ResponseDueAt))
                .col(big(Tickets::ResolutionDueAt))
                .col(big(Tickets::NextDueAt))
                .col(big(Tickets::DispatchedAt))
                .col(big(Tickets::AcceptedAt))
                .col(big(Tickets::ResolvedAt))
                .col(big(Tickets::ClosedAt))
                .col(
                    ColumnDef::new(Tickets::ReopenCount)
                        .integer()
                        .not_null()
                        .default(0),
                )
                .col(
                    ColumnDef::new(Tickets::ReturnCount)
                        .integer()
                        .not_null()
                        .default(0),
                )
                .col(ColumnDef::new(Tickets::Satisfaction).string().null())
                .col(ColumnDef::new(Tickets::LastReturn).text().null())
                .col(ColumnDef::new(Tickets::PendingExtension).text().null())
                .col(ColumnDef::new(Tickets::Version).big_integer().not_null())
                .col(ColumnDef::new(Tickets::CreatedAt).big_integer().not_null())
                .col(ColumnDef::new(Tickets::UpdatedAt).big_integer().not_null())
                .col(ColumnDef::new(Tickets::IdempotencyKey).string().null())
                .col(ColumnDef::new(Tickets::IdempotencyHash).string().null())
                .foreign_key(&mut fk(
                    "fk_tickets_enterprise",
                    (Tickets::Table, Tickets::EnterpriseId),
                    (Enterprises::Table, Enterprises::Id),
                ))
                .foreign_key(&mut fk(
                    "fk_tickets_grid",
                    (Tickets::Table, Tickets::GridId),
                    (Grids::Table, Grids::Id),
                ))
                .foreign_key(&mut fk(
                    "fk_tickets_filed_by",
                    (Tickets::Table, Tickets::FiledBy),
                    (Users::Table, Users::Id),
                ))
                .foreign_key(&mut fk(
                    "fk_tickets_leader",
                    (Tickets::Table, Tickets::AccountableLeaderId),
                    (Users::Table, Users::Id),
                ))
                .foreign_key(&mut fk(
                    "fk_tickets_department",
                    (Tickets::Table, Tickets::DepartmentId),
                    (Departments::Table, Departments::Id),
                ))
                .foreign_key(&mut fk(
                    "fk_tickets_person",
                    (Tickets::Table, Tickets::ResponsiblePersonId),
                    (Users::Table, Users::Id),
                ))
                .foreign_key(&mut fk(
                    "fk_tickets_tracker",
                    (Tickets::Table, Tickets::TrackerId),
                    (Users::Table, Users::Id),
                ))
                .foreign_key(&mut fk(
                    "fk_tickets_task_force",
                    (Tickets::Table, Tickets::TaskForceId),
                    (TaskForces::Table, TaskForces::Id),
                ))
                .to_owned(),
        )
        .await?;
        // Keyset pagination walks (created_at, id) and (next_due_at, id) within a filter.
        for (name, cols) in [
            ("idx_tickets_created", &["created_at", "id"][..]),
            (
                "idx_tickets_status_created",
                &["status", "created_at", "id"],
            ),
            (
                "idx_tickets_dept_status_created",
                &["department_id", "status", "created_at", "id"],
            ),
            ("idx_tickets_grid_created", &["grid_id", "created_at", "id"]),
            (
                "idx_tickets_enterprise_created",
                &["enterprise_id", "created_at", "id"],
            ),
            ("idx_tickets_task_force", &["task_force_id", "created_at"]),
            (
                "idx_tickets_leader",
                &["accountable_leader_id", "created_at"],
            ),
            ("idx_tickets_tracker", &["tracker_id", "created_at"]),
            ("idx_tickets_next_due", &["next_due_at", "id"]),
            (
                "idx_tickets_dept_next_due",
                &["department_id", "next_due_at", "id"],
            ),
        ] {
            m.create_index(index(name, Tickets::Table, cols)).await?;
        }
        m.create_index(
            Index::create()
                .name("uq_tickets_idempotency")
                .table(Tickets::Table)
                .col(Tickets::FiledBy)
                .col(Tickets::IdempotencyKey)
                .unique()
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(TicketCoDepartments::Table)
                .col(
                    ColumnDef::new(TicketCoDepartments::TicketId)
                        .big_integer()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(TicketCoDepartments::DepartmentId)
                        .big_integer()
                        .not_null(),
                )
                .primary_key(
                    Index::create()
                        .col(TicketCoDepartments::TicketId)
                        .col(TicketCoDepartments::DepartmentId),
                )
                .foreign_key(&mut fk(
                    "fk_co_departments_ticket",
                    (TicketCoDepartments::Table, TicketCoDepartments::TicketId),
                    (Tickets::Table, Tickets::Id),
                ))
                .foreign_key(&mut fk(
                    "fk_co_departments_department",
                    (
                        TicketCoDepartments::Table,
                        TicketCoDepartments::DepartmentId,
                    ),
                    (Departments::Table, Departments::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "idx_co_departments_department",
            TicketCoDepartments::Table,
            &["department_id", "ticket_id"],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(TicketEvents::Table)
                .col(id(TicketEvents::Id))
                .col(
                    ColumnDef::new(TicketEvents::TicketId)
                        .big_integer()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(TicketEvents::ActorId)
                        .big_integer()
                        .not_null(),
                )
                .col(ColumnDef::new(TicketEvents::Action).string().not_null())
                .col(ColumnDef::new(TicketEvents::FromStatus).string().not_null())
                .col(ColumnDef::new(TicketEvents::ToStatus).string().not_null())
                .col(ColumnDef::new(TicketEvents::Payload).text().not_null())
                .col(
                    ColumnDef::new(TicketEvents::CreatedAt)
                        .big_integer()
                        .not_null(),
                )
                .foreign_key(&mut fk(
                    "fk_events_ticket",
                    (TicketEvents::Table, TicketEvents::TicketId),
                    (Tickets::Table, Tickets::Id),
                ))
                .foreign_key(&mut fk(
                    "fk_events_actor",
                    (TicketEvents::Table, TicketEvents::ActorId),
                    (Users::Table, Users::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "idx_events_ticket",
            TicketEvents::Table,
            &["ticket_id", "id"],
        ))
        .await?;
        m.create_index(index(
            "idx_events_action_time",
            TicketEvents::Table,
            &["action", "created_at"],
        ))
        .await?;

        // The outbox: one row per message to send. Rows caused by an event point at it; rows
        // the sweeper or the digest scheduler write carry a `dedupe_key` instead, whose
        // uniqueness makes "once per ticket per deadline" and "once per leader and period"
        // hold however many workers run.
        m.create_table(
            Table::create()
                .table(Outbox::Table)
                .col(id(Outbox::Id))
                .col(ColumnDef::new(Outbox::TicketId).big_integer().null())
                .col(ColumnDef::new(Outbox::EventId).big_integer().null())
                .col(
                    ColumnDef::new(Outbox::DedupeKey)
                        .string()
                        .null()
                        .unique_key(),
                )
                .col(ColumnDef::new(Outbox::Kind).string().not_null())
                .col(ColumnDef::new(Outbox::Payload).text().not_null())
                .col(
                    ColumnDef::new(Outbox::State)
                        .string()
                        .not_null()
                        .default("pending"),
                )
                .col(
                    ColumnDef::new(Outbox::Attempts)
                        .integer()
                        .not_null()
                        .default(0),
                )
                .col(
                    ColumnDef::new(Outbox::NextAttemptAt)
                        .big_integer()
                        .not_null(),
                )
                .col(ColumnDef::new(Outbox::LastError).text().null())
                .col(ColumnDef::new(Outbox::LockedUntil).big_integer().null())
                .col(ColumnDef::new(Outbox::CreatedAt).big_integer().not_null())
                .col(ColumnDef::new(Outbox::SentAt).big_integer().null())
                .foreign_key(&mut fk(
                    "fk_outbox_event",
                    (Outbox::Table, Outbox::EventId),
                    (TicketEvents::Table, TicketEvents::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "idx_outbox_due",
            Outbox::Table,
            &["state", "next_attempt_at", "id"],
        ))
        .await?;
        m.create_index(index("idx_outbox_ticket", Outbox::Table, &["ticket_id"]))
            .await?;

        m.create_table(
            Table::create()
                .table(TicketCounters::Table)
                .col(
                    ColumnDef::new(TicketCounters::Year)
                        .integer()
                        .not_null()
                        .primary_key(),
                )
                .col(
                    ColumnDef::new(TicketCounters::Last)
                        .big_integer()
                        .not_null(),
                )
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(TicketCounters::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(Outbox::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(TicketEvents::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(TicketCoDepartments::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(Tickets::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(Enterprises::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(Grids::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(Users::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(TaskForces::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(Departments::Table).to_owned())
            .await?;
        Ok(())
    }
}
