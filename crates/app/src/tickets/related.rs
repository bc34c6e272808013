//! Possible duplicates (疑似重复件) and a ticket's duplicates, among the tickets the caller
//! sees: while filing, and for the dispatcher looking at a ticket in the queue.

use chrono::Duration;
use gridline_domain::ticket::{Candidate, DUPLICATE_WINDOW_DAYS, possible_duplicates};
use gridline_domain::{Category, EnterpriseId, GridId, Scope, Ticket};
use serde::Deserialize;

use crate::auth::Caller;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// What is about to be filed: the enterprise, and the category and title if known yet.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct SimilarQuery {
    pub enterprise_id: i64,
    /// land | utilities | permits | hiring | finance | policy | other
    pub category: Option<String>,
    pub title: Option<String>,
}

/// A possible duplicate with why it is suggested.
#[derive(Debug, Clone)]
pub struct Similar {
    pub ticket: Ticket,
    pub same_enterprise: bool,
    pub similarity: f64,
}

async fn suggest(state: &AppState, caller: &Caller, c: &Candidate<'_>) -> AppResult<Vec<Similar>> {
    let now = state.now();
    let recent = state
        .store
        .recent_near(
            &Scope::of(&caller.actor),
            c.enterprise_id,
            c.grid_id,
            now - Duration::days(DUPLICATE_WINDOW_DAYS),
        )
        .await?;
    Ok(possible_duplicates(c, &recent, now)
        .into_iter()
        .filter_map(|s| {
            let ticket = recent.iter().find(|t| t.id == s.ticket_id)?.clone();
            Some(Similar {
                ticket,
                same_enterprise: s.same_enterprise,
                similarity: s.similarity,
            })
        })
        .collect())
}

/// The tickets the caller sees that may be the problem about to be filed: the enterprise's
/// of the last 30 days, and those of its grid in the same category with a similar title.
pub async fn similar(
    state: &AppState,
    caller: &Caller,
    q: &SimilarQuery,
) -> AppResult<Vec<Similar>> {
    let category = match q.category.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => Some(Category::parse(s).ok_or_else(|| {
            AppError::invalid(
                "category",
                "unknown_category",
                "no such category / 类别不存在",
            )
        })?),
        None => None,
    };
    let title = q.title.as_deref().unwrap_or_default();
    if title.chars().count() > 200 {
        return Err(AppError::invalid(
            "title",
            "too_long",
            "at most 200 characters / 最多 200 个字符",
        ));
    }
    let enterprise = super::active_enterprise(state, EnterpriseId(q.enterprise_id)).await?;
    suggest(
        state,
        caller,
        &Candidate {
            id: None,
            enterprise_id: EnterpriseId(enterprise.id),
            grid_id: GridId(enterprise.grid_id),
            category,
            title,
        },
    )
    .await
}

/// The tickets the caller sees that may be the same problem as `visible` (a ticket the
/// caller has already been shown).
pub async fn similar_to(
    state: &AppState,
    caller: &Caller,
    visible: &Ticket,
) -> AppResult<Vec<Similar>> {
    suggest(
        state,
        caller,
        &Candidate {
            id: Some(visible.id),
            enterprise_id: visible.enterprise_id,
            grid_id: visible.grid_id,
            category: Some(visible.category),
            title: &visible.title,
        },
    )
    .await
}

/// The tickets the caller sees marked duplicates of `visible`.
pub async fn duplicates(
    state: &AppState,
    caller: &Caller,
    visible: &Ticket,
) -> AppResult<Vec<Ticket>> {
    Ok(state
        .store
        .duplicates_of(&Scope::of(&caller.actor), visible.id)
        .await?)
}
