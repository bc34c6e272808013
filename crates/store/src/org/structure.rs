//! Editing the organisation's structure: departments, task forces, and grids with their
//! five-ones — each edit on a version, with its audit row, and for grids the history of who
//! held which seat.

use chrono::{DateTime, Utc};
use gridline_domain::{DepartmentId, DomainError, GridId, TaskForceId, UserId};
use sea_orm::sea_query::{Expr, ExprTrait as _};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set, TransactionTrait,
};
use serde_json::{Map, Value, json};

use super::people::{Audit, activity, append_audit, changes, record};
use crate::entity::{departments, grid_seats, grid_team, grids, task_forces, tickets, users};
use crate::{Store, StoreError, to_ms};

/// Records that `holder` took `seat` of grid `grid` at `at`.
pub(crate) async fn seat_taken<C: ConnectionTrait>(
    db: &C,
    grid: i64,
    seat: &str,
    holder: i64,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    grid_seats::ActiveModel {
        grid_id: Set(grid),
        seat: Set(seat.to_owned()),
        holder_id: Set(holder),
        from_at: Set(to_ms(at)),
        to_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Records that whoever held `seat` of grid `grid` left it at `at`.
pub(crate) async fn seat_left<C: ConnectionTrait>(
    db: &C,
    grid: i64,
    seat: &str,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    grid_seats::Entity::update_many()
        .col_expr(grid_seats::Column::ToAt, Expr::value(to_ms(at)))
        .filter(grid_seats::Column::GridId.eq(grid))
        .filter(grid_seats::Column::Seat.eq(seat))
        .filter(grid_seats::Column::ToAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// Who held the seats of a grid, oldest first.
pub(crate) async fn seat_history<C: ConnectionTrait>(
    db: &C,
    grid: i64,
) -> Result<Vec<grid_seats::Model>, StoreError> {
    Ok(grid_seats::Entity::find()
        .filter(grid_seats::Column::GridId.eq(grid))
        .order_by_asc(grid_seats::Column::Id)
        .all(db)
        .await?)
}

/// What a grid becomes: the whole five-ones (checked by the rules beforehand), and
/// optionally its team members.
#[derive(Debug, Clone)]
pub struct GridChange {
    pub grid: super::NewGrid,
    /// The service team's members (`None`: unchanged).
    pub team_members: Option<Vec<UserId>>,
}

/// A department's or task force's new name, text and state (`None`: unchanged).
#[derive(Debug, Clone, Default)]
pub struct UnitChange {
    pub name: Option<String>,
    /// A department's mailbox (`Some(None)` clears it).
    pub email: Option<Option<String>>,
    /// A task force's description.
    pub description: Option<String>,
    pub active: Option<bool>,
}

fn stale(what: &'static str) -> StoreError {
    let message = match what {
        "grid" => {
            "the grid was changed since it was read; reload and try again / 该网格已被他人修改，请刷新后重试"
        }
        "department" => {
            "the department was changed since it was read; reload and try again / 该部门已被他人修改，请刷新后重试"
        }
        _ => {
            "the task force was changed since it was read; reload and try again / 该专班已被他人修改，请刷新后重试"
        }
    };
    StoreError::Conflict {
        code: "stale_version",
        message,
    }
}

/// The open tickets that a unit still has: numbers of the first ones, and how many.
async fn open_tickets<C: ConnectionTrait>(
    db: &C,
    column: tickets::Column,
    id: i64,
) -> Result<Vec<String>, StoreError> {
    Ok(tickets::Entity::find()
        .select_only()
        .column(tickets::Column::Number)
        .filter(column.eq(id))
        .filter(tickets::Column::Status.is_in(crate::tickets::open_statuses()))
        .order_by_asc(tickets::Column::Id)
        .into_tuple::<String>()
        .all(db)
        .await?)
}

fn in_use(code: &'static str, numbers: &[String]) -> StoreError {
    let first: Vec<&str> = numbers.iter().take(5).map(String::as_str).collect();
    StoreError::Domain(DomainError::invalid(
        "active",
        code,
        format!(
            "{} 件未办结工单仍在办理（{}） / {} open tickets are still being worked ({})",
            numbers.len(),
            first.join(", "),
            numbers.len(),
            first.join(", ")
        ),
    ))
}

fn grid_json(g: &grids::Model, team: &[i64]) -> Map<String, Value> {
    let v = json!({
        "name": g.name, "linked_leader_id": g.linked_leader_id, "head_id": g.head_id,
        "task_force_id": g.task_force_id, "liaison_id": g.liaison_id, "team": g.team,
        "team_member_ids": team,
    });
    record(v)
}

impl Store {
    /// A grid's team members.
    pub async fn grid_team(&self, grid: GridId) -> Result<Vec<i64>, StoreError> {
        team_of(&self.read, grid.0).await
    }

    /// Who held the seats of a grid, oldest first.
    pub async fn grid_seats(&self, grid: GridId) -> Result<Vec<grid_seats::Model>, StoreError> {
        self.grid(grid).await?;
        seat_history(&self.read, grid.0).await
    }

    /// Changes a grid made on `expected_version`: its name, five-ones and team. A seat that
    /// changes hands is closed and opened in the seat history; the new head and liaison are
    /// attached to the grid. One transaction with its audit row.
    pub async fn update_grid(
        &self,
        id: GridId,
        expected_version: i64,
        change: GridChange,
        audit: Audit,
    ) -> Result<grids::Model, StoreError> {
        let txn = self.write.begin().await?;
        let before = grids::Entity::find_by_id(id.0)
            .one(&txn)
            .await?
            .ok_or(StoreError::NotFound("grid"))?;
        if before.version != expected_version {
            return Err(stale("grid"));
        }
        if task_forces::Entity::find_by_id(change.grid.task_force_id.0)
            .filter(task_forces::Column::Active.eq(true))
            .one(&txn)
            .await?
            .is_none()
        {
            return Err(StoreError::invalid(
                "task_force_id",
                "unknown_task_force",
                "no such task force / 专班不存在",
            ));
        }
        let team_before = team_of(&txn, id.0).await?;
        let g = &change.grid;
        let mut after = before.clone();
        after.name = g.name.clone();
        after.linked_leader_id = g.linked_leader_id.0;
        after.head_id = g.head_id.0;
        after.task_force_id = g.task_force_id.0;
        after.liaison_id = g.liaison_id.0;
        after.team = g.team.clone();
        let team_after: Vec<i64> = match &change.team_members {
            Some(m) => {
                let mut ids: Vec<i64> = m.iter().map(|u| u.0).collect();
                ids.sort_unstable();
                ids.dedup();
                let found = users::Entity::find()
                    .filter(users::Column::Id.is_in(ids.clone()))
                    .filter(users::Column::Active.eq(true))
                    .count(&txn)
                    .await?;
                if found != ids.len() as u64 {
                    return Err(StoreError::invalid(
                        "team_member_ids",
                        "unknown_user",
                        "no such active user / 用户不存在或已停用",
                    ));
                }
                ids
            }
            None => team_before.clone(),
        };
        let (was, will) = (
            grid_json(&before, &team_before),
            grid_json(&after, &team_after),
        );
        let Some((b, a)) = changes(&was, &will) else {
            return Ok(before);
        };
        let done = grids::Entity::update_many()
            .col_expr(grids::Column::Name, Expr::value(after.name.clone()))
            .col_expr(
                grids::Column::LinkedLeaderId,
                Expr::value(after.linked_leader_id),
            )
            .col_expr(grids::Column::HeadId, Expr::value(after.head_id))
            .col_expr(grids::Column::TaskForceId, Expr::value(after.task_force_id))
            .col_expr(grids::Column::LiaisonId, Expr::value(after.liaison_id))
            .col_expr(grids::Column::Team, Expr::value(after.team.clone()))
            .col_expr(
                grids::Column::Version,
                Expr::col(grids::Column::Version).add(1),
            )
            .filter(grids::Column::Id.eq(id.0))
            .filter(grids::Column::Version.eq(expected_version))
            .exec(&txn)
            .await?;
        if done.rows_affected == 0 {
            return Err(stale("grid"));
        }
        for ((seat, old), (_, new)) in super::grid_seats(&before)
            .into_iter()
            .zip(super::grid_seats(&after))
        {
            if old != new {
                seat_left(&txn, id.0, seat, audit.at).await?;
                seat_taken(&txn, id.0, seat, new, audit.at).await?;
            }
        }
        // The grid head dispatches, and the liaison files, for this grid.
        users::Entity::update_many()
            .col_expr(users::Column::GridId, Expr::value(id.0))
            .col_expr(
                users::Column::Version,
                Expr::col(users::Column::Version).add(1),
            )
            .filter(users::Column::Id.is_in([after.head_id, after.liaison_id]))
            .filter(
                users::Column::GridId
                    .ne(id.0)
                    .or(users::Column::GridId.is_null()),
            )
            .exec(&txn)
            .await?;
        if change.team_members.is_some() && team_after != team_before {
            grid_team::Entity::delete_many()
                .filter(grid_team::Column::GridId.eq(id.0))
                .exec(&txn)
                .await?;
            for u in &team_after {
                grid_team::ActiveModel {
                    grid_id: Set(id.0),
                    user_id: Set(*u),
                }
                .insert(&txn)
                .await?;
            }
        }
        append_audit(&txn, audit, ("grid", id.0), "update", b, a).await?;
        let row = grids::Entity::find_by_id(id.0)
            .one(&txn)
            .await?
            .ok_or(StoreError::NotFound("grid"))?;
        txn.commit().await?;
        Ok(row)
    }

    /// Changes a department made on `expected_version`. Deactivation is refused while it
    /// is responsible for open tickets.
    pub async fn update_department(
        &self,
        id: DepartmentId,
        expected_version: i64,
        change: UnitChange,
        audit: Audit,
    ) -> Result<departments::Model, StoreError> {
        let txn = self.write.begin().await?;
        let before = departments::Entity::find_by_id(id.0)
            .one(&txn)
            .await?
            .ok_or(StoreError::NotFound("department"))?;
        if before.version != expected_version {
            return Err(stale("department"));
        }
        let mut after = before.clone();
        if let Some(n) = change.name {
            after.name = n;
        }
        if let Some(e) = change.email {
            after.email = e;
        }
        if let Some(a) = change.active {
            after.active = a;
        }
        if before.active && !after.active {
            let open = open_tickets(&txn, tickets::Column::DepartmentId, id.0).await?;
            if !open.is_empty() {
                return Err(in_use("department_in_use", &open));
            }
        }
        let json = |d: &departments::Model| {
            record(json!({"name": d.name, "email": d.email, "active": d.active}))
        };
        let Some((b, a)) = changes(&json(&before), &json(&after)) else {
            return Ok(before);
        };
        let done = departments::Entity::update_many()
            .col_expr(departments::Column::Name, Expr::value(after.name.clone()))
            .col_expr(departments::Column::Email, Expr::value(after.email.clone()))
            .col_expr(departments::Column::Active, Expr::value(after.active))
            .col_expr(
                departments::Column::Version,
                Expr::col(departments::Column::Version).add(1),
            )
            .filter(departments::Column::Id.eq(id.0))
            .filter(departments::Column::Version.eq(expected_version))
            .exec(&txn)
            .await?;
        if done.rows_affected == 0 {
            return Err(stale("department"));
        }
        append_audit(
            &txn,
            audit,
            ("department", id.0),
            activity(before.active, after.active),
            b,
            a,
        )
        .await?;
        txn.commit().await?;
        after.version += 1;
        Ok(after)
    }

    /// Changes a task force made on `expected_version`. Deactivation is refused while it
    /// coordinates open tickets or serves a grid.
    pub async fn update_task_force(
        &self,
        id: TaskForceId,
        expected_version: i64,
        change: UnitChange,
        audit: Audit,
    ) -> Result<task_forces::Model, StoreError> {
        let txn = self.write.begin().await?;
        let before = task_forces::Entity::find_by_id(id.0)
            .one(&txn)
            .await?
            .ok_or(StoreError::NotFound("task force"))?;
        if before.version != expected_version {
            return Err(stale("task force"));
        }
        let mut after = before.clone();
        if let Some(n) = change.name {
            after.name = n;
        }
        if let Some(d) = change.description {
            after.description = d;
        }
        if let Some(a) = change.active {
            after.active = a;
        }
        if before.active && !after.active {
            let open = open_tickets(&txn, tickets::Column::TaskForceId, id.0).await?;
            if !open.is_empty() {
                return Err(in_use("task_force_in_use", &open));
            }
            let serving = grids::Entity::find()
                .filter(grids::Column::TaskForceId.eq(id.0))
                .count(&txn)
                .await?;
            if serving > 0 {
                return Err(StoreError::Domain(DomainError::invalid(
                    "active",
                    "task_force_in_use",
                    "the task force serves a grid; give the grid another one first / 该专班仍是网格的服务专班，请先为网格更换专班",
                )));
            }
        }
        let json = |t: &task_forces::Model| {
            record(json!({"name": t.name, "description": t.description, "active": t.active}))
        };
        let Some((b, a)) = changes(&json(&before), &json(&after)) else {
            return Ok(before);
        };
        let done = task_forces::Entity::update_many()
            .col_expr(task_forces::Column::Name, Expr::value(after.name.clone()))
            .col_expr(
                task_forces::Column::Description,
                Expr::value(after.description.clone()),
            )
            .col_expr(task_forces::Column::Active, Expr::value(after.active))
            .col_expr(
                task_forces::Column::Version,
                Expr::col(task_forces::Column::Version).add(1),
            )
            .filter(task_forces::Column::Id.eq(id.0))
            .filter(task_forces::Column::Version.eq(expected_version))
            .exec(&txn)
            .await?;
        if done.rows_affected == 0 {
            return Err(stale("task force"));
        }
        append_audit(
            &txn,
            audit,
            ("task_force", id.0),
            activity(before.active, after.active),
            b,
            a,
        )
        .await?;
        txn.commit().await?;
        after.version += 1;
        Ok(after)
    }
}

async fn team_of<C: ConnectionTrait>(db: &C, grid: i64) -> Result<Vec<i64>, StoreError> {
    Ok(grid_team::Entity::find()
        .select_only()
        .column(grid_team::Column::UserId)
        .filter(grid_team::Column::GridId.eq(grid))
        .order_by_asc(grid_team::Column::UserId)
        .into_tuple::<i64>()
        .all(db)
        .await?)
}
