//! `POST /api/v1/auth/login` and `/logout`.

use std::net::{IpAddr, SocketAddr};

use axum::Extension;
use axum::extract::{ConnectInfo, State};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use gridline_app::AppState;
use gridline_app::auth::{sign_in, sign_out};

use crate::error::{ApiResult, Problem};
use crate::extract::Json;

/// Credentials.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

impl std::fmt::Debug for LoginRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginRequest")
            .field("username", &self.username)
            .field("password", &"***")
            .finish()
    }
}

/// An access token.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until the token expires.
    pub expires_in: i64,
    /// An administrator reset the password: every call but `/api/v1/me`, sign-out and
    /// `POST /api/v1/auth/password` answers 403 `password_change_required` until a new one
    /// is chosen.
    pub must_change_password: bool,
}

/// Signs out: every token of the caller's, this one included, stops working.
#[utoipa::path(
    post,
    path = "/api/v1/auth/logout",
    tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "signed out everywhere"),
        (status = 401, body = Problem),
    )
)]
pub async fn logout(
    State(state): State<AppState>,
    auth: crate::auth::AnyAuthUser,
) -> ApiResult<axum::http::StatusCode> {
    sign_out(&state, auth.actor.id()).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

/// Logs in.
#[utoipa::path(
    post,
    path = "/api/v1/auth/login",
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, body = TokenResponse),
        (status = 401, description = "wrong username or password", body = Problem),
        (status = 429, description = "too many attempts for this account or address", body = Problem),
    )
)]
pub async fn login(
    State(state): State<AppState>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    Json(req): Json<LoginRequest>,
) -> ApiResult<axum::Json<TokenResponse>> {
    // The peer address (behind a reverse proxy this is the proxy's; see README).
    let address = peer.map_or(IpAddr::from([0, 0, 0, 0]), |Extension(ConnectInfo(a))| {
        a.ip()
    });
    let signed = sign_in(&state, address, &req.username, req.password).await?;
    Ok(axum::Json(TokenResponse {
        access_token: signed.token,
        token_type: "Bearer",
        expires_in: state.auth.token_ttl_secs,
        must_change_password: signed.must_change_password,
    }))
}
