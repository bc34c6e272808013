//! Sessions, CSRF and the language switch.
//!
//! - `gl_session`: the API's access token (HS256 JWT), HttpOnly, SameSite=Lax, renewed while
//!   in use (sliding: a session ends after `auth.token_ttl_secs` of inactivity).
//! - `gl_sid`: a random per-browser id, HttpOnly. Every form carries
//!   `_csrf = HMAC(secret, gl_sid)`; a post without it, or with another browser's, is
//!   refused with 403. A new id is issued at login and logout.
//! - `gl_lang`: `zh` (default) or `en`.

use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};

use axum::Extension;
use axum::extract::{ConnectInfo, FromRequestParts, Path, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use gridline_app::auth::{AuthKeys, authenticate_claims, sign_in, sign_out};
use gridline_app::{AppState, Caller, ErrorKind};
use gridline_domain::{Role, UserId};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Deserialize;

use crate::i18n::Lang;
use crate::render::{Ctx, PageError, page};

pub const SESSION: &str = "gl_session";
pub const SID: &str = "gl_sid";
pub const LANG: &str = "gl_lang";
const CSRF_PURPOSE: &str = "csrf";
/// However busy, a session ends this long after its password check (then at most one
/// token lifetime more).
pub const SESSION_MAX_SECS: i64 = 12 * 3600;

fn https(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("https"))
}

fn cookie(name: &'static str, value: String, http_only: bool, secure: bool) -> Cookie<'static> {
    Cookie::build((name, value))
        .path("/")
        .http_only(http_only)
        .same_site(SameSite::Lax)
        .secure(secure)
        .build()
}

/// The language of a request: the cookie, else Chinese.
pub fn lang_of(jar: &CookieJar) -> Lang {
    jar.get(LANG)
        .and_then(|c| Lang::parse(c.value()))
        .unwrap_or_default()
}

fn new_sid() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// A signed-in person looking at a page.
pub struct Viewer {
    pub auth: Caller,
    pub lang: Lang,
    /// The token forms must carry.
    pub csrf: String,
    sid: String,
    keys: Arc<AuthKeys>,
}

impl Viewer {
    /// The role.
    pub fn role(&self) -> Role {
        self.auth.actor.role()
    }

    /// The user's id.
    pub fn id(&self) -> UserId {
        self.auth.actor.id()
    }

    /// Refuses a form whose token is missing or belongs to another browser.
    pub fn check_csrf(&self, presented: &str) -> Result<(), PageError> {
        if self.keys.verify_mac(CSRF_PURPOSE, &self.sid, presented) {
            Ok(())
        } else {
            Err(PageError::csrf())
        }
    }

    /// Refuses anyone but these roles.
    pub fn require(&self, roles: &[Role]) -> Result<(), PageError> {
        if roles.contains(&self.role()) {
            Ok(())
        } else {
            Err(PageError::forbidden())
        }
    }

    /// The page context for this viewer.
    pub fn ctx(&self, path: &str) -> Ctx {
        Ctx::signed_in(self, path)
    }
}

/// A renewed session token the middleware sets on the way out.
#[derive(Clone, Default)]
struct Renewal(Arc<Mutex<Option<String>>>);

impl FromRequestParts<AppState> for Viewer {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let jar = CookieJar::from_headers(&parts.headers);
        let lang = lang_of(&jar);
        let to_login = || {
            // After signing in, a GET comes back to where it was; a post starts from home
            // (its form is gone).
            let next = if parts.method == axum::http::Method::GET {
                parts.uri.path_and_query().map_or("/", |p| p.as_str())
            } else {
                "/"
            }
            .to_owned();
            Redirect::to(&format!("/login?next={}", urlencoding(&next))).into_response()
        };
        let (Some(token), Some(sid)) = (jar.get(SESSION), jar.get(SID)) else {
            return Err(to_login());
        };
        let claims = state
            .auth
            .verify(token.value(), state.now())
            .map_err(|_| to_login())?;
        let auth = match authenticate_claims(state, &claims).await {
            Ok(a) => a,
            Err(e) if matches!(e.kind(), ErrorKind::Internal | ErrorKind::Unavailable) => {
                return Err(PageError::from(e).into_response());
            }
            Err(_) => return Err(to_login()),
        };
        // After an administrator's reset, choosing a new password comes first.
        if auth.require_current_password().is_err()
            && !matches!(parts.uri.path(), PASSWORD_PAGE | "/logout")
        {
            return Err(Redirect::to(PASSWORD_PAGE).into_response());
        }
        // Renew a session past half its life, so an officer working all morning stays in;
        // but not past a working day from the password check.
        let now = state.now().timestamp();
        let signed_in = claims.auth_time.unwrap_or(claims.iat);
        if now - claims.iat > state.auth.token_ttl_secs / 2
            && now - signed_in < SESSION_MAX_SECS
            && let Some(slot) = parts.extensions.get::<Renewal>()
            && let Ok(fresh) = state.auth.renew(&claims, auth.actor.role(), state.now())
            && let Ok(mut s) = slot.0.lock()
        {
            *s = Some(fresh);
        }
        let sid = sid.value().to_owned();
        Ok(Viewer {
            csrf: state.auth.mac(CSRF_PURPOSE, &sid),
            auth,
            lang,
            sid,
            keys: state.auth.clone(),
        })
    }
}

/// Sets the renewed session cookie, if the request's extractor made one.
pub async fn refresh(mut req: Request, next: Next) -> Response {
    let slot = Renewal::default();
    let secure = https(req.headers());
    req.extensions_mut().insert(slot.clone());
    let mut res = next.run(req).await;
    let fresh = slot.0.lock().ok().and_then(|mut s| s.take());
    if let Some(token) = fresh
        && let Ok(v) = HeaderValue::from_str(&cookie(SESSION, token, true, secure).to_string())
    {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

/// Percent-encodes a query value (slashes kept, so `next=/inbox` stays readable).
pub fn urlencoding(s: &str) -> String {
    const QUERY: &AsciiSet = &NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~')
        .remove(b'/');
    utf8_percent_encode(s, QUERY).to_string()
}

/// Where a redirect may go: a path of this site, else home. The one check for every
/// redirect the pages make from input (after sign-in, the language switch, an action's
/// `back`), so no page can send a browser to another origin.
///
/// A target must start with a single `/`, and hold no `\`, whitespace or control character
/// (browsers drop a TAB or newline and read `/\t/evil.example` as `//evil.example`, and treat
/// `\` as `/`). What passes is parsed as a path and query and re-serialised (non-ASCII
/// percent-encoded), so the `Location` header is always valid.
pub fn safe_next(next: Option<&str>) -> String {
    const HOME: &str = "/";
    let Some(n) = next else {
        return HOME.to_owned();
    };
    let well_formed = n.starts_with('/')
        && !n.starts_with("//")
        && !n
            .chars()
            .any(|c| c == '\\' || c.is_whitespace() || c.is_control());
    if !well_formed {
        return HOME.to_owned();
    }
    let encoded = utf8_percent_encode(n, percent_encoding::CONTROLS).to_string();
    match encoded.parse::<axum::http::uri::PathAndQuery>() {
        Ok(pq) if pq.path().starts_with('/') && !pq.path().starts_with("//") => {
            pq.as_str().to_owned()
        }
        _ => HOME.to_owned(),
    }
}

#[derive(Debug, Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

fn login_view(
    state: &AppState,
    jar: CookieJar,
    headers: &HeaderMap,
    next: &str,
    username: &str,
    error: Option<(axum::http::StatusCode, String)>,
) -> Response {
    let lang = lang_of(&jar);
    let (jar, sid) = match jar.get(SID) {
        Some(c) => {
            let v = c.value().to_owned();
            (jar, v)
        }
        None => {
            let sid = new_sid();
            (jar.add(cookie(SID, sid.clone(), true, https(headers))), sid)
        }
    };
    let ctx = Ctx::anonymous(lang, "/login", state.auth.mac(CSRF_PURPOSE, &sid));
    let (status, error) = match error {
        Some((status, message)) => (status, Some(message)),
        None => (axum::http::StatusCode::OK, None),
    };
    let body = page(
        "login.html",
        &ctx,
        serde_json::json!({ "next": next, "username": username, "error": error }),
    );
    (status, jar, body).into_response()
}

/// `GET /login`.
pub async fn login_page(
    State(state): State<AppState>,
    jar: CookieJar,
    headers: HeaderMap,
    Query(q): Query<NextQuery>,
) -> Response {
    let next = safe_next(q.next.as_deref());
    login_view(&state, jar, &headers, &next, "", None)
}

#[derive(Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    #[serde(default)]
    next: Option<String>,
    #[serde(rename = "_csrf", default)]
    csrf: String,
}

/// The page where everyone changes their own password.
pub const PASSWORD_PAGE: &str = "/account/password";

/// A session for `token` in a fresh browser id: a token planted before is worthless after.
pub fn start_session(jar: CookieJar, headers: &HeaderMap, token: String) -> CookieJar {
    let secure = https(headers);
    jar.add(cookie(SESSION, token, true, secure))
        .add(cookie(SID, new_sid(), true, secure))
}

/// `POST /login`: checks the password as the API does, then starts a session.
pub async fn login(
    State(state): State<AppState>,
    jar: CookieJar,
    headers: HeaderMap,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    axum::Form(form): axum::Form<LoginForm>,
) -> Result<Response, PageError> {
    let sid = jar
        .get(SID)
        .map(|c| c.value().to_owned())
        .unwrap_or_default();
    if sid.is_empty() || !state.auth.verify_mac(CSRF_PURPOSE, &sid, &form.csrf) {
        return Err(PageError::csrf());
    }
    let next = safe_next(form.next.as_deref());
    let address = peer.map_or(IpAddr::from([0, 0, 0, 0]), |Extension(ConnectInfo(a))| {
        a.ip()
    });
    match sign_in(&state, address, form.username.trim(), form.password).await {
        Ok(signed) => {
            let jar = start_session(jar, &headers, signed.token);
            let to = if signed.must_change_password {
                PASSWORD_PAGE
            } else {
                &next
            };
            Ok((jar, Redirect::to(to)).into_response())
        }
        Err(e) if !matches!(e.kind(), ErrorKind::Internal | ErrorKind::Unavailable) => {
            let lang = lang_of(&jar);
            let msg = crate::i18n::app_error_text(lang, &e);
            Ok(login_view(
                &state,
                jar,
                &headers,
                &next,
                form.username.trim(),
                Some((crate::render::status_of(&e), msg)),
            ))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct CsrfOnly {
    #[serde(rename = "_csrf", default)]
    csrf: String,
}

/// `POST /logout`: ends this session and every other of the user's (the cookie alone would
/// leave a copied token working until it expires).
pub async fn logout(
    State(state): State<AppState>,
    viewer: Viewer,
    jar: CookieJar,
    headers: HeaderMap,
    axum::Form(form): axum::Form<CsrfOnly>,
) -> Result<Response, PageError> {
    viewer.check_csrf(&form.csrf)?;
    sign_out(&state, viewer.id()).await?;
    let jar = jar.remove(Cookie::build(SESSION).path("/")).add(cookie(
        SID,
        new_sid(),
        true,
        https(&headers),
    ));
    Ok((jar, Redirect::to("/login")).into_response())
}

/// `GET /lang/{zh|en}?next=…`: remembers the language for a year.
pub async fn switch_lang(
    headers: HeaderMap,
    Path(lang): Path<String>,
    Query(q): Query<NextQuery>,
) -> Response {
    let lang = Lang::parse(&lang).unwrap_or_default();
    let secure = if https(&headers) { "; Secure" } else { "" };
    let set = format!(
        "{LANG}={}; Path=/; Max-Age=31536000; SameSite=Lax{secure}",
        lang.as_str()
    );
    let mut res = Redirect::to(&safe_next(q.next.as_deref())).into_response();
    if let Ok(v) = HeaderValue::from_str(&set) {
        res.headers_mut().insert(header::SET_COOKIE, v);
    }
    res
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn redirects_stay_on_this_site() {
        for ok in [
            "/",
            "/inbox",
            "/tickets?status=submitted&q=%E5%9C%B0",
            "/dashboard?grid=3",
        ] {
            assert_eq!(safe_next(Some(ok)), ok);
        }
        // Non-ASCII is percent-encoded, so the Location header is always valid.
        assert_eq!(
            safe_next(Some("/tickets?q=用地")),
            "/tickets?q=%E7%94%A8%E5%9C%B0"
        );
        for bad in [
            "//evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r\n/evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "/ /evil.example",
            "/\u{0}",
            "/\u{a0}/evil.example",
            "https://evil.example",
            "evil.example",
            "",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(safe_next(None), "/");
    }
}
