//! `GET /api/v1/tickets/{id}/attachments` and `…/attachments/{attachment}`: the photos and
//! PDFs filed with a ticket, for whoever may see the ticket.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use gridline_domain::attachment::FileKind;
use gridline_store::StoreError;
use gridline_store::entity::attachments;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::Path;
use crate::state::AppState;
use crate::tickets::get::visible_ticket;

/// An attachment (附件), without its bytes.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttachmentDto {
    pub id: i64,
    pub filename: String,
    /// image/jpeg | image/png | image/webp | image/heic | application/pdf
    pub content_type: String,
    /// Bytes.
    pub size: i64,
    pub created_at: DateTime<Utc>,
    /// Where the bytes are.
    pub url: String,
}

/// An attachment of a ticket the caller may see; anything else is the same 404.
pub async fn visible_attachment(
    state: &AppState,
    auth: &AuthUser,
    ticket: i64,
    attachment: i64,
) -> ApiResult<attachments::Model> {
    let t = visible_ticket(state, auth, ticket).await?;
    match state.store.attachment(attachment).await {
        Ok(a) if a.ticket_id == t.id.0 => Ok(a),
        Ok(_) | Err(StoreError::NotFound(_)) => Err(ApiError::not_found("attachment")),
        Err(e) => Err(e.into()),
    }
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
    let t = visible_ticket(&state, &auth, id).await?;
    let list = state.store.attachments(t.id).await?;
    Ok(axum::Json(
        list.into_iter()
            .map(|a| AttachmentDto {
                url: format!("/api/v1/tickets/{id}/attachments/{}", a.id),
                id: a.id,
                filename: a.filename,
                content_type: a.content_type,
                size: a.size,
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
    Ok(file_response(a))
}

/// The bytes as a response: always a download (`Content-Disposition: attachment`) under a
/// name whose extension matches the type read from the bytes when it was stored, with
/// `nosniff` and a sandboxing CSP, so a file crafted to look like a picture can never run as
/// a page of this site. Pages still show pictures in `<img>`, which ignores the disposition.
pub fn file_response(a: attachments::Model) -> Response {
    // RFC 5987: letters, digits and a few marks as they are, every other byte %-encoded.
    const ATTR: &AsciiSet = &NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~');
    let kind = FileKind::from_mime(&a.content_type);
    let (content_type, filename) = match kind {
        Some(k) => (k.mime(), k.file_name(&a.filename)),
        None => ("application/octet-stream", "attachment.bin".to_owned()),
    };
    // A plain-ASCII fallback for old clients, then the real name.
    let fallback: String = filename
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let name = utf8_percent_encode(&filename, ATTR);
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{name}"),
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; sandbox".to_owned(),
            ),
            (header::CACHE_CONTROL, "private, max-age=3600".to_owned()),
        ],
        a.data,
    )
        .into_response()
}
