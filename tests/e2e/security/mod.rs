//! The security suite: one test per defect found by hostile testing (and per hardening
//! point), each named after what it guards, on SQLite and PostgreSQL. Each failed on the code
//! before its fix; README ("Reliability") lists them.
//!
//! - `sessions`: redirects, sign-out and revocation, login throttling;
//! - `scopes`: who sees what (a grid-less dispatcher, a task force after a reopen, user
//!   addresses) and hostile input (dashboard periods, control characters, LIKE wildcards);
//! - `uploads`: the filing form read only after the checks, bounded, attachments served as
//!   downloads, 413s;
//! - `hardening`: the demo and the development secret, passwords, mail subjects.

mod hardening;
mod scopes;
mod sessions;
mod uploads;

use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Database};

use crate::pages_http::{client, csrf};
use crate::support::{PASSWORD, TestApp};

/// A page session by hand (no cookie store): the `Cookie` header a browser would send after
/// signing in as `user`, and a CSRF token for its forms.
pub async fn page_cookie(app: &TestApp, user: &str) -> (String, String) {
    let c = client();
    let r = c.get(app.url("/login")).send().await.unwrap();
    let sid = set_cookie(&r, "gl_sid");
    let token = csrf(&r.text().await.unwrap());
    let r = c
        .post(app.url("/login"))
        .header("cookie", format!("gl_sid={sid}"))
        .form(&[
            ("username", user),
            ("password", PASSWORD),
            ("_csrf", &token),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{user} signs in");
    let cookie = format!(
        "gl_session={}; gl_sid={}",
        set_cookie(&r, "gl_session"),
        set_cookie(&r, "gl_sid")
    );
    let html = get_as(app, &cookie, "/tickets").await.text().await.unwrap();
    (cookie, csrf(&html))
}

pub fn set_cookie(r: &reqwest::Response, name: &str) -> String {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix(&format!("{name}=")))
        .map(|v| v.split(';').next().unwrap().to_owned())
        .unwrap_or_else(|| panic!("no {name} cookie set"))
}

/// GETs `path` as the browser whose cookies are `cookie` (no redirect followed).
pub async fn get_as(app: &TestApp, cookie: &str, path: &str) -> reqwest::Response {
    client()
        .get(app.url(path))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap()
}

pub fn location(r: &reqwest::Response) -> String {
    r.headers()["location"].to_str().unwrap().to_owned()
}

pub async fn execute(app: &TestApp, sql: &str) {
    let db = Database::connect(&app.db.url).await.unwrap();
    db.execute_unprepared(sql).await.unwrap();
    db.close().await.unwrap();
}
