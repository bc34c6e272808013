//! A milestone near its planned day or past it, not reached, warns the responsible person and
//! the accountable leader through the outbox, once per milestone, planned day and kind.

use chrono::{DateTime, Utc};
use gridline_domain::project::MilestoneNotice;
use gridline_store::outbox::NewOutbox;

use super::{Milestone, Project};
use crate::error::AppResult;
use crate::mail::{Due, PrepareError, Prepared};
use crate::state::AppState;

/// Writes the milestone notices due now; returns how many were new.
pub async fn enqueue(state: &AppState, now: DateTime<Utc>) -> AppResult<usize> {
    let today = now
        .with_timezone(&gridline_domain::calendar::ZONE)
        .date_naive();
    let mut rows = Vec::new();
    for p in state.store.projects().await? {
        for m in &p.milestones {
            let facts = gridline_domain::project::MilestoneFacts {
                planned_on: m.planned_on,
                reached_on: m.reached_on,
            };
            if let Some(kind) = MilestoneNotice::of(&facts, today) {
                let key = kind.dedupe_key(m.id, m.planned_on);
                rows.push((
                    key.clone(),
                    NewOutbox {
                        kind: kind.as_str().to_owned(),
                        ticket_id: None,
                        dedupe_key: key,
                        payload: serde_json::json!({"project_id": p.id, "milestone_id": m.id, "planned_on": m.planned_on}),
                    },
                ));
            }
        }
    }
    let keys: Vec<String> = rows.iter().map(|(k, _)| k.clone()).collect();
    let existing = state.store.existing_dedupe_keys(&keys).await?;
    let mut written = 0;
    for (key, row) in rows {
        if !existing.contains(&key) {
            written += usize::from(state.store.enqueue(row, now).await?);
        }
    }
    Ok(written)
}

/// A milestone notice ready to render.
pub struct MilestoneMail {
    pub kind: MilestoneNotice,
    pub project: Project,
    pub milestone: Milestone,
    /// The responsible person and the accountable leader: names and addresses.
    pub to: Vec<(String, String)>,
}

/// What a milestone notice says now (reached or moved since: obsolete).
pub async fn prepare(state: &AppState, row: &Due) -> Result<Prepared<MilestoneMail>, PrepareError> {
    let bad = |what: &str| PrepareError::Payload(what.to_owned());
    let kind = MilestoneNotice::parse(&row.kind).ok_or_else(|| bad("kind"))?;
    let payload: serde_json::Value =
        serde_json::from_str(&row.payload).map_err(|e| bad(&e.to_string()))?;
    let id = |k: &str| {
        payload
            .get(k)
            .and_then(serde_json::Value::as_i64)
            .ok_or_else(|| bad(k))
    };
    let project = state
        .store
        .project(id("project_id")?)
        .await
        .map_err(crate::AppError::from)?;
    let mid = id("milestone_id")?;
    let Some(milestone) = project.milestones.iter().find(|m| m.id == mid).cloned() else {
        return Err(bad("milestone_id"));
    };
    let planned = payload
        .get("planned_on")
        .and_then(|v| v.as_str())
        .unwrap_or_default();
    if milestone.reached_on.is_some() || milestone.planned_on.to_string() != planned {
        return Ok(Prepared::Obsolete(
            "the milestone was reached or its planned day moved / 节点已完成或计划已调整".into(),
        ));
    }
    let mut to = Vec::new();
    for u in [
        project.three.responsible_person_id,
        project.three.accountable_leader_id,
    ] {
        let p = crate::org::person(state, u).await?;
        if let Some(e) = p.email.filter(|e| !e.is_empty() && p.active) {
            to.push((p.display_name, e));
        }
    }
    if to.is_empty() {
        return Ok(Prepared::NoRecipients(
            "nobody with an address / 无收件人邮箱".into(),
        ));
    }
    Ok(Prepared::Ready(MilestoneMail {
        kind,
        project,
        milestone,
        to,
    }))
}
