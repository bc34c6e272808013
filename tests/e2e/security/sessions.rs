//! Redirects, sign-out and revocation, login throttling.

use std::net::IpAddr;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;

use crate::both_engines;
use crate::pages_http::{client, csrf, get, input_value};
use crate::security::{execute, get_as, location, page_cookie};
use crate::support::{Engine, PASSWORD, TestApp, run};
use crate::world::World;

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
    assert_eq!(
        get_as(&app, &cookie, "/tickets").await.status(),
        StatusCode::OK
    );
    let r = c
        .post(app.url("/logout"))
        .header("cookie", &cookie)
        .form(&[("_csrf", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = get_as(&app, &cookie, "/tickets").await;
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
    assert_eq!(
        get_as(&app, &page_before, "/inbox").await.status(),
        StatusCode::SEE_OTHER
    );
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

/// A password change, a reset, a deactivation and a new role on one server process end the
/// older tokens on another (same database) within `auth.actor_cache_secs`.
async fn changes_reach_every_process(engine: Engine) {
    let env = [("GRIDLINE__AUTH__ACTOR_CACHE_SECS", "1".to_owned())];
    let app = TestApp::start_with(engine, &env).await;
    let w = World::build(&app).await;
    let other = TestApp::serve_with(engine, app.db.shared(), &env).await;
    let tokens = [
        ("officer.d3", app.login("officer.d3").await),
        ("tracker2", app.login("tracker2").await),
        ("tf.member2", app.login("tf.member2").await),
        ("top", app.login("top").await),
        ("leader.b", app.login("leader.b").await),
    ];
    for (who, t) in &tokens {
        assert_eq!(other.get(t, "/api/v1/me").await.0, StatusCode::OK, "{who}");
    }
    // officer.d3 changes their own password.
    let (status, _) = app
        .post(
            &tokens[0].1,
            "/api/v1/auth/password",
            json!({"current_password": PASSWORD, "new_password": "一个新的密码-办公室"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    // tracker2's password is reset.
    let (status, _) = app
        .post(
            &w.admin,
            &format!("/api/v1/users/{}/password", w.id("tracker2")),
            json!({"password": "临时密码-2026-十一月"}),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    // tf.member2 is deactivated.
    let id = w.id("tf_member2");
    let v = crate::people::user(&app, &w.admin, id).await["version"].clone();
    let (status, body) = app
        .post(
            &w.admin,
            &format!("/api/v1/users/{id}/deactivate"),
            json!({"expected_version": v}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // The top leader (no grid seat) becomes a tracker.
    let top = w.id("top");
    let v = crate::people::user(&app, &w.admin, top).await["version"].clone();
    let (status, body) = crate::people::patch(
        &app,
        &w.admin,
        top,
        json!({"expected_version": v, "role": "tracker", "top_leader": false}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    for (who, t) in &tokens[..4] {
        assert_eq!(
            other.get(t, "/api/v1/me").await.0,
            StatusCode::UNAUTHORIZED,
            "{who}'s old token on the other process"
        );
    }
    assert_eq!(
        other.get(&tokens[4].1, "/api/v1/me").await.0,
        StatusCode::OK,
        "nothing changed for leader.b"
    );
}

/// Two server processes on one database count one user's login attempts together: guesses
/// spread over both are throttled at the account's quota, on either; the user still signs
/// in on the other process from the address they used on the first.
async fn login_throttle_counts_across_processes(engine: Engine) {
    let env = [(
        "GRIDLINE__AUTH__LOGIN_PER_ACCOUNT_PER_MINUTE",
        "3".to_owned(),
    )];
    let app = TestApp::start_with(engine, &env).await;
    let _w = World::build(&app).await; // every test user signs in once, on `app`
    let other = TestApp::serve_with(engine, app.db.shared(), &env).await;
    let guesser = reqwest::Client::builder()
        .local_address("127.0.0.2".parse::<IpAddr>().unwrap())
        .build()
        .unwrap();
    let login = |c: &reqwest::Client, on: &TestApp, user: &str, password: &'static str| {
        let req = c
            .post(on.url("/api/v1/auth/login"))
            .json(&json!({"username": user, "password": password}));
        async move { req.send().await.unwrap().status() }
    };
    let mut statuses = vec![];
    for i in 0..6 {
        let on = if i % 2 == 0 { &app } else { &other };
        // A name nobody signed in as yet: its count starts at zero.
        statuses.push(
            login(&guesser, on, "nobody.yet", "guess guess guess")
                .await
                .as_u16(),
        );
    }
    // Each process alone saw three: only the shared count refuses the fourth.
    assert_eq!(
        statuses,
        [401, 401, 401, 429, 429, 429],
        "one count for both"
    );
    // The guesser turns to a real account on both processes ...
    for on in [&app, &other, &app, &other] {
        login(&guesser, on, "tracker2", "guess guess guess").await;
    }
    assert_eq!(
        login(&guesser, &other, "tracker2", PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    let at_home = reqwest::Client::builder()
        .local_address("127.0.0.1".parse::<IpAddr>().unwrap())
        .build()
        .unwrap();
    assert_eq!(
        login(&at_home, &other, "tracker2", PASSWORD).await,
        StatusCode::OK,
        "the other process knows where the user signed in before"
    );
}

both_engines!(
    login_throttle_counts_across_processes,
    changes_reach_every_process,
    open_redirect_is_refused,
    tokens_are_revoked,
    sign_out_reaches_every_process,
    login_throttle_cannot_lock_a_user_out,
);
