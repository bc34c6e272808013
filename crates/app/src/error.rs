//! The one error policy, for every door.
//!
//! - Every failure is an [`AppError`]: a [`ErrorKind`] (what sort of failure), a stable
//!   `code` clients and pages branch on, a `title` in Chinese then English, and an optional
//!   `detail` and `field`. The JSON door answers problem+json, the pages a page in the
//!   viewer's language, the CLI a line; each maps [`ErrorKind`] its own way.
//! - Kinds: malformed input, not signed in, role may not, invisible or missing (one answer:
//!   existence is not leaked), stale version or wrong state, oversize, well-formed but
//!   invalid, too many attempts, database unreachable, anything else.
//! - Database errors are mapped once, in the store (`StoreError`), and once here.
//! - Internal causes are logged at `error!` and never shown; bad input is not an error log.

use gridline_domain::DomainError;
use gridline_store::StoreError;

/// What sort of failure, independent of any transport.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The request could not be read.
    BadRequest,
    /// No valid credentials.
    Unauthorized,
    /// The caller's role may not do this.
    Forbidden,
    /// Missing, or not visible to the caller.
    NotFound,
    /// The route exists, not with this method.
    MethodNotAllowed,
    /// The state or version does not allow it.
    Conflict,
    /// Larger than allowed.
    TooLarge,
    /// Readable but invalid.
    Invalid,
    /// Slow down.
    TooManyRequests,
    /// The database (or another dependency) cannot be reached, or the server is busy.
    Unavailable,
    /// A bug or an unexpected failure.
    Internal,
}

impl ErrorKind {
    /// The HTTP status both web doors answer with.
    pub fn http_status(self) -> u16 {
        match self {
            ErrorKind::BadRequest => 400,
            ErrorKind::Unauthorized => 401,
            ErrorKind::Forbidden => 403,
            ErrorKind::NotFound => 404,
            ErrorKind::MethodNotAllowed => 405,
            ErrorKind::Conflict => 409,
            ErrorKind::TooLarge => 413,
            ErrorKind::Invalid => 422,
            ErrorKind::TooManyRequests => 429,
            ErrorKind::Unavailable => 503,
            ErrorKind::Internal => 500,
        }
    }
}

/// A failure of a use case, on its way to a door.
#[derive(Debug, Clone)]
pub struct AppError {
    kind: ErrorKind,
    retry_after: Option<u64>,
    code: String,
    title: &'static str,
    detail: Option<String>,
    field: Option<String>,
}

impl AppError {
    fn new(kind: ErrorKind, code: impl Into<String>, title: &'static str) -> Self {
        Self {
            kind,
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

    /// What sort of failure.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The short summary, Chinese then English.
    pub fn title(&self) -> &'static str {
        self.title
    }

    /// The explanation, if one.
    pub fn detail_text(&self) -> Option<&str> {
        self.detail.as_deref()
    }

    /// Seconds to wait before trying again, for [`ErrorKind::TooManyRequests`].
    pub fn retry_after(&self) -> Option<u64> {
        self.retry_after
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
        Self::new(ErrorKind::BadRequest, code, "请求格式错误 / Bad request").detail(detail)
    }

    /// 405: the route exists, not with this method.
    pub fn method_not_allowed() -> Self {
        Self::new(
            ErrorKind::MethodNotAllowed,
            "method_not_allowed",
            "不支持该请求方法 / Method not allowed",
        )
    }

    /// 401: no valid credentials.
    pub fn unauthorized(code: &str) -> Self {
        Self::new(
            ErrorKind::Unauthorized,
            code,
            "未登录或登录已失效 / Not authenticated",
        )
    }

    /// 403: the caller's role may not do this.
    pub fn forbidden(code: &str, detail: impl Into<String>) -> Self {
        Self::new(ErrorKind::Forbidden, code, "无权执行此操作 / Forbidden").detail(detail)
    }

    /// 404 for anything missing or not visible.
    pub fn not_found(what: &str) -> Self {
        Self::new(
            ErrorKind::NotFound,
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
        Self::new(ErrorKind::Conflict, code, "操作冲突 / Conflict").detail(detail)
    }

    /// 413: the body is larger than allowed.
    pub fn too_large(detail: impl Into<String>) -> Self {
        Self::new(
            ErrorKind::TooLarge,
            "body_too_large",
            "请求内容过大 / Payload too large",
        )
        .detail(detail)
    }

    /// 422: readable but invalid.
    pub fn invalid(field: &str, code: &str, detail: impl Into<String>) -> Self {
        Self::new(ErrorKind::Invalid, code, "输入有误 / Invalid input")
            .detail(detail)
            .field(field)
    }

    /// 429: slow down; `Retry-After` says for how long.
    pub fn too_many_requests(wait_secs: u64) -> Self {
        let mut e = Self::new(
            ErrorKind::TooManyRequests,
            "too_many_attempts",
            "尝试次数过多,请稍后再试 / Too many attempts",
        )
        .detail(format!(
            "try again in {wait_secs} s / 请 {wait_secs} 秒后再试"
        ));
        e.retry_after = Some(wait_secs);
        e
    }

    /// 503: the database cannot be reached or cannot take writes now; nothing was written.
    /// `Retry-After` says when to try again.
    pub fn unavailable() -> Self {
        let mut e = Self::new(
            ErrorKind::Unavailable,
            "unavailable",
            "服务暂不可用 / Service unavailable",
        )
        .detail("the database is out of reach; nothing was saved, try again shortly / 数据库暂不可用，本次未保存，请稍后重试");
        e.retry_after = Some(UNAVAILABLE_RETRY_SECS);
        e
    }

    /// 503: too busy right now (a bounded resource is taken); try again shortly.
    pub fn busy() -> Self {
        Self::new(
            ErrorKind::Unavailable,
            "busy",
            "服务器繁忙,请稍后再试 / Busy, try again shortly",
        )
    }

    /// 500: a bug or an unexpected failure; the cause is logged, not sent.
    pub fn internal(cause: &dyn std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        Self::new(
            ErrorKind::Internal,
            "internal",
            "服务器内部错误 / Internal error",
        )
    }
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message())
    }
}

impl std::error::Error for AppError {}

impl AppError {
    /// A rule's error about a generic value (a name, a remark), reported on the request's own
    /// field name.
    pub fn on_field(e: DomainError, field: &'static str) -> Self {
        match e {
            DomainError::Invalid { code, message, .. } => AppError::invalid(field, code, message),
            other => other.into(),
        }
    }
}

impl From<DomainError> for AppError {
    fn from(e: DomainError) -> Self {
        match e {
            DomainError::NotVisible => AppError::ticket_not_found(),
            DomainError::Forbidden { action } => AppError::forbidden(
                "action_forbidden",
                format!(
                    "your role may not {action} this ticket / 您的角色不能对此工单执行“{}”",
                    action.label_zh()
                ),
            ),
            DomainError::StaleVersion { .. } => AppError::conflict(
                "stale_version",
                format!("{e}: reload the ticket and try again / 工单已被他人修改,请刷新后重试"),
            ),
            DomainError::InvalidTransition { action, status } => AppError::conflict(
                "invalid_transition",
                format!(
                    "{e} / 工单处于“{}”状态,不能“{}”",
                    status.label_zh(),
                    action.label_zh()
                ),
            ),
            DomainError::HandoverNeeded(h) => AppError::conflict("handover_needed", h.describe()),
            DomainError::Invalid {
                field,
                code,
                message,
            } => AppError::invalid(field, code, message),
        }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => AppError::not_found(what),
            StoreError::Domain(d) => d.into(),
            StoreError::Conflict { code, message } => AppError::conflict(code, message),
            StoreError::Invalid {
                field,
                code,
                message,
            } => AppError::invalid(field, code, message),
            StoreError::Unavailable(cause) => {
                tracing::warn!(error = %cause, "database unavailable");
                metrics::counter!("db_unavailable_total").increment(1);
                AppError::unavailable()
            }
            StoreError::Db(cause) => AppError::internal(&cause),
            other @ StoreError::Corrupt(_) => AppError::internal(&other),
        }
    }
}

/// How long a client waits after a 503 for an unreachable database.
pub const UNAVAILABLE_RETRY_SECS: u64 = 5;

/// The result of every use case.
pub type AppResult<T> = Result<T, AppError>;
