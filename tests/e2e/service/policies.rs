//! Policy delivery (送政策上门) through the API on both engines: publishing creates one task
//! per targeted enterprise for its grid's liaison with a working-day deadline; a delivery is
//! recorded once (racing records too), "will apply" files a linked policy ticket in the same
//! transaction; who publishes, who sees and records; figures per policy and grid; overdue.

use calamine::{Reader, Xlsx};
use chrono::{TimeZone, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::both_engines;
use crate::support::{Engine, PASSWORD, TestApp, TestClock};
use crate::world::World;

/// The economic-development department and one of its officers; returns the officer's token.
async fn econ(app: &TestApp, w: &World) -> String {
    let d = app
        .post_ok(
            &w.admin,
            "/api/v1/departments",
            json!({"name": "经济发展局"}),
            201,
        )
        .await;
    app.post_ok(
        &w.admin,
        "/api/v1/users",
        json!({"username": "econ.officer", "display_name": "经发局干部", "password": PASSWORD,
               "role": "department_officer", "department_id": d["id"]}),
        201,
    )
    .await;
    app.login("econ.officer").await
}

fn policy(targeting: Value) -> Value {
    json!({
        "title": "河源高新区工业企业技术改造专项资金申报指南",
        "issuer": "河源高新区经济发展局",
        "doc_number": "河高经发〔2026〕12号",
        "summary": "对 2026 年度完成技术改造的规上工业企业，按设备投资额给予补助。",
        "link": "https://www.example.gov.cn/zcfg/2026-12.html",
        "valid_from": "2026-01-01",
        "valid_to": "2026-12-31",
        "apply_by": "2026-12-20",
        "targeting": targeting,
    })
}

fn today() -> String {
    Utc::now()
        .with_timezone(&gridline_domain::calendar::ZONE)
        .format("%Y-%m-%d")
        .to_string()
}

fn record(answer: &str, ticket: Option<Value>) -> Value {
    let mut v = json!({
        "delivered_on": today(),
        "channel": "visit",
        "contact": "财务部 黄主管",
        "answer": answer,
        "note": "已讲解申报条件",
    });
    if let Some(t) = ticket {
        v["ticket"] = t;
    }
    v
}

async fn pending(app: &TestApp, token: &str) -> Vec<Value> {
    let (s, list) = app.get(token, "/api/v1/deliveries?pending=true").await;
    assert_eq!(s, StatusCode::OK, "{list}");
    list.as_array().unwrap().clone()
}

async fn publish_deliver_and_count(engine: Engine) {
    let app = TestApp::start(engine).await;
    let w = World::build(&app).await;
    let econ = econ(&app, &w).await;
    // Only administrators and the economic-development department publish.
    for who in ["officer_d1", "liaison_a", "leader_a"] {
        let (s, b) = app
            .post(w.token(who), "/api/v1/policies", policy(json!({})))
            .await;
        assert_eq!(
            (s, b["code"].as_str()),
            (StatusCode::FORBIDDEN, Some("publishers_only")),
            "{who}"
        );
    }
    let p = app
        .post_ok(
            &econ,
            "/api/v1/policies",
            policy(json!({"clusters": ["electronic_information"]})),
            201,
        )
        .await;
    let id = p["id"].as_i64().unwrap();
    // Due five working days after publishing, at close of business.
    let due: chrono::DateTime<Utc> = p["due_at"].as_str().unwrap().parse().unwrap();
    assert!(due > Utc::now() + chrono::Duration::days(4), "{due}");

    // Each liaison has the task of their grid's enterprise.
    let a = pending(&app, w.token("liaison_a")).await;
    assert_eq!(a.len(), 1);
    assert_eq!(a[0]["enterprise_id"], w.id("ent_a"));
    assert_eq!(a[0]["liaison_id"], w.id("liaison_a"));
    let b = pending(&app, w.token("liaison_b")).await;
    assert_eq!(b[0]["enterprise_id"], w.id("ent_b"));
    assert!(
        pending(&app, w.token("officer_d1")).await.is_empty(),
        "departments see no grid work"
    );
    assert_eq!(
        pending(&app, &econ).await.len(),
        2,
        "the publisher sees every delivery"
    );
    let (da, db) = (a[0]["id"].as_i64().unwrap(), b[0]["id"].as_i64().unwrap());

    // Another grid's liaison cannot see nor record it; a grid head may not record.
    let (s, _) = app
        .post(
            w.token("liaison_b"),
            &format!("/api/v1/deliveries/{da}"),
            record("interested", None),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, b2) = app
        .post(
            w.token("head_a"),
            &format!("/api/v1/deliveries/{da}"),
            record("interested", None),
        )
        .await;
    assert_eq!(
        (s, b2["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("liaisons_only"))
    );
    // A ticket only goes with "will apply"; refused, nothing is written.
    let help = json!({"title": "技改补助申报材料辅导", "description": "企业需协助准备设备发票与审计报告。"});
    let (s, e) = app
        .post(
            w.token("liaison_a"),
            &format!("/api/v1/deliveries/{da}"),
            record("interested", Some(help.clone())),
        )
        .await;
    assert_eq!(
        (s, e["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("only_when_applying"))
    );
    assert_eq!(pending(&app, w.token("liaison_a")).await.len(), 1);
    // Will apply, with the help it needs filed as a policy ticket.
    let (s, done) = app
        .post(
            w.token("liaison_a"),
            &format!("/api/v1/deliveries/{da}"),
            record("will_apply", Some(help)),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{done}");
    assert_eq!(done["delivery"]["answer"], "will_apply");
    let ticket = done["delivery"]["ticket_id"].as_i64().unwrap();
    let t = app.ticket(w.token("liaison_a"), ticket).await;
    assert_eq!(
        (t["category"].as_str(), t["status"].as_str()),
        (Some("policy"), Some("submitted"))
    );
    assert_eq!(t["enterprise_id"], w.id("ent_a"));
    assert_eq!(done["ticket_number"], t["number"]);
    // Recorded once.
    let (s, again) = app
        .post(
            w.token("liaison_a"),
            &format!("/api/v1/deliveries/{da}"),
            record("interested", None),
        )
        .await;
    assert_eq!(
        (s, again["code"].as_str()),
        (StatusCode::CONFLICT, Some("already_delivered"))
    );
    assert!(pending(&app, w.token("liaison_a")).await.is_empty());
    let (s, _) = app
        .post(
            w.token("liaison_b"),
            &format!("/api/v1/deliveries/{db}"),
            record("interested", None),
        )
        .await;
    assert_eq!(s, StatusCode::OK);

    // The figures: in all for the publisher, one grid for a liaison.
    let (_, detail) = app.get(&econ, &format!("/api/v1/policies/{id}")).await;
    assert_eq!(
        detail["total"],
        json!({"targeted": 2, "delivered": 2, "interested": 1, "will_apply": 1, "overdue": 0, "rate": 1.0})
    );
    assert_eq!(detail["grids"].as_array().unwrap().len(), 2);
    let (_, mine) = app
        .get(w.token("liaison_a"), &format!("/api/v1/policies/{id}"))
        .await;
    assert_eq!(mine["grids"].as_array().unwrap().len(), 1);
    assert_eq!(mine["total"]["will_apply"], 1);
    // The catalogue is for everyone.
    let (_, list) = app.get(w.token("officer_d2"), "/api/v1/policies").await;
    assert_eq!(list[0]["doc_number"], "河高经发〔2026〕12号");
    // The export: a header and both deliveries.
    let res = app
        .client
        .get(app.url(&format!("/api/v1/policies/{id}/export")))
        .bearer_auth(&econ)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let mut book: Xlsx<_> =
        Xlsx::new(std::io::Cursor::new(res.bytes().await.unwrap().to_vec())).unwrap();
    let sheet = book.worksheet_range_at(0).unwrap().unwrap();
    assert_eq!(sheet.rows().count(), 3);
    assert!(sheet.rows().any(|r| r[7] == "将申报"));
}

async fn targeting_and_validation(engine: Engine) {
    let app = TestApp::start(engine).await;
    let w = World::build(&app).await;
    let cases = [
        (
            policy(json!({"clusters": ["machinery_moulds"]})),
            "no_targets",
            "targeting",
        ),
        (
            {
                let mut p = policy(json!({}));
                p["valid_to"] = json!("2025-12-31");
                p
            },
            "before_valid_from",
            "valid_to",
        ),
        (
            {
                let mut p = policy(json!({}));
                p["apply_by"] = json!("2027-01-05");
                p
            },
            "outside_validity",
            "apply_by",
        ),
        (
            {
                let mut p = policy(json!({}));
                p["link"] = json!("javascript:alert(1)");
                p
            },
            "format",
            "link",
        ),
        (
            {
                let mut p = policy(json!({}));
                p["title"] = json!(" ");
                p
            },
            "empty",
            "title",
        ),
    ];
    for (body, code, field) in cases {
        let (s, b) = app.post(&w.admin, "/api/v1/policies", body).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert_eq!(
            (b["code"].as_str(), b["field"].as_str()),
            (Some(code), Some(field))
        );
    }
    let (_, list) = app.get(&w.admin, "/api/v1/policies").await;
    assert_eq!(list, json!([]), "nothing refused was written");
    // Hand-picked wins over the criteria; grids narrow.
    let picked = app
        .post_ok(
            &w.admin,
            "/api/v1/policies",
            policy(json!({"enterprises": [w.id("ent_b")], "grids": [w.id("grid_a")]})),
            201,
        )
        .await;
    let (_, d) = app
        .get(
            &w.admin,
            &format!("/api/v1/deliveries?policy_id={}", picked["id"]),
        )
        .await;
    assert_eq!(d.as_array().unwrap().len(), 1);
    assert_eq!(d[0]["enterprise_id"], w.id("ent_b"));
    let by_grid = app
        .post_ok(
            &w.admin,
            "/api/v1/policies",
            policy(json!({"grids": [w.id("grid_a")], "above_size": true})),
            201,
        )
        .await;
    let (_, d) = app
        .get(
            &w.admin,
            &format!("/api/v1/deliveries?policy_id={}", by_grid["id"]),
        )
        .await;
    assert_eq!(d[0]["enterprise_id"], w.id("ent_a"));
    assert_eq!(d.as_array().unwrap().len(), 1);
}

async fn a_delivery_is_recorded_once_under_a_race(engine: Engine) {
    let app = TestApp::start(engine).await;
    let w = World::build(&app).await;
    let p = app
        .post_ok(
            &w.admin,
            "/api/v1/policies",
            policy(json!({"enterprises": [w.id("ent_a")]})),
            201,
        )
        .await;
    let (_, d) = app
        .get(
            &w.admin,
            &format!("/api/v1/deliveries?policy_id={}", p["id"]),
        )
        .await;
    let id = d[0]["id"].as_i64().unwrap();
    let mut tasks = Vec::new();
    for i in 0..6 {
        let (url, token) = (
            app.url(&format!("/api/v1/deliveries/{id}")),
            w.token("liaison_a").to_owned(),
        );
        let body = record(
            "will_apply",
            Some(json!({"title": format!("申报协助{i}"), "description": "协助准备材料"})),
        );
        tasks.push(tokio::spawn(async move {
            reqwest::Client::new()
                .post(url)
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .unwrap()
                .status()
        }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == StatusCode::OK).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses
            .iter()
            .all(|s| *s == StatusCode::OK || *s == StatusCode::CONFLICT)
    );
    let (_, tickets) = app.get(w.token("liaison_a"), "/api/v1/tickets").await;
    assert_eq!(
        tickets["items"].as_array().unwrap().len(),
        1,
        "one ticket: the losers left none"
    );
}

async fn late_deliveries_are_counted(engine: Engine) {
    // Published on Friday 20 November 2026: due at close of business on Friday 27th.
    let clock = TestClock::at(Utc.with_ymd_and_hms(2026, 11, 20, 2, 0, 0).unwrap());
    let app = TestApp::start_with(engine, &[clock.env()]).await;
    let w = World::build(&app).await;
    let p = app
        .post_ok(&w.admin, "/api/v1/policies", policy(json!({})), 201)
        .await;
    assert_eq!(
        p["due_at"], "2026-11-27T10:00:00Z",
        "five working days, 18:00 in Shanghai"
    );
    let id = p["id"].as_i64().unwrap();
    clock.set(Utc.with_ymd_and_hms(2026, 11, 30, 2, 0, 0).unwrap());
    let admin = app.login("admin").await;
    let (_, detail) = app.get(&admin, &format!("/api/v1/policies/{id}")).await;
    assert_eq!(detail["total"]["overdue"], 2, "{detail}");
    assert_eq!(detail["total"]["delivered"], 0);
}

both_engines!(
    publish_deliver_and_count,
    targeting_and_validation,
    a_delivery_is_recorded_once_under_a_race,
    late_deliveries_are_counted
);
