//! The digest's numbers for a scope and period: what the leaders' mail and the dashboard
//! both show (`gridline-report` draws them).

use gridline_domain::digest::{DigestStats, EventFact, Period, compute};
use gridline_domain::{ActionKind, DepartmentId, Satisfaction, Scope, WorkCalendar};
use gridline_store::{Store, StoreError};

/// The numbers of one scope for a period: the period's tickets and events, folded by the
/// rules (`domain::digest::compute`).
pub async fn stats_for(
    store: &Store,
    calendar: &WorkCalendar,
    scope: &Scope,
    period: Period,
) -> Result<DigestStats, StoreError> {
    let (start, end) = period.range();
    let tickets = store.digest_tickets(scope, start, end).await?;
    let events: Vec<EventFact> = store
        .digest_events(scope, start, end)
        .await?
        .into_iter()
        .filter_map(|e| {
            Some(EventFact {
                ticket_id: e.ticket_id,
                action: ActionKind::parse(&e.action)?,
                at: e.at,
                satisfaction: e
                    .payload
                    .get("satisfaction")
                    .and_then(|s| s.as_str())
                    .and_then(Satisfaction::parse),
                department_id: e
                    .payload
                    .get("previous")
                    .and_then(|p| p.get("department_id"))
                    .and_then(|d| d.as_i64())
                    .map(DepartmentId),
            })
        })
        .collect();
    Ok(compute(period, &tickets, &events, calendar))
}
