//! The service half in a real browser on a 360 px phone: a liaison records a visit that
//! files a ticket; the enterprise's timeline and the leader's coverage show it.

use fantoccini::Locator;
use serde_json::json;

use super::harness::*;
use crate::both_engines;
use crate::support::{Engine, TestApp};
use crate::world::World;

async fn a_liaison_records_a_visit_that_files_a_ticket(engine: Engine) {
    let app = TestApp::start(engine).await;
    let w = World::build(&app).await;
    let base = app.base.clone();
    let tag = match engine {
        Engine::Sqlite => "sqlite",
        Engine::Postgres => "postgres",
    };
    let mut driver = Driver::start();
    let phone = person(&mut driver, PHONE, &base, "liaison.a", "/tickets/new").await;
    phone.goto(&format!("{base}/visits")).await.unwrap();
    // The grid's one enterprise is due a visit.
    let due = phone
        .find_all(Locator::Css("[data-section=due] a[data-enterprise]"))
        .await
        .unwrap();
    assert_eq!(due.len(), 1, "{}", text(&phone, "main").await);
    check_and_shoot(&phone, &format!("{tag}-visits-due-phone"), PHONE).await;
    due[0].click().await.unwrap();
    wait_until(&phone, |u| u.contains("/visits/new/")).await;

    click(&phone, "input[name=mode][value=phone]").await;
    fill(&phone, "input[name=people_met]", "李总（副总经理）").await;
    click(&phone, "input[name=topics][value=utilities]").await;
    click(&phone, "input[name=topics][value=hiring]").await;
    fill(
        &phone,
        "textarea[name=notes]",
        "订单饱满；二期厂房用电不足，另需招工 50 人。",
    )
    .await;
    click(&phone, "details[data-problem='0'] summary").await;
    select(&phone, "select[name=p0_category]", "utilities").await;
    fill(&phone, "input[name=p0_title]", "二期厂房用电增容").await;
    fill(
        &phone,
        "textarea[name=p0_description]",
        "需增容 800kVA，供电所未排期。",
    )
    .await;
    check_and_shoot(&phone, &format!("{tag}-visit-form-phone"), PHONE).await;
    click(&phone, "#visit-form button[type=submit]").await;
    let url = wait_until(&phone, |u| u.contains("done=visit")).await;
    let id: i64 = url
        .split("/visits/")
        .nth(1)
        .and_then(|s| s.split('?').next())
        .and_then(|s| s.parse().ok())
        .expect("visit id in the URL");
    let linked = phone
        .find_all(Locator::Css("[data-test=visit-tickets] a"))
        .await
        .unwrap();
    assert_eq!(linked.len(), 1, "the problem became a linked ticket");
    check_and_shoot(&phone, &format!("{tag}-visit-phone"), PHONE).await;

    // The API agrees: the visit, its ticket, submitted and in the grid's queue.
    let (_, visit) = app
        .get(w.token("liaison_a"), &format!("/api/v1/visits/{id}"))
        .await;
    assert_eq!(visit["mode"], "phone");
    assert_eq!(visit["topics"], json!(["utilities", "hiring"]));
    let ticket = visit["ticket_ids"][0].as_i64().unwrap();
    let t = app.ticket(w.token("head_a"), ticket).await;
    assert_eq!(
        (t["status"].as_str(), t["title"].as_str()),
        (Some("submitted"), Some("二期厂房用电增容"))
    );
    linked[0].click().await.unwrap();
    wait_until(&phone, |u| u.ends_with(&format!("/tickets/{ticket}"))).await;
    assert_eq!(status(&phone).await, "submitted");

    // The enterprise's page shows the visit and the ticket on one timeline.
    phone
        .goto(&format!("{base}/enterprises/{}", w.id("ent_a")))
        .await
        .unwrap();
    let kinds = js(&phone, "return Array.from(document.querySelectorAll('[data-section=timeline] li')).map(l => l.dataset.kind).sort()").await;
    assert_eq!(kinds, json!(["ticket", "visit"]));
    check_and_shoot(&phone, &format!("{tag}-enterprise-timeline-phone"), PHONE).await;
    // Nothing is due any more.
    phone.goto(&format!("{base}/visits")).await.unwrap();
    assert!(
        phone
            .find_all(Locator::Css("[data-section=due] a[data-enterprise]"))
            .await
            .unwrap()
            .is_empty()
    );

    // The linked leader's dashboard: grid A fully covered.
    let leader = person(&mut driver, PHONE, &base, "leader.a", "/dashboard").await;
    let rate = text(
        &leader,
        &format!(
            "[data-section=coverage] tr[data-grid='{}'] [data-rate]",
            w.id("grid_a")
        ),
    )
    .await;
    assert_eq!(rate, "100.0%");
}

/// A liaison, on a phone, records a delivery whose enterprise will apply, filing the ticket
/// for the help it needs; the figures and the enterprise's timeline show it.
async fn a_liaison_records_a_delivery(engine: Engine) {
    let app = TestApp::start(engine).await;
    let w = World::build(&app).await;
    let base = app.base.clone();
    let tag = match engine {
        Engine::Sqlite => "sqlite",
        Engine::Postgres => "postgres",
    };
    let p = app
        .post_ok(
            &w.admin,
            "/api/v1/policies",
            json!({"title": "工业企业技术改造专项资金", "issuer": "河源高新区经济发展局",
                   "doc_number": "河高经发〔2026〕12号", "summary": "按设备投资额给予补助。",
                   "valid_from": "2026-01-01", "targeting": {"above_size": true}}),
            201,
        )
        .await;
    let policy = p["id"].as_i64().unwrap();
    let mut driver = Driver::start();
    let phone = person(&mut driver, PHONE, &base, "liaison.a", "/tickets/new").await;
    // The home page lists the delivery to make.
    let tasks = phone
        .find_all(Locator::Css(
            "[data-section=pending-deliveries] a[data-delivery]",
        ))
        .await
        .unwrap();
    assert_eq!(tasks.len(), 1);
    tasks[0].click().await.unwrap();
    wait_until(&phone, |u| u.contains("/deliveries/")).await;
    click(&phone, "input[name=channel][value=wechat]").await;
    fill(&phone, "input[name=contact]", "财务部 黄主管").await;
    click(&phone, "input[name=answer][value=will_apply]").await;
    click(&phone, "details[data-section=help] summary").await;
    click(&phone, "input[name=file_ticket]").await;
    check_and_shoot(&phone, &format!("{tag}-delivery-form-phone"), PHONE).await;
    click(&phone, "#delivery-form button[type=submit]").await;
    wait_until(&phone, |u| u.contains("done=delivered")).await;
    let answer = attr(
        &phone,
        "[data-test=deliveries] td[data-answer]",
        "data-answer",
    )
    .await;
    assert_eq!(answer.as_deref(), Some("will_apply"));
    check_and_shoot(&phone, &format!("{tag}-policy-phone"), PHONE).await;
    // The API agrees: delivered, a policy ticket filed for the help, pre-filled.
    let (_, d) = app
        .get(
            w.token("liaison_a"),
            &format!("/api/v1/deliveries?policy_id={policy}"),
        )
        .await;
    assert_eq!(d[0]["channel"], "wechat");
    let t = app
        .ticket(w.token("liaison_a"), d[0]["ticket_id"].as_i64().unwrap())
        .await;
    assert_eq!(t["category"], "policy");
    assert_eq!(t["title"], "工业企业技术改造专项资金申报协助");
    // The enterprise's timeline shows the delivered policy.
    phone
        .goto(&format!("{base}/enterprises/{}", w.id("ent_a")))
        .await
        .unwrap();
    let kinds = js(&phone, "return Array.from(document.querySelectorAll('[data-section=timeline] li')).map(l => l.dataset.kind).sort()").await;
    assert_eq!(kinds, json!(["policy", "ticket"]));
}

/// A linked leader, on a phone, sees a key project's late milestone on the dashboard and
/// follows it to the project's timeline.
async fn a_leader_sees_a_late_milestone(engine: Engine) {
    let app = TestApp::start(engine).await;
    let w = World::build(&app).await;
    let base = app.base.clone();
    let tag = match engine {
        Engine::Sqlite => "sqlite",
        Engine::Postgres => "postgres",
    };
    let day = |offset: i64| {
        (chrono::Utc::now() + chrono::Duration::days(offset))
            .with_timezone(&gridline_domain::calendar::ZONE)
            .format("%Y-%m-%d")
            .to_string()
    };
    let late = app
        .post_ok(
            &w.admin,
            "/api/v1/projects",
            json!({"name": "中兴通讯二期智能制造基地", "enterprise_id": w.id("ent_a"), "investment": 350000,
                   "accountable_leader_id": w.id("leader_a"), "department_id": w.id("d1"),
                   "responsible_person_id": w.id("officer_d1"),
                   "milestones": [{"name": "签约", "planned_on": day(-40)}, {"name": "拿地", "planned_on": day(-5)}, {"name": "投产", "planned_on": day(300)}]}),
            201,
        )
        .await;
    let m0 = late["milestones"][0]["id"].as_i64().unwrap();
    app.post_ok(
        w.token("officer_d1"),
        &format!("/api/v1/projects/{}/milestones/{m0}/reach", late["id"]),
        json!({"reached_on": day(-41), "evidence": "协议编号 HY-2026-118"}),
        200,
    )
    .await;
    // A project of the other grid, on track, which leader A does not see.
    app.post_ok(
        &w.admin,
        "/api/v1/projects",
        json!({"name": "农夫山泉三期", "enterprise_id": w.id("ent_b"), "investment": 1,
               "accountable_leader_id": w.id("leader_b"), "department_id": w.id("d2"),
               "responsible_person_id": w.id("officer_d2"),
               "milestones": [{"name": "签约", "planned_on": day(100)}]}),
        201,
    )
    .await;
    let mut driver = Driver::start();
    let phone = person(&mut driver, PHONE, &base, "leader.a", "/dashboard").await;
    let shown = phone
        .find_all(Locator::Css("[data-test=late-projects] a[data-project]"))
        .await
        .unwrap();
    assert_eq!(shown.len(), 1, "only the late project of the leader's grid");
    assert_eq!(
        attr(
            &phone,
            "[data-test=late-projects] [data-standing]",
            "data-standing"
        )
        .await
        .as_deref(),
        Some("late")
    );
    let late_cell = text(&phone, "[data-test=project-grids] td.returned").await;
    assert_eq!(late_cell, "1");
    check_and_shoot(&phone, &format!("{tag}-dashboard-projects-phone"), PHONE).await;
    shown[0].click().await.unwrap();
    wait_until(&phone, |u| u.contains("/projects/")).await;
    let standings = js(&phone, "return Array.from(document.querySelectorAll('[data-section=milestones] li')).map(l => l.dataset.standing)").await;
    assert_eq!(standings, json!(["done", "late", "on_track"]));
    check_and_shoot(&phone, &format!("{tag}-project-phone"), PHONE).await;
}

both_engines!(
    a_liaison_records_a_visit_that_files_a_ticket,
    a_liaison_records_a_delivery,
    a_leader_sees_a_late_milestone
);
