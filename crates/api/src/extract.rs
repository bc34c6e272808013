//! Extractors whose rejections are [`ApiError`]s, so malformed input gets our error shape.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use gridline_app::AppError;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// `axum::Json`, with our errors. Request types use `deny_unknown_fields`.
pub struct Json<T>(pub T);

impl<T, S> FromRequest<S> for Json<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(Json(v)),
            Err(rejection) => Err(json_rejection(rejection)),
        }
    }
}

fn json_rejection(r: JsonRejection) -> ApiError {
    ApiError(app_json_rejection(r))
}

fn app_json_rejection(r: JsonRejection) -> AppError {
    if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return AppError::too_large("the request body is larger than allowed / 请求体超过上限");
    }
    match r {
        JsonRejection::MissingJsonContentType(_) => AppError::bad_request(
            "unsupported_media_type",
            "send the body as application/json / 请以 application/json 提交",
        ),
        JsonRejection::JsonSyntaxError(e) => AppError::bad_request(
            "malformed_json",
            format!("malformed JSON: {}", e.body_text()),
        ),
        JsonRejection::JsonDataError(e) => AppError::invalid(
            "body",
            "invalid_body",
            format!("the body does not fit the schema: {}", e.body_text()),
        ),
        other => AppError::bad_request("unreadable_body", other.body_text()),
    }
}

/// `axum::extract::Query`, with our errors.
pub struct Query<T>(pub T);

impl<T, S> FromRequestParts<S> for Query<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| Query(q.0))
            .map_err(|e: QueryRejection| {
                AppError::bad_request("invalid_query", e.body_text()).into()
            })
    }
}

/// `axum::extract::Path`, with our errors.
pub struct Path<T>(pub T);

impl<T, S> FromRequestParts<S> for Path<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| Path(p.0))
            .map_err(|e: PathRejection| AppError::bad_request("invalid_path", e.body_text()).into())
    }
}

/// Refuses a body whose declared `Content-Length` is over `limit` before anything is read,
/// with our 413 (`body_too_large`) rather than tower-http's plain-text one. Bodies without
/// a length are held to the same limit by `DefaultBodyLimit` as they are read.
pub async fn refuse_declared_oversize(
    axum::extract::State(limit): axum::extract::State<usize>,
    req: Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse as _;
    if gridline_app::declared_length(req.headers()).is_some_and(|n| n > limit as u64) {
        // Read and drop what the client is sending (a little, briefly), so it reads this
        // answer rather than a connection reset mid-upload.
        let drain = axum::body::to_bytes(req.into_body(), gridline_app::DRAIN_MAX);
        let _ = tokio::time::timeout(gridline_app::DRAIN_TIME, drain).await;
        return ApiError::from(AppError::too_large(format!(
            "the request body is larger than {limit} bytes / 请求体超过上限"
        )))
        .into_response();
    }
    next.run(req).await
}
