//! Working tickets from the pages: refused actions keep the input, the queue, the dashboard
//! buttons, task forces and scopes, late work in red.

use calamine::{Reader, Xlsx};
use reqwest::StatusCode;

use super::{client, csrf, get, input_value, sign_in, sign_in_with};
use crate::both_engines;
use crate::support::{Engine, TestApp};
use crate::world::World;

/// A refused action comes back as the ticket page with the message by the form and what
/// was typed kept: a missing field (422), then a version someone else moved on (409).
async fn refused_actions_keep_the_input(engine: Engine) {
    let app = TestApp::start(engine).await;
    let w = World::build(&app).await;
    let id = w.prepare(&app, "dispatched").await;
    let (c, token) = sign_in(&app, "officer.d1").await;
    let version = app.ticket(w.token("officer_d1"), id).await["version"]
        .as_i64()
        .unwrap();
    let r = c
        .post(app.url(&format!("/tickets/{id}/actions/return")))
        .form(&[
            ("_csrf", token.as_str()),
            ("expected_version", &version.to_string()),
            ("reason", "other"),
            ("reason_text", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.unwrap();
    assert!(body.contains("data-field=\"reason_text\""), "{body}");
    assert!(
        body.contains("选择“其他”时须填写原因。"),
        "the page's own text for the code and field"
    );
    assert!(
        body.contains("<option value=\"other\" selected>"),
        "the reason stays chosen"
    );
    // Someone else signs first; this page's version is stale.
    w.step(&app, "officer_d1", id, "accept", serde_json::json!({}))
        .await;
    let r = c
        .post(app.url(&format!("/tickets/{id}/actions/request_extension")))
        .form(&[
            ("_csrf", token.as_str()),
            ("expected_version", &version.to_string()),
            ("days", "3"),
            ("reason", "需要协调三个部门"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let body = r.text().await.unwrap();
    assert!(body.contains("data-test=\"action-error\""), "{body}");
    assert!(
        body.contains("工单已被他人修改，请刷新后重试。"),
        "the page's own text for stale_version"
    );
    assert!(
        body.contains("需要协调三个部门"),
        "the reason typed is kept"
    );
    let t = app.ticket(w.token("officer_d1"), id).await;
    assert!(t["pending_extension"].is_null(), "nothing was written");
    // With the page's current version the same forms go through.
    let version = app.ticket(w.token("officer_d1"), id).await["version"]
        .as_i64()
        .unwrap();
    let r = c
        .post(app.url(&format!("/tickets/{id}/actions/request_extension")))
        .form(&[
            ("_csrf", token.as_str()),
            ("expected_version", &version.to_string()),
            ("days", "3"),
            ("reason", "需要协调三个部门"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let t = app.ticket(w.token("officer_d1"), id).await;
    assert_eq!(t["pending_extension"]["days"], 3);
    let other = w.prepare(&app, "dispatched").await;
    let version = app.ticket(w.token("officer_d1"), other).await["version"]
        .as_i64()
        .unwrap();
    let r = c
        .post(app.url(&format!("/tickets/{other}/actions/return")))
        .form(&[
            ("_csrf", token.as_str()),
            ("expected_version", &version.to_string()),
            ("reason", "wrong_territory"),
            ("reason_text", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let t = app.ticket(w.token("head_a"), other).await;
    assert_eq!(t["status"], "submitted");
    assert_eq!(t["last_return"]["code"], "wrong_territory");
}

/// A returned ticket waits at the top of the queue with its reason; the grid head
/// dispatches it again from the ticket page.
async fn returned_tickets_lead_the_queue(engine: Engine) {
    let app = TestApp::start(engine).await;
    let w = World::build(&app).await;
    let returned = w.prepare(&app, "dispatched").await;
    w.step(
        &app,
        "officer_d1",
        returned,
        "return",
        serde_json::json!({"reason": "other", "reason_text": "属于园区管委会职责"}),
    )
    .await;
    let newer = w.file(&app, "较新的工单").await;
    let (c, token) = sign_in(&app, "head.a").await;
    let (status, html) = get(&c, &app, "/queue").await;
    assert_eq!(status, StatusCode::OK);
    let first = html.find(&format!("data-ticket=\"{returned}\"")).unwrap();
    let second = html.find(&format!("data-ticket=\"{newer}\"")).unwrap();
    assert!(first < second, "the returned ticket comes first");
    assert!(html.contains("data-test=\"return-reason\""));
    assert!(html.contains("属于园区管委会职责"));
    // Re-dispatch, to another department this time.
    let version = app.ticket(w.token("head_a"), returned).await["version"]
        .as_i64()
        .unwrap();
    let r = c
        .post(app.url(&format!("/tickets/{returned}/actions/dispatch")))
        .form(&[
            ("_csrf", token.as_str()),
            ("expected_version", &version.to_string()),
            ("accountable_leader_id", &w.id("leader_a").to_string()),
            ("department_id", &w.id("d2").to_string()),
            ("responsible_person_id", &w.id("officer_d2").to_string()),
            ("tracker_id", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let t = app.ticket(w.token("head_a"), returned).await;
    assert_eq!(t["status"], "dispatched");
    assert_eq!(t["department_id"], w.id("d2"));
    let (_, html) = get(&c, &app, "/queue").await;
    assert!(
        !html.contains(&format!("data-ticket=\"{returned}\"")),
        "left the queue"
    );
}

/// On the demo zone: the leader approves an extension and supervises an overdue ticket
/// from the dashboard, and comes back to it each time.
async fn leaders_act_from_the_dashboard(engine: Engine) {
    let db = crate::support::TestDb::new(engine).await;
    crate::support::run(&db, &["seed", "--demo"], &[]);
    let app = TestApp::serve(engine, db).await;
    let c = client();
    let (_, html) = get(&c, &app, "/login").await;
    let r = c
        .post(app.url("/login"))
        .form(&[
            ("username", "leader"),
            ("password", "gridline-demo"),
            ("_csrf", &csrf(&html)),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["location"], "/");
    let (status, html) = get(&c, &app, "/dashboard").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.len() < 100 * 1024);
    let token = csrf(&html);
    let back = input_value(&html, "back");
    // The first extension request and the first overdue ticket on the page.
    let decide_at = html
        .find("/actions/decide_extension\"")
        .expect("an extension to decide");
    let pending: i64 = html[..decide_at]
        .rsplit("/tickets/")
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let supervise_at = html
        .find("/actions/supervise\"")
        .expect("an overdue ticket");
    let overdue: i64 = html[..supervise_at]
        .rsplit("/tickets/")
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let version_of =
        |html: &str, at: usize| -> String { input_value(&html[at..], "expected_version") };
    let r = c
        .post(app.url(&format!("/tickets/{pending}/actions/decide_extension")))
        .form(&[
            ("_csrf", token.as_str()),
            ("expected_version", &version_of(&html, decide_at)),
            ("back", &back),
            ("approve", "true"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"].to_str().unwrap(), back);
    let r = c
        .post(app.url(&format!("/tickets/{overdue}/actions/supervise")))
        .form(&[
            ("_csrf", token.as_str()),
            ("expected_version", &version_of(&html, supervise_at)),
            ("back", &back),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let leader = app.login_with("leader", "gridline-demo").await;
    let t = app.ticket(&leader, pending).await;
    assert!(t["pending_extension"].is_null(), "decided");
    let (_, events) = app
        .get(&leader, &format!("/api/v1/tickets/{overdue}/events"))
        .await;
    let last = events.as_array().unwrap().last().unwrap();
    assert_eq!(last["action"], "supervise");
    let (_, html) = get(&c, &app, "/dashboard").await;
    assert!(!html.contains(&format!("/tickets/{pending}/actions/decide_extension")));
}

/// The task force works its escalated tickets: adds co-handling departments (a
/// multi-select) and resolves; a linked leader's dashboard is limited to their grids.
async fn task_force_and_dashboard_scope(engine: Engine) {
    let app = TestApp::start(engine).await;
    let w = World::build(&app).await;
    let id = w.prepare(&app, "escalated").await;
    let (c, token) = sign_in(&app, "tf.member").await;
    let (status, html) = get(&c, &app, "/task-force").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(&format!("data-ticket=\"{id}\"")));
    let (_, page) = get(&c, &app, &format!("/tickets/{id}")).await;
    assert!(page.contains("class=\"action\" data-action=\"add_co_departments\""));
    assert!(page.contains("class=\"action\" data-action=\"resolve\""));
    assert!(!page.contains("class=\"action\" data-action=\"accept\""));
    let version = input_value(&page, "expected_version");
    let r = c
        .post(app.url(&format!("/tickets/{id}/actions/add_co_departments")))
        .form(&[
            ("_csrf", token.as_str()),
            ("expected_version", version.as_str()),
            ("department_ids", &w.id("d1").to_string()),
            ("department_ids", &w.id("d3").to_string()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let t = app.ticket(w.token("tf_member"), id).await;
    let mut co: Vec<i64> = t["co_department_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect();
    co.sort_unstable();
    // d1 is responsible already, so only d3 joins d2.
    let mut want = vec![w.id("d2"), w.id("d3")];
    want.sort_unstable();
    assert_eq!(co, want);
    // The co-handling department sees it apart in its inbox.
    let (o3, _) = sign_in(&app, "officer.d3").await;
    let (_, inbox) = get(&o3, &app, "/inbox").await;
    let co_section = inbox.find("data-section=\"list.co_handled\"").unwrap();
    assert!(inbox[co_section..].contains(&format!("data-ticket=\"{id}\"")));
    // The dashboard: a linked leader may filter by their grid, not another's.
    let (l, _) = sign_in(&app, "leader.a").await;
    let (status, _) = get(&l, &app, &format!("/dashboard?grid={}", w.id("grid_a"))).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = get(&l, &app, &format!("/dashboard?grid={}", w.id("grid_b"))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = get(&l, &app, "/dashboard?period=2026-13").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, html) = get(&l, &app, "/dashboard?period=2026-W48").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<option value=\"2026-W48\" selected>") || html.contains("2026-W48"));
    // Officers have no dashboard.
    let (status, _) = get(&o3, &app, "/dashboard").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

/// Work left for ten days (the server's clock moved on) turns red: the inbox shows it first and red, the ticket page says
/// by how many working days, and the overdue download holds it.
async fn late_work_is_red(engine: Engine) {
    let db = crate::support::TestDb::new(engine).await;
    let clock = crate::support::TestClock::at(chrono::Utc::now());
    crate::support::run(&db, &["seed", "--demo"], &[]);
    // Ten days pass.
    clock.set(chrono::Utc::now() + chrono::Duration::days(10));
    let app = TestApp::serve_with(engine, db, &[clock.env()]).await;
    let (c, _) = sign_in_with(&app, "officer.land", "gridline-demo").await;
    let (status, inbox) = get(&c, &app, "/inbox").await;
    assert_eq!(status, StatusCode::OK);
    let first_row = inbox
        .find("<tr class=\"light-")
        .expect("a row with a light");
    assert!(
        inbox[first_row..].starts_with("<tr class=\"light-red\""),
        "the most overdue comes first, in red"
    );
    let row_at = inbox[first_row..].find("data-ticket=\"").unwrap() + first_row + 13;
    let id = &inbox[row_at..row_at + inbox[row_at..].find('"').unwrap()];
    let (_, page) = get(&c, &app, &format!("/tickets/{id}")).await;
    assert!(
        page.contains("已超期"),
        "the ticket page says it is overdue"
    );
    assert!(page.contains("dot dot-red"));
    let r = c
        .get(app.url("/tickets?overdue=on&format=xlsx"))
        .send()
        .await
        .unwrap();
    let mut book: Xlsx<_> =
        Xlsx::new(std::io::Cursor::new(r.bytes().await.unwrap().to_vec())).unwrap();
    let sheet = book.worksheet_range_at(0).unwrap().unwrap();
    let numbers: Vec<String> = sheet.rows().skip(1).map(|r| r[0].to_string()).collect();
    assert!(!numbers.is_empty());
    assert!(
        sheet
            .rows()
            .skip(1)
            .all(|r| r[10].to_string().parse::<f64>().unwrap() < 0.0),
        "every downloaded row is past its deadline"
    );
}

both_engines!(
    late_work_is_red,
    task_force_and_dashboard_scope,
    refused_actions_keep_the_input,
    returned_tickets_lead_the_queue,
    leaders_act_from_the_dashboard,
);
