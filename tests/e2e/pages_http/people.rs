//! Day two for people, through the pages: an administrator edits a user, is told what must
//! be handed over before a deactivation, resets a password; the user is sent to choose a new
//! one; the audit log lists it all and downloads.

use calamine::{Reader, Xlsx};
use reqwest::StatusCode;

use super::{csrf, get, input_value, sign_in};
use crate::both_engines;
use crate::support::{Engine, TestApp};
use crate::world::World;

async fn post(
    c: &reqwest::Client,
    app: &TestApp,
    path: &str,
    form: &[(&str, &str)],
) -> (StatusCode, String, Option<String>) {
    let r = c.post(app.url(path)).form(form).send().await.unwrap();
    let to = r
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned());
    (r.status(), r.text().await.unwrap(), to)
}

/// The edit form saves on its version, a stale one shows the page again with the message,
/// a deactivation of someone with work in hand lists it, and the user's audit trail shows
/// each change.
async fn admin_edits_a_user(engine: Engine) {
    let app = TestApp::start(engine).await;
    let w = World::build(&app).await;
    let ticket = w.prepare(&app, "dispatched").await;
    let number = app.ticket(&w.admin, ticket).await["number"]
        .as_str()
        .unwrap()
        .to_owned();
    let (c, _) = sign_in(&app, "admin").await;
    let id = w.id("officer_d1");
    let path = format!("/admin/users/{id}");
    let (status, html) = get(&c, &app, &path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(&number), "what they hold is listed");
    let token = csrf(&html);
    let version = input_value(&html, "expected_version");
    let dept = w.id("d1").to_string();
    let form = |version: &str, phone: &str| {
        vec![
            ("_csrf".to_owned(), token.clone()),
            ("expected_version".to_owned(), version.to_owned()),
            ("display_name".to_owned(), "李经办".to_owned()),
            ("email".to_owned(), "officer_d1@test.example".to_owned()),
            ("phone".to_owned(), phone.to_owned()),
            ("role".to_owned(), "department_officer".to_owned()),
            ("department_id".to_owned(), dept.clone()),
        ]
    };
    let as_refs = |f: &[(String, String)]| -> Vec<(String, String)> { f.to_vec() };
    let r = c
        .post(app.url(&path))
        .form(&as_refs(&form(&version, "0571-8888 6666")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, html) = get(&c, &app, &format!("{path}?done=saved")).await;
    assert!(html.contains("data-test=\"done\""));
    assert!(html.contains("0571-8888 6666"));
    assert!(html.contains("李经办"));
    assert!(html.contains("data-audit="), "the change is in the trail");
    // The same form again: its version is stale.
    let r = c
        .post(app.url(&path))
        .form(&as_refs(&form(&version, "13800000000")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let html = r.text().await.unwrap();
    assert!(html.contains("data-test=\"edit-error\""), "{html}");
    assert!(html.contains("13800000000"), "what was typed is kept");
    // A bad phone: 422 by the field.
    let fresh = input_value(&get(&c, &app, &path).await.1, "expected_version");
    let r = c
        .post(app.url(&path))
        .form(&as_refs(&form(&fresh, "电话")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("电话号码格式不正确"));
    // Deactivation waits for the handover, and says what.
    let (status, html, _) = post(
        &c,
        &app,
        &format!("{path}/active"),
        &[
            ("_csrf", &token),
            ("expected_version", &fresh),
            ("active", "off"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let at = html
        .find("data-test=\"active-error\"")
        .expect("the refusal");
    assert!(html[at..].contains(&number), "the refusal lists the ticket");
    // Someone who holds nothing is deactivated and reactivated from the page.
    let id2 = w.id("tracker2");
    let (_, html) = get(&c, &app, &format!("/admin/users/{id2}")).await;
    assert!(html.contains("data-test=\"holds-nothing\""));
    let v2 = input_value(&html, "expected_version");
    let (status, _, to) = post(
        &c,
        &app,
        &format!("/admin/users/{id2}/active"),
        &[
            ("_csrf", &token),
            ("expected_version", &v2),
            ("active", "off"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        to.as_deref(),
        Some(format!("/admin/users/{id2}?done=deactivated").as_str())
    );
    let (_, html) = get(&c, &app, &format!("/admin/users/{id2}")).await;
    assert!(html.contains("data-test=\"inactive\""));
    assert!(html.contains("data-test=\"reactivate\""));
    // Another role's officer cannot open the page.
    let (o, _) = sign_in(&app, "officer.d2").await;
    assert_eq!(get(&o, &app, &path).await.0, StatusCode::FORBIDDEN);
    // A form without the CSRF token changes nothing.
    let (status, _, _) = post(
        &c,
        &app,
        &format!("/admin/users/{id2}/active"),
        &[("expected_version", "1"), ("active", "on")],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

/// A reset from the page: the user's next sign-in leads to the password page, every other
/// page leads back to it, a mismatch or a wrong current password is said by the field, and
/// once changed the pages open. The audit page lists the reset and the change, and
/// downloads them.
async fn reset_then_choose_a_new_password(engine: Engine) {
    let app = TestApp::start(engine).await;
    let w = World::build(&app).await;
    let (admin, token) = sign_in(&app, "admin").await;
    let id = w.id("officer_d2");
    let (status, _, _) = post(
        &admin,
        &app,
        &format!("/admin/users/{id}/password"),
        &[("_csrf", &token), ("password", "临时密码-2026-十一月")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);

    let c = super::client();
    let (_, html) = get(&c, &app, "/login").await;
    let (status, _, to) = post(
        &c,
        &app,
        "/login",
        &[
            ("username", "officer.d2"),
            ("password", "临时密码-2026-十一月"),
            ("_csrf", &csrf(&html)),
            ("next", "/inbox"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(to.as_deref(), Some("/account/password"));
    let r = c.get(app.url("/inbox")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/account/password");
    let (status, html) = get(&c, &app, "/account/password").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("data-test=\"must-change\""));
    let t = csrf(&html);
    let (status, html, _) = post(
        &c,
        &app,
        "/account/password",
        &[
            ("_csrf", &t),
            ("current_password", "临时密码-2026-十一月"),
            ("new_password", "新的密码-网格通-2026"),
            ("confirm_password", "另一个密码-网格通"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("data-test=\"error-confirm\""));
    let (status, html, _) = post(
        &c,
        &app,
        "/account/password",
        &[
            ("_csrf", &t),
            ("current_password", "不是这个"),
            ("new_password", "新的密码-网格通-2026"),
            ("confirm_password", "新的密码-网格通-2026"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("当前密码不正确。"));
    let (status, _, to) = post(
        &c,
        &app,
        "/account/password",
        &[
            ("_csrf", &t),
            ("current_password", "临时密码-2026-十一月"),
            ("new_password", "新的密码-网格通-2026"),
            ("confirm_password", "新的密码-网格通-2026"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(to.as_deref(), Some("/account/password?done=1"));
    assert_eq!(
        get(&c, &app, "/inbox").await.0,
        StatusCode::OK,
        "the session goes on"
    );

    let (status, html) = get(&admin, &app, &format!("/admin/audit?kind=user&object={id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("重置密码") && html.contains("修改密码"),
        "{html}"
    );
    let r = admin
        .get(app.url(&format!("/admin/audit?kind=user&object={id}&format=xlsx")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let mut book: Xlsx<_> =
        Xlsx::new(std::io::Cursor::new(r.bytes().await.unwrap().to_vec())).unwrap();
    let sheet = book.worksheet_range_at(0).unwrap().unwrap();
    let actions: Vec<String> = sheet.rows().skip(1).map(|r| r[3].to_string()).collect();
    assert_eq!(actions, ["修改密码", "重置密码", "新建"]);
    let (o, _) = sign_in(&app, "officer.d1").await;
    assert_eq!(get(&o, &app, "/admin/audit").await.0, StatusCode::FORBIDDEN);
}

/// From a departing officer's page: everything they hold goes to a colleague, then the
/// account can be deactivated.
async fn hand_over_then_deactivate(engine: Engine) {
    let app = TestApp::start(engine).await;
    let w = World::build(&app).await;
    let colleague = app
        .post_ok(
            &w.admin,
            "/api/v1/users",
            serde_json::json!({"username": "officer.d1b", "display_name": "王经办",
                "password": crate::support::PASSWORD, "role": "department_officer",
                "department_id": w.id("d1")}),
            201,
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let tickets = [
        w.prepare(&app, "dispatched").await,
        w.prepare(&app, "accepted").await,
    ];
    let (c, token) = sign_in(&app, "admin").await;
    let id = w.id("officer_d1");
    let path = format!("/admin/users/{id}");
    let (_, html) = get(&c, &app, &path).await;
    assert!(html.contains("data-test=\"handover\""));
    assert!(html.contains("王经办"), "the colleague is offered");
    // No reason: the form again, nothing moved.
    let (status, html, _) = post(
        &c,
        &app,
        &format!("{path}/handover"),
        &[
            ("_csrf", &token),
            ("to_user_id", &colleague.to_string()),
            ("reason", ""),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("data-test=\"handover-error\""));
    let (status, _, to) = post(
        &c,
        &app,
        &format!("{path}/handover"),
        &[
            ("_csrf", &token),
            ("to_user_id", &colleague.to_string()),
            ("reason", "干部轮岗"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(to.unwrap().contains("done=handed_over"));
    for t in tickets {
        assert_eq!(
            app.ticket(&w.admin, t).await["responsible_person_id"],
            colleague
        );
        let (_, page) = get(&c, &app, &format!("/tickets/{t}")).await;
        assert!(
            page.contains("data-action=\"reassign\""),
            "the history shows it"
        );
    }
    let (_, html) = get(&c, &app, &path).await;
    assert!(html.contains("data-test=\"holds-nothing\""));
    let version = input_value(&html, "expected_version");
    let (status, _, _) = post(
        &c,
        &app,
        &format!("{path}/active"),
        &[
            ("_csrf", &token),
            ("expected_version", &version),
            ("active", "off"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "nothing left to hand over");
}

both_engines!(
    admin_edits_a_user,
    reset_then_choose_a_new_password,
    hand_over_then_deactivate
);
