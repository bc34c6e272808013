//! A liaison files a problem from a phone: pick an enterprise of the grid (by name or credit
//! code), then fill in the form with photos or PDFs.

use std::collections::BTreeMap;

use axum::extract::{Multipart, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use gridline_app::AppState;
use gridline_app::ErrorKind;
use gridline_app::org::EnterpriseFilter;
use gridline_app::tickets::{self as app_tickets, NewTicketInput, idempotency_for};
use gridline_app::tickets::{Created, Idempotency};
use gridline_domain::attachment::{MAX_BYTES, MAX_FILES, NewAttachment};
use gridline_domain::text::{Description, SearchText, TicketTitle};
use gridline_domain::ticket::file;
use gridline_domain::{Category, DomainError, EnterpriseId, GridId, Priority, Role};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::i18n::{Lang, app_error_text, error_text, pick};
use crate::pages::{opt, opt_id};
use crate::render::{PageError, page};
use crate::session::Viewer;

#[derive(Debug, Deserialize)]
pub struct Search {
    q: Option<String>,
}

fn my_grid(v: &Viewer) -> Result<GridId, PageError> {
    v.require(&[Role::Liaison])?;
    v.auth.actor.user.grid_id.ok_or_else(PageError::forbidden)
}

/// `GET /tickets/new?q=`: the enterprises of my grid, searchable.
pub async fn pick_enterprise(
    State(state): State<AppState>,
    v: Viewer,
    Query(q): Query<Search>,
) -> Result<Response, PageError> {
    let grid = my_grid(&v)?;
    let text = SearchText::parse_opt(opt(&q.q)).map_err(PageError::from)?;
    let found = gridline_app::org::enterprises(
        &state,
        &EnterpriseFilter {
            grid_id: Some(grid),
            q: text.clone(),
            ..EnterpriseFilter::default()
        },
        50,
    )
    .await?;
    let list: Vec<_> = found
        .iter()
        .map(|e| serde_json::json!({"id": e.id, "name": e.name, "credit_code": e.credit_code}))
        .collect();
    // The liaison's home: the enterprises overdue for a visit come first.
    let overdue: Vec<_> = if text.is_none() {
        gridline_app::visits::due(&state, &v.auth, None)
            .await?
            .into_iter()
            .filter(|d| d.state == "overdue")
            .collect()
    } else {
        vec![]
    };
    Ok(page(
        "pick_enterprise.html",
        &v.ctx("/tickets/new"),
        serde_json::json!({
            "q": text.as_ref().map_or("", SearchText::as_str),
            "enterprises": list,
            "overdue": overdue,
            "deliveries": if text.is_none() {
                crate::pages::policies::pending_rows(&state, &v).await?
            } else {
                vec![]
            },
        }),
    ))
}

/// What the form holds, to show again after an error.
#[derive(Debug, Default, Serialize)]
struct Input {
    category: String,
    priority: String,
    title: String,
    description: String,
    idempotency_key: String,
    project_id: String,
}

async fn show_form(
    state: &AppState,
    v: &Viewer,
    enterprise: i64,
    input: &Input,
    errors: &BTreeMap<String, String>,
) -> Result<Response, PageError> {
    v.require(&[Role::Liaison])?;
    let e = gridline_app::org::enterprise(state, EnterpriseId(enterprise)).await?;
    // The rule that decides who may file for this enterprise decides whose form this is.
    if file(&v.auth.actor, GridId(e.grid_id), state.now()).is_err() {
        return Err(PageError::not_found());
    }
    let projects: Vec<_> = gridline_app::projects::list(state, &v.auth)
        .await?
        .into_iter()
        .filter(|p| p.enterprise_id.0 == e.id)
        .map(|p| serde_json::json!({"id": p.id, "name": p.name}))
        .collect();
    let similar = suggestions(state, v, e.id, &input.category, &input.title).await?;
    let mut res = page(
        "file.html",
        &v.ctx("/tickets/new"),
        serde_json::json!({
            "enterprise": {"id": e.id, "name": e.name, "credit_code": e.credit_code},
            "categories": Category::ALL.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
            "priorities": Priority::ALL.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
            "input": input,
            "errors": errors,
            "max_files": MAX_FILES,
            "max_mb": MAX_BYTES >> 20,
            "projects": projects,
            "similar": similar,
        }),
    );
    if !errors.is_empty() {
        *res.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

/// What the enterprise already has open here (and, once a title is typed, the grid's alike
/// tickets): the liaison checks before filing a duplicate.
async fn suggestions(
    state: &AppState,
    v: &Viewer,
    enterprise: i64,
    category: &str,
    title: &str,
) -> Result<Vec<serde_json::Value>, PageError> {
    let query = gridline_app::tickets::SimilarQuery {
        enterprise_id: enterprise,
        category: Some(category.to_owned()).filter(|c| Category::parse(c).is_some()),
        title: Some(title.to_owned()),
    };
    match gridline_app::tickets::similar(state, &v.auth, &query).await {
        Ok(found) => Ok(found.iter().map(similar_json).collect()),
        // An enterprise off the register: the filing itself says so.
        Err(err) if err.kind() == gridline_app::ErrorKind::Invalid => Ok(vec![]),
        Err(err) => Err(err.into()),
    }
}

/// A possible duplicate as the filing form and the dispatcher's form list it.
pub(crate) fn similar_json(s: &gridline_app::tickets::Similar) -> serde_json::Value {
    serde_json::json!({
        "id": s.ticket.id.0,
        "number": s.ticket.number,
        "title": s.ticket.title,
        "status": s.ticket.status.as_str(),
        "same_enterprise": s.same_enterprise,
    })
}

/// What the filing form asks for its live suggestions.
#[derive(Debug, Default, serde::Deserialize)]
pub struct SimilarParams {
    #[serde(default)]
    category: String,
    #[serde(default)]
    title: String,
}

/// `GET /tickets/new/{enterprise}/similar?category=&title=`: the possible duplicates as the
/// liaison types (a fragment the form swaps in; the same rule as the API's `similar`).
pub async fn similar_fragment(
    State(state): State<AppState>,
    v: Viewer,
    Path(enterprise): Path<i64>,
    Query(q): Query<SimilarParams>,
) -> Result<Response, PageError> {
    v.require(&[Role::Liaison])?;
    let e = gridline_app::org::enterprise(&state, EnterpriseId(enterprise)).await?;
    if file(&v.auth.actor, GridId(e.grid_id), state.now()).is_err() {
        return Err(PageError::not_found());
    }
    let similar = suggestions(&state, &v, e.id, &q.category, &q.title).await?;
    Ok(page(
        "similar.html",
        &v.ctx("/tickets/new"),
        serde_json::json!({ "similar": similar }),
    ))
}

/// `GET /tickets/new/{enterprise}`: the form.
pub async fn form(
    State(state): State<AppState>,
    v: Viewer,
    Path(enterprise): Path<i64>,
) -> Result<Response, PageError> {
    let input = Input {
        priority: Priority::Normal.as_str().to_owned(),
        idempotency_key: uuid::Uuid::new_v4().to_string(),
        ..Input::default()
    };
    show_form(&state, &v, enterprise, &input, &BTreeMap::new()).await
}

pub(crate) fn field_error(lang: Lang, e: &DomainError) -> (String, String) {
    match e {
        DomainError::Invalid {
            field,
            code,
            message,
        } => (
            (*field).to_owned(),
            error_text(lang, code, Some(field), message),
        ),
        other => ("form".to_owned(), other.to_string()),
    }
}

/// A multipart body that could not be read: over the size limit (413), or malformed.
pub(crate) fn unreadable(e: axum::extract::multipart::MultipartError) -> PageError {
    if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        PageError::too_large()
    } else {
        PageError::bad_request()
    }
}

/// A refused form declared at most this long is read to its end (and dropped) before the
/// answer, so the browser gets the answer rather than a reset connection; a longer one, or
/// one without a declared length, is answered at once.
const DRAIN_BYTES: u64 = 64 * 1024;
const DRAIN_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

/// Checks a multipart form's CSRF token before anything else of the body is read: in the
/// `X-CSRF-Token` header, or as the form's first field (as the pages send it).
pub(crate) async fn multipart_csrf(
    v: &Viewer,
    headers: &axum::http::HeaderMap,
    multipart: &mut Multipart,
) -> Result<(), PageError> {
    let checked = check_multipart_csrf(v, headers, multipart).await;
    if checked.is_err() {
        let declared = headers
            .get(axum::http::header::CONTENT_LENGTH)
            .and_then(|h| h.to_str().ok())
            .and_then(|s| s.parse::<u64>().ok());
        if declared.is_some_and(|n| n <= DRAIN_BYTES) {
            let _ = tokio::time::timeout(DRAIN_WAIT, drain(multipart)).await;
        }
    }
    checked
}

/// Reads what is left of a (short) form and drops it.
async fn drain(multipart: &mut Multipart) {
    while let Ok(Some(mut field)) = multipart.next_field().await {
        while let Ok(Some(_)) = field.chunk().await {}
    }
}

async fn check_multipart_csrf(
    v: &Viewer,
    headers: &axum::http::HeaderMap,
    multipart: &mut Multipart,
) -> Result<(), PageError> {
    let header_token = headers
        .get("x-csrf-token")
        .and_then(|h| h.to_str().ok())
        .map(str::to_owned);
    let csrf = match header_token {
        Some(t) => t,
        None => {
            let mut first = multipart
                .next_field()
                .await
                .map_err(unreadable)?
                .ok_or_else(PageError::csrf)?;
            if first.name() != Some("_csrf") {
                return Err(PageError::csrf());
            }
            // A token is short: read at most a little of the field.
            let mut token = Vec::new();
            while let Some(chunk) = first.chunk().await.map_err(unreadable)? {
                token.extend_from_slice(&chunk);
                if token.len() > 256 {
                    return Err(PageError::csrf());
                }
            }
            String::from_utf8(token).map_err(|_| PageError::csrf())?
        }
    };
    v.check_csrf(&csrf)
}

/// `POST /tickets/new` (multipart): files the ticket with its attachments in one transaction.
///
/// Nothing of the body is read before the caller is known to be a liaison with this
/// browser's CSRF token (in the `X-CSRF-Token` header or as the form's first field, as the
/// page sends it); then files are read one at a time with the per-file limit, by a bounded
/// number of uploads at once.
pub async fn submit(
    State(state): State<AppState>,
    v: Viewer,
    headers: axum::http::HeaderMap,
    mut multipart: Multipart,
) -> Result<Response, PageError> {
    v.require(&[Role::Liaison])?;
    multipart_csrf(&v, &headers, &mut multipart).await?;
    let _turn = state.uploads.turn().await?;
    let mut enterprise = None;
    let mut input = Input::default();
    let mut files: Vec<(String, Vec<u8>)> = vec![];
    let mut errors = BTreeMap::new();
    let too_large = |lang| {
        (
            "attachments".to_owned(),
            pick(
                lang,
                &format!(
                    "each file is at most {} MB / 单个文件不能超过 {} MB",
                    MAX_BYTES >> 20,
                    MAX_BYTES >> 20
                ),
            ),
        )
    };
    while let Some(mut field) = multipart.next_field().await.map_err(unreadable)? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "attachments" {
            match read_file_field(&mut field).await? {
                Upload::TooLarge => {
                    let (k, m) = too_large(v.lang);
                    errors.insert(k, m);
                }
                Upload::File(name, data) => files.push((name, data)),
                Upload::Empty => {}
            }
            continue;
        }
        let text = field.text().await.map_err(unreadable)?;
        match name.as_str() {
            "_csrf" => {}
            "enterprise_id" => enterprise = text.trim().parse::<i64>().ok(),
            "category" => input.category = text,
            "priority" => input.priority = text,
            "title" => input.title = text,
            "description" => input.description = text,
            "idempotency_key" => input.idempotency_key = text,
            "project_id" => input.project_id = text,
            _ => return Err(PageError::bad_request()),
        }
    }
    let enterprise = enterprise.ok_or_else(PageError::bad_request)?;
    let lang = v.lang;
    let category = Category::parse(&input.category);
    if category.is_none() {
        errors.insert(
            "category".into(),
            crate::i18n::t(lang, "file.pick_category"),
        );
    }
    let priority = Priority::parse(&input.priority).unwrap_or(Priority::Normal);
    if let Err(e) = TicketTitle::parse(&input.title) {
        let (k, m) = field_error(lang, &e);
        errors.insert(k, m);
    }
    if let Err(e) = Description::parse(&input.description) {
        let (k, m) = field_error(lang, &e);
        errors.insert(k, m);
    }
    let mut checked = vec![];
    if let Err(e) = NewAttachment::check_count(files.len()) {
        let (k, m) = field_error(lang, &e);
        errors.insert(k, m);
    }
    for (name, data) in files {
        match NewAttachment::parse(&name, data) {
            Ok(a) => checked.push(a),
            Err(e) => {
                let (k, m) = field_error(lang, &e);
                errors.insert(k, format!("{name}: {m}"));
            }
        }
    }
    let Some(category) = category.filter(|_| errors.is_empty()) else {
        return show_form(&state, &v, enterprise, &input, &errors).await;
    };
    let req = NewTicketInput {
        enterprise_id: enterprise,
        category,
        priority,
        title: input.title.clone(),
        description: input.description.clone(),
        project_id: opt_id(&Some(input.project_id.clone()))?,
    };
    let idem = idempotency(&input.idempotency_key, &req, &checked);
    match app_tickets::file(&state, &v.auth, &req, idem, &checked).await {
        Ok(Created::New(t) | Created::Replayed(t)) => {
            Ok(Redirect::to(&format!("/tickets/{}?done=file", t.id)).into_response())
        }
        Err(e) if e.kind() == ErrorKind::Invalid => {
            errors.insert(
                e.field_name().unwrap_or("form").to_owned(),
                app_error_text(lang, &e),
            );
            show_form(&state, &v, enterprise, &input, &errors).await
        }
        Err(e) => Err(e.into()),
    }
}

/// A file field of a multipart form, read with the per-file limit.
pub(crate) enum Upload {
    /// No file chosen.
    Empty,
    /// Over [`MAX_BYTES`] (read to the end and dropped).
    TooLarge,
    /// Its name and bytes.
    File(String, Vec<u8>),
}

/// Reads one file field. Past the limit the rest of the file is read and dropped (the
/// browser is still sending it and should get the form back, not a reset connection).
pub(crate) async fn read_file_field(
    field: &mut axum::extract::multipart::Field<'_>,
) -> Result<Upload, PageError> {
    let filename = field.file_name().unwrap_or_default().to_owned();
    let mut data = Vec::new();
    let mut over = false;
    while let Some(chunk) = field.chunk().await.map_err(unreadable)? {
        if over || data.len() + chunk.len() > MAX_BYTES {
            over = true;
            data = Vec::new();
            continue;
        }
        data.extend_from_slice(&chunk);
    }
    Ok(if over {
        Upload::TooLarge
    } else if filename.is_empty() && data.is_empty() {
        Upload::Empty
    } else {
        Upload::File(filename, data)
    })
}

/// A double tap on "submit" (or a retry on a flaky link) files once: the form carries a key
/// made when it was shown, and the hash tells a retry from an edited form. A key that is
/// not one of ours is ignored (the ticket is filed without the guard).
fn idempotency(key: &str, req: &NewTicketInput, files: &[NewAttachment]) -> Option<Idempotency> {
    let key = Some(key.trim()).filter(|k| !k.is_empty())?;
    let body = serde_json::to_vec(req).ok()?;
    let digests: Vec<_> = files.iter().map(|f| Sha256::digest(&f.data)).collect();
    let mut parts: Vec<&[u8]> = vec![&body];
    parts.extend(digests.iter().map(|d| &d[..]));
    idempotency_for(&format!("page:{key}"), &parts).ok()
}
