//! `POST /api/v1/auth/password`: the caller changes their own password.

use axum::extract::State;
use gridline_app::AppState;
use gridline_app::people::change_own_password;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::{AnyAuthUser, TokenResponse};
use crate::error::{ApiResult, Problem};
use crate::extract::Json;

/// The current password and the new one.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePassword {
    pub current_password: String,
    /// 10 to 128 characters, not among the most common passwords.
    pub new_password: String,
}

impl std::fmt::Debug for ChangePassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ChangePassword { *** }")
    }
}

/// Changes the caller's password. Every token issued before (this one included) stops
/// working; the answer carries a fresh one. Allowed while a reset waits for a new password.
#[utoipa::path(
    post,
    path = "/api/v1/auth/password",
    tag = "auth",
    security(("bearer" = [])),
    request_body = ChangePassword,
    responses(
        (status = 200, description = "changed; a fresh token", body = TokenResponse),
        (status = 401, body = Problem),
        (status = 422, description = "wrong current password, or a new one too short or too common", body = Problem),
    )
)]
pub async fn change_password(
    State(state): State<AppState>,
    auth: AnyAuthUser,
    Json(req): Json<ChangePassword>,
) -> ApiResult<axum::Json<TokenResponse>> {
    let token = change_own_password(&state, &auth, req.current_password, &req.new_password).await?;
    Ok(axum::Json(TokenResponse {
        access_token: token,
        token_type: "Bearer",
        expires_in: state.auth.token_ttl_secs,
        must_change_password: false,
    }))
}
