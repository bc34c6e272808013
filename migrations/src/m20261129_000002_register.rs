//! Editing the organisation and the enterprise register (expand only).
//!
//! - `version` on departments, task forces, grids and enterprises: an edit names the version
//!   it was made on; a stale one is refused.
//! - `active` on departments, task forces and enterprises: deactivated, never deleted (their
//!   tickets and history keep the name).
//! - enterprises gain an address and a contact person and phone.
//! - `grid_seats`: who held which seat of a grid's five-ones, from when to when (the current
//!   holders are written here as of the grid's creation).
//! - `grid_team`: the grid's service team as users (一支队伍), beside the team's name.

use sea_orm_migration::prelude::*;

#[derive(DeriveIden)]
enum Departments {
    Table,
}
#[derive(DeriveIden)]
enum TaskForces {
    Table,
}
#[derive(DeriveIden)]
enum Grids {
    Table,
}
#[derive(DeriveIden)]
enum Enterprises {
    Table,
    Address,
    ContactPerson,
    ContactPhone,
}
#[derive(DeriveIden)]
enum Col {
    Version,
    Active,
}
#[derive(DeriveIden)]
enum GridSeats {
    Table,
    Id,
    GridId,
    Seat,
    HolderId,
    FromAt,
    ToAt,
}
#[derive(DeriveIden)]
enum GridTeam {
    Table,
    GridId,
    UserId,
}

#[derive(DeriveMigrationName)]
pub struct Migration;

async fn add(m: &SchemaManager<'_>, table: impl IntoIden, column: ColumnDef) -> Result<(), DbErr> {
    let mut column = column;
    m.alter_table(
        Table::alter()
            .table(table)
            .add_column(&mut column)
            .to_owned(),
    )
    .await
}

fn version() -> ColumnDef {
    ColumnDef::new(Col::Version)
        .big_integer()
        .not_null()
        .default(1)
        .to_owned()
}

fn active() -> ColumnDef {
    ColumnDef::new(Col::Active)
        .boolean()
        .not_null()
        .default(true)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per ALTER TABLE.
        add(m, Departments::Table, version()).await?;
        add(m, Departments::Table, active()).await?;
        add(m, TaskForces::Table, version()).await?;
        add(m, TaskForces::Table, active()).await?;
        add(m, Grids::Table, version()).await?;
        add(m, Enterprises::Table, version()).await?;
        add(m, Enterprises::Table, active()).await?;
        for c in [
            Enterprises::Address,
            Enterprises::ContactPerson,
            Enterprises::ContactPhone,
        ] {
            add(
                m,
                Enterprises::Table,
                ColumnDef::new(c).string().null().to_owned(),
            )
            .await?;
        }
        m.create_table(
            Table::create()
                .table(GridSeats::Table)
                .col(
                    ColumnDef::new(GridSeats::Id)
                        .big_integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                .col(ColumnDef::new(GridSeats::GridId).big_integer().not_null())
                // linked_leader | head | task_force | liaison
                .col(ColumnDef::new(GridSeats::Seat).string().not_null())
                // A user's id, or a task force's for the task force seat.
                .col(ColumnDef::new(GridSeats::HolderId).big_integer().not_null())
                .col(ColumnDef::new(GridSeats::FromAt).big_integer().not_null())
                .col(ColumnDef::new(GridSeats::ToAt).big_integer().null())
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_grid_seats_grid")
                .table(GridSeats::Table)
                .col(GridSeats::GridId)
                .col(GridSeats::Id)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(GridTeam::Table)
                .col(ColumnDef::new(GridTeam::GridId).big_integer().not_null())
                .col(ColumnDef::new(GridTeam::UserId).big_integer().not_null())
                .primary_key(Index::create().col(GridTeam::GridId).col(GridTeam::UserId))
                .to_owned(),
        )
        .await?;
        // The seats held now, as of each grid's creation.
        let db = m.get_connection();
        for seat in ["linked_leader", "head", "task_force", "liaison"] {
            let column = match seat {
                "linked_leader" => "linked_leader_id",
                "head" => "head_id",
                "task_force" => "task_force_id",
                _ => "liaison_id",
            };
            db.execute_unprepared(&format!(
                "INSERT INTO grid_seats (grid_id, seat, holder_id, from_at) \
                 SELECT id, '{seat}', {column}, created_at FROM grids ORDER BY id"
            ))
            .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(GridTeam::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(GridSeats::Table).to_owned())
            .await?;
        let drop =
            |table: DynIden, col: DynIden| Table::alter().table(table).drop_column(col).to_owned();
        for (t, c) in [
            (
                Enterprises::Table.into_iden(),
                Enterprises::ContactPhone.into_iden(),
            ),
            (
                Enterprises::Table.into_iden(),
                Enterprises::ContactPerson.into_iden(),
            ),
            (
                Enterprises::Table.into_iden(),
                Enterprises::Address.into_iden(),
            ),
            (Enterprises::Table.into_iden(), Col::Active.into_iden()),
            (Enterprises::Table.into_iden(), Col::Version.into_iden()),
            (Grids::Table.into_iden(), Col::Version.into_iden()),
            (TaskForces::Table.into_iden(), Col::Active.into_iden()),
            (TaskForces::Table.into_iden(), Col::Version.into_iden()),
            (Departments::Table.into_iden(), Col::Active.into_iden()),
            (Departments::Table.into_iden(), Col::Version.into_iden()),
        ] {
            m.alter_table(drop(t, c)).await?;
        }
        Ok(())
    }
}
