//! Duplicates in a real browser: the filing form shows the enterprise's recent tickets; the
//! grid head marks a duplicate from the ticket page's suggestions; the original lists it;
//! the liaison withdraws the original on a 360 px phone. A ticket is paused and resumed.

use fantoccini::Locator;

use super::harness::*;
use crate::both_engines;
use crate::support::{Engine, TestApp};
use crate::world::World;

async fn a_duplicate_is_marked_and_an_original_withdrawn(engine: Engine) {
    let app = TestApp::start(engine).await;
    let w = World::build(&app).await;
    let base = app.base.clone();
    let tag = match engine {
        Engine::Sqlite => "sqlite",
        Engine::Postgres => "postgres",
    };
    let original = w.file(&app, "厂房用地指标不足").await;
    let copy = w.file(&app, "厂房用地指标不足！").await;
    let number = |id: i64| {
        let app = &app;
        let w = &w;
        async move {
            app.ticket(w.token("liaison_a"), id).await["number"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };

    // Before filing a third time, the liaison sees what the enterprise already has.
    let mut driver = Driver::start();
    let phone = person(&mut driver, PHONE, &base, "liaison.a", "/tickets/new").await;
    phone
        .goto(&format!("{base}/tickets/new/{}", w.id("ent_a")))
        .await
        .unwrap();
    let listed = phone
        .find_all(Locator::Css("[data-test=similar] li"))
        .await
        .unwrap();
    assert_eq!(listed.len(), 2, "{}", text(&phone, "main").await);
    check_and_shoot(&phone, &format!("{tag}-file-similar-phone"), PHONE).await;

    // For another enterprise of the grid the suggestions come as the title is typed: the
    // grid's tickets in the same category with a similar title.
    let other = app
        .post_ok(
            &w.admin,
            "/api/v1/enterprises",
            serde_json::json!({"name": "园区新材料公司", "credit_code": crate::world::credit_code(77), "cluster": "other", "grid_id": w.id("grid_a"), "above_size": false}),
            201,
        )
        .await["id"]
        .as_i64()
        .unwrap();
    phone
        .goto(&format!("{base}/tickets/new/{other}"))
        .await
        .unwrap();
    let count = "return document.querySelectorAll('[data-test=similar] li').length";
    assert_eq!(js(&phone, count).await, 0, "nothing before typing");
    select(&phone, "select[name=category]", "land").await;
    fill(&phone, "input[name=title]", "厂房用地指标严重不足").await;
    let expected = number(original).await;
    let mut shown = String::new();
    for _ in 0..100 {
        shown = js(
            &phone,
            "var a = document.querySelector('[data-test=similar]'); return a ? a.textContent : ''",
        )
        .await
        .as_str()
        .unwrap_or_default()
        .to_owned();
        if shown.contains(&expected) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(shown.contains(&expected), "live suggestions: {shown:?}");

    // The grid head marks the copy a duplicate of the suggested original.
    let head = person(&mut driver, DESKTOP, &base, "head.a", "/queue").await;
    head.goto(&format!("{base}/tickets/{copy}")).await.unwrap();
    let offered_now = offered(&head).await;
    assert!(
        offered_now.contains(&"mark_duplicate".to_owned())
            && offered_now.contains(&"mark_invalid".to_owned()),
        "{offered_now:?}"
    );
    open_action(&head, "mark_duplicate").await;
    let suggested = attr(
        &head,
        "[data-test=possible-duplicates] input[name=duplicate_of]",
        "value",
    )
    .await;
    assert_eq!(suggested, Some(original.to_string()));
    click(
        &head,
        &format!("input[name=duplicate_of][value='{original}']"),
    )
    .await;
    fill(
        &head,
        "details[data-action=mark_duplicate] textarea[name=note]",
        "同一问题，已在原工单办理",
    )
    .await;
    check_and_shoot(&head, &format!("{tag}-mark-duplicate-desktop"), DESKTOP).await;
    submit_action(&head, "mark_duplicate").await;
    assert_eq!(status(&head).await, "closed");
    assert_eq!(
        attr(&head, "[data-test=closure]", "data-closure").await,
        Some("duplicate".to_owned())
    );
    assert!(
        text(&head, "[data-test=closure]")
            .await
            .contains(&number(original).await)
    );
    assert!(offered(&head).await.iter().all(|a| a == "comment"));

    // The original lists its duplicate; the liaison withdraws it on the phone.
    phone
        .goto(&format!("{base}/tickets/{original}"))
        .await
        .unwrap();
    assert!(
        text(&phone, "[data-test=duplicates]")
            .await
            .contains(&number(copy).await)
    );
    assert!(offered(&phone).await.contains(&"withdraw".to_owned()));
    open_action(&phone, "withdraw").await;
    fill(
        &phone,
        "details[data-action=withdraw] textarea[name=reason]",
        "企业已自行解决",
    )
    .await;
    check_and_shoot(&phone, &format!("{tag}-withdraw-phone"), PHONE).await;
    submit_action(&phone, "withdraw").await;
    assert_eq!(status(&phone).await, "closed");
    assert_eq!(
        attr(&phone, "[data-test=closure]", "data-closure").await,
        Some("withdrawn".to_owned())
    );
    let api = app.ticket(w.token("liaison_a"), original).await;
    assert_eq!(api["closure"], "withdrawn");
}

/// Pause and resume in the browser: the officer asks on the ticket page, the grid head
/// approves on a phone, the officer resumes; the page shows the stopped clock between.
async fn a_ticket_is_paused_and_resumed(engine: Engine) {
    let app = TestApp::start(engine).await;
    let w = World::build(&app).await;
    let base = app.base.clone();
    let tag = match engine {
        Engine::Sqlite => "sqlite",
        Engine::Postgres => "postgres",
    };
    let id = w.prepare(&app, "accepted").await;
    let mut driver = Driver::start();
    let officer = person(&mut driver, DESKTOP, &base, "officer.d1", "/inbox").await;
    officer.goto(&format!("{base}/tickets/{id}")).await.unwrap();
    assert!(
        offered(&officer)
            .await
            .contains(&"request_pause".to_owned())
    );
    open_action(&officer, "request_pause").await;
    select(
        &officer,
        "details[data-action=request_pause] select[name=reason]",
        "waiting_enterprise",
    )
    .await;
    fill(
        &officer,
        "details[data-action=request_pause] textarea[name=reason_text]",
        "等待企业补充环评批复",
    )
    .await;
    let resume_on = (chrono::Utc::now().with_timezone(&gridline_domain::calendar::ZONE)
        + chrono::Duration::days(7))
    .format("%Y-%m-%d")
    .to_string();
    js(
        &officer,
        &format!(
            "document.querySelector('input[name=resume_on]').value = '{resume_on}'; return true"
        ),
    )
    .await;
    check_and_shoot(&officer, &format!("{tag}-request-pause-desktop"), DESKTOP).await;
    submit_action(&officer, "request_pause").await;
    assert!(
        text(&officer, "[data-test=pending-pause]")
            .await
            .contains(&resume_on)
    );

    // The grid head decides on a phone.
    let head = person(&mut driver, PHONE, &base, "head.a", "/queue").await;
    head.goto(&format!("{base}/tickets/{id}")).await.unwrap();
    assert!(offered(&head).await.contains(&"decide_pause".to_owned()));
    open_action(&head, "decide_pause").await;
    check_and_shoot(&head, &format!("{tag}-decide-pause-phone"), PHONE).await;
    click(
        &head,
        "details[data-action=decide_pause] button[value=true]",
    )
    .await;
    wait_until(&head, |u| u.contains("done=decide_pause")).await;
    assert_eq!(status(&head).await, "paused");
    assert!(text(&head, "[data-test=pause]").await.contains(&resume_on));

    // The officer resumes: back to signed, with a resolution deadline again.
    officer.goto(&format!("{base}/tickets/{id}")).await.unwrap();
    let mut now_offered = offered(&officer).await;
    now_offered.sort();
    assert_eq!(now_offered, ["comment", "reassign", "resume"]);
    open_action(&officer, "resume").await;
    submit_action(&officer, "resume").await;
    assert_eq!(status(&officer).await, "accepted");
    let t = app.ticket(w.token("officer_d1"), id).await;
    assert!(t["pause"].is_null() && t["resolution_due_at"].is_string());
}

both_engines!(
    a_duplicate_is_marked_and_an_original_withdrawn,
    a_ticket_is_paused_and_resumed
);
