//! `/api/v1/admin/chat-webhooks`: the group-chat robots (企业微信, 钉钉, 飞书) of departments,
//! grids and task forces (administrators only).

use axum::extract::State;
use axum::http::StatusCode;
use gridline_app::AppState;
use gridline_app::chat::{self, Webhook, WebhookInput};

use crate::auth::AuthUser;
use crate::error::{ApiResult, Problem};
use crate::extract::{Json, Path};

/// Every robot, its address masked and its secret never shown.
#[utoipa::path(
    get,
    path = "/api/v1/admin/chat-webhooks",
    tag = "admin",
    security(("bearer" = [])),
    responses((status = 200, body = Vec<Webhook>), (status = 403, body = Problem))
)]
pub async fn list_webhooks(
    State(state): State<AppState>,
    auth: AuthUser,
) -> ApiResult<axum::Json<Vec<Webhook>>> {
    Ok(axum::Json(chat::list(&state, &auth).await?))
}

/// Adds a robot to a department's, grid's or task force's group. The address must be the
/// platform's (`chat.allowed_hosts`) over HTTPS.
#[utoipa::path(
    post,
    path = "/api/v1/admin/chat-webhooks",
    tag = "admin",
    security(("bearer" = [])),
    request_body = WebhookInput,
    responses(
        (status = 201, body = Webhook),
        (status = 403, body = Problem),
        (status = 422, description = "unknown_platform | unknown_owner | invalid_url | host_not_allowed | unsigned_platform | invalid_secret | invalid_label", body = Problem),
    )
)]
pub async fn add_webhook(
    State(state): State<AppState>,
    auth: AuthUser,
    Json(input): Json<WebhookInput>,
) -> ApiResult<(StatusCode, axum::Json<Webhook>)> {
    Ok((
        StatusCode::CREATED,
        axum::Json(chat::add(&state, &auth, input).await?),
    ))
}

/// Removes a robot; messages still queued for it are skipped.
#[utoipa::path(
    delete,
    path = "/api/v1/admin/chat-webhooks/{id}",
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem))
)]
pub async fn remove_webhook(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    chat::remove(&state, &auth, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
