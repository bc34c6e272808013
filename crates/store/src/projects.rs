//! Key projects (重点项目): a project with its milestones, each change one transaction with
//! its history row; a milestone is reached once, a planned-day move waits for one decision.

use chrono::{DateTime, NaiveDate, Utc};
use gridline_domain::ticket::ThreeOnes;
use gridline_domain::{DepartmentId, EnterpriseId, GridId, UserId};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, NotSet, QueryFilter,
    QueryOrder, Set, TransactionTrait,
};

use crate::entity::{project_events, project_milestones, project_tickets, projects};
use crate::{Store, StoreError, from_ms, to_ms};

/// A project to create (already checked by the rules).
#[derive(Debug, Clone)]
pub struct NewProject {
    pub name: String,
    pub enterprise_id: EnterpriseId,
    pub grid_id: GridId,
    /// 万元.
    pub investment: i64,
    pub three: ThreeOnes,
    pub milestones: Vec<(String, NaiveDate)>,
    pub by: UserId,
    pub at: DateTime<Utc>,
}

/// A planned-day move waiting for the accountable leader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    pub planned_on: NaiveDate,
    pub reason: String,
    pub by: UserId,
}

/// A milestone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Milestone {
    pub id: i64,
    pub seq: i32,
    pub name: String,
    pub planned_on: NaiveDate,
    pub reached_on: Option<NaiveDate>,
    pub evidence: Option<String>,
    pub proposal: Option<Proposal>,
}

/// A stored project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project {
    pub id: i64,
    pub name: String,
    pub enterprise_id: EnterpriseId,
    pub grid_id: GridId,
    pub investment: i64,
    pub three: ThreeOnes,
    pub created_at: DateTime<Utc>,
    pub milestones: Vec<Milestone>,
}

/// One entry of a project's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectEvent {
    pub kind: String,
    pub milestone_id: Option<i64>,
    pub actor_id: UserId,
    pub at: DateTime<Utc>,
    pub payload: serde_json::Value,
}

fn day(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn parse_day(s: &str) -> Result<NaiveDate, StoreError> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| StoreError::Corrupt(format!("project day {s:?}")))
}

fn to_milestone(m: project_milestones::Model) -> Result<Milestone, StoreError> {
    let proposal = match (m.proposed_on, m.proposed_reason, m.proposed_by) {
        (Some(on), Some(reason), Some(by)) => Some(Proposal {
            planned_on: parse_day(&on)?,
            reason,
            by: UserId(by),
        }),
        _ => None,
    };
    Ok(Milestone {
        id: m.id,
        seq: m.seq,
        name: m.name,
        planned_on: parse_day(&m.planned_on)?,
        reached_on: m.reached_on.as_deref().map(parse_day).transpose()?,
        evidence: m.evidence,
        proposal,
    })
}

async fn event(
    txn: &DatabaseTransaction,
    project: i64,
    milestone: Option<i64>,
    kind: &str,
    by: UserId,
    at: DateTime<Utc>,
    payload: serde_json::Value,
) -> Result<(), StoreError> {
    project_events::ActiveModel {
        id: NotSet,
        project_id: Set(project),
        milestone_id: Set(milestone),
        kind: Set(kind.to_owned()),
        actor_id: Set(by.0),
        at: Set(to_ms(at)),
        payload: Set(payload.to_string()),
    }
    .insert(txn)
    .await?;
    Ok(())
}

fn conflict(code: &'static str, message: &'static str) -> StoreError {
    StoreError::Conflict { code, message }
}

impl Store {
    /// Creates a project with its milestones and its first history row.
    pub async fn create_project(&self, p: &NewProject) -> Result<Project, StoreError> {
        let txn = self.write.begin().await?;
        let row = projects::ActiveModel {
            id: NotSet,
            name: Set(p.name.clone()),
            enterprise_id: Set(p.enterprise_id.0),
            grid_id: Set(p.grid_id.0),
            investment: Set(p.investment),
            accountable_leader_id: Set(p.three.accountable_leader_id.0),
            department_id: Set(p.three.department_id.0),
            responsible_person_id: Set(p.three.responsible_person_id.0),
            created_by: Set(p.by.0),
            created_at: Set(to_ms(p.at)),
        }
        .insert(&txn)
        .await?;
        for (i, (name, planned)) in p.milestones.iter().enumerate() {
            project_milestones::ActiveModel {
                id: NotSet,
                project_id: Set(row.id),
                seq: Set(i32::try_from(i).unwrap_or(i32::MAX)),
                name: Set(name.clone()),
                planned_on: Set(day(*planned)),
                reached_on: Set(None),
                evidence: Set(None),
                proposed_on: Set(None),
                proposed_reason: Set(None),
                proposed_by: Set(None),
            }
            .insert(&txn)
            .await?;
        }
        let plan: Vec<_> = p
            .milestones
            .iter()
            .map(|(n, d)| serde_json::json!({"name": n, "planned_on": day(*d)}))
            .collect();
        event(
            &txn,
            row.id,
            None,
            "created",
            p.by,
            p.at,
            serde_json::json!({"milestones": plan}),
        )
        .await?;
        txn.commit().await?;
        self.project(row.id).await
    }

    /// Every project with its milestones (a zone has tens or hundreds), newest first.
    pub async fn projects(&self) -> Result<Vec<Project>, StoreError> {
        let rows = projects::Entity::find()
            .order_by_desc(projects::Column::Id)
            .all(&self.read)
            .await?;
        let milestones = project_milestones::Entity::find()
            .order_by_asc(project_milestones::Column::ProjectId)
            .order_by_asc(project_milestones::Column::Seq)
            .all(&self.read)
            .await?;
        rows.into_iter()
            .map(|r| {
                let mine = milestones
                    .iter()
                    .filter(|m| m.project_id == r.id)
                    .cloned()
                    .map(to_milestone)
                    .collect::<Result<_, _>>()?;
                to_project(r, mine)
            })
            .collect()
    }

    /// One project.
    pub async fn project(&self, id: i64) -> Result<Project, StoreError> {
        let r = projects::Entity::find_by_id(id)
            .one(&self.read)
            .await?
            .ok_or(StoreError::NotFound("project"))?;
        let milestones = project_milestones::Entity::find()
            .filter(project_milestones::Column::ProjectId.eq(id))
            .order_by_asc(project_milestones::Column::Seq)
            .all(&self.read)
            .await?
            .into_iter()
            .map(to_milestone)
            .collect::<Result<_, _>>()?;
        to_project(r, milestones)
    }

    /// A project's history, oldest first.
    pub async fn project_events(&self, id: i64) -> Result<Vec<ProjectEvent>, StoreError> {
        project_events::Entity::find()
            .filter(project_events::Column::ProjectId.eq(id))
            .order_by_asc(project_events::Column::Id)
            .all(&self.read)
            .await?
            .into_iter()
            .map(|e| {
                Ok(ProjectEvent {
                    kind: e.kind,
                    milestone_id: e.milestone_id,
                    actor_id: UserId(e.actor_id),
                    at: from_ms(e.at)?,
                    payload: serde_json::from_str(&e.payload)
                        .map_err(|x| StoreError::Corrupt(x.to_string()))?,
                })
            })
            .collect()
    }

    async fn milestone_of(
        txn: &DatabaseTransaction,
        project: i64,
        milestone: i64,
    ) -> Result<project_milestones::Model, StoreError> {
        project_milestones::Entity::find_by_id(milestone)
            .one(txn)
            .await?
            .filter(|m| m.project_id == project)
            .ok_or(StoreError::NotFound("milestone"))
    }

    /// Records a milestone reached, once (409 `already_reached`).
    pub async fn reach_milestone(
        &self,
        project: i64,
        milestone: i64,
        on: NaiveDate,
        evidence: &str,
        by: UserId,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        use project_milestones::Column as M;
        let txn = self.write.begin().await?;
        Self::milestone_of(&txn, project, milestone).await?;
        let done = project_milestones::Entity::update_many()
            .col_expr(M::ReachedOn, Expr::value(day(on)))
            .col_expr(M::Evidence, Expr::value(evidence.to_owned()))
            .col_expr(M::ProposedOn, Expr::value(Option::<String>::None))
            .col_expr(M::ProposedReason, Expr::value(Option::<String>::None))
            .col_expr(M::ProposedBy, Expr::value(Option::<i64>::None))
            .filter(M::Id.eq(milestone))
            .filter(M::ReachedOn.is_null())
            .exec(&txn)
            .await?;
        if done.rows_affected != 1 {
            return Err(conflict(
                "already_reached",
                "this milestone is already reached / 该节点已完成",
            ));
        }
        event(
            &txn,
            project,
            Some(milestone),
            "reached",
            by,
            at,
            serde_json::json!({"reached_on": day(on), "evidence": evidence}),
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// Asks to move a milestone's planned day (409 `already_reached` or `proposal_pending`).
    pub async fn propose_date(
        &self,
        project: i64,
        milestone: i64,
        to: NaiveDate,
        reason: &str,
        by: UserId,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        use project_milestones::Column as M;
        let txn = self.write.begin().await?;
        let m = Self::milestone_of(&txn, project, milestone).await?;
        if m.reached_on.is_some() {
            return Err(conflict(
                "already_reached",
                "this milestone is already reached / 该节点已完成",
            ));
        }
        let done = project_milestones::Entity::update_many()
            .col_expr(M::ProposedOn, Expr::value(day(to)))
            .col_expr(M::ProposedReason, Expr::value(reason.to_owned()))
            .col_expr(M::ProposedBy, Expr::value(by.0))
            .filter(M::Id.eq(milestone))
            .filter(M::ProposedOn.is_null())
            .filter(M::ReachedOn.is_null())
            .exec(&txn)
            .await?;
        if done.rows_affected != 1 {
            return Err(conflict(
                "proposal_pending",
                "a planned-date change is already waiting / 已有待审批的计划调整",
            ));
        }
        event(
            &txn,
            project,
            Some(milestone),
            "replan_requested",
            by,
            at,
            serde_json::json!({"from": m.planned_on, "to": day(to), "reason": reason}),
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// Decides a waiting planned-day move (409 `no_proposal`): approved, the planned day
    /// becomes the one asked for; the history keeps both.
    pub async fn decide_date(
        &self,
        project: i64,
        milestone: i64,
        approve: bool,
        by: UserId,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        use project_milestones::Column as M;
        let txn = self.write.begin().await?;
        let m = Self::milestone_of(&txn, project, milestone).await?;
        let Some(proposed) = m.proposed_on.clone() else {
            return Err(conflict(
                "no_proposal",
                "no planned-date change is waiting / 没有待审批的计划调整",
            ));
        };
        let mut update = project_milestones::Entity::update_many()
            .col_expr(M::ProposedOn, Expr::value(Option::<String>::None))
            .col_expr(M::ProposedReason, Expr::value(Option::<String>::None))
            .col_expr(M::ProposedBy, Expr::value(Option::<i64>::None));
        if approve {
            update = update.col_expr(M::PlannedOn, Expr::value(proposed.clone()));
        }
        let done = update
            .filter(M::Id.eq(milestone))
            .filter(M::ProposedOn.eq(proposed.clone()))
            .exec(&txn)
            .await?;
        if done.rows_affected != 1 {
            return Err(conflict(
                "no_proposal",
                "no planned-date change is waiting / 没有待审批的计划调整",
            ));
        }
        event(
            &txn,
            project,
            Some(milestone),
            "replan_decided",
            by,
            at,
            serde_json::json!({"approved": approve, "from": m.planned_on, "to": proposed}),
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// Links a ticket to a project (409 `already_linked`).
    pub async fn link_ticket(
        &self,
        project: i64,
        ticket: i64,
        by: UserId,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let txn = self.write.begin().await?;
        link_in(&txn, project, ticket, by, at).await?;
        txn.commit().await?;
        Ok(())
    }

    /// The tickets linked to a project.
    pub async fn project_ticket_ids(&self, project: i64) -> Result<Vec<i64>, StoreError> {
        Ok(project_tickets::Entity::find()
            .filter(project_tickets::Column::ProjectId.eq(project))
            .order_by_asc(project_tickets::Column::TicketId)
            .all(&self.read)
            .await?
            .into_iter()
            .map(|l| l.ticket_id)
            .collect())
    }
}

/// Links a ticket to a project inside `txn`, with its history row (409 `already_linked`).
pub(crate) async fn link_in(
    txn: &DatabaseTransaction,
    project: i64,
    ticket: i64,
    by: UserId,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let exists = project_tickets::Entity::find_by_id((project, ticket))
        .one(txn)
        .await?
        .is_some();
    if exists {
        return Err(conflict(
            "already_linked",
            "the ticket is already linked / 工单已关联",
        ));
    }
    project_tickets::ActiveModel {
        project_id: Set(project),
        ticket_id: Set(ticket),
    }
    .insert(txn)
    .await?;
    event(
        txn,
        project,
        None,
        "ticket_linked",
        by,
        at,
        serde_json::json!({"ticket_id": ticket}),
    )
    .await
}

fn to_project(r: projects::Model, milestones: Vec<Milestone>) -> Result<Project, StoreError> {
    Ok(Project {
        id: r.id,
        name: r.name,
        enterprise_id: EnterpriseId(r.enterprise_id),
        grid_id: GridId(r.grid_id),
        investment: r.investment,
        three: ThreeOnes {
            accountable_leader_id: UserId(r.accountable_leader_id),
            department_id: DepartmentId(r.department_id),
            responsible_person_id: UserId(r.responsible_person_id),
        },
        created_at: from_ms(r.created_at)?,
        milestones,
    })
}
