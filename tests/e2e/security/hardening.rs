//! The demo and the development secret outside development, passwords, mail subjects.

use reqwest::StatusCode;
use serde_json::json;

use crate::both_engines;
use crate::mail::{SmtpSink, free_port, mail_env};
use crate::pages_http::{csrf, get, sign_in};
use crate::support::{Engine, TestApp, gridline};
use crate::world::World;

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

both_engines!(
    demo_and_development_secret_refused_outside_development,
    passwords_are_long_and_uncommon,
    encoded_word_titles_reach_mail_as_typed,
);
