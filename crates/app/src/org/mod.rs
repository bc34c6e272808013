//! Organisation use cases (admins): users, departments, task forces, grids with their
//! five-ones, enterprises. Each input is what a door received; each use case checks the
//! caller, parses at the boundary, and writes through the store.

use gridline_domain::text::{Email, Name, NewPassword, Remark, Username};
use gridline_domain::{
    Cluster, CreditCode, DepartmentId, EnterpriseId, FiveOnes, GridId, Role, TaskForceId, UserId,
};
use gridline_store::StoreError;
pub use gridline_store::org::EnterpriseFilter;
use gridline_store::org::{NewEnterprise, NewGrid, NewUser};
use serde::Deserialize;

use crate::auth::Caller;
use crate::directory::Person;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

mod edit;
mod models;

pub use edit::*;
pub use models::{Department, Enterprise, Grid, TaskForce};

/// A user to create.
#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = CreateUser))]
#[serde(deny_unknown_fields)]
pub struct NewUserInput {
    pub username: String,
    pub display_name: String,
    pub password: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "liaison"))]
    pub role: Role,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub department_id: Option<i64>,
    #[serde(default)]
    pub grid_id: Option<i64>,
    #[serde(default)]
    pub task_force_id: Option<i64>,
    #[serde(default)]
    pub top_leader: bool,
    /// Dispatchers only: the service centre, which dispatches for every grid.
    #[serde(default)]
    pub service_centre: bool,
    /// Department officers only: the department's head (部门负责人), who sees its
    /// per-person workload.
    #[serde(default)]
    pub department_head: bool,
}

impl std::fmt::Debug for NewUserInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewUserInput")
            .field("username", &self.username)
            .field("role", &self.role)
            .field("password", &"***")
            .finish_non_exhaustive()
    }
}

/// Creates a user (admins only), hashing the password off the async threads.
pub async fn create_user(
    state: &AppState,
    caller: &Caller,
    input: NewUserInput,
) -> AppResult<Person> {
    caller.require_admin()?;
    let username = Username::parse(&input.username)?;
    let display_name =
        Name::parse(&input.display_name).map_err(|e| AppError::on_field(e, "display_name"))?;
    let password = NewPassword::parse(&input.password)?;
    let email = input.email.as_deref().map(Email::parse).transpose()?;
    let auth = state.auth.clone();
    let password_hash = tokio::task::spawn_blocking(move || auth.hash_password(password.expose()))
        .await
        .map_err(|e| AppError::internal(&e))?
        .map_err(|e| AppError::internal(&e))?;
    let row = state
        .store
        .create_user(
            NewUser {
                username: username.as_str().to_owned(),
                display_name: display_name.into_inner(),
                password_hash,
                role: input.role,
                email: email.map(|e| e.as_str().to_owned()),
                department_id: input.department_id.map(DepartmentId),
                grid_id: input.grid_id.map(GridId),
                task_force_id: input.task_force_id.map(TaskForceId),
                top_leader: input.top_leader,
                service_centre: input.service_centre,
                department_head: input.department_head,
            },
            crate::people::audit(state, caller),
        )
        .await?;
    // Scopes may have changed (a grid attaches its head and liaison).
    state.actors.clear();
    Ok(Person::try_from(row)?)
}

/// Everyone (or everyone of one role), as read models. Every signed-in caller may list
/// people (the pages and the API show who is who); addresses are the door's to withhold.
pub async fn people(state: &AppState, role: Option<Role>) -> AppResult<Vec<Person>> {
    Ok(state
        .store
        .users(role)
        .await?
        .into_iter()
        .map(Person::try_from)
        .collect::<Result<Vec<_>, _>>()?)
}

/// One person.
pub async fn person(state: &AppState, id: UserId) -> AppResult<Person> {
    Ok(Person::try_from(state.store.user(id).await?)?)
}

/// A department to create.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = CreateDepartment))]
#[serde(deny_unknown_fields)]
pub struct NewDepartmentInput {
    pub name: String,
    #[serde(default)]
    pub email: Option<String>,
}

/// Creates a department (admins only).
pub async fn create_department(
    state: &AppState,
    caller: &Caller,
    input: NewDepartmentInput,
) -> AppResult<Department> {
    caller.require_admin()?;
    let name = Name::parse(&input.name).map_err(|e| AppError::on_field(e, "name"))?;
    let email = input.email.as_deref().map(Email::parse).transpose()?;
    let row = state
        .store
        .create_department(
            name.into_inner(),
            email.map(|e| e.as_str().to_owned()),
            crate::people::audit(state, caller),
        )
        .await?;
    Ok(Department::try_from(row)?)
}

/// A task force to create.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = CreateTaskForce))]
#[serde(deny_unknown_fields)]
pub struct NewTaskForceInput {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
}

/// Creates a task force (admins only).
pub async fn create_task_force(
    state: &AppState,
    caller: &Caller,
    input: NewTaskForceInput,
) -> AppResult<TaskForce> {
    caller.require_admin()?;
    let name = Name::parse(&input.name).map_err(|e| AppError::on_field(e, "name"))?;
    let description = match input
        .description
        .as_deref()
        .filter(|d| !d.trim().is_empty())
    {
        Some(d) => Remark::parse(d)
            .map_err(|e| AppError::on_field(e, "description"))?
            .into_inner(),
        None => String::new(),
    };
    let row = state
        .store
        .create_task_force(
            name.into_inner(),
            description,
            crate::people::audit(state, caller),
        )
        .await?;
    Ok(TaskForce::try_from(row)?)
}

/// A grid to create: all five-ones are required.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = CreateGrid))]
#[serde(deny_unknown_fields)]
pub struct NewGridInput {
    pub name: String,
    pub linked_leader_id: i64,
    pub head_id: i64,
    pub task_force_id: i64,
    pub liaison_id: i64,
    pub team: String,
}

/// Creates a grid (admins only). The head and the liaison are attached to it.
pub async fn create_grid(
    state: &AppState,
    caller: &Caller,
    input: NewGridInput,
) -> AppResult<Grid> {
    caller.require_admin()?;
    let name = Name::parse(&input.name).map_err(|e| AppError::on_field(e, "name"))?;
    let team = Name::parse(&input.team).map_err(|e| AppError::on_field(e, "team"))?;
    let store = &state.store;
    let five = FiveOnes {
        linked_leader: store
            .user_facts_for(UserId(input.linked_leader_id), "linked_leader_id")
            .await?,
        head: store
            .user_facts_for(UserId(input.head_id), "head_id")
            .await?,
        task_force_id: TaskForceId(input.task_force_id),
        liaison: store
            .user_facts_for(UserId(input.liaison_id), "liaison_id")
            .await?,
        team: team.into_inner(),
    };
    five.check()?;
    let row = store
        .create_grid(
            NewGrid {
                name: name.into_inner(),
                linked_leader_id: five.linked_leader.id,
                head_id: five.head.id,
                task_force_id: five.task_force_id,
                liaison_id: five.liaison.id,
                team: five.team,
            },
            crate::people::audit(state, caller),
        )
        .await?;
    // Scopes may have changed (a grid attaches its head and liaison).
    state.actors.clear();
    Ok(Grid::try_from(row)?)
}

/// An enterprise to create.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = CreateEnterprise))]
#[serde(deny_unknown_fields)]
pub struct NewEnterpriseInput {
    pub name: String,
    pub credit_code: String,
    #[cfg_attr(
        feature = "openapi",
        schema(value_type = String, example = "electronic_information")
    )]
    pub cluster: Cluster,
    pub grid_id: i64,
    #[serde(default)]
    pub above_size: bool,
}

/// Creates an enterprise (admins only). A bad credit code is invalid, naming the rule.
pub async fn create_enterprise(
    state: &AppState,
    caller: &Caller,
    input: NewEnterpriseInput,
) -> AppResult<Enterprise> {
    caller.require_admin()?;
    let name = Name::parse(&input.name).map_err(|e| AppError::on_field(e, "name"))?;
    let credit_code = CreditCode::parse(&input.credit_code)
        .map_err(|e| AppError::invalid("credit_code", e.code(), e.to_string()))?;
    let row = state
        .store
        .create_enterprise(
            NewEnterprise {
                name: name.into_inner(),
                credit_code,
                cluster: input.cluster,
                grid_id: GridId(input.grid_id),
                above_size: input.above_size,
            },
            crate::people::audit(state, caller),
        )
        .await?;
    Ok(Enterprise::try_from(row)?)
}

fn all<R, M>(rows: Vec<M>) -> AppResult<Vec<R>>
where
    R: TryFrom<M, Error = StoreError>,
{
    Ok(rows
        .into_iter()
        .map(R::try_from)
        .collect::<Result<Vec<_>, _>>()?)
}

/// Every department.
pub async fn departments(state: &AppState) -> AppResult<Vec<Department>> {
    all(state.store.departments().await?)
}

/// Every task force.
pub async fn task_forces(state: &AppState) -> AppResult<Vec<TaskForce>> {
    all(state.store.task_forces().await?)
}

/// Every grid.
pub async fn grids(state: &AppState) -> AppResult<Vec<Grid>> {
    all(state.store.grids().await?)
}

/// One grid.
pub async fn grid(state: &AppState, id: GridId) -> AppResult<Grid> {
    Ok(Grid::try_from(state.store.grid(id).await?)?)
}

/// A cluster named in a query (`None` for none); an unknown one is a 422 on `cluster`.
pub fn cluster_param(raw: Option<&str>) -> AppResult<Option<gridline_domain::Cluster>> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => gridline_domain::Cluster::parse_either(s).map(Some).ok_or_else(|| {
            AppError::invalid(
                "cluster",
                "unknown_cluster",
                "cluster is one of electronic_information, food_beverage_water, machinery_moulds, other",
            )
        }),
    }
}

/// Enterprises matching a filter (a grid, a search), at most `limit` (1–500).
pub async fn enterprises(
    state: &AppState,
    filter: &EnterpriseFilter,
    limit: u64,
) -> AppResult<Vec<Enterprise>> {
    all(state.store.enterprises(filter, limit.clamp(1, 500)).await?)
}

/// The enterprises with these ids (missing ones are left out): names for a list of tickets.
pub async fn enterprises_by_ids(state: &AppState, ids: &[i64]) -> AppResult<Vec<Enterprise>> {
    all(state.store.enterprises_by_ids(ids).await?)
}

/// The names of the enterprises with these ids (repeats allowed; missing ones left out): the
/// names a list of tickets or visits shows.
pub async fn enterprise_names(
    state: &AppState,
    ids: impl IntoIterator<Item = i64>,
) -> AppResult<std::collections::HashMap<i64, String>> {
    let mut ids: Vec<i64> = ids.into_iter().collect();
    ids.sort_unstable();
    ids.dedup();
    Ok(enterprises_by_ids(state, &ids)
        .await?
        .into_iter()
        .map(|e| (e.id, e.name))
        .collect())
}

/// One enterprise.
pub async fn enterprise(state: &AppState, id: EnterpriseId) -> AppResult<Enterprise> {
    Ok(Enterprise::try_from(state.store.enterprise(id).await?)?)
}
