//! `POST /tickets/{id}/events/{event}/attachments` (multipart): evidence (办结佐证) for a step
//! the viewer recorded — the same use case as the API's evidence endpoint.

use axum::extract::{Multipart, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use gridline_app::AppState;
use gridline_app::tickets::evidence::{add, evidence_target};
use gridline_domain::attachment::NewAttachment;

use crate::pages::file::{Upload, multipart_csrf, read_file_field, unreadable};
use crate::render::PageError;
use crate::session::Viewer;

/// Nothing of the body is read before the step is known to be the viewer's (and within its
/// day); then the CSRF token, then the files, one at a time with the per-file limit.
pub async fn submit(
    State(state): State<AppState>,
    v: Viewer,
    Path((id, event)): Path<(i64, i64)>,
    headers: axum::http::HeaderMap,
    mut multipart: Multipart,
) -> Result<Response, PageError> {
    let target = evidence_target(&state, &v.auth, id, event).await?;
    multipart_csrf(&v, &headers, &mut multipart).await?;
    let _turn = state.uploads.turn().await?;
    let mut files = Vec::new();
    while let Some(mut field) = multipart.next_field().await.map_err(unreadable)? {
        if field.name() != Some("files") {
            return Err(PageError::bad_request());
        }
        match read_file_field(&mut field).await? {
            Upload::TooLarge => return Err(PageError::too_large()),
            Upload::File(name, data) => {
                files.push(NewAttachment::parse(&name, data).map_err(gridline_app::AppError::from)?)
            }
            Upload::Empty => {}
        }
    }
    add(&state, &v.auth, &target, &files).await?;
    Ok(Redirect::to(&format!("/tickets/{id}?done=evidence#event-{event}")).into_response())
}
