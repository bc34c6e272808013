//! Key projects (重点项目): created by the keepers with the three-ones (the dispatch's own
//! checks) and milestones; the responsible person records milestones reached and asks to
//! move a planned day, which the accountable leader decides; tickets are linked to them; each
//! project's standing (on track, at risk, late, done) comes from `domain::project`.

mod export;
pub mod notices;

pub use export::export;

use chrono::NaiveDate;
use gridline_domain::project::{
    self, Standing, check_milestones, check_reached, decides, keeps_projects, project_standing,
    sees, works,
};
use gridline_domain::text::{Name, Remark};
use gridline_domain::ticket::{DispatchOrder, check_dispatch};
use gridline_domain::{DepartmentId, EnterpriseId, GridId, Ticket, UserId};
use gridline_store::StoreError;
use gridline_store::projects::NewProject;
use serde::{Deserialize, Serialize};

pub use gridline_store::projects::{Milestone, Project, ProjectEvent};

use crate::auth::Caller;
use crate::error::{AppError, AppResult};
use crate::policies::publisher;
use crate::state::AppState;

/// A milestone as a door sends it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = MilestonePlan))]
#[serde(deny_unknown_fields)]
pub struct MilestoneInput {
    pub name: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "2027-03-31"))]
    pub planned_on: NaiveDate,
}

/// A key project to create.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = CreateProject))]
#[serde(deny_unknown_fields)]
pub struct ProjectInput {
    pub name: String,
    pub enterprise_id: i64,
    /// 万元 (ten thousand yuan), at least 0.
    pub investment: i64,
    pub accountable_leader_id: i64,
    pub department_id: i64,
    pub responsible_person_id: i64,
    /// In order; the pages offer 签约 → 拿地 → 净地交付 → 开工 → 水电气接入 → 竣工 → 投产.
    pub milestones: Vec<MilestoneInput>,
}

/// Whether the caller keeps the project list (creates projects).
pub async fn may_keep(state: &AppState, caller: &Caller) -> AppResult<bool> {
    Ok(keeps_projects(&caller.actor, publisher(state).await?))
}

/// Creates a project: the three-ones checked as for a dispatch, the milestones in order.
pub async fn create(state: &AppState, caller: &Caller, input: &ProjectInput) -> AppResult<Project> {
    if !may_keep(state, caller).await? {
        return Err(AppError::forbidden(
            "keepers_only",
            "only administrators and the economic-development department keep key projects / 仅管理员和经济发展部门可维护重点项目",
        ));
    }
    let name = Name::parse(&input.name)?;
    if input.investment < 0 {
        return Err(AppError::invalid(
            "investment",
            "negative",
            "the investment is at least 0 / 投资额不能为负",
        ));
    }
    let enterprise =
        crate::tickets::active_enterprise(state, EnterpriseId(input.enterprise_id)).await?;
    let store = &state.store;
    store
        .check_departments(&[DepartmentId(input.department_id)], "department_id")
        .await?;
    let three = check_dispatch(&DispatchOrder {
        leader: store
            .user_facts_for(UserId(input.accountable_leader_id), "accountable_leader_id")
            .await?,
        department_id: DepartmentId(input.department_id),
        person: store
            .user_facts_for(UserId(input.responsible_person_id), "responsible_person_id")
            .await?,
        tracker: None,
        co_department_ids: vec![],
    })?;
    let mut milestones = Vec::new();
    for m in &input.milestones {
        let n = Name::parse(&m.name).map_err(|e| AppError::on_field(e, "milestones"))?;
        milestones.push((n.into_inner(), m.planned_on));
    }
    check_milestones(&milestones)?;
    Ok(store
        .create_project(&NewProject {
            name: name.into_inner(),
            enterprise_id: EnterpriseId(enterprise.id),
            grid_id: GridId(enterprise.grid_id),
            investment: input.investment,
            three,
            milestones,
            by: caller.actor.id(),
            at: state.now(),
        })
        .await?)
}

/// A project's standing on the local day.
pub fn standing(state: &AppState, p: &Project) -> Standing {
    project_standing(&facts(p), crate::visits::today(state))
}

/// The rules' view of a project's milestones.
pub fn facts(p: &Project) -> Vec<project::MilestoneFacts> {
    p.milestones
        .iter()
        .map(|m| project::MilestoneFacts {
            planned_on: m.planned_on,
            reached_on: m.reached_on,
        })
        .collect()
}

/// The projects an actor sees, newest first.
pub async fn visible_to(
    state: &AppState,
    actor: &gridline_domain::Actor,
) -> AppResult<Vec<Project>> {
    let publisher = publisher(state).await?;
    Ok(state
        .store
        .projects()
        .await?
        .into_iter()
        .filter(|p| sees(actor, p.grid_id, &p.three, publisher))
        .collect())
}

/// The projects the caller sees, newest first.
pub async fn list(state: &AppState, caller: &Caller) -> AppResult<Vec<Project>> {
    visible_to(state, &caller.actor).await
}

/// One project the caller sees (404 otherwise).
pub async fn get(state: &AppState, caller: &Caller, id: i64) -> AppResult<Project> {
    let p = match state.store.project(id).await {
        Ok(p) => p,
        Err(StoreError::NotFound(_)) => return Err(AppError::not_found("project")),
        Err(e) => return Err(e.into()),
    };
    if sees(&caller.actor, p.grid_id, &p.three, publisher(state).await?) {
        Ok(p)
    } else {
        Err(AppError::not_found("project"))
    }
}

async fn worked_by(state: &AppState, caller: &Caller, id: i64) -> AppResult<Project> {
    let p = get(state, caller, id).await?;
    if works(&caller.actor, &p.three, publisher(state).await?) {
        Ok(p)
    } else {
        Err(AppError::forbidden(
            "responsible_person_only",
            "only the project's responsible person records its milestones / 仅项目负责人员可登记节点",
        ))
    }
}

fn milestone_of(p: &Project, milestone: i64) -> AppResult<&Milestone> {
    p.milestones
        .iter()
        .find(|m| m.id == milestone)
        .ok_or_else(|| AppError::not_found("milestone"))
}

/// A milestone reached.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = ReachMilestone))]
#[serde(deny_unknown_fields)]
pub struct ReachInput {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub reached_on: NaiveDate,
    /// What shows it (a certificate number, a document, a photo's description).
    pub evidence: String,
}

/// Records a milestone reached (the responsible person or a keeper; once).
pub async fn reach(
    state: &AppState,
    caller: &Caller,
    id: i64,
    milestone: i64,
    input: &ReachInput,
) -> AppResult<Project> {
    let p = worked_by(state, caller, id).await?;
    milestone_of(&p, milestone)?;
    check_reached(input.reached_on, crate::visits::today(state))?;
    let evidence = Remark::parse(&input.evidence).map_err(|e| AppError::on_field(e, "evidence"))?;
    state
        .store
        .reach_milestone(
            id,
            milestone,
            input.reached_on,
            evidence.as_str(),
            caller.actor.id(),
            state.now(),
        )
        .await?;
    Ok(state.store.project(id).await?)
}

/// A planned day to move to, with the reason.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = ReplanMilestone))]
#[serde(deny_unknown_fields)]
pub struct ReplanInput {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub planned_on: NaiveDate,
    pub reason: String,
}

/// Asks to move a milestone's planned day; the accountable leader decides.
pub async fn propose(
    state: &AppState,
    caller: &Caller,
    id: i64,
    milestone: i64,
    input: &ReplanInput,
) -> AppResult<Project> {
    let p = worked_by(state, caller, id).await?;
    let m = milestone_of(&p, milestone)?;
    if input.planned_on < crate::visits::today(state) || input.planned_on == m.planned_on {
        return Err(AppError::invalid(
            "planned_on",
            "not_a_move",
            "the new planned day is a later or other day from today on / 新计划日期须不早于今天且与原计划不同",
        ));
    }
    let reason = Remark::parse(&input.reason).map_err(|e| AppError::on_field(e, "reason"))?;
    state
        .store
        .propose_date(
            id,
            milestone,
            input.planned_on,
            reason.as_str(),
            caller.actor.id(),
            state.now(),
        )
        .await?;
    Ok(state.store.project(id).await?)
}

/// Decides a waiting move (the accountable leader).
pub async fn decide(
    state: &AppState,
    caller: &Caller,
    id: i64,
    milestone: i64,
    approve: bool,
) -> AppResult<Project> {
    let p = get(state, caller, id).await?;
    milestone_of(&p, milestone)?;
    if !decides(&caller.actor, p.three.accountable_leader_id) {
        return Err(AppError::forbidden(
            "accountable_leader_only",
            "only the project's accountable leader decides / 仅项目责任领导可审批",
        ));
    }
    state
        .store
        .decide_date(id, milestone, approve, caller.actor.id(), state.now())
        .await?;
    Ok(state.store.project(id).await?)
}

/// Links a ticket of the project's enterprise that the caller sees.
pub async fn link(state: &AppState, caller: &Caller, id: i64, ticket: i64) -> AppResult<()> {
    let p = worked_by(state, caller, id).await?;
    let t = crate::tickets::visible_ticket(state, caller, ticket)
        .await
        .map_err(|e| e.field("ticket_id"))?;
    if t.enterprise_id != p.enterprise_id {
        return Err(AppError::invalid(
            "ticket_id",
            "other_enterprise",
            "the ticket is about another enterprise / 该工单不属于项目所在企业",
        ));
    }
    Ok(state
        .store
        .link_ticket(id, ticket, caller.actor.id(), state.now())
        .await?)
}

/// The project's linked tickets the caller sees.
pub async fn tickets(state: &AppState, caller: &Caller, p: &Project) -> AppResult<Vec<Ticket>> {
    let mut out = Vec::new();
    for id in state.store.project_ticket_ids(p.id).await? {
        if let Ok(t) = crate::tickets::visible_ticket(state, caller, id).await {
            out.push(t);
        }
    }
    Ok(out)
}

/// The project's history.
pub async fn history(state: &AppState, p: &Project) -> AppResult<Vec<ProjectEvent>> {
    Ok(state.store.project_events(p.id).await?)
}

/// How many projects stand where, per key (a grid or a department).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct StandingCounts {
    pub on_track: u64,
    pub at_risk: u64,
    pub late: u64,
    pub done: u64,
}

impl StandingCounts {
    fn add(&mut self, s: Standing) {
        match s {
            Standing::OnTrack => self.on_track += 1,
            Standing::AtRisk => self.at_risk += 1,
            Standing::Late => self.late += 1,
            Standing::Done => self.done += 1,
        }
    }
}

/// Counts by grid and by department.
pub type Summary = (
    Vec<(GridId, StandingCounts)>,
    Vec<(DepartmentId, StandingCounts)>,
);

/// The key-project section of the dashboard and the digest: counts by grid and by
/// department of the projects the actor sees, as they stood on `day` (a milestone reached
/// after it counts as not yet reached).
pub async fn summary(
    state: &AppState,
    actor: &gridline_domain::Actor,
    day: NaiveDate,
) -> AppResult<Summary> {
    let mut grids = std::collections::BTreeMap::<GridId, StandingCounts>::new();
    let mut depts = std::collections::BTreeMap::<DepartmentId, StandingCounts>::new();
    for p in visible_to(state, actor).await? {
        let as_of: Vec<_> = facts(&p)
            .into_iter()
            .map(|f| project::MilestoneFacts {
                reached_on: f.reached_on.filter(|r| *r <= day),
                ..f
            })
            .collect();
        let s = project_standing(&as_of, day);
        grids.entry(p.grid_id).or_default().add(s);
        depts.entry(p.three.department_id).or_default().add(s);
    }
    Ok((grids.into_iter().collect(), depts.into_iter().collect()))
}
