//! The JSON door's authentication: the Bearer token becomes a [`Caller`] (see
//! `gridline_app::auth`), and sign-in and sign-out.

mod login;
mod me;

pub use login::{__path_login, __path_logout, LoginRequest, TokenResponse, login, logout};
pub use me::{__path_me, MeResponse, me};

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use gridline_app::auth::authenticate;
use gridline_app::{AppError, AppState, Caller};

use crate::error::ApiError;

/// The caller, authenticated by a Bearer token and still active.
pub struct AuthUser(pub Caller);

impl std::ops::Deref for AuthUser {
    type Target = Caller;
    fn deref(&self) -> &Caller {
        &self.0
    }
}

impl FromRequestParts<AppState> for AuthUser {
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
        Ok(AuthUser(authenticate(state, token.trim()).await?))
    }
}
