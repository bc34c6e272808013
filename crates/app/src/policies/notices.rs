//! Deliveries near or past their deadline are mailed like ticket deadlines: one notice per
//! policy, liaison and kind (warning, overdue), through the outbox, written once however
//! many sweepers run; the mail lists the deliveries still pending when it is sent.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use gridline_domain::policy::{DeliveryNotice, delivery_notice};
use gridline_domain::{EnterpriseId, UserId};
use gridline_store::outbox::NewOutbox;
use gridline_store::policies::DeliveryFilter;

use super::{Delivery, Policy};
use crate::error::AppResult;
use crate::mail::{Due, PrepareError, Prepared};
use crate::state::AppState;

const BATCH: u64 = 500;

/// Writes the delivery notices due at `now`; returns how many were new.
pub async fn enqueue(state: &AppState, now: DateTime<Utc>) -> AppResult<usize> {
    let mut published_at: HashMap<i64, DateTime<Utc>> = HashMap::new();
    let mut due = BTreeSet::new();
    let mut after_id = None;
    loop {
        let batch = state
            .store
            .deliveries(&DeliveryFilter {
                pending_only: true,
                after_id,
                limit: BATCH,
                ..DeliveryFilter::default()
            })
            .await?;
        let Some(last) = batch.last() else { break };
        after_id = Some(last.id);
        for d in &batch {
            let published = match published_at.entry(d.policy_id) {
                std::collections::hash_map::Entry::Occupied(e) => *e.get(),
                std::collections::hash_map::Entry::Vacant(e) => {
                    *e.insert(state.store.policy(d.policy_id).await?.published_at)
                }
            };
            if let Some(kind) = delivery_notice(published, d.due_at, now, &state.notice) {
                due.insert((kind.as_str(), d.policy_id, d.liaison_id.0));
            }
        }
        if (batch.len() as u64) < BATCH {
            break;
        }
    }
    let rows: Vec<(String, NewOutbox)> = due
        .into_iter()
        .filter_map(|(kind, policy, liaison)| {
            let kind = DeliveryNotice::parse(kind)?;
            let key = kind.dedupe_key(policy, liaison);
            Some((
                key.clone(),
                NewOutbox {
                    kind: kind.as_str().to_owned(),
                    ticket_id: None,
                    dedupe_key: key,
                    payload: serde_json::json!({"policy_id": policy, "liaison_id": liaison}),
                },
            ))
        })
        .collect();
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

/// A delivery notice ready to render.
pub struct DeliveryMail {
    pub kind: DeliveryNotice,
    pub policy: Policy,
    /// The liaison: name and address.
    pub to: (String, String),
    /// The enterprises still to deliver to, with their deadline.
    pub pending: Vec<(String, DateTime<Utc>)>,
}

/// What a delivery notice says now: the liaison's deliveries of the policy still pending
/// (none left: obsolete; no address: nobody to send to).
pub async fn prepare(state: &AppState, row: &Due) -> Result<Prepared<DeliveryMail>, PrepareError> {
    let bad = |what: &str| PrepareError::Payload(what.to_owned());
    let kind = DeliveryNotice::parse(&row.kind).ok_or_else(|| bad("kind"))?;
    let payload: serde_json::Value =
        serde_json::from_str(&row.payload).map_err(|e| bad(&e.to_string()))?;
    let id = |k: &str| {
        payload
            .get(k)
            .and_then(serde_json::Value::as_i64)
            .ok_or_else(|| bad(k))
    };
    let (policy_id, liaison) = (id("policy_id")?, UserId(id("liaison_id")?));
    let policy = super::get(state, policy_id).await?;
    let mut pending: Vec<Delivery> = state
        .store
        .deliveries(&DeliveryFilter {
            policy_id: Some(policy_id),
            pending_only: true,
            limit: 10_000,
            ..DeliveryFilter::default()
        })
        .await
        .map_err(crate::AppError::from)?;
    pending.retain(|d| d.liaison_id == liaison);
    if pending.is_empty() {
        return Ok(Prepared::Obsolete(
            "every delivery is recorded / 政策已全部送达".into(),
        ));
    }
    let person = crate::org::person(state, liaison).await?;
    let Some(address) = person
        .email
        .clone()
        .filter(|e| !e.is_empty() && person.active)
    else {
        return Ok(Prepared::NoRecipients(
            "the liaison has no email address / 联络员无邮箱".into(),
        ));
    };
    let names =
        crate::org::enterprise_names(state, pending.iter().map(|d| d.enterprise_id.0)).await?;
    let name = |e: EnterpriseId| names.get(&e.0).cloned().unwrap_or_default();
    Ok(Prepared::Ready(DeliveryMail {
        kind,
        to: (person.display_name, address),
        pending: pending
            .iter()
            .map(|d| (name(d.enterprise_id), d.due_at))
            .collect(),
        policy,
    }))
}
