//! The JSON door's authentication: the Bearer token becomes a [`Caller`] (see
//! `gridline_app::auth`), and sign-in and sign-out.

mod login;
mod me;
mod password;

pub use login::{__path_login, __path_logout, LoginRequest, TokenResponse, login, logout};
pub use me::{__path_me, MeResponse, me};
pub use password::{__path_change_password, ChangePassword, change_password};

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use gridline_app::auth::authenticate;
use gridline_app::{AppError, AppState, Caller};

use crate::error::ApiError;

/// The caller, authenticated by a Bearer token, still active, and not waiting to choose a
/// new password after a reset (403 `password_change_required`).
pub struct AuthUser(pub Caller);

/// The caller, authenticated and active, even while a reset waits for a new password: only
/// for who-am-I, signing out and changing the password.
pub struct AnyAuthUser(pub Caller);

impl std::ops::Deref for AnyAuthUser {
    type Target = Caller;
    fn deref(&self) -> &Caller {
        &self.0
    }
}

impl std::ops::Deref for AuthUser {
    type Target = Caller;
    fn deref(&self) -> &Caller {
        &self.0
    }
}

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let AnyAuthUser(caller) = AnyAuthUser::from_request_parts(parts, state).await?;
        caller.require_current_password()?;
        Ok(AuthUser(caller))
    }
}

impl FromRequestParts<AppState> for AnyAuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let header = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| AppError::unauthorized("missing_token"))?;
        let token = header
            .strip_prefix("Bearer ")
            .or_else(|| header.strip_prefix("bearer "))
            .ok_or_else(|| AppError::unauthorized("missing_token"))?;
        Ok(AnyAuthUser(authenticate(state, token.trim()).await?))
    }
}
