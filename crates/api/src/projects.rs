//! `/api/v1/projects`: key projects (重点项目), their milestones, planned-day moves and the
//! tickets linked to them.

use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, NaiveDate, Utc};
use gridline_app::AppState;
use gridline_app::projects::{self, Project, ProjectInput, ReachInput, ReplanInput};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::AuthUser;
use crate::error::{ApiResult, Problem};
use crate::extract::{Json, Path};

/// A milestone.
#[derive(Debug, Serialize, ToSchema)]
pub struct MilestoneDto {
    pub id: i64,
    pub name: String,
    #[schema(value_type = String)]
    pub planned_on: NaiveDate,
    #[schema(value_type = Option<String>)]
    pub reached_on: Option<NaiveDate>,
    pub evidence: Option<String>,
    /// done | on_track | at_risk | late
    pub standing: String,
    /// A planned-day move waiting for the accountable leader.
    #[schema(value_type = Option<String>)]
    pub proposed_on: Option<NaiveDate>,
    pub proposed_reason: Option<String>,
}

/// A key project.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProjectDto {
    pub id: i64,
    pub name: String,
    pub enterprise_id: i64,
    pub grid_id: i64,
    /// 万元.
    pub investment: i64,
    pub accountable_leader_id: i64,
    pub department_id: i64,
    pub responsible_person_id: i64,
    /// done | on_track | at_risk | late
    pub standing: String,
    pub created_at: DateTime<Utc>,
    pub milestones: Vec<MilestoneDto>,
}

fn dto(state: &AppState, p: &Project) -> ProjectDto {
    let today = gridline_app::visits::today(state);
    ProjectDto {
        id: p.id,
        name: p.name.clone(),
        enterprise_id: p.enterprise_id.0,
        grid_id: p.grid_id.0,
        investment: p.investment,
        accountable_leader_id: p.three.accountable_leader_id.0,
        department_id: p.three.department_id.0,
        responsible_person_id: p.three.responsible_person_id.0,
        standing: projects::standing(state, p).as_str().to_owned(),
        created_at: p.created_at,
        milestones: p
            .milestones
            .iter()
            .zip(projects::facts(p))
            .map(|(m, f)| MilestoneDto {
                id: m.id,
                name: m.name.clone(),
                planned_on: m.planned_on,
                reached_on: m.reached_on,
                evidence: m.evidence.clone(),
                standing: gridline_domain::project::milestone_standing(&f, today)
                    .as_str()
                    .to_owned(),
                proposed_on: m.proposal.as_ref().map(|x| x.planned_on),
                proposed_reason: m.proposal.as_ref().map(|x| x.reason.clone()),
            })
            .collect(),
    }
}

/// Creates a key project (administrators and the economic-development department).
#[utoipa::path(
    post,
    path = "/api/v1/projects",
    tag = "projects",
    security(("bearer" = [])),
    request_body = ProjectInput,
    responses(
        (status = 201, body = ProjectDto),
        (status = 403, description = "keepers_only", body = Problem),
        (status = 422, description = "not_a_leader | not_in_department | unknown_user | milestones.count | milestones.duplicate | milestones.out_of_order, and others", body = Problem),
    )
)]
pub async fn create_project(
    State(state): State<AppState>,
    auth: AuthUser,
    Json(req): Json<ProjectInput>,
) -> ApiResult<(StatusCode, axum::Json<ProjectDto>)> {
    let p = projects::create(&state, &auth, &req).await?;
    Ok((StatusCode::CREATED, axum::Json(dto(&state, &p))))
}

/// The key projects the caller sees (their grids', theirs as accountable leader or
/// responsible department; every one for the keepers), newest first.
#[utoipa::path(
    get,
    path = "/api/v1/projects",
    tag = "projects",
    security(("bearer" = [])),
    responses((status = 200, body = Vec<ProjectDto>))
)]
pub async fn list_projects(
    State(state): State<AppState>,
    auth: AuthUser,
) -> ApiResult<axum::Json<Vec<ProjectDto>>> {
    let list = projects::list(&state, &auth).await?;
    Ok(axum::Json(list.iter().map(|p| dto(&state, p)).collect()))
}

/// A linked ticket, with its running deadline.
#[derive(Debug, Serialize, ToSchema)]
pub struct LinkedTicket {
    pub id: i64,
    pub number: String,
    pub title: String,
    pub status: String,
    pub resolution_due_at: Option<DateTime<Utc>>,
}

/// One entry of a project's history (every planned day is kept here).
#[derive(Debug, Serialize, ToSchema)]
pub struct ProjectEventDto {
    /// created | reached | replan_requested | replan_decided | ticket_linked
    pub kind: String,
    pub milestone_id: Option<i64>,
    pub actor_id: i64,
    pub at: DateTime<Utc>,
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
}

/// A project with its linked tickets (those the caller sees) and its history.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProjectDetail {
    pub project: ProjectDto,
    pub tickets: Vec<LinkedTicket>,
    pub history: Vec<ProjectEventDto>,
}

/// One key project.
#[utoipa::path(
    get,
    path = "/api/v1/projects/{id}",
    tag = "projects",
    security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = ProjectDetail), (status = 404, body = Problem))
)]
pub async fn get_project(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<ProjectDetail>> {
    let p = projects::get(&state, &auth, id).await?;
    let tickets = projects::tickets(&state, &auth, &p).await?;
    let history = projects::history(&state, &p).await?;
    Ok(axum::Json(ProjectDetail {
        project: dto(&state, &p),
        tickets: tickets
            .iter()
            .map(|t| LinkedTicket {
                id: t.id.0,
                number: t.number.clone(),
                title: t.title.clone(),
                status: t.status.as_str().to_owned(),
                resolution_due_at: t.resolution_due_at,
            })
            .collect(),
        history: history
            .into_iter()
            .map(|e| ProjectEventDto {
                kind: e.kind,
                milestone_id: e.milestone_id,
                actor_id: e.actor_id.0,
                at: e.at,
                payload: e.payload,
            })
            .collect(),
    }))
}

/// Records a milestone reached (the responsible person or a keeper; once).
#[utoipa::path(
    post,
    path = "/api/v1/projects/{id}/milestones/{milestone}/reach",
    tag = "projects",
    security(("bearer" = [])),
    params(("id" = i64, Path), ("milestone" = i64, Path)),
    request_body = ReachInput,
    responses((status = 200, body = ProjectDto), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, description = "already_reached", body = Problem))
)]
pub async fn reach_milestone(
    State(state): State<AppState>,
    auth: AuthUser,
    Path((id, milestone)): Path<(i64, i64)>,
    Json(req): Json<ReachInput>,
) -> ApiResult<axum::Json<ProjectDto>> {
    let p = projects::reach(&state, &auth, id, milestone, &req).await?;
    Ok(axum::Json(dto(&state, &p)))
}

/// Asks to move a milestone's planned day (the responsible person); the accountable leader
/// decides.
#[utoipa::path(
    post,
    path = "/api/v1/projects/{id}/milestones/{milestone}/replan",
    tag = "projects",
    security(("bearer" = [])),
    params(("id" = i64, Path), ("milestone" = i64, Path)),
    request_body = ReplanInput,
    responses((status = 200, body = ProjectDto), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, description = "already_reached | proposal_pending", body = Problem))
)]
pub async fn replan_milestone(
    State(state): State<AppState>,
    auth: AuthUser,
    Path((id, milestone)): Path<(i64, i64)>,
    Json(req): Json<ReplanInput>,
) -> ApiResult<axum::Json<ProjectDto>> {
    let p = projects::propose(&state, &auth, id, milestone, &req).await?;
    Ok(axum::Json(dto(&state, &p)))
}

/// A decision on a planned-day move.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    pub approve: bool,
}

/// Decides a waiting planned-day move (the accountable leader).
#[utoipa::path(
    post,
    path = "/api/v1/projects/{id}/milestones/{milestone}/decide",
    tag = "projects",
    security(("bearer" = [])),
    params(("id" = i64, Path), ("milestone" = i64, Path)),
    request_body = Decision,
    responses((status = 200, body = ProjectDto), (status = 403, description = "accountable_leader_only", body = Problem), (status = 404, body = Problem), (status = 409, description = "no_proposal", body = Problem))
)]
pub async fn decide_milestone(
    State(state): State<AppState>,
    auth: AuthUser,
    Path((id, milestone)): Path<(i64, i64)>,
    Json(req): Json<Decision>,
) -> ApiResult<axum::Json<ProjectDto>> {
    let p = projects::decide(&state, &auth, id, milestone, req.approve).await?;
    Ok(axum::Json(dto(&state, &p)))
}

/// A ticket to link.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkTicket {
    pub ticket_id: i64,
}

/// Links a ticket of the project's enterprise (the responsible person or a keeper).
#[utoipa::path(
    post,
    path = "/api/v1/projects/{id}/tickets",
    tag = "projects",
    security(("bearer" = [])),
    params(("id" = i64, Path)),
    request_body = LinkTicket,
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, description = "already_linked", body = Problem), (status = 422, description = "other_enterprise", body = Problem))
)]
pub async fn link_ticket(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<i64>,
    Json(req): Json<LinkTicket>,
) -> ApiResult<StatusCode> {
    projects::link(&state, &auth, id, req.ticket_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The key projects the caller sees as .xlsx, a row per milestone.
#[utoipa::path(
    get,
    path = "/api/v1/projects/export",
    tag = "projects",
    security(("bearer" = [])),
    responses((status = 200, description = "the workbook", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>))
)]
pub async fn export_projects(
    State(state): State<AppState>,
    auth: AuthUser,
) -> ApiResult<axum::response::Response> {
    let bytes = projects::export(&state, &auth).await?;
    Ok(crate::org::register::workbook("key-projects.xlsx", bytes))
}
