//! The pages over plain HTTP (a cookie-keeping client, no browser): sign-in, redirects, the
//! download, attachments and the refusals that need no JavaScript to see.

mod admin;
mod attachments;
mod handling;
mod people;
mod policies;
mod projects;
mod register;
mod structure;
mod visits;
mod work;

use reqwest::StatusCode;

use crate::both_engines;
use crate::support::{Engine, PASSWORD, TestApp};
use crate::world::World;

/// A browser-like client: keeps cookies, does not follow redirects (so tests see them).
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The value of the first `<input name=… value=…>` of that name.
pub fn input_value(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let at = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no input {name}"))
        + marker.len();
    html[at..at + html[at..].find('"').unwrap()]
        .replace("&#x2f;", "/")
        .replace("&amp;", "&")
}

pub fn csrf(html: &str) -> String {
    input_value(html, "_csrf")
}

pub async fn get(c: &reqwest::Client, app: &TestApp, path: &str) -> (StatusCode, String) {
    let r = c.get(app.url(path)).send().await.unwrap();
    (r.status(), r.text().await.unwrap())
}

/// Signs in through the form; returns the client and a page's CSRF token.
pub async fn sign_in(app: &TestApp, user: &str) -> (reqwest::Client, String) {
    sign_in_with(app, user, PASSWORD).await
}

/// The same with another password (the demo's).
async fn sign_in_with(app: &TestApp, user: &str, password: &str) -> (reqwest::Client, String) {
    let c = client();
    let (_, html) = get(&c, app, "/login").await;
    let res = c
        .post(app.url("/login"))
        .form(&[
            ("username", user),
            ("password", password),
            ("_csrf", &csrf(&html)),
            ("next", "/tickets"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "{user} signs in");
    let (status, html) = get(&c, app, "/tickets").await;
    assert_eq!(status, StatusCode::OK);
    let token = csrf(&html);
    (c, token)
}

async fn sign_in_and_out(engine: Engine) {
    let app = TestApp::start(engine).await;
    let _w = World::build(&app).await;
    let c = client();
    // Unknown paths: the API answers in problem+json, the site with its 404 page.
    let r = c
        .get(app.url("/api/v1/no-such-thing"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let (status, html) = get(&c, &app, "/no-such-page").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(html.contains("data-code=\"not_found\""), "{html}");
    // Not signed in: every page sends to the login page, remembering where to come back.
    let r = c.get(app.url("/inbox?q=x")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/login?next=/inbox%3Fq%3Dx");
    let (_, html) = get(&c, &app, "/login").await;
    let token = csrf(&html);
    // A login post without the form's token is refused (login CSRF).
    let r = c
        .post(app.url("/login"))
        .form(&[("username", "liaison.a"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // A wrong password: 401, the message, the username kept.
    let r = c
        .post(app.url("/login"))
        .form(&[
            ("username", "liaison.a"),
            ("password", "wrong"),
            ("_csrf", &token),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let body = r.text().await.unwrap();
    assert!(body.contains("用户名或密码错误"), "{body}");
    assert!(body.contains("value=\"liaison.a\""));
    // Right password; an off-site `next` is not followed.
    let r = c
        .post(app.url("/login"))
        .form(&[
            ("username", "liaison.a"),
            ("password", PASSWORD),
            ("_csrf", &token),
            ("next", "//evil.example/x"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/");
    let cookies: Vec<String> = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    let session = cookies
        .iter()
        .find(|c| c.starts_with("gl_session="))
        .unwrap();
    assert!(
        session.contains("HttpOnly") && session.contains("SameSite=Lax"),
        "{session}"
    );
    // The old browser id is replaced at login: the pre-login token no longer works.
    let r = c
        .post(app.url("/logout"))
        .form(&[("_csrf", &token)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // Home is the role's page; English on request.
    let r = c.get(app.url("/")).send().await.unwrap();
    assert_eq!(r.headers()["location"], "/tickets/new");
    c.get(app.url("/lang/en?next=/tickets"))
        .send()
        .await
        .unwrap();
    let (_, html) = get(&c, &app, "/tickets/new").await;
    assert!(
        html.contains("Choose the enterprise"),
        "English after the switch"
    );
    assert!(html.contains("<html lang=\"en\">"));
    // Log out with the token: the session is gone.
    let r = c
        .post(app.url("/logout"))
        .form(&[("_csrf", &csrf(&html))])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = c.get(app.url("/tickets")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "signed out");
}

/// A session in use is renewed (same sign-in time); one signed in more than a working day
/// ago is not, so it ends within a token's lifetime however busy it is.
async fn sessions_renew_within_a_working_day(engine: Engine) {
    use jsonwebtoken::{EncodingKey, Header};
    let app = TestApp::start(engine).await;
    let w = World::build(&app).await;
    let now = chrono::Utc::now().timestamp();
    let token = |iat: i64, auth_time: i64| {
        let claims = serde_json::json!({
            "sub": w.id("liaison_a").to_string(), "role": "liaison", "iat": iat, "nbf": iat,
            "exp": iat + 1800, "iss": "gridline", "aud": "gridline-api", "auth_time": auth_time,
        });
        jsonwebtoken::encode(
            &Header::default(),
            &claims,
            &EncodingKey::from_secret(crate::support::TEST_SECRET.as_bytes()),
        )
        .unwrap()
    };
    let fetch = |cookie: String| {
        let c = client();
        let url = app.url("/tickets");
        async move {
            let r = c.get(url).header("cookie", cookie).send().await.unwrap();
            let renewed: Vec<String> = r
                .headers()
                .get_all("set-cookie")
                .iter()
                .map(|v| v.to_str().unwrap().to_owned())
                .filter(|v| v.starts_with("gl_session="))
                .collect();
            (r.status(), renewed)
        }
    };
    // Fresh: no renewal needed.
    let (status, renewed) = fetch(format!("gl_session={}; gl_sid=x", token(now, now))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(renewed.is_empty());
    // Past half its life, signed in this morning: renewed, keeping the sign-in time.
    let signed_in = now - 3 * 3600;
    let (status, renewed) = fetch(format!(
        "gl_session={}; gl_sid=x",
        token(now - 1200, signed_in)
    ))
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(renewed.len(), 1, "renewed");
    let fresh = renewed[0]
        .trim_start_matches("gl_session=")
        .split(';')
        .next()
        .unwrap();
    let payload = fresh.split('.').nth(1).unwrap();
    use base64::Engine as _;
    let claims: serde_json::Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap();
    assert_eq!(claims["auth_time"], signed_in);
    assert!(claims["iat"].as_i64().unwrap() >= now);
    assert!(renewed[0].contains("HttpOnly"));
    // Signed in 13 hours ago: still valid for now, but not renewed.
    let (status, renewed) = fetch(format!(
        "gl_session={}; gl_sid=x",
        token(now - 1200, now - 13 * 3600)
    ))
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(renewed.is_empty(), "no renewal past a working day");
}

both_engines!(sessions_renew_within_a_working_day, sign_in_and_out,);
