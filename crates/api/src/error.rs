//! The API's one error policy.
//!
//! - Every failure leaves as `application/problem+json` (RFC 9457) with a stable `code`
//!   clients can branch on, a `title` in Chinese then English, and optional `field`.
//! - Statuses: malformed input 400, unknown token 401, role may not 403, invisible or
//!   missing 404, stale version or wrong state 409, oversize 413, well-formed but invalid
//!   422, too many login attempts 429, database unreachable 503, anything else 500.
//! - Database errors are mapped once, in the store (`StoreError`), and once here.
//! - Internal causes are logged at `error!` and never sent; bad input is logged at `debug!`.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use gridline_domain::DomainError;
use gridline_store::StoreError;
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

/// An error on its way to the client.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    retry_after: Option<u64>,
    code: String,
    title: &'static str,
    detail: Option<String>,
    field: Option<String>,
}

impl ApiError {
    fn new(status: StatusCode, code: impl Into<String>, title: &'static str) -> Self {
        Self {
            status,
            retry_after: None,
            code: code.into(),
            title,
            detail: None,
            field: None,
        }
    }

    /// Adds the human explanation.
    pub fn detail(mut self, d: impl Into<String>) -> Self {
        self.detail = Some(d.into());
        self
    }

    /// Names the input field at fault.
    pub fn field(mut self, f: impl Into<String>) -> Self {
        self.field = Some(f.into());
        self
    }

    /// The status this error answers with.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The stable code.
    pub fn code(&self) -> &str {
        &self.code
    }

    /// The input field at fault, if one.
    pub fn field_name(&self) -> Option<&str> {
        self.field.as_deref()
    }

    /// The human explanation (English, then Chinese), or the title.
    pub fn message(&self) -> &str {
        self.detail.as_deref().unwrap_or(self.title)
    }

    /// 400: the request could not be read.
    pub fn bad_request(code: &str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, "请求格式错误 / Bad request").detail(detail)
    }

    /// 405: the route exists, not with this method.
    pub fn method_not_allowed() -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "不支持该请求方法 / Method not allowed",
        )
    }

    /// 401: no valid credentials.
    pub fn unauthorized(code: &str) -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            code,
            "未登录或登录已失效 / Not authenticated",
        )
    }

    /// 403: the caller's role may not do this.
    pub fn forbidden(code: &str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, code, "无权执行此操作 / Forbidden").detail(detail)
    }

    /// 404 for anything missing or not visible.
    pub fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            format!("{}_not_found", what.replace(' ', "_")),
            "未找到 / Not found",
        )
        .detail(format!("{what} not found"))
    }

    /// 404 for a ticket the caller may not see (its existence is not leaked).
    pub fn ticket_not_found() -> Self {
        Self::not_found("ticket")
    }

    /// 409: the state or version does not allow it.
    pub fn conflict(code: &str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, "操作冲突 / Conflict").detail(detail)
    }

    /// 413: the body is larger than allowed.
    pub fn too_large(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            "请求内容过大 / Payload too large",
        )
        .detail(detail)
    }

    /// 422: readable but invalid.
    pub fn invalid(field: &str, code: &str, detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            code,
            "输入有误 / Invalid input",
        )
        .detail(detail)
        .field(field)
    }

    /// 429: slow down; `Retry-After` says for how long.
    pub fn too_many_requests(wait_secs: u64) -> Self {
        let mut e = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_attempts",
            "尝试次数过多,请稍后再试 / Too many attempts",
        )
        .detail(format!(
            "try again in {wait_secs} s / 请 {wait_secs} 秒后再试"
        ));
        e.retry_after = Some(wait_secs);
        e
    }

    /// 503: the database cannot be reached.
    pub fn unavailable() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "服务暂不可用 / Service unavailable",
        )
    }

    /// 500: a bug or an unexpected failure; the cause is logged, not sent.
    pub fn internal(cause: &dyn std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "服务器内部错误 / Internal error",
        )
    }
}

impl ApiError {
    /// A rule's error about a generic value (a name, a remark), reported on the request's own
    /// field name.
    pub fn on_field(e: DomainError, field: &'static str) -> Self {
        match e {
            DomainError::Invalid { code, message, .. } => ApiError::invalid(field, code, message),
            other => other.into(),
        }
    }
}

impl From<DomainError> for ApiError {
    fn from(e: DomainError) -> Self {
        match e {
            DomainError::NotVisible => ApiError::ticket_not_found(),
            DomainError::Forbidden { action } => ApiError::forbidden(
                "action_forbidden",
                format!(
                    "your role may not {action} this ticket / 您的角色不能对此工单执行“{}”",
                    action.label_zh()
                ),
            ),
            DomainError::StaleVersion { .. } => ApiError::conflict(
                "stale_version",
                format!("{e}: reload the ticket and try again / 工单已被他人修改,请刷新后重试"),
            ),
            DomainError::InvalidTransition { action, status } => ApiError::conflict(
                "invalid_transition",
                format!(
                    "{e} / 工单处于“{}”状态,不能“{}”",
                    status.label_zh(),
                    action.label_zh()
                ),
            ),
            DomainError::Invalid {
                field,
                code,
                message,
            } => ApiError::invalid(field, code, message),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => ApiError::not_found(what),
            StoreError::Domain(d) => d.into(),
            StoreError::Conflict { code, message } => ApiError::conflict(code, message),
            StoreError::Invalid {
                field,
                code,
                message,
            } => ApiError::invalid(field, code, message),
            StoreError::Unavailable(cause) => {
                tracing::warn!(error = %cause, "database unavailable");
                ApiError::unavailable()
            }
            StoreError::Db(cause) => ApiError::internal(&cause),
            other @ StoreError::Corrupt(_) => ApiError::internal(&other),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if self.status.is_client_error() {
            tracing::debug!(status = %self.status, code = %self.code, detail = ?self.detail, "request refused");
        }
        let body = Problem {
            kind: format!("https://gridline.invalid/problems/{}", self.code),
            title: self.title.to_owned(),
            status: self.status.as_u16(),
            detail: self.detail,
            code: self.code,
            field: self.field,
        };
        let mut res = (self.status, axum::Json(body)).into_response();
        res.headers_mut().insert(
            header::CONTENT_TYPE,
            header::HeaderValue::from_static("application/problem+json"),
        );
        if let Some(wait) = self.retry_after {
            res.headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from(wait));
        }
        res
    }
}

/// The result type of every handler.
pub type ApiResult<T> = Result<T, ApiError>;
