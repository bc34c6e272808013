//! The filing form is read only after the checks, and boundedly; attachments leave as
//! downloads; every 413 says `body_too_large`.

use reqwest::multipart::{Form, Part};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::Value;

use crate::both_engines;
use crate::pages_http::{client, get, input_value, sign_in};
use crate::security::{location, page_cookie};
use crate::support::{Engine, TestApp};
use crate::world::World;

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
async fn every_413_says_body_too_large(engine: Engine) {
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

both_engines!(
    uploads_are_checked_before_they_are_read,
    uploads_are_bounded,
    attachments_download_as_their_real_type,
    every_413_says_body_too_large,
);
