//! The enterprise register: `PATCH /api/v1/enterprises/{id}`, the import (dry run and
//! commit), its template, and the export.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use gridline_app::AppState;
use gridline_app::org::{self, Enterprise as EnterpriseDto, EnterpriseFilter};
use gridline_app::register::{self, EnterprisePatch, ImportReport};
use gridline_domain::text::SearchText;
use gridline_domain::{EnterpriseId, GridId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::AuthUser;
use crate::error::{ApiResult, Problem};
use crate::extract::{Json, Path, Query};

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Edits an enterprise (administrators and the service centre; a grid's head for their
/// grid's enterprises): only the fields sent; `active: false` when it moved away or closed.
#[utoipa::path(
    patch,
    path = "/api/v1/enterprises/{id}",
    tag = "organisation",
    security(("bearer" = [])),
    params(("id" = i64, Path)),
    request_body = EnterprisePatch,
    responses(
        (status = 200, body = EnterpriseDto),
        (status = 403, body = Problem),
        (status = 404, body = Problem),
        (status = 409, description = "stale_version", body = Problem),
        (status = 422, body = Problem),
    )
)]
pub async fn update_enterprise(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<i64>,
    Json(req): Json<EnterprisePatch>,
) -> ApiResult<axum::Json<EnterpriseDto>> {
    Ok(axum::Json(
        register::edit_enterprise(&state, &auth, EnterpriseId(id), req).await?,
    ))
}

/// Import options.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ImportParams {
    /// Check and report every row; write nothing.
    pub dry_run: Option<bool>,
}

/// A file with invalid rows: nothing was written, and the report says why.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportRefused {
    #[serde(flatten)]
    pub problem: Problem,
    pub report: ImportReport,
}

/// Imports the enterprise register from an .xlsx or .csv file (UTF-8 or GBK) sent as the
/// request body, with the template's columns (`GET /api/v1/enterprises/template`). Rows are
/// matched by credit code: new ones are added, changed ones updated, all in one
/// transaction. With `dry_run=true`, every row's outcome is reported and nothing written;
/// without it, a file with any invalid row writes nothing (422 with the report).
/// Administrators and the service centre only.
#[utoipa::path(
    post,
    path = "/api/v1/enterprises/import",
    tag = "organisation",
    security(("bearer" = [])),
    params(ImportParams),
    request_body(content = Vec<u8>, content_type = "text/csv", description = "the file (.csv or .xlsx)"),
    responses(
        (status = 200, description = "checked (dry run) or imported", body = ImportReport),
        (status = 403, body = Problem),
        (status = 413, body = Problem),
        (status = 422, description = "invalid rows (nothing written), or an unreadable file", body = ImportRefused),
    )
)]
pub async fn import_enterprises(
    State(state): State<AppState>,
    auth: AuthUser,
    Query(q): Query<ImportParams>,
    body: Bytes,
) -> ApiResult<Response> {
    if q.dry_run.unwrap_or(false) {
        let report = register::dry_run(&state, &auth, &body).await?;
        return Ok(axum::Json(report).into_response());
    }
    let report = register::import(&state, &auth, &body).await?;
    if report.committed {
        return Ok(axum::Json(report).into_response());
    }
    let refused = ImportRefused {
        problem: Problem {
            kind: "https://gridline.invalid/problems/import_invalid".into(),
            title: "输入有误 / Invalid input".into(),
            status: 422,
            detail: Some(format!(
                "{} 行有误，未导入任何数据 / {} rows are invalid; nothing was imported",
                report.counts.invalid, report.counts.invalid
            )),
            code: "import_invalid".into(),
            field: Some("file".into()),
        },
        report,
    };
    let mut res = (StatusCode::UNPROCESSABLE_ENTITY, axum::Json(refused)).into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/problem+json"),
    );
    Ok(res)
}

pub(crate) fn workbook(name: &str, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, XLSX.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// The import template (.xlsx): the columns, and one example row.
#[utoipa::path(
    get,
    path = "/api/v1/enterprises/template",
    tag = "organisation",
    security(("bearer" = [])),
    responses((status = 200, description = "the template", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>))
)]
pub async fn import_template(_auth: AuthUser) -> ApiResult<Response> {
    Ok(workbook(
        "enterprise-register-template.xlsx",
        register::template()?,
    ))
}

/// Export filters.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ExportParams {
    pub grid_id: Option<i64>,
    /// Substring of the name, or the start of the credit code.
    pub q: Option<String>,
    pub cluster: Option<String>,
    pub above_size: Option<bool>,
    /// Deactivated enterprises too.
    pub include_inactive: Option<bool>,
}

/// The register as .xlsx, with the import's columns (so it can be edited and imported back).
#[utoipa::path(
    get,
    path = "/api/v1/enterprises/export",
    tag = "organisation",
    security(("bearer" = [])),
    params(ExportParams),
    responses(
        (status = 200, description = "the register", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>),
        (status = 403, body = Problem),
    )
)]
pub async fn export_enterprises(
    State(state): State<AppState>,
    auth: AuthUser,
    Query(q): Query<ExportParams>,
) -> ApiResult<Response> {
    let filter = EnterpriseFilter {
        grid_id: q.grid_id.map(GridId),
        q: SearchText::parse_opt(q.q.as_deref())?,
        cluster: org::cluster_param(q.cluster.as_deref())?,
        above_size: q.above_size,
        include_inactive: q.include_inactive.unwrap_or(false),
        after_id: None,
    };
    let bytes = register::export(&state, &auth, &filter).await?;
    Ok(workbook("enterprise-register.xlsx", bytes))
}
