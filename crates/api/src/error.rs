//! The JSON door's side of the error policy (the policy itself is `gridline_app::error`).
//!
//! - Every failure leaves as `application/problem+json` (RFC 9457) with the stable `code`
//!   clients can branch on, the `title` in Chinese then English, and optional `field`.
//! - The status comes from the error's kind: malformed input 400, unknown token 401, role
//!   may not 403, invisible or missing 404, stale version or wrong state 409, oversize 413,
//!   well-formed but invalid 422, too many attempts 429 (with `Retry-After`), database
//!   unreachable 503, anything else 500.
//! - Refusals are logged at `debug!`; internal causes were logged where they happened.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use gridline_app::AppError;
use serde::Serialize;
use utoipa::ToSchema;

/// The body of every error response.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the problem type (`about:blank` plus the code).
    #[serde(rename = "type")]
    pub kind: String,
    /// Short human-readable summary, Chinese then English.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// What exactly went wrong, for a human.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Stable machine-readable code.
    pub code: String,
    /// The input field at fault, if one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// An application error on its way to an API client.
#[derive(Debug)]
pub struct ApiError(pub AppError);

impl<E: Into<AppError>> From<E> for ApiError {
    fn from(e: E) -> Self {
        Self(e.into())
    }
}

impl ApiError {
    /// The HTTP status of the error.
    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.0.kind().http_status())
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let e = self.0;
        if status.is_client_error() {
            tracing::debug!(%status, code = %e.code(), detail = ?e.detail_text(), "request refused");
        }
        let body = Problem {
            kind: format!("https://gridline.invalid/problems/{}", e.code()),
            title: e.title().to_owned(),
            status: status.as_u16(),
            detail: e.detail_text().map(str::to_owned),
            code: e.code().to_owned(),
            field: e.field_name().map(str::to_owned),
        };
        let mut res = (status, axum::Json(body)).into_response();
        res.headers_mut().insert(
            header::CONTENT_TYPE,
            header::HeaderValue::from_static("application/problem+json"),
        );
        if let Some(wait) = e.retry_after() {
            res.headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from(wait));
        }
        res
    }
}

/// The result type of every handler.
pub type ApiResult<T> = Result<T, ApiError>;
