//! Editing the organisation (admins): departments and task forces (rename, mailbox,
//! deactivate when nothing is open), and grids (any of the five-ones and the team, with the
//! same checks as at creation, and the history of who held which seat).

use gridline_domain::text::{Email, Name};
use gridline_domain::{DepartmentId, FiveOnes, GridId, TaskForceId, UserId};
use gridline_store::from_ms;
use gridline_store::org::NewGrid;
use gridline_store::org::structure::{GridChange, UnitChange};
use serde::{Deserialize, Serialize};

use super::{Department, Grid, TaskForce};
use crate::auth::Caller;
use crate::error::{AppError, AppResult};
use crate::people::audit;
use crate::state::AppState;

fn name(v: Option<&str>, field: &'static str) -> AppResult<Option<String>> {
    v.map(|n| {
        Name::parse(n)
            .map(Name::into_inner)
            .map_err(|e| AppError::on_field(e, field))
    })
    .transpose()
}

/// What to change of a department (fields left out stay).
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = UpdateDepartment))]
#[serde(deny_unknown_fields)]
pub struct DepartmentPatch {
    pub expected_version: i64,
    #[serde(default)]
    pub name: Option<String>,
    /// The shared mailbox; `null` clears it.
    #[serde(default, deserialize_with = "crate::input::double")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub email: Option<Option<String>>,
    /// `false` deactivates (refused while it is responsible for open tickets).
    #[serde(default)]
    pub active: Option<bool>,
}

/// Edits a department (admins only).
pub async fn edit_department(
    state: &AppState,
    caller: &Caller,
    id: DepartmentId,
    patch: DepartmentPatch,
) -> AppResult<Department> {
    caller.require_admin()?;
    let email = match patch.email {
        None => None,
        Some(None) => Some(None),
        Some(Some(e)) if e.trim().is_empty() => Some(None),
        Some(Some(e)) => Some(Some(Email::parse(&e)?.as_str().to_owned())),
    };
    let change = UnitChange {
        name: name(patch.name.as_deref(), "name")?,
        email,
        description: None,
        active: patch.active,
    };
    let row = state
        .store
        .update_department(id, patch.expected_version, change, audit(state, caller))
        .await?;
    Ok(Department::try_from(row)?)
}

/// What to change of a task force (fields left out stay).
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = UpdateTaskForce))]
#[serde(deny_unknown_fields)]
pub struct TaskForcePatch {
    pub expected_version: i64,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    /// `false` deactivates (refused while it coordinates open tickets or serves a grid).
    #[serde(default)]
    pub active: Option<bool>,
}

/// Edits a task force (admins only).
pub async fn edit_task_force(
    state: &AppState,
    caller: &Caller,
    id: TaskForceId,
    patch: TaskForcePatch,
) -> AppResult<TaskForce> {
    caller.require_admin()?;
    let description = match patch.description {
        Some(d) if d.trim().is_empty() => Some(String::new()),
        Some(d) => Some(
            gridline_domain::text::Remark::parse(&d)
                .map_err(|e| AppError::on_field(e, "description"))?
                .as_str()
                .to_owned(),
        ),
        None => None,
    };
    let change = UnitChange {
        name: name(patch.name.as_deref(), "name")?,
        email: None,
        description,
        active: patch.active,
    };
    let row = state
        .store
        .update_task_force(id, patch.expected_version, change, audit(state, caller))
        .await?;
    Ok(TaskForce::try_from(row)?)
}

/// What to change of a grid (fields left out stay). The five-ones are checked as at
/// creation: a leader, a dispatcher as head, a liaison, an active task force.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = UpdateGrid))]
#[serde(deny_unknown_fields)]
pub struct GridPatch {
    pub expected_version: i64,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub linked_leader_id: Option<i64>,
    #[serde(default)]
    pub head_id: Option<i64>,
    #[serde(default)]
    pub task_force_id: Option<i64>,
    #[serde(default)]
    pub liaison_id: Option<i64>,
    /// The service team's name (一支队伍).
    #[serde(default)]
    pub team: Option<String>,
    /// The service team's members (users); the whole list replaces the old one.
    #[serde(default)]
    pub team_member_ids: Option<Vec<i64>>,
}

/// Edits a grid (admins only).
pub async fn edit_grid(
    state: &AppState,
    caller: &Caller,
    id: GridId,
    patch: GridPatch,
) -> AppResult<Grid> {
    caller.require_admin()?;
    let store = &state.store;
    let now = store.grid(id).await?;
    let team = match patch.team.as_deref() {
        Some(t) => name(Some(t), "team")?.unwrap_or_default(),
        None => now.team.clone(),
    };
    let facts = |v: Option<i64>, current: i64, field: &'static str| async move {
        store
            .user_facts_for(UserId(v.unwrap_or(current)), field)
            .await
    };
    let five = FiveOnes {
        linked_leader: facts(
            patch.linked_leader_id,
            now.linked_leader_id,
            "linked_leader_id",
        )
        .await?,
        head: facts(patch.head_id, now.head_id, "head_id").await?,
        task_force_id: TaskForceId(patch.task_force_id.unwrap_or(now.task_force_id)),
        liaison: facts(patch.liaison_id, now.liaison_id, "liaison_id").await?,
        team,
    };
    five.check()?;
    if patch
        .team_member_ids
        .as_ref()
        .is_some_and(|m| m.len() > 200)
    {
        return Err(AppError::invalid(
            "team_member_ids",
            "too_many",
            "at most 200 team members / 队伍成员最多 200 人",
        ));
    }
    let change = GridChange {
        grid: NewGrid {
            name: name(patch.name.as_deref(), "name")?.unwrap_or(now.name),
            linked_leader_id: five.linked_leader.id,
            head_id: five.head.id,
            task_force_id: five.task_force_id,
            liaison_id: five.liaison.id,
            team: five.team,
        },
        team_members: patch
            .team_member_ids
            .map(|m| m.into_iter().map(UserId).collect()),
    };
    let row = store
        .update_grid(id, patch.expected_version, change, audit(state, caller))
        .await?;
    // Scopes may have changed (a new head or liaison is attached to the grid).
    state.actors.clear();
    Ok(Grid::try_from(row)?)
}

/// Who held a seat of a grid, from when to when.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = GridSeat))]
pub struct SeatHeld {
    /// linked_leader | head | task_force | liaison
    pub seat: String,
    /// A user's id (a task force's for the task force seat).
    pub holder_id: i64,
    pub from: chrono::DateTime<chrono::Utc>,
    /// `null` while held.
    pub to: Option<chrono::DateTime<chrono::Utc>>,
}

/// A grid's seat history, oldest first, and its team members (every signed-in caller may
/// read who holds the five-ones).
pub async fn grid_history(state: &AppState, id: GridId) -> AppResult<(Vec<SeatHeld>, Vec<i64>)> {
    let seats = state
        .store
        .grid_seats(id)
        .await?
        .into_iter()
        .map(|s| {
            Ok(SeatHeld {
                seat: s.seat,
                holder_id: s.holder_id,
                from: from_ms(s.from_at)?,
                to: s.to_at.map(from_ms).transpose()?,
            })
        })
        .collect::<Result<Vec<_>, gridline_store::StoreError>>()?;
    Ok((seats, state.store.grid_team(id).await?))
}
