//! The enterprise register's pages, for administrators and dispatchers: the list with its
//! filters and download, an enterprise's edit form, and the import (upload, every row
//! checked and shown, then one confirmation). Each calls the application's use cases.

use axum::extract::{Multipart, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use gridline_app::org::{self, EnterpriseFilter};
use gridline_app::register::{self, EnterprisePatch, ImportReport};
use gridline_app::{AppState, ErrorKind};
use gridline_domain::text::SearchText;
use gridline_domain::{Cluster, EnterpriseId, GridId, Role, Scope};
use serde::{Deserialize, Serialize};

use crate::i18n::app_error_text;
use crate::pages::people::{Failed, Fields};
use crate::pages::{PageForm, opt, opt_id};
use crate::render::{PageError, page, status_of};
use crate::session::Viewer;
use crate::view::Directory;

const KEEPERS: &[Role] = &[Role::Admin, Role::Dispatcher];

/// The list's filters, as in the query string.
#[derive(Debug, Default, Deserialize, Serialize)]
pub struct RegisterQuery {
    grid: Option<String>,
    q: Option<String>,
    cluster: Option<String>,
    above: Option<String>,
    inactive: Option<String>,
    after: Option<String>,
    format: Option<String>,
    done: Option<String>,
    n: Option<String>,
}

impl RegisterQuery {
    fn filter(&self) -> Result<EnterpriseFilter, PageError> {
        Ok(EnterpriseFilter {
            grid_id: opt_id(&self.grid)?.map(GridId),
            q: SearchText::parse_opt(opt(&self.q)).map_err(PageError::from)?,
            cluster: org::cluster_param(opt(&self.cluster))?,
            above_size: match opt(&self.above) {
                Some("yes") => Some(true),
                Some("no") => Some(false),
                None => None,
                Some(_) => return Err(PageError::bad_request()),
            },
            include_inactive: opt(&self.inactive).is_some(),
            after_id: opt_id(&self.after)?,
        })
    }

    /// The query without the page cursor (for the download and the next page's link).
    fn base(&self) -> String {
        let mut parts = Vec::new();
        for (k, v) in [
            ("grid", &self.grid),
            ("q", &self.q),
            ("cluster", &self.cluster),
            ("above", &self.above),
            ("inactive", &self.inactive),
        ] {
            if let Some(v) = opt(v) {
                parts.push(format!("{k}={}", crate::session::urlencoding(v)));
            }
        }
        parts.join("&")
    }
}

/// `GET /register`: the list (100 a page); `format=xlsx` downloads it all.
pub async fn list(
    State(state): State<AppState>,
    v: Viewer,
    Query(q): Query<RegisterQuery>,
) -> Result<Response, PageError> {
    v.require(KEEPERS)?;
    let filter = q.filter()?;
    if opt(&q.format) == Some("xlsx") {
        let bytes = register::export(&state, &v.auth, &filter).await?;
        return Ok(crate::render::xlsx("enterprise-register.xlsx", bytes));
    }
    let found = register::list(&state, &v.auth, &filter, 100).await?;
    let dir = Directory::load(&state).await?;
    let next = (found.len() == 100)
        .then(|| found.last().map(|e| e.id))
        .flatten();
    let rows: Vec<_> = found
        .iter()
        .map(|e| {
            serde_json::json!({
                "id": e.id, "name": e.name, "credit_code": e.credit_code, "cluster": e.cluster,
                "grid": dir.grid(e.grid_id), "above_size": e.above_size, "active": e.active,
                "contact": e.contact_person, "phone": e.contact_phone,
            })
        })
        .collect();
    let zone = gridline_domain::permission::imports_register(&v.auth.actor);
    Ok(page(
        "register.html",
        &v.ctx("/register"),
        serde_json::json!({
            "rows": rows,
            "q": q,
            "base": q.base(),
            "next": next,
            "grids": dir.grids_in(&Scope::of(&v.auth.actor)),
            "clusters": Cluster::ALL.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
            "can_import": zone,
        }),
    ))
}

/// `POST /enterprises/{id}`: the keepers' edit form (on the enterprise's page).
pub async fn edit(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    PageForm(f): PageForm<Fields>,
) -> Result<Response, PageError> {
    v.require(KEEPERS)?;
    v.check_csrf(&f.csrf)?;
    let opt_text = |k: &str| f.fields.contains_key(k).then(|| f.get(k));
    let patch = EnterprisePatch {
        expected_version: f.version()?,
        name: f.get("name"),
        cluster: f.get("cluster"),
        above_size: Some(f.get("above_size").is_some()),
        grid_id: f.id("grid_id")?,
        address: opt_text("address"),
        contact_person: opt_text("contact_person"),
        contact_phone: opt_text("contact_phone"),
        active: match f.get("active").as_deref() {
            Some("on") => Some(true),
            Some("off") => Some(false),
            _ => None,
        },
    };
    match register::edit_enterprise(&state, &v.auth, EnterpriseId(id), patch).await {
        Ok(_) => Ok(Redirect::to(&format!("/enterprises/{id}?done=saved")).into_response()),
        Err(e) if matches!(e.kind(), ErrorKind::Conflict | ErrorKind::Invalid) => {
            let status = status_of(&e);
            let failed = Failed::of("edit", v.lang, &e, f.input());
            let mut res =
                crate::pages::enterprise::render(&state, &v, id, None, Some(failed)).await?;
            *res.status_mut() = status;
            Ok(res)
        }
        Err(e) => Err(e.into()),
    }
}

fn import_page(v: &Viewer, report: Option<&ImportReport>, error: Option<String>) -> Response {
    // The rows worth reading: the invalid ones first, then the others (a few hundred at most).
    let shown: Vec<_> = report
        .map(|r| {
            let mut rows: Vec<_> = r.rows.iter().filter(|x| x.outcome == "invalid").collect();
            rows.extend(r.rows.iter().filter(|x| x.outcome != "invalid"));
            rows.into_iter().take(300).collect()
        })
        .unwrap_or_default();
    let mut res = page(
        "register_import.html",
        &v.ctx("/register"),
        serde_json::json!({
            "report": report,
            "shown": shown,
            "error": error,
        }),
    );
    if error.is_some() || report.is_some_and(|r| r.counts.invalid > 0) {
        *res.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    res
}

/// `GET /register/import`: the upload form and the template.
pub async fn import_form(v: Viewer) -> Result<Response, PageError> {
    v.require(KEEPERS)?;
    Ok(import_page(&v, None, None))
}

/// `GET /register/template`: the import template.
pub async fn template(v: Viewer) -> Result<Response, PageError> {
    v.require(KEEPERS)?;
    Ok(crate::render::xlsx(
        "enterprise-register-template.xlsx",
        register::template()?,
    ))
}

/// `POST /register/import/check` (multipart): checks the file and shows every row; a file with
/// no invalid row is kept for the confirmation.
pub async fn check(
    State(state): State<AppState>,
    v: Viewer,
    headers: axum::http::HeaderMap,
    mut multipart: Multipart,
) -> Result<Response, PageError> {
    v.require(KEEPERS)?;
    crate::pages::file::multipart_csrf(&v, &headers, &mut multipart).await?;
    let mut bytes = Vec::new();
    while let Some(mut field) = multipart
        .next_field()
        .await
        .map_err(|_| PageError::bad_request())?
    {
        if field.name() != Some("file") {
            continue;
        }
        while let Some(chunk) = field.chunk().await.map_err(|_| PageError::too_large())? {
            if bytes.len() + chunk.len() > register::read::MAX_FILE_BYTES {
                return Err(PageError::too_large());
            }
            bytes.extend_from_slice(&chunk);
        }
    }
    match register::stage(&state, &v.auth, &bytes).await {
        Ok(report) => Ok(import_page(&v, Some(&report), None)),
        Err(e) if e.kind() == ErrorKind::Invalid => {
            Ok(import_page(&v, None, Some(app_error_text(v.lang, &e))))
        }
        Err(e) => Err(e.into()),
    }
}

/// `GET /register/import/report/{token}`: every row's outcome of a checked file, as .xlsx.
pub async fn report(
    State(state): State<AppState>,
    v: Viewer,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    v.require(KEEPERS)?;
    let zh = v.lang == crate::i18n::Lang::Zh;
    let bytes = register::staged_report(&state, &v.auth, &token, zh).await?;
    Ok(crate::render::xlsx("register-import-check.xlsx", bytes))
}

/// `POST /register/import/confirm`: imports the checked file.
pub async fn confirm(
    State(state): State<AppState>,
    v: Viewer,
    PageForm(f): PageForm<Fields>,
) -> Result<Response, PageError> {
    v.require(KEEPERS)?;
    v.check_csrf(&f.csrf)?;
    let token = f.get("token").ok_or_else(PageError::bad_request)?;
    match register::commit_staged(&state, &v.auth, &token).await {
        Ok(r) if r.committed => Ok(Redirect::to(&format!(
            "/register?done=imported&n={}",
            r.counts.new + r.counts.update
        ))
        .into_response()),
        Ok(r) => Ok(import_page(&v, Some(&r), None)),
        Err(e) if matches!(e.kind(), ErrorKind::Conflict | ErrorKind::Invalid) => {
            let mut res = import_page(&v, None, Some(app_error_text(v.lang, &e)));
            *res.status_mut() = status_of(&e);
            Ok(res)
        }
        Err(e) => Err(e.into()),
    }
}
