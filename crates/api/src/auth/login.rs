//! `POST /api/v1/auth/login`: a username and password for an access token.

use std::net::{IpAddr, SocketAddr};

use axum::Extension;
use axum::extract::{ConnectInfo, State};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::Json;
use crate::state::AppState;

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
}

/// Checks a username and password (throttled per account and address) and issues a token.
/// The API's login and the pages' login both come through here.
pub async fn sign_in(
    state: &AppState,
    address: IpAddr,
    username: &str,
    password: String,
) -> ApiResult<String> {
    if let Err(wait) = state.auth.limiter.check(username, address) {
        tracing::warn!(%username, %address, "login attempts throttled");
        return Err(ApiError::too_many_requests(wait));
    }
    // A username is printable: a NUL would reach the database (a 500 on PostgreSQL).
    if username.chars().any(char::is_control) {
        return Err(ApiError::invalid(
            "username",
            "control_character",
            "contains a control character / 含有控制字符",
        ));
    }
    let user = if username.len() <= 64 {
        state.store.user_by_username(username).await?
    } else {
        None
    };
    let user = user.filter(|u| u.active);
    let auth = state.auth.clone();
    let hash = user.as_ref().map(|u| u.password_hash.clone());
    // Hashing is deliberately slow: keep it off the async worker threads.
    let ok = tokio::task::spawn_blocking(move || auth.verify_password(&password, hash.as_deref()))
        .await
        .map_err(|e| ApiError::internal(&e))?;
    let Some(user) = user.filter(|_| ok) else {
        tracing::info!(%username, "failed login");
        return Err(ApiError::unauthorized("invalid_credentials")
            .detail("wrong username or password / 用户名或密码错误"));
    };
    let role = gridline_domain::Role::parse(&user.role)
        .ok_or_else(|| ApiError::internal(&format!("stored role {}", user.role)))?;
    state.auth.limiter.remember(username, address);
    state.auth.issue(
        gridline_domain::UserId(user.id),
        role,
        user.token_epoch,
        state.now(),
    )
}

/// Signs the caller out everywhere: this token and every other one issued to them before,
/// API tokens and page sessions alike, are refused from now on (on other processes within
/// `auth.actor_cache_secs`).
pub async fn sign_out(state: &AppState, user: gridline_domain::UserId) -> ApiResult<()> {
    state.store.revoke_tokens(user).await?;
    state.actors.forget(user.0);
    Ok(())
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
    auth: crate::auth::AuthUser,
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
    let token = sign_in(&state, address, &req.username, req.password).await?;
    Ok(axum::Json(TokenResponse {
        access_token: token,
        token_type: "Bearer",
        expires_in: state.auth.token_ttl_secs,
    }))
}
