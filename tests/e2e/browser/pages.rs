//! The closed loop through the pages, who may see what, CSRF, and a screenshot tour.

use fantoccini::Locator;
use serde_json::json;

use super::harness::*;
use crate::both_engines;
use crate::support::{Engine, TestApp, TestDb, run};
use crate::world::World;

/// A dashboard card's number.
async fn card(c: &fantoccini::Client, name: &str) -> String {
    text(c, &format!("[data-card={name}] b")).await
}

/// A liaison files on a phone (with a photo), the grid head dispatches, the department
/// signs and resolves, the liaison reports, and the leader's numbers move.
async fn closed_loop_in_the_browser(engine: Engine) {
    let app = TestApp::start(engine).await;
    let w = World::build(&app).await;
    let base = app.base.clone();
    let tag = match engine {
        Engine::Sqlite => "sqlite",
        Engine::Postgres => "postgres",
    };
    let mut driver = Driver::start();

    // The leader's dashboard before anything happened.
    let leader = person(&mut driver, DESKTOP, &base, "leader.a", "/dashboard").await;
    assert_eq!(card(&leader, "filed").await, "0");
    assert_eq!(card(&leader, "resolved").await, "0");

    // The liaison, on a phone: search by credit code, pick, file with a photo.
    let phone = person(&mut driver, PHONE, &base, "liaison.a", "/tickets/new").await;
    fill(
        &phone,
        "form.search input[name=q]",
        &crate::world::credit_code(1)[..10],
    )
    .await;
    click(&phone, "form.search button").await;
    wait_until(&phone, |u| u.contains("q=")).await;
    let picks = phone
        .find_all(Locator::Css("a[data-enterprise]"))
        .await
        .unwrap();
    assert_eq!(
        picks.len(),
        1,
        "the credit code finds exactly our enterprise"
    );
    picks[0].click().await.unwrap();
    wait_until(&phone, |u| u.contains("/tickets/new/")).await;

    // Server-side validation: a blank title comes back with the message by the field and
    // the description kept.
    js(
        &phone,
        "document.querySelectorAll('[required]').forEach(e => e.removeAttribute('required'))",
    )
    .await;
    select(&phone, "select[name=category]", "land").await;
    fill(&phone, "input[name=title]", "   ").await;
    fill(
        &phone,
        "textarea[name=description]",
        "厂区东侧道路未硬化，雨天货车无法进出。",
    )
    .await;
    click(&phone, "#file-form button[type=submit]").await;
    wait_until(&phone, |u| u.ends_with("/tickets/new")).await;
    let err = text(&phone, ".field-error[data-field=title]").await;
    assert!(err.contains("不能为空"), "{err}");
    assert_eq!(
        js(
            &phone,
            "return document.querySelector('textarea[name=description]').value"
        )
        .await,
        json!("厂区东侧道路未硬化，雨天货车无法进出。")
    );
    check_and_shoot(&phone, &format!("{tag}-file-error-phone"), PHONE).await;

    // Now properly, with a photo taken on site.
    let photo = screenshot_dir().join(format!("{tag}-site-photo.png"));
    std::fs::write(&photo, phone.screenshot().await.unwrap()).unwrap();
    select(&phone, "select[name=category]", "land").await;
    fill(&phone, "input[name=title]", "道路未硬化影响物流").await;
    click(&phone, "input[name=priority][value=high]").await;
    phone
        .find(Locator::Css("input[type=file]"))
        .await
        .unwrap()
        .send_keys(&photo.display().to_string())
        .await
        .unwrap();
    check_and_shoot(&phone, &format!("{tag}-file-phone"), PHONE).await;
    click(&phone, "#file-form button[type=submit]").await;
    let url = wait_until(&phone, |u| u.contains("done=file")).await;
    let id: i64 = url
        .split("/tickets/")
        .nth(1)
        .and_then(|s| s.split('?').next())
        .and_then(|s| s.parse().ok())
        .expect("ticket id in the URL");
    assert_eq!(status(&phone).await, "submitted");
    let img = phone
        .find_all(Locator::Css(".attachments img"))
        .await
        .unwrap();
    assert_eq!(img.len(), 1, "the photo is on the ticket");
    let loaded = js(&phone, "const i = document.querySelector('.attachments img'); return i.complete && i.naturalWidth > 0").await;
    assert_eq!(loaded, json!(true), "the photo is served back");
    // A liaison may only withdraw or comment now: no dispatch, no sign, no resolve button.
    assert_eq!(offered(&phone).await, vec!["withdraw", "comment"]);
    check_and_shoot(&phone, &format!("{tag}-ticket-submitted-phone"), PHONE).await;
    // The API sees the same ticket, attachment and all.
    let api = app.ticket(w.token("liaison_a"), id).await;
    assert_eq!(api["title"], "道路未硬化影响物流");
    assert_eq!(api["priority"], "high");

    // The grid head dispatches from the queue, at a desk.
    let head = person(&mut driver, DESKTOP, &base, "head.a", "/queue").await;
    click(&head, &format!("tr[data-ticket='{id}'] td.num a")).await;
    wait_until(&head, |u| u.ends_with(&format!("/tickets/{id}"))).await;
    assert!(offered(&head).await.contains(&"dispatch".to_owned()));
    open_action(&head, "dispatch").await;
    select(
        &head,
        "select[name=accountable_leader_id]",
        &w.id("leader_a").to_string(),
    )
    .await;
    select(&head, "select[name=department_id]", &w.id("d1").to_string()).await;
    // Only the chosen department's officers are offered.
    let offered_people = js(&head, "return Array.from(document.querySelectorAll('select[name=responsible_person_id] option')).filter(o => o.value && !o.hidden).map(o => o.value)").await;
    assert_eq!(offered_people, json!([w.id("officer_d1").to_string()]));
    select(
        &head,
        "select[name=responsible_person_id]",
        &w.id("officer_d1").to_string(),
    )
    .await;
    select(
        &head,
        "select[name=tracker_id]",
        &w.id("tracker").to_string(),
    )
    .await;
    check_and_shoot(&head, &format!("{tag}-dispatch-desktop"), DESKTOP).await;
    submit_action(&head, "dispatch").await;
    assert_eq!(status(&head).await, "dispatched");
    assert_eq!(text(&head, "[data-test=department]").await, "自然资源分局");

    // The department signs, then resolves, from its inbox.
    let officer = person(&mut driver, DESKTOP, &base, "officer.d1", "/inbox").await;
    let row = format!("[data-section='list.own'] tr[data-ticket='{id}']");
    let class = attr(&officer, &row, "class").await.unwrap();
    assert!(class.contains("light-green"), "{class}");
    check_and_shoot(&officer, &format!("{tag}-inbox-desktop"), DESKTOP).await;
    click(&officer, &format!("{row} td.num a")).await;
    wait_until(&officer, |u| u.ends_with(&format!("/tickets/{id}"))).await;
    let mut actions = offered(&officer).await;
    actions.sort();
    assert_eq!(actions, vec!["accept", "comment", "reassign", "return"]);
    open_action(&officer, "accept").await;
    submit_action(&officer, "accept").await;
    assert_eq!(status(&officer).await, "accepted");
    assert!(text(&officer, "[data-test=done]").await.contains("签收"));
    open_action(&officer, "resolve").await;
    fill(
        &officer,
        "textarea[name=resolution]",
        "已协调交通部门完成道路硬化。",
    )
    .await;
    submit_action(&officer, "resolve").await;
    assert_eq!(status(&officer).await, "resolved");
    check_and_shoot(&officer, &format!("{tag}-ticket-resolved-desktop"), DESKTOP).await;

    // The liaison reports the enterprise's verdict.
    phone.goto(&format!("{base}/tickets/{id}")).await.unwrap();
    assert_eq!(offered(&phone).await, vec!["report", "comment"]);
    open_action(&phone, "report").await;
    click(&phone, "input[name=satisfaction][value=satisfied]").await;
    submit_action(&phone, "report").await;
    assert_eq!(status(&phone).await, "closed");
    let history = js(
        &phone,
        "return Array.from(document.querySelectorAll('.timeline li')).map(l => l.dataset.action)",
    )
    .await;
    assert_eq!(
        history,
        json!(["file", "dispatch", "accept", "resolve", "report", "close"])
    );
    check_and_shoot(&phone, &format!("{tag}-ticket-closed-phone"), PHONE).await;

    // The leader's numbers moved.
    leader.refresh().await.unwrap();
    assert_eq!(card(&leader, "filed").await, "1");
    assert_eq!(card(&leader, "resolved").await, "1");
    assert_eq!(card(&leader, "satisfaction_rate").await, "100.0%");
    assert_eq!(card(&leader, "open").await, "0");
    check_and_shoot(&leader, &format!("{tag}-dashboard-desktop"), DESKTOP).await;

    for c in [leader, phone, head, officer] {
        c.close().await.unwrap();
    }
}

/// A liaison of grid B neither sees nor acts on grid A's ticket through the pages; a form
/// without its CSRF token, or with another browser's, is refused and changes nothing.
async fn other_grids_and_forged_forms_are_refused(engine: Engine) {
    let app = TestApp::start(engine).await;
    let w = World::build(&app).await;
    let base = app.base.clone();
    let id = w.prepare(&app, "dispatched").await;
    let mut driver = Driver::start();

    let b = person(&mut driver, PHONE, &base, "liaison.b", "/tickets/new").await;
    b.goto(&format!("{base}/tickets/{id}")).await.unwrap();
    assert_eq!(
        attr(&b, "[data-test=error]", "data-code").await.as_deref(),
        Some("not_found")
    );
    b.goto(&format!("{base}/tickets")).await.unwrap();
    let rows = b
        .find_all(Locator::Css(&format!("tr[data-ticket='{id}']")))
        .await
        .unwrap();
    assert!(rows.is_empty(), "grid A's ticket is not in grid B's list");
    // Acting by hand (a forged post with B's own valid token) is a 404 too.
    b.goto(&format!("{base}/tickets")).await.unwrap();
    let token = attr(&b, "input[name=_csrf]", "value").await.unwrap();
    let status = b
        .execute_async(
            &format!(
                "const done = arguments[0];
                 fetch('/tickets/{id}/actions/comment', {{method: 'POST', headers: {{'content-type': 'application/x-www-form-urlencoded'}},
                   body: 'expected_version=2&body=x&_csrf=' + encodeURIComponent('{token}')}}).then(r => done(r.status));"
            ),
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(status, json!(404));

    // The officer's accept form, with its token removed, then with B's token: refused.
    let officer = person(&mut driver, DESKTOP, &base, "officer.d1", "/inbox").await;
    for (how, script) in [
        (
            "missing",
            "document.querySelector('details[data-action=accept] input[name=_csrf]').remove()"
                .to_owned(),
        ),
        (
            "foreign",
            format!(
                "document.querySelector('details[data-action=accept] input[name=_csrf]').value = '{token}'"
            ),
        ),
    ] {
        officer.goto(&format!("{base}/tickets/{id}")).await.unwrap();
        open_action(&officer, "accept").await;
        js(&officer, &script).await;
        submit_action(&officer, "accept").await;
        assert_eq!(
            attr(&officer, "[data-test=error]", "data-code")
                .await
                .as_deref(),
            Some("csrf_failed"),
            "{how} token"
        );
    }
    let t = app.ticket(w.token("officer_d1"), id).await;
    assert_eq!(t["status"], "dispatched", "nothing was signed");

    // Logging out needs the token as well (no drive-by logout).
    let status = officer
        .execute_async(
            "const done = arguments[0];
             fetch('/logout', {method: 'POST', headers: {'content-type': 'application/x-www-form-urlencoded'}, body: ''})
               .then(r => done(r.status));",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(status, json!(403));
    officer.goto(&format!("{base}/inbox")).await.unwrap();
    assert!(
        officer
            .current_url()
            .await
            .unwrap()
            .path()
            .ends_with("/inbox"),
        "still signed in"
    );
    b.close().await.unwrap();
    officer.close().await.unwrap();
}

both_engines!(
    closed_loop_in_the_browser,
    other_grids_and_forged_forms_are_refused
);

/// Every main page of the demo zone, as each role sees it, at phone and desktop width.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn screenshot_tour_of_the_demo() {
    let db = TestDb::new(Engine::Sqlite).await;
    run(&db, &["seed", "--demo"], &[]);
    let app = TestApp::serve(Engine::Sqlite, db).await;
    let base = app.base.clone();
    let mut driver = Driver::start();
    // Start clean, so what is checked at the end is what this run took.
    for f in std::fs::read_dir(screenshot_dir()).unwrap().flatten() {
        if f.file_name().to_string_lossy().starts_with("demo-") {
            std::fs::remove_file(f.path()).unwrap();
        }
    }
    // The demo ticket that carries a photo and a PDF.
    let token = app.login_with("tf.land", "gridline-demo").await;
    let (_, list) = app
        .get(&token, "/api/v1/tickets?q=%E4%B8%89%E6%9C%9F")
        .await;
    let with_photo = list["items"][0]["id"].as_i64().unwrap();
    let with_photo_path = format!("/tickets/{with_photo}");
    let tour: &[(&str, &[(&str, &str)])] = &[
        (
            "liaison.a",
            &[
                ("file-pick", "/tickets/new"),
                ("file-form", "/tickets/new/1"),
                ("grid-tickets", "/tickets"),
                ("ticket", "/tickets/1"),
                ("enterprise", "/enterprises/1"),
            ],
        ),
        (
            "dispatcher",
            &[("queue", "/queue"), ("all-tickets", "/tickets")],
        ),
        ("officer.land", &[("inbox", "/inbox")]),
        (
            "tf.land",
            &[
                ("task-force", "/task-force"),
                ("ticket-attachments", with_photo_path.as_str()),
            ],
        ),
        ("leader", &[("dashboard", "/dashboard")]),
        (
            "admin",
            &[
                ("admin-users", "/admin/users"),
                ("admin-grids", "/admin/grids"),
                ("admin-departments", "/admin/departments"),
                ("admin-task-forces", "/admin/task-forces"),
            ],
        ),
    ];
    for (size, label) in [(PHONE, "phone"), (DESKTOP, "desktop")] {
        for (user, pages) in tour {
            let c = driver.window(size).await;
            if *user == "liaison.a" {
                c.goto(&format!("{base}/login")).await.unwrap();
                check_and_shoot(&c, &format!("demo-login-{label}"), size).await;
            }
            login(&c, &base, user, "gridline-demo").await;
            for (name, path) in *pages {
                c.goto(&format!("{base}{path}")).await.unwrap();
                let errors = c.find_all(Locator::Css("[data-test=error]")).await.unwrap();
                assert!(errors.is_empty(), "{user} {path} shows an error page");
                if *name == "ticket-attachments" {
                    // The photo loads lazily: give a busy machine a few seconds.
                    let mut shown = json!(false);
                    for _ in 0..50 {
                        shown = js(&c, "const i = document.querySelector('.attachments img'); return !!i && i.complete && i.naturalWidth === 160").await;
                        if shown == json!(true) {
                            break;
                        }
                        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                    }
                    assert_eq!(shown, json!(true), "the demo photo is shown");
                    let links = c.find_all(Locator::Css(".attachments a")).await.unwrap();
                    assert_eq!(links.len(), 2, "the photo and the PDF");
                }
                check_and_shoot(&c, &format!("demo-{name}-{label}"), size).await;
            }
            // The English switch keeps the page.
            if *user == "leader" {
                click(&c, "a.lang").await;
                wait_until(&c, |u| u.ends_with("/dashboard")).await;
                assert_eq!(text(&c, "h1").await, "Dashboard");
                check_and_shoot(&c, &format!("demo-dashboard-en-{label}"), size).await;
            }
            c.close().await.unwrap();
        }
    }
    // Every main page, at both widths, is on disk for the reviewer.
    let pages: usize = tour.iter().map(|(_, p)| p.len()).sum();
    for label in ["phone", "desktop"] {
        for (_, list) in tour {
            for (name, _) in *list {
                let f = screenshot_dir().join(format!("demo-{name}-{label}.png"));
                let meta = std::fs::metadata(&f).unwrap_or_else(|e| panic!("{f:?}: {e}"));
                assert!(meta.len() > 1000, "{f:?} is a real picture");
            }
        }
    }
    assert_eq!(pages, 15, "every main page is in the tour");
}
