//! The digest's numbers for a scope and period: what the leaders' mail and the dashboard
//! both show (`gridline-report` draws them).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};

use gridline_domain::digest::{DigestStats, EventFact, Period, compute_with};
use gridline_domain::permission::workload_view;
use gridline_domain::ticket::EventKind;
use gridline_domain::{Scope, WorkCalendar};
use gridline_store::{Store, StoreError};

use crate::error::AppResult;
use crate::state::AppState;

type Key = (String, Period);

/// A live count's validity: the newest event id, and the minute it was counted in.
type CountVersion = (i64, i64);

/// Computed period numbers, each with the newest event id it saw, and the lock of each
/// scope and period being computed (in `AppState`).
#[derive(Default)]
pub struct DigestCache {
    stats: Mutex<HashMap<Key, (i64, Arc<DigestStats>)>>,
    turns: Mutex<HashMap<Key, Weak<tokio::sync::Mutex<()>>>>,
    /// The dashboard's live counts (open, overdue now), each with the newest event id
    /// and the minute it was counted in.
    counts: Mutex<HashMap<String, (CountVersion, u64)>>,
}

impl DigestCache {
    /// A live count, while no event was written since and the minute has not turned (a
    /// deadline passing turns a ticket overdue without an event).
    pub(crate) fn count(&self, key: &str, version: CountVersion) -> Option<u64> {
        let counts = self.counts.lock().ok()?;
        let (v, n) = counts.get(key)?;
        (*v == version).then_some(*n)
    }

    pub(crate) fn keep_count(&self, key: String, version: CountVersion, n: u64) {
        if let Ok(mut counts) = self.counts.lock() {
            if counts.len() >= 1024 {
                counts.clear();
            }
            counts.insert(key, (version, n));
        }
    }

    fn hit(&self, key: &Key, version: i64) -> Option<Arc<DigestStats>> {
        let cache = self.stats.lock().ok()?;
        let (v, stats) = cache.get(key)?;
        (*v == version).then(|| stats.clone())
    }

    /// The lock of one scope and period (kept only while someone holds or waits for it).
    fn turn(&self, key: &Key) -> Arc<tokio::sync::Mutex<()>> {
        let Ok(mut turns) = self.turns.lock() else {
            return Arc::default();
        };
        if let Some(live) = turns.get(key).and_then(Weak::upgrade) {
            return live;
        }
        turns.retain(|_, w| w.strong_count() > 0);
        let fresh = Arc::new(tokio::sync::Mutex::new(()));
        turns.insert(key.clone(), Arc::downgrade(&fresh));
        fresh
    }

    fn keep(&self, key: Key, version: i64, stats: Arc<DigestStats>) {
        if let Ok(mut cache) = self.stats.lock() {
            if cache.len() >= 256 {
                cache.clear();
            }
            cache.insert(key, (version, stats));
        }
    }
}

/// The period's numbers for a page view (the leaders' dashboard). The digest reads every
/// ticket of the period, which is fine once a week per leader but not per page view: a
/// Monday morning of leaders opening the dashboard would recompute it for each. An entry is
/// used only while no event has been written since (one index lookup tells), so the page
/// is never stale, in this process or across several on one database. One computation per
/// scope and period at a time: a burst of leaders asking for the same numbers waits for the
/// first and shares it; different numbers never wait for each other, so no request can hold
/// up another leader's dashboard.
pub async fn period_stats(
    state: &AppState,
    scope: &Scope,
    period: Period,
) -> AppResult<Arc<DigestStats>> {
    let version = state.store.last_event_id().await?;
    let key = (format!("{scope:?}"), period);
    let cache = &state.digests;
    if let Some(hit) = cache.hit(&key, version) {
        return Ok(hit);
    }
    let turn = cache.turn(&key);
    let _turn = turn.lock().await;
    if let Some(hit) = cache.hit(&key, version) {
        return Ok(hit);
    }
    let stats = Arc::new(stats_for(&state.store, &state.calendar, scope, period).await?);
    cache.keep(key, version, stats.clone());
    Ok(stats)
}

/// The numbers of one scope for a period: the period's tickets and events, folded by the
/// rules (`domain::digest::compute`).
pub async fn stats_for(
    store: &Store,
    calendar: &WorkCalendar,
    scope: &Scope,
    period: Period,
) -> Result<DigestStats, StoreError> {
    let (start, end) = period.range();
    // The tickets and the events at once, on separate connections.
    let ((tickets, baseline), events) = futures::try_join!(
        store.digest_tickets(scope, start, end),
        store.digest_events(scope, start, end, event_fact)
    )?;
    let mut stats = compute_with(period, &tickets, &baseline, &events, calendar);
    // Hotspots need the enterprises' industry clusters: one read of those that filed.
    let (start, end) = period.range();
    let mut ids: Vec<i64> = tickets
        .iter()
        .filter(|t| t.created_at >= start && t.created_at < end)
        .map(|t| t.enterprise_id.0)
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let clusters: std::collections::HashMap<i64, gridline_domain::Cluster> = store
        .enterprises_by_ids(&ids)
        .await?
        .into_iter()
        .filter_map(|e| Some((e.id, gridline_domain::Cluster::parse(&e.cluster)?)))
        .collect();
    stats.hotspots =
        gridline_domain::digest::hotspots(period, &tickets, &|e| clusters.get(&e.0).copied());
    Ok(stats)
}

/// What the digest reads of an event, as the rules wrote it. A stored payload that does not
/// parse is a corrupt row, not a fact to leave out of the numbers.
fn event_fact(e: gridline_store::tickets::StoredEvent) -> Result<EventFact, StoreError> {
    let kind = EventKind::from_parts(&e.action, &e.payload).ok_or_else(|| {
        StoreError::Corrupt(format!("event {} of ticket {}", e.action, e.ticket_id))
    })?;
    Ok(EventFact::of(e.ticket_id, e.at, &kind))
}

/// One scope's per-person workload (个人工作量) for a period.
#[derive(Debug, Clone)]
pub struct Workload {
    pub period: Period,
    /// The department the lines are narrowed to (a head's own); none for leaders and
    /// administrators, who see every person of their scope.
    pub department_id: Option<gridline_domain::DepartmentId>,
    pub people: Vec<gridline_domain::digest::PersonLine>,
}

/// Per-person workload for leaders, administrators and department heads (the rule:
/// [`workload_view`]); `period` is a month or week near today, this month when absent.
/// The numbers are the digest's own, so they agree with the dashboard and the mail.
pub async fn workload(
    state: &AppState,
    caller: &crate::auth::Caller,
    period: Option<&str>,
) -> AppResult<Workload> {
    use chrono::Datelike;
    let Some((scope, department_id)) = workload_view(&caller.actor) else {
        return Err(crate::error::AppError::forbidden(
            "heads_only",
            "per-person workload is for leaders and department heads / 个人工作量仅对领导和部门负责人开放",
        ));
    };
    let today = state
        .now()
        .with_timezone(&gridline_domain::calendar::ZONE)
        .date_naive();
    let period = match period.map(str::trim).filter(|p| !p.is_empty()) {
        Some(p) => Period::parse_recent(p, today).ok_or_else(|| {
            crate::error::AppError::invalid(
                "period",
                "invalid_period",
                "a recent month (2026-11) or ISO week (2026-W47) / 期间应为近期的月份或周",
            )
        })?,
        None => Period::Month {
            year: today.year(),
            month: today.month(),
        },
    };
    let stats = period_stats(state, &scope, period).await?;
    let people = stats
        .people
        .iter()
        .filter(|l| department_id.is_none() || l.department_id == department_id)
        .cloned()
        .collect();
    Ok(Workload {
        period,
        department_id,
        people,
    })
}
