//! One file per page group.

pub mod admin;
pub mod bulletins;
pub mod dashboard;
pub mod enterprise;
pub mod evidence;
pub mod file;
pub mod lists;
pub mod people;
pub mod policies;
pub mod projects;
pub mod register;
pub mod structure;
pub mod ticket;
pub mod visits;
pub mod workload;

use axum::extract::{FromRequest, Request};
use axum::response::{IntoResponse, Redirect, Response};
use gridline_domain::Role;
use serde::de::DeserializeOwned;

use crate::render::PageError;
use crate::session::Viewer;

/// `GET /`: each role's home page.
pub async fn home(v: Viewer) -> Response {
    let to = match v.role() {
        Role::Liaison => "/tickets/new",
        Role::Dispatcher => "/queue",
        Role::DepartmentOfficer => "/inbox",
        Role::TaskForceMember => "/task-force",
        Role::Leader => "/dashboard",
        Role::Tracker => "/tickets?overdue=on",
        Role::Admin => "/admin/users",
    };
    Redirect::to(to).into_response()
}

/// A urlencoded form (repeated keys allowed, for multi-selects); a malformed one is a 400
/// page.
pub struct PageForm<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for PageForm<T> {
    type Rejection = PageError;

    async fn from_request(req: Request, state: &S) -> Result<Self, PageError> {
        axum_extra::extract::Form::<T>::from_request(req, state)
            .await
            .map(|f| PageForm(f.0))
            .map_err(|e| {
                tracing::debug!(error = %e, "form refused");
                PageError::bad_request()
            })
    }
}

/// An empty form value is no value.
pub fn opt(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// Parses an optional id field; garbage is a 400.
pub fn opt_id(s: &Option<String>) -> Result<Option<i64>, PageError> {
    opt(s)
        .map(|v| v.parse::<i64>().map_err(|_| PageError::bad_request()))
        .transpose()
}
