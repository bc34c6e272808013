//! `GET /api/v1/tickets/{id}/attachments` and `…/attachments/{attachment}`: the photos and
//! PDFs filed with a ticket, for whoever may see the ticket.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::AuthUser;
use crate::error::{ApiResult, Problem};
use crate::extract::Path;
use gridline_app::AppState;
use gridline_app::tickets::{attachments, download, visible_attachment};

/// An attachment (附件), without its bytes.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttachmentDto {
    pub id: i64,
    pub filename: String,
    /// image/jpeg | image/png | image/webp | image/heic | application/pdf
    pub content_type: String,
    /// Bytes.
    pub size: i64,
    /// The event it is evidence for (办结佐证); absent: filed with the ticket.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    /// Where the bytes are.
    pub url: String,
}

/// A ticket's attachments, oldest first.
#[utoipa::path(
    get,
    path = "/api/v1/tickets/{id}/attachments",
    tag = "tickets",
    security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = Vec<AttachmentDto>), (status = 404, body = Problem))
)]
pub async fn list_attachments(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<Vec<AttachmentDto>>> {
    let list = attachments(&state, &auth, id).await?;
    Ok(axum::Json(
        list.into_iter()
            .map(|a| AttachmentDto {
                url: format!("/api/v1/tickets/{id}/attachments/{}", a.id),
                id: a.id,
                filename: a.filename,
                content_type: a.content_type,
                size: a.size,
                event_id: a.event_id,
                created_at: a.created_at,
            })
            .collect(),
    ))
}

/// The bytes of an attachment, with its type and name.
#[utoipa::path(
    get,
    path = "/api/v1/tickets/{id}/attachments/{attachment}",
    tag = "tickets",
    security(("bearer" = [])),
    params(("id" = i64, Path), ("attachment" = i64, Path)),
    responses(
        (status = 200, description = "the file, with its own type", content(
            (Vec<u8> = "image/jpeg"),
            (Vec<u8> = "image/png"),
            (Vec<u8> = "image/webp"),
            (Vec<u8> = "image/heic"),
            (Vec<u8> = "application/pdf"),
        )),
        (status = 404, body = Problem),
    )
)]
pub async fn get_attachment(
    State(state): State<AppState>,
    auth: AuthUser,
    Path((id, attachment)): Path<(i64, i64)>,
) -> ApiResult<Response> {
    let a = visible_attachment(&state, &auth, id, attachment).await?;
    Ok(download(a)
        .into_response()
        .map(axum::body::Body::from)
        .into_response())
}
