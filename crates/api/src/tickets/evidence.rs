//! `POST /api/v1/tickets/{id}/attachments?event_id=N`: evidence (办结佐证) for a resolution,
//! a return, a report or a follow-up call, by whoever recorded it, within a day.

use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use gridline_app::tickets::evidence::{add, evidence_target};
use gridline_app::{AppError, AppState};
use gridline_domain::attachment::{MAX_BYTES, NewAttachment};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::AuthUser;
use crate::error::{ApiResult, Problem};
use crate::extract::{Path, Query};

/// The event the files are evidence for.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct EvidenceQuery {
    /// The id of a `resolve`, `return`, `report` or `follow_up` event the caller recorded.
    pub event_id: i64,
}

/// The largest evidence body: six files of the per-file limit, and the form around them.
pub const EVIDENCE_LIMIT: usize = 6 * MAX_BYTES + 64 * 1024;

fn unreadable(e: axum::extract::multipart::MultipartError) -> AppError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        AppError::too_large(format!("at most {EVIDENCE_LIMIT} bytes"))
    } else {
        AppError::bad_request(
            "unreadable_body",
            "a multipart/form-data body with `files` parts",
        )
    }
}

/// Adds evidence to an event: `multipart/form-data` with one or more `files` parts (photos
/// or PDFs, the filing's type sniffing and limits; at most six per event). Nothing of the
/// body is read before the event is known to be the caller's; all files are stored, or none.
#[utoipa::path(
    post,
    path = "/api/v1/tickets/{id}/attachments",
    tag = "tickets",
    security(("bearer" = [])),
    params(("id" = i64, Path), EvidenceQuery),
    request_body(content_type = "multipart/form-data", description = "one or more parts named `files`"),
    responses(
        (status = 204, description = "stored"),
        (status = 404, description = "no such event of a ticket the caller sees or acted on", body = Problem),
        (status = 413, body = Problem),
        (status = 422, description = "not the caller's event, not one that takes evidence, too late, a file's type or size, more than six", body = Problem),
        (status = 503, description = "too many uploads at once", body = Problem),
    )
)]
pub async fn add_evidence(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<i64>,
    Query(q): Query<EvidenceQuery>,
    mut multipart: Multipart,
) -> ApiResult<StatusCode> {
    let target = evidence_target(&state, &auth, id, q.event_id).await?;
    let _turn = state.uploads.turn().await?;
    let mut files = Vec::new();
    let mut too_large = false;
    while let Some(mut field) = multipart.next_field().await.map_err(unreadable)? {
        if field.name() != Some("files") {
            return Err(AppError::invalid(
                "files",
                "unknown_field",
                "only parts named `files` / 只接受名为 files 的文件",
            )
            .into());
        }
        let name = field.file_name().unwrap_or_default().to_owned();
        let mut data = Vec::new();
        // Past the limit the rest of the file is read and dropped, so the client gets the
        // answer rather than a reset connection.
        while let Some(chunk) = field.chunk().await.map_err(unreadable)? {
            if too_large || data.len() + chunk.len() > MAX_BYTES {
                too_large = true;
                data = Vec::new();
                continue;
            }
            data.extend_from_slice(&chunk);
        }
        if !too_large {
            NewAttachment::check_count(files.len() + 1)?;
            files.push(NewAttachment::parse(&name, data)?);
        }
    }
    if too_large {
        return Err(AppError::invalid(
            "files",
            "too_large",
            format!(
                "each file is at most {} MB / 单个文件不能超过 {} MB",
                MAX_BYTES >> 20,
                MAX_BYTES >> 20
            ),
        )
        .into());
    }
    add(&state, &auth, &target, &files).await?;
    Ok(StatusCode::NO_CONTENT)
}
