//! `GET /api/v1/tickets`: the tickets the caller may see, filtered, keyset-paginated.

use axum::extract::State;
use gridline_app::AppError;
use gridline_app::tickets::{self, Cursor, Sort, TicketFilter};
use gridline_domain::text::SearchText;
use gridline_domain::{Category, DepartmentId, EnterpriseId, GridId, Status};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::AuthUser;
use crate::error::{ApiResult, Problem};
use crate::extract::Query;
use crate::tickets::dto::TicketDto;
use gridline_app::AppState;

/// Filters, order and page.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    #[param(value_type = Option<String>)]
    pub status: Option<Status>,
    pub department_id: Option<i64>,
    pub grid_id: Option<i64>,
    pub enterprise_id: Option<i64>,
    #[param(value_type = Option<String>)]
    pub category: Option<Category>,
    /// Only tickets whose running deadline has passed.
    pub overdue: Option<bool>,
    /// Substring of the title or description (Chinese included).
    pub q: Option<String>,
    /// `created_at` (newest first; the default) or `deadline` (nearest first; the default
    /// with `overdue=true`).
    #[param(value_type = Option<String>)]
    pub sort: Option<Sort>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1–100 (default 25).
    pub limit: Option<u64>,
}

/// One page.
#[derive(Debug, Serialize, ToSchema)]
pub struct TicketPage {
    pub items: Vec<TicketDto>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// Lists tickets.
#[utoipa::path(
    get,
    path = "/api/v1/tickets",
    tag = "tickets",
    security(("bearer" = [])),
    params(ListQuery),
    responses((status = 200, body = TicketPage), (status = 400, body = Problem), (status = 401, body = Problem))
)]
pub async fn list_tickets(
    State(state): State<AppState>,
    auth: AuthUser,
    Query(q): Query<ListQuery>,
) -> ApiResult<axum::Json<TicketPage>> {
    // Overdue work is read most-overdue first, which is also the index order.
    let sort = q.sort.unwrap_or(if q.overdue == Some(true) {
        Sort::Deadline
    } else {
        Sort::CreatedAt
    });
    let after = match q.cursor.as_deref() {
        None | Some("") => None,
        Some(token) => Some(
            Cursor::decode(token)
                .filter(|c| c.sort == sort)
                .ok_or_else(|| {
                    AppError::bad_request(
                        "invalid_cursor",
                        "the cursor is not one this list handed out (or belongs to another sort)",
                    )
                })?,
        ),
    };
    let search = SearchText::parse_opt(q.q.as_deref())?;
    let limit = q.limit.unwrap_or(25);
    if !(1..=100).contains(&limit) {
        return Err(AppError::invalid("limit", "out_of_range", "limit must be 1 to 100").into());
    }
    let filter = TicketFilter {
        status: q.status,
        department_id: q.department_id.map(DepartmentId),
        grid_id: q.grid_id.map(GridId),
        enterprise_id: q.enterprise_id.map(EnterpriseId),
        category: q.category,
        overdue: q.overdue.unwrap_or(false),
        q: search,
        open_only: false,
        pending_extension: false,
        sort,
        after,
        limit,
    };
    let now = state.now();
    let page = tickets::list(&state, &auth, &filter).await?;
    Ok(axum::Json(TicketPage {
        items: page.items.iter().map(|t| TicketDto::new(t, now)).collect(),
        next_cursor: page.next.map(|c| c.encode()),
    }))
}
