//! Appraisal (考核) and the circulated bulletin (通报): a period's department scores with the
//! red and black lists and the tickets named for chronic lateness, published once (frozen)
//! and mailed to every department and leader. One use case for the API, the pages and mail.

use gridline_domain::appraisal::{Bulletin, check_publishable, compose};
use gridline_domain::digest::Period;
use gridline_domain::permission::publishes_bulletins;
use gridline_domain::{Role, Scope};
use gridline_store::bulletins::BulletinRow;
use gridline_store::outbox::NewOutbox;

use crate::auth::Caller;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// The outbox kind of a bulletin's mail.
pub const MAIL_KIND: &str = "bulletin";

/// Whether the caller publishes bulletins (the rule: [`publishes_bulletins`]).
pub fn may_publish(caller: &Caller) -> bool {
    publishes_bulletins(&caller.actor)
}

fn period_of(s: &str) -> AppResult<Period> {
    Period::parse(s.trim()).ok_or_else(|| {
        AppError::invalid(
            "period",
            "invalid_period",
            "a period is a month (2026-11) or an ISO week (2026-W47) / 期间格式应为 2026-11 或 2026-W47",
        )
    })
}

fn ensure_publisher(caller: &Caller) -> AppResult<()> {
    if may_publish(caller) {
        Ok(())
    } else {
        Err(AppError::forbidden(
            "publishers_only",
            "only top leaders and the service centre publish bulletins / 仅主要领导和服务中心可发布通报",
        ))
    }
}

/// The numbers a bulletin of `period` would carry now (a preview; nothing is stored).
pub async fn draft(state: &AppState, caller: &Caller, period: &str) -> AppResult<Bulletin> {
    ensure_publisher(caller)?;
    let p = period_of(period)?;
    let stats = crate::digest::stats_for(&state.store, &state.calendar, &Scope::All, p).await?;
    Ok(compose(
        p.to_string(),
        stats,
        &state.appraisal,
        state.notice.supervise_after_days,
        state.now(),
        caller.actor.id(),
    ))
}

/// Publishes the bulletin of a period that has ended: computed over the whole zone, stored
/// as it is now (later changes to tickets never reach it) and mailed, once.
pub async fn publish(state: &AppState, caller: &Caller, period: &str) -> AppResult<Bulletin> {
    // Refused before the zone's numbers are computed.
    ensure_publisher(caller)?;
    check_publishable(period_of(period)?, state.now())?;
    let bulletin = draft(state, caller, period).await?;
    let snapshot = serde_json::to_string(&bulletin)
        .map_err(|e| AppError::internal(&format!("bulletin snapshot: {e}")))?;
    let mail = NewOutbox {
        kind: MAIL_KIND.into(),
        ticket_id: None,
        dedupe_key: format!("bulletin:{}", bulletin.period),
        payload: serde_json::json!({ "period": bulletin.period }),
    };
    state
        .store
        .publish_bulletin(
            &bulletin.period,
            bulletin.published_at,
            bulletin.published_by.0,
            snapshot,
            mail,
        )
        .await?;
    tracing::info!(period = %bulletin.period, by = bulletin.published_by.0, "bulletin published");
    Ok(bulletin)
}

/// The published bulletins, newest first (every signed-in user: a bulletin is circulated).
pub async fn list(state: &AppState, _caller: &Caller) -> AppResult<Vec<BulletinRow>> {
    Ok(state.store.bulletins().await?)
}

/// A published bulletin, exactly as published.
pub async fn get(state: &AppState, _caller: &Caller, period: &str) -> AppResult<Bulletin> {
    load(state, period).await
}

/// A published bulletin as stored (for the mail door too).
pub async fn load(state: &AppState, period: &str) -> AppResult<Bulletin> {
    let p = period_of(period)?;
    let stored = state.store.bulletin(&p.to_string()).await?;
    serde_json::from_str(&stored)
        .map_err(|e| AppError::internal(&format!("stored bulletin {p}: {e}")))
}

/// Who a bulletin is circulated to: every active department's mailbox and every active
/// leader, (name, address) without repeats.
pub async fn recipients(state: &AppState) -> AppResult<Vec<(String, String)>> {
    let names = crate::directory::Directory::load(state).await?;
    let mut out: Vec<(String, String)> = Vec::new();
    let mut push = |name: &str, email: Option<&str>| {
        if let Some(e) = email.filter(|e| !e.is_empty())
            && !out.iter().any(|(_, a)| a == e)
        {
            out.push((name.to_owned(), e.to_owned()));
        }
    };
    for d in state.store.departments().await? {
        if d.active {
            push(&d.name, d.email.as_deref());
        }
    }
    for u in names
        .users
        .iter()
        .filter(|u| u.active && u.role == Role::Leader.as_str())
    {
        push(&u.display_name, u.email.as_deref());
    }
    Ok(out)
}
