//! The security suite: one test per defect found by hostile testing (and per hardening
//! point), each named after what it guards, on SQLite and PostgreSQL. Each failed on the code
//! before its fix; README ("Reliability") lists them.

use std::net::IpAddr;
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::both_engines;
use crate::mail::{SmtpSink, free_port, mail_env};
use crate::pages_http::{client, csrf, get, input_value, sign_in};
use crate::support::{Engine, PASSWORD, TestApp, gridline, run};
use crate::world::{World, credit_code};

/// A page session by hand (no cookie store): the `Cookie` header a browser would send after
/// signing in as `user`, and a CSRF token for its forms.
async fn page_cookie(app: &TestApp, user: &str) -> (String, String) {
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
    let r = c
        .get(app.url("/tickets"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    let html = r.text().await.unwrap();
    (cookie, csrf(&html))
}

fn set_cookie(r: &reqwest::Response, name: &str) -> String {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix(&format!("{name}=")))
        .map(|v| v.split(';').next().unwrap().to_owned())
        .unwrap_or_else(|| panic!("no {name} cookie set"))
}

fn location(r: &reqwest::Response) -> String {
    r.headers()["location"].to_str().unwrap().to_owned()
}

/// Sends a request whose body is declared `declared` bytes long but stops after `first`,
/// and returns the status of the answer (None if none came within `wait`). A server that
/// reads the whole body before it checks anything never answers.
async fn stalled_post(
    app: &TestApp,
    path: &str,
    headers: &[(&str, &str)],
    declared: usize,
    first: &[u8],
    wait: Duration,
) -> (Option<u16>, tokio::net::TcpStream) {
    let addr = app.base.trim_start_matches("http://").to_owned();
    let mut s = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let mut head =
        format!("POST {path} HTTP/1.1\r\nhost: {addr}\r\ncontent-length: {declared}\r\n");
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).await.unwrap();
    s.write_all(first).await.unwrap();
    let mut buf = vec![0u8; 64];
    let status = match tokio::time::timeout(wait, s.read(&mut buf)).await {
        Ok(Ok(n)) if n >= 12 => String::from_utf8_lossy(&buf[9..12]).parse().ok(),
        _ => None,
    };
    (status, s)
}

const BOUNDARY: &str = "gridlinesecurityboundary";

fn part(name: &str, value: &str) -> String {
    format!("--{BOUNDARY}\r\ncontent-disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
}

fn file_head(name: &str) -> String {
    format!(
        "--{BOUNDARY}\r\ncontent-disposition: form-data; name=\"attachments\"; filename=\"{name}\"\r\ncontent-type: image/jpeg\r\n\r\n\u{FF}"
    )
}

async fn execute(app: &TestApp, sql: &str) {
    let db = Database::connect(&app.db.url).await.unwrap();
    db.execute_unprepared(sql).await.unwrap();
    db.close().await.unwrap();
}

/// 1. Redirect targets from input are paths of this site, whatever is typed: a TAB, a
///    newline or a backslash cannot turn them into another origin, nor into a 500.
async fn open_redirect_is_refused(engine: Engine) {
    let app = TestApp::start(engine).await;
    let w = World::build(&app).await;
    let c = client();
    for next in [
        "/%09/evil.example",
        "/%0a/evil.example",
        "/%0d%0a/evil.example",
        "/%5Cevil.example",
        "//evil.example",
        "/%20/evil.example",
        "/%0a",
    ] {
        let r = c
            .get(app.url(&format!("/lang/en?next={next}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{next}");
        assert_eq!(location(&r), "/", "{next}");
    }
    let r = c.get(app.url("/lang/zh?next=/inbox")).send().await.unwrap();
    assert_eq!(location(&r), "/inbox");
    // The sign-in form's `next`.
    let (_, html) = get(&c, &app, "/login").await;
    let r = c
        .post(app.url("/login"))
        .form(&[
            ("username", "liaison.a"),
            ("password", PASSWORD),
            ("_csrf", &csrf(&html)),
            ("next", "/\t/evil.example"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/");
    // An action form's `back`.
    let id = w.file(&app, "重定向检查").await;
    for back in ["/\\evil.example", "/\t/evil.example", "//evil.example"] {
        let (_, page) = get(&c, &app, &format!("/tickets/{id}")).await;
        let r = c
            .post(app.url(&format!("/tickets/{id}/actions/comment")))
            .form(&[
                ("_csrf", csrf(&page).as_str()),
                (
                    "expected_version",
                    input_value(&page, "expected_version").as_str(),
                ),
                ("body", "已看过"),
                ("back", back),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{back:?}");
        assert_eq!(location(&r), "/", "{back:?}");
    }
}

/// 2. Signing out, a password reset, deactivation and a role change end every older token
///    and page session.
async fn tokens_are_revoked(engine: Engine) {
    let app =
        TestApp::start_with(engine, &[("GRIDLINE__AUTH__ACTOR_CACHE_SECS", "1".into())]).await;
    let _w = World::build(&app).await;
    // API: signing out ends this token and every other of the user's.
    let (t1, t2) = (app.login("tracker").await, app.login("tracker").await);
    assert_eq!(app.get(&t1, "/api/v1/me").await.0, StatusCode::OK);
    let (status, _) = app
        .call(
            reqwest::Method::POST,
            "/api/v1/auth/logout",
            Some(&t1),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    for t in [&t1, &t2] {
        let (status, body) = app.get(t, "/api/v1/me").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(body["code"], "token_revoked");
    }
    assert_eq!(
        app.get(&app.login("tracker").await, "/api/v1/me").await.0,
        StatusCode::OK,
        "signing in again works"
    );
    // Pages: the session cookie replayed after signing out.
    let (cookie, token) = page_cookie(&app, "liaison.a").await;
    let c = client();
    let r = c
        .get(app.url("/tickets"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = c
        .post(app.url("/logout"))
        .header("cookie", &cookie)
        .form(&[("_csrf", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = c
        .get(app.url("/tickets"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "the old cookie is out");
    assert!(location(&r).starts_with("/login"));
    // A password reset (the operator's command) ends the sessions made with the old one.
    let before = app.login("officer.d1").await;
    let (page_before, _) = page_cookie(&app, "officer.d1").await;
    run(
        &app.db,
        &["user", "set-password", "--username", "officer.d1"],
        &[("GRIDLINE_PASSWORD", "a brand new passphrase")],
    );
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        app.get(&before, "/api/v1/me").await.0,
        StatusCode::UNAUTHORIZED
    );
    let r = c
        .get(app.url("/inbox"))
        .header("cookie", &page_before)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let after = app.login_with("officer.d1", "a brand new passphrase").await;
    assert_eq!(app.get(&after, "/api/v1/me").await.0, StatusCode::OK);
    // Deactivation and a role change (made in the database: no form changes them yet).
    let deactivated = app.login("tracker2").await;
    let demoted = app.login("liaison.b").await;
    execute(
        &app,
        "UPDATE users SET active = false WHERE username = 'tracker2'",
    )
    .await;
    execute(
        &app,
        "UPDATE users SET role = 'tracker' WHERE username = 'liaison.b'",
    )
    .await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    for t in [&deactivated, &demoted] {
        assert_eq!(app.get(t, "/api/v1/me").await.0, StatusCode::UNAUTHORIZED);
    }
}

/// 2b. Signing out on one server process ends the token on another (same database) within
///     `auth.actor_cache_secs`.
async fn sign_out_reaches_every_process(engine: Engine) {
    let env = [("GRIDLINE__AUTH__ACTOR_CACHE_SECS", "1".to_owned())];
    let app = TestApp::start_with(engine, &env).await;
    let _w = World::build(&app).await;
    let other = TestApp::serve_with(engine, app.db.shared(), &env).await;
    let t = app.login("tracker").await;
    assert_eq!(other.get(&t, "/api/v1/me").await.0, StatusCode::OK);
    let (status, _) = app
        .call(reqwest::Method::POST, "/api/v1/auth/logout", Some(&t), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        other.get(&t, "/api/v1/me").await.0,
        StatusCode::UNAUTHORIZED
    );
}

/// 3. A dispatcher without a grid sees and dispatches nothing; zone-wide dispatching is the
///    explicit service-centre flag.
async fn dispatcher_without_grid_sees_nothing(engine: Engine) {
    let app = TestApp::start(engine).await;
    let w = World::build(&app).await;
    let id = w.file(&app, "A网格的用地问题").await;
    app.post_ok(
        &w.admin,
        "/api/v1/users",
        json!({"username": "head.new", "display_name": "新网格长", "password": PASSWORD, "role": "dispatcher"}),
        201,
    )
    .await;
    let t = app.login("head.new").await;
    let (status, list) = app.get(&t, "/api/v1/tickets").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["items"].as_array().unwrap().len(), 0, "{list}");
    assert_eq!(
        app.get(&t, &format!("/api/v1/tickets/{id}")).await.0,
        StatusCode::NOT_FOUND
    );
    let mut body = w.dispatch_body();
    body["expected_version"] = json!(1);
    let (status, _) = app.act(&t, id, "dispatch", body.clone()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // The page queue is empty too.
    let (c, _) = sign_in(&app, "head.new").await;
    let (_, queue) = get(&c, &app, "/queue").await;
    assert!(!queue.contains("A网格的用地问题"));
    // The service centre, flagged, dispatches anywhere.
    let (status, _) = app.act(w.token("centre"), id, "dispatch", body).await;
    assert_eq!(status, StatusCode::OK);
    // The flag belongs to dispatchers only.
    let (status, err) = app
        .post(
            &w.admin,
            "/api/v1/users",
            json!({"username": "liaison.x", "display_name": "x", "password": PASSWORD, "role": "liaison", "service_centre": true}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(err["code"], "dispatchers_only");
}

/// 4. Once a ticket the task force resolved is reopened, it is the department's again: the
///    task force may not resolve it (nor is it offered the form).
async fn task_force_cannot_resolve_reopened_ticket(engine: Engine) {
    let app = TestApp::start(engine).await;
    let w = World::build(&app).await;
    let id = w.prepare(&app, "escalated").await;
    w.step(
        &app,
        "tf_member",
        id,
        "resolve",
        json!({"resolution": "专班协调完成"}),
    )
    .await;
    w.step(
        &app,
        "liaison_a",
        id,
        "report",
        json!({"satisfaction": "unsatisfied", "feedback": "仍未交地"}),
    )
    .await;
    let t = app.ticket(w.token("tf_member"), id).await;
    assert_eq!(t["status"], "accepted");
    let (status, err) = app
        .act(
            w.token("tf_member"),
            id,
            "resolve",
            json!({"expected_version": t["version"], "resolution": "再次办结"}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{err}");
    assert_eq!(err["code"], "action_forbidden");
    let (c, _) = sign_in(&app, "tf.member").await;
    let (status, page) = get(&c, &app, &format!("/tickets/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        !page.contains("/actions/resolve"),
        "no resolve form offered"
    );
    // The department resolves it.
    w.step(
        &app,
        "officer_d1",
        id,
        "resolve",
        json!({"resolution": "部门重新办结"}),
    )
    .await;
}

/// 5. The dashboard's period is bounded around today: a far year is a 400 at once.
async fn dashboard_period_is_bounded(engine: Engine) {
    let app = TestApp::start(engine).await;
    let _w = World::build(&app).await;
    let (c, _) = sign_in(&app, "top").await;
    let year = chrono::Utc::now().format("%Y").to_string();
    let long_ago = year.parse::<i32>().unwrap() - 11;
    for p in [
        "262142-W50".to_owned(),
        "9999-12".to_owned(),
        "0001-01".to_owned(),
        format!("{long_ago}-06"),
    ] {
        let (status, _) = get(&c, &app, &format!("/dashboard?period={p}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{p}");
    }
    let (status, _) = get(&c, &app, &format!("/dashboard?period={year}-01")).await;
    assert_eq!(status, StatusCode::OK);
}

/// 6. A NUL (or any control character) in a username or a search is a 422 with a stable
///    code: never a 500 (PostgreSQL) nor a search that matches everything (SQLite).
async fn nul_characters_are_refused(engine: Engine) {
    let app = TestApp::start(engine).await;
    let w = World::build(&app).await;
    w.file(&app, "NUL检查").await;
    let (status, err) = app
        .call(
            reqwest::Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"username": "ad\u{0}min", "password": "whatever it is"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert_eq!(err["code"], "control_character");
    for path in [
        "/api/v1/tickets?q=%00",
        "/api/v1/tickets?q=a%00b",
        "/api/v1/enterprises?q=%00",
        "/api/v1/tickets?q=%07",
    ] {
        let (status, err) = app.get(w.token("liaison_a"), path).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{path}: {err}");
        assert_eq!(err["code"], "control_character", "{path}");
        assert_eq!(err["field"], "q", "{path}");
    }
    let (c, _) = sign_in(&app, "liaison.a").await;
    for path in ["/tickets?q=%00", "/tickets/new?q=%00"] {
        let (status, _) = get(&c, &app, path).await;
        assert!(status.is_client_error(), "{path}: {status}");
    }
    let fresh = client();
    let (_, html) = get(&fresh, &app, "/login").await;
    let r = fresh
        .post(app.url("/login"))
        .form(&[
            ("username", "liaison\u{0}.a"),
            ("password", PASSWORD),
            ("_csrf", &csrf(&html)),
        ])
        .send()
        .await
        .unwrap();
    assert!(r.status().is_client_error(), "{}", r.status());
}

/// 7. The filing form's body is not read before the caller is known to be a liaison with
///    this browser's CSRF token.
async fn uploads_are_checked_before_they_are_read(engine: Engine) {
    let app = TestApp::start(engine).await;
    let _w = World::build(&app).await;
    let content_type = format!("multipart/form-data; boundary={BOUNDARY}");
    let declared = 40 * 1024 * 1024;
    let wait = Duration::from_secs(10);
    // A tracker, and a liaison with a wrong token or none first: refused while the body is
    // still coming.
    let (tracker, tracker_token) = page_cookie(&app, "tracker").await;
    let (liaison, _) = page_cookie(&app, "liaison.a").await;
    let cases = [
        (
            tracker.as_str(),
            format!("{}{}", part("_csrf", &tracker_token), file_head("a.jpg")),
        ),
        (
            liaison.as_str(),
            format!("{}{}", part("_csrf", "forged"), file_head("a.jpg")),
        ),
        (
            liaison.as_str(),
            format!("{}{}", file_head("a.jpg"), "\u{D8}\u{FF}"),
        ),
    ];
    for (cookie, first) in &cases {
        let (status, _conn) = stalled_post(
            &app,
            "/tickets/new",
            &[("cookie", cookie), ("content-type", &content_type)],
            declared,
            first.as_bytes(),
            wait,
        )
        .await;
        assert_eq!(status, Some(403), "refused before the body arrives");
    }
}

/// 7b. Only `server.max_concurrent_uploads` filing forms are read at once.
async fn uploads_are_bounded(engine: Engine) {
    let app = TestApp::start_with(
        engine,
        &[
            ("GRIDLINE__SERVER__MAX_CONCURRENT_UPLOADS", "1".into()),
            ("GRIDLINE__SERVER__UPLOAD_WAIT_SECS", "1".into()),
        ],
    )
    .await;
    let w = World::build(&app).await;
    let content_type = format!("multipart/form-data; boundary={BOUNDARY}");
    let declared = 40 * 1024 * 1024;
    let (liaison, liaison_token) = page_cookie(&app, "liaison.a").await;
    // A liaison with the right token holds the only upload turn while her photo is slow;
    // another filing waits its turn, then is told to retry (503), and gets through once
    // the first is gone.
    let first = format!(
        "{}{}{}",
        part("_csrf", &liaison_token),
        part("enterprise_id", &w.id("ent_a").to_string()),
        file_head("slow.jpg")
    );
    let (status, slow) = stalled_post(
        &app,
        "/tickets/new",
        &[("cookie", &liaison), ("content-type", &content_type)],
        declared,
        first.as_bytes(),
        Duration::from_millis(500),
    )
    .await;
    assert_eq!(status, None, "the slow upload is being read");
    let form = || {
        Form::new()
            .text("_csrf", liaison_token.clone())
            .text("enterprise_id", w.id("ent_a").to_string())
            .text("category", "utilities")
            .text("priority", "normal")
            .text("title", "排队上传")
            .text("description", "第二个上传")
            .part(
                "attachments",
                Part::bytes(b"\xFF\xD8\xFF\xE0 photo".to_vec()).file_name("p.jpg"),
            )
    };
    let c = client();
    let file = || async {
        c.post(app.url("/tickets/new"))
            .header("cookie", &liaison)
            .multipart(form())
            .send()
            .await
            .unwrap()
            .status()
    };
    assert_eq!(file().await, StatusCode::SERVICE_UNAVAILABLE);
    drop(slow);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(file().await, StatusCode::SEE_OTHER);
}

/// 8. `%`, `_` and `\` typed into a search are characters, not LIKE wildcards.
async fn like_wildcards_are_escaped(engine: Engine) {
    let app = TestApp::start(engine).await;
    let w = World::build(&app).await;
    let e = app
        .post_ok(
            &w.admin,
            "/api/v1/enterprises",
            json!({"name": "百分百%_达标\\公司", "credit_code": credit_code(3), "cluster": "other", "grid_id": w.id("grid_a"), "above_size": false}),
            201,
        )
        .await;
    w.file(&app, "普通工单").await;
    let odd = w.file(&app, "达标率100%_以上\\").await;
    for q in ["%25", "_", "%5C", "%25_"] {
        let (status, list) = app
            .get(&w.admin, &format!("/api/v1/enterprises?q={q}"))
            .await;
        assert_eq!(status, StatusCode::OK);
        let ids: Vec<i64> = list
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["id"].as_i64().unwrap())
            .collect();
        assert_eq!(ids, vec![e["id"].as_i64().unwrap()], "enterprises q={q}");
        let (_, tickets) = app
            .get(w.token("liaison_a"), &format!("/api/v1/tickets?q={q}"))
            .await;
        let ids: Vec<i64> = tickets["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["id"].as_i64().unwrap())
            .collect();
        assert_eq!(ids, vec![odd], "tickets q={q}");
    }
}

/// Hardening: the demo (published password) never seeds a production database, and only
/// the development and test environments may sign with the development secret.
async fn demo_and_development_secret_refused_outside_development(engine: Engine) {
    let db = crate::support::TestDb::new(engine).await;
    let production = |args: &[&str]| {
        gridline(&db)
            .env("GRIDLINE_ENV", "production")
            .env("GRIDLINE__MAIL__HOST", "127.0.0.1")
            .env("GRIDLINE__MAIL__FROM", "网格通 <noreply@zone.example>")
            .args(args)
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap()
    };
    for args in [&["seed", "--demo"][..], &["serve", "--demo"][..]] {
        let out = production(args);
        assert!(!out.status.success(), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("demo"),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let out = gridline(&db)
        .env_remove("GRIDLINE__AUTH__JWT_SECRET")
        .env("GRIDLINE_ENV", "staging")
        .arg("serve")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("default JWT secret"));
}

/// Hardening: attachments are downloads, named for the type read from their bytes, with
/// `nosniff` and a sandboxing CSP, from the API and the pages alike.
async fn attachments_download_as_their_real_type(engine: Engine) {
    let app = TestApp::start(engine).await;
    let w = World::build(&app).await;
    let (c, token) = sign_in(&app, "liaison.a").await;
    let (_, form_html) = get(&c, &app, &format!("/tickets/new/{}", w.id("ent_a"))).await;
    let disguised =
        b"\xFF\xD8\xFF\xE0<html><script>alert(document.cookie)</script></html>".to_vec();
    let pdf = b"%PDF-1.7\n%test\n".to_vec();
    let form = Form::new()
        .text("_csrf", token.clone())
        .text("enterprise_id", w.id("ent_a").to_string())
        .text("category", "land")
        .text("priority", "normal")
        .text("title", "带可疑附件")
        .text("description", "附件检查")
        .text(
            "idempotency_key",
            input_value(&form_html, "idempotency_key"),
        )
        .part(
            "attachments",
            Part::bytes(disguised).file_name("../../evil.html"),
        )
        .part("attachments", Part::bytes(pdf).file_name("record.pdf"));
    let r = c
        .post(app.url("/tickets/new"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let id: i64 = location(&r)
        .trim_start_matches("/tickets/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let (_, list) = app
        .get(
            w.token("liaison_a"),
            &format!("/api/v1/tickets/{id}/attachments"),
        )
        .await;
    let list = list.as_array().unwrap().clone();
    assert_eq!(list[0]["filename"], "evil.jpg");
    for (a, mime, name) in [
        (&list[0], "image/jpeg", "evil.jpg"),
        (&list[1], "application/pdf", "record.pdf"),
    ] {
        let api = app
            .client
            .get(app.url(a["url"].as_str().unwrap()))
            .bearer_auth(w.token("liaison_a"))
            .send()
            .await
            .unwrap();
        let page = c
            .get(app.url(&format!("/tickets/{id}/attachments/{}", a["id"])))
            .send()
            .await
            .unwrap();
        for r in [api, page] {
            assert_eq!(r.status(), StatusCode::OK);
            let h = r.headers();
            assert_eq!(h["content-type"], mime);
            let disposition = h["content-disposition"].to_str().unwrap();
            assert!(disposition.starts_with("attachment;"), "{disposition}");
            assert!(disposition.contains(name), "{disposition}");
            assert_eq!(h["x-content-type-options"], "nosniff");
            assert!(
                h["content-security-policy"]
                    .to_str()
                    .unwrap()
                    .contains("sandbox")
            );
        }
    }
}

/// Hardening: every 413 carries the code `body_too_large`, also when the declared length alone
/// is over the limit: problem+json from the API, the error page (in the viewer's language)
/// from the pages, never tower-http's plain text.
async fn every_413_is_problem_json(engine: Engine) {
    let app = TestApp::start(engine).await;
    let w = World::build(&app).await;
    let big = "x".repeat(300 * 1024);
    let r = app
        .client
        .post(app.url("/api/v1/tickets"))
        .bearer_auth(w.token("liaison_a"))
        .header("content-type", "application/json")
        .body(format!("{{\"title\":\"{big}\"}}"))
        .send()
        .await
        .unwrap();
    let page = client()
        .post(app.url("/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("username={big}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["code"], "body_too_large");
    assert_eq!(page.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        page.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = page.text().await.unwrap();
    assert!(html.contains("data-code=\"body_too_large\""), "{html}");
    assert!(html.contains("超过允许的大小"), "Chinese by default");
}

/// Hardening: a password is at least 10 characters and not a common one, wherever it is set.
async fn passwords_are_long_and_uncommon(engine: Engine) {
    let app = TestApp::start(engine).await;
    let w = World::build(&app).await;
    for (password, code) in [
        ("short-pw", "length"),
        ("password12", "too_common"),
        ("QWERTYUIOP", "too_common"),
    ] {
        let (status, err) = app
            .post(
                &w.admin,
                "/api/v1/users",
                json!({"username": "new.user", "display_name": "新用户", "password": password, "role": "tracker"}),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{password}");
        assert_eq!(err["code"], code, "{password}");
    }
    let out = gridline(&app.db)
        .args(["user", "set-password", "--username", "tracker"])
        .env("GRIDLINE_PASSWORD", "1234567890")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("common"));
    // The admin page says so by the field.
    let (c, _) = sign_in(&app, "admin").await;
    let (_, html) = get(&c, &app, "/admin/users").await;
    let r = c
        .post(app.url("/admin/users"))
        .form(&[
            ("_csrf", csrf(&html).as_str()),
            ("username", "new.user"),
            ("display_name", "新用户"),
            ("password", "iloveyou12"),
            ("role", "tracker"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("常见"));
}

/// Hardening: guessing a user's password from elsewhere does not lock them out where they
/// have signed in before; a new address still waits.
async fn login_throttle_cannot_lock_a_user_out(engine: Engine) {
    let app = TestApp::start_with(
        engine,
        &[("GRIDLINE__AUTH__LOGIN_PER_ACCOUNT_PER_MINUTE", "3".into())],
    )
    .await;
    let _w = World::build(&app).await; // every test user signs in once from 127.0.0.1
    let from = |ip: &str| {
        reqwest::Client::builder()
            .local_address(ip.parse::<IpAddr>().unwrap())
            .build()
            .unwrap()
    };
    let login = |c: reqwest::Client, password: &'static str| {
        let url = app.url("/api/v1/auth/login");
        async move {
            c.post(url)
                .json(&json!({"username": "tracker", "password": password}))
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    let attacker = from("127.0.0.2");
    let mut refused = 0;
    for _ in 0..6 {
        if login(attacker.clone(), "guess guess guess").await == StatusCode::TOO_MANY_REQUESTS {
            refused += 1;
        }
    }
    assert!(refused >= 3, "the guesser is throttled ({refused})");
    assert_eq!(
        login(from("127.0.0.1"), PASSWORD).await,
        StatusCode::OK,
        "the user still signs in where they did before"
    );
    assert_eq!(
        login(from("127.0.0.3"), PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS,
        "a new address waits while the account is under attack"
    );
}

/// Hardening: a title that looks like a MIME encoded word reaches the mail client as typed.
async fn encoded_word_titles_reach_mail_as_typed(engine: Engine) {
    let sink = SmtpSink::start(free_port(), None);
    let app = TestApp::start_with(engine, &mail_env(sink.port)).await;
    let w = World::build(&app).await;
    let title = "=?utf-8?q?=E5=B7=B2=E5=8A=9E=E7=BB=93?= 停电";
    let id = w.file(&app, title).await;
    w.step(&app, "head_a", id, "dispatch", w.dispatch_body())
        .await;
    let mails = sink.wait_for(1, 30).await;
    let mail = mails
        .iter()
        .find(|m| m.subject.contains("停电"))
        .expect("the dispatch mail");
    assert!(mail.subject.contains(title), "{}", mail.subject);
    assert!(!mail.subject.contains("已办结"), "{}", mail.subject);
}

/// Hardening: the user list shows addresses to administrators and to the user themselves.
async fn user_list_hides_addresses(engine: Engine) {
    let app = TestApp::start(engine).await;
    let w = World::build(&app).await;
    let (_, list) = app.get(w.token("liaison_a"), "/api/v1/users").await;
    let list = list.as_array().unwrap();
    assert!(list.len() > 10);
    let own = w.id("liaison_a");
    for u in list {
        if u["id"] == own {
            assert_eq!(u["email"], "liaison_a@test.example", "one's own address");
        } else {
            assert!(u["email"].is_null(), "no one else's address: {u}");
        }
    }
    let (_, me) = app
        .get(
            w.token("liaison_a"),
            &format!("/api/v1/users/{}", w.id("liaison_a")),
        )
        .await;
    assert_eq!(me["email"], "liaison_a@test.example");
    let (_, other) = app
        .get(
            w.token("liaison_a"),
            &format!("/api/v1/users/{}", w.id("leader_a")),
        )
        .await;
    assert!(other["email"].is_null());
    let (_, all) = app.get(&w.admin, "/api/v1/users").await;
    assert!(
        all.as_array()
            .unwrap()
            .iter()
            .filter(|u| u["email"].is_string())
            .count()
            > 10
    );
}

both_engines!(
    open_redirect_is_refused,
    tokens_are_revoked,
    sign_out_reaches_every_process,
    dispatcher_without_grid_sees_nothing,
    task_force_cannot_resolve_reopened_ticket,
    dashboard_period_is_bounded,
    nul_characters_are_refused,
    uploads_are_checked_before_they_are_read,
    uploads_are_bounded,
    like_wildcards_are_escaped,
    demo_and_development_secret_refused_outside_development,
    attachments_download_as_their_real_type,
    every_413_is_problem_json,
    passwords_are_long_and_uncommon,
    login_throttle_cannot_lock_a_user_out,
    encoded_word_titles_reach_mail_as_typed,
    user_list_hides_addresses,
);
