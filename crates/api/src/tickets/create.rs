//! `POST /api/v1/tickets`: a liaison files an enterprise's problem.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use gridline_app::tickets::{Created, Idempotency};
use gridline_app::tickets::{NewTicketInput, file, idempotency_for};
use gridline_app::{AppError, AppState};

use crate::auth::AuthUser;
use crate::error::{ApiResult, Problem};
use crate::extract::Json;
use crate::tickets::dto::TicketDto;

/// The guard of the `Idempotency-Key` header: the key with a hash of the body.
fn idempotency(headers: &HeaderMap, req: &NewTicketInput) -> ApiResult<Option<Idempotency>> {
    let Some(raw) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let canonical = serde_json::to_vec(req).map_err(|e| AppError::internal(&e))?;
    Ok(Some(idempotency_for(
        raw.to_str().unwrap_or_default(),
        &[&canonical],
    )?))
}

/// Files a ticket.
#[utoipa::path(
    post,
    path = "/api/v1/tickets",
    tag = "tickets",
    security(("bearer" = [])),
    request_body = NewTicketInput,
    params(("Idempotency-Key" = Option<String>, Header, description = "makes retries return the first ticket")),
    responses(
        (status = 201, body = TicketDto),
        (status = 403, description = "only liaisons file tickets", body = Problem),
        (status = 422, body = Problem),
    )
)]
pub async fn create_ticket(
    State(state): State<AppState>,
    auth: AuthUser,
    headers: HeaderMap,
    Json(req): Json<NewTicketInput>,
) -> ApiResult<Response> {
    let idem = idempotency(&headers, &req)?;
    let now = state.now();
    let created = file(&state, &auth, &req, idem, &[]).await?;
    let (ticket, replayed) = match created {
        Created::New(t) => (t, false),
        Created::Replayed(t) => (t, true),
    };
    let mut res = (
        StatusCode::CREATED,
        axum::Json(TicketDto::new(&ticket, now)),
    )
        .into_response();
    if replayed {
        res.headers_mut()
            .insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    res.headers_mut().insert(
        "location",
        HeaderValue::from_str(&format!("/api/v1/tickets/{}", ticket.id))
            .map_err(|e| AppError::internal(&e))?,
    );
    Ok(res)
}
