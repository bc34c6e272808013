//! `POST /api/v1/tickets`: a liaison files an enterprise's problem.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use gridline_domain::attachment::NewAttachment;
use gridline_domain::text::{Description, TicketTitle};
use gridline_domain::ticket::{NewTicket, file};
use gridline_domain::{Category, EnterpriseId, GridId, Priority};
use gridline_store::StoreError;
use gridline_store::tickets::{Created, Idempotency};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::Json;
use crate::state::AppState;
use crate::tickets::dto::TicketDto;

/// A problem to file.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTicket {
    pub enterprise_id: i64,
    /// land | utilities | permits | hiring | finance | policy | other
    #[schema(value_type = String, example = "land")]
    pub category: Category,
    /// 1–200 characters.
    pub title: String,
    /// 1–5000 characters.
    pub description: String,
    /// low | normal | high | urgent
    #[serde(default = "normal")]
    #[schema(value_type = String, example = "normal")]
    pub priority: Priority,
}

fn normal() -> Priority {
    Priority::Normal
}

fn idempotency(headers: &HeaderMap, req: &CreateTicket) -> ApiResult<Option<Idempotency>> {
    let Some(raw) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let canonical = serde_json::to_vec(req).map_err(|e| ApiError::internal(&e))?;
    idempotency_for(raw.to_str().unwrap_or_default(), &[&canonical]).map(Some)
}

/// An idempotency key (1–128 visible ASCII characters) with the hash of what was sent with
/// it, so a retry can be told from a different request under the same key.
pub fn idempotency_for(key: &str, request: &[&[u8]]) -> ApiResult<Idempotency> {
    let key = Some(key.trim())
        .filter(|k| !k.is_empty() && k.len() <= 128 && k.bytes().all(|b| b.is_ascii_graphic()))
        .ok_or_else(|| {
            ApiError::bad_request(
                "invalid_idempotency_key",
                "Idempotency-Key must be 1–128 visible ASCII characters",
            )
        })?;
    let mut hash = Sha256::new();
    for part in request {
        hash.update(part);
    }
    Ok(Idempotency {
        key: key.to_owned(),
        request_hash: hash.finalize().iter().map(|b| format!("{b:02x}")).collect(),
    })
}

/// Files a ticket with its attachments for the caller (a liaison of the enterprise's grid).
/// The API and the pages both come through here.
pub async fn file_ticket(
    state: &AppState,
    auth: &AuthUser,
    req: &CreateTicket,
    idem: Option<Idempotency>,
    files: &[NewAttachment],
) -> ApiResult<Created> {
    let new = NewTicket {
        enterprise_id: EnterpriseId(req.enterprise_id),
        category: req.category,
        priority: req.priority,
        title: TicketTitle::parse(&req.title)?,
        description: Description::parse(&req.description)?,
    };
    NewAttachment::check_count(files.len())?;
    let enterprise = match state.store.enterprise(new.enterprise_id).await {
        Ok(e) => e,
        Err(StoreError::NotFound(_)) => {
            return Err(ApiError::invalid(
                "enterprise_id",
                "unknown_enterprise",
                "no such enterprise / 企业不存在",
            ));
        }
        Err(e) => return Err(e.into()),
    };
    let grid = GridId(enterprise.grid_id);
    let filed = file(&auth.actor, grid, state.now())?;
    Ok(state
        .store
        .create_ticket(new, grid, filed, idem, files)
        .await?)
}

/// Files a ticket. Send an `Idempotency-Key` header to make retries safe: a retry with the
/// same key and body returns the first ticket (with `Idempotent-Replayed: true`).
#[utoipa::path(
    post,
    path = "/api/v1/tickets",
    tag = "tickets",
    security(("bearer" = [])),
    request_body = CreateTicket,
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
    Json(req): Json<CreateTicket>,
) -> ApiResult<Response> {
    let idem = idempotency(&headers, &req)?;
    let now = state.now();
    let created = file_ticket(&state, &auth, &req, idem, &[]).await?;
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
            .map_err(|e| ApiError::internal(&e))?,
    );
    Ok(res)
}
