//! `GET /api/v1/tickets/similar` (possible duplicates of what is about to be filed) and
//! `GET /api/v1/tickets/{id}/related` (a ticket's duplicates and possible duplicates).

use axum::extract::State;
use gridline_app::AppState;
use gridline_app::tickets::{
    Similar, SimilarQuery, duplicates, similar, similar_to, visible_ticket,
};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::AuthUser;
use crate::error::{ApiResult, Problem};
use crate::extract::{Path, Query};
use crate::tickets::dto::TicketDto;

/// A possible duplicate (疑似重复件), and why it is suggested.
#[derive(Debug, Serialize, ToSchema)]
pub struct SimilarDto {
    pub ticket: TicketDto,
    /// Filed for the same enterprise.
    pub same_enterprise: bool,
    /// How alike the titles are, 0–1 (character pairs).
    pub similarity: f64,
}

fn similar_dtos(items: Vec<Similar>, now: chrono::DateTime<chrono::Utc>) -> Vec<SimilarDto> {
    items
        .into_iter()
        .map(|s| SimilarDto {
            ticket: TicketDto::new(&s.ticket, now),
            same_enterprise: s.same_enterprise,
            similarity: (s.similarity * 100.0).round() / 100.0,
        })
        .collect()
}

/// Possible duplicates of a problem about to be filed: the enterprise's tickets of the last
/// 30 days, and its grid's in the same category with a similar title, among those the
/// caller sees; most alike first, at most five.
#[utoipa::path(
    get,
    path = "/api/v1/tickets/similar",
    tag = "tickets",
    security(("bearer" = [])),
    params(SimilarQuery),
    responses(
        (status = 200, body = Vec<SimilarDto>),
        (status = 400, body = Problem),
        (status = 422, description = "unknown or inactive enterprise, unknown category", body = Problem),
    )
)]
pub async fn similar_tickets(
    State(state): State<AppState>,
    auth: AuthUser,
    Query(q): Query<SimilarQuery>,
) -> ApiResult<axum::Json<Vec<SimilarDto>>> {
    let items = similar(&state, &auth, &q).await?;
    Ok(axum::Json(similar_dtos(items, state.now())))
}

/// A ticket's relations.
#[derive(Debug, Serialize, ToSchema)]
pub struct RelatedDto {
    /// Tickets closed as duplicates of this one (重复件).
    pub duplicates: Vec<TicketDto>,
    /// Tickets that may be the same problem (for the dispatcher deciding on a duplicate).
    pub possible_duplicates: Vec<SimilarDto>,
}

/// A ticket's duplicates and possible duplicates, among the tickets the caller sees.
#[utoipa::path(
    get,
    path = "/api/v1/tickets/{id}/related",
    tag = "tickets",
    security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = RelatedDto), (status = 404, body = Problem))
)]
pub async fn related_tickets(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<RelatedDto>> {
    let t = visible_ticket(&state, &auth, id).await?;
    let now = state.now();
    let dups = duplicates(&state, &auth, &t).await?;
    let possible = if t.closure.is_some() {
        vec![]
    } else {
        similar_to(&state, &auth, &t).await?
    };
    Ok(axum::Json(RelatedDto {
        duplicates: dups.iter().map(|d| TicketDto::new(d, now)).collect(),
        possible_duplicates: similar_dtos(possible, now),
    }))
}
