//! Visits (走访) through the API on both engines: a visit files its problems as linked
//! tickets in one transaction (all or nothing), who may record and who sees, retries and a
//! race under one idempotency key, coverage and the due list as time passes, the export.

use calamine::{Reader, Xlsx};
use chrono::{TimeZone, Utc};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::both_engines;
use crate::support::{Engine, TestApp, TestClock};
use crate::world::World;

fn visit(enterprise: i64, day: &str, problems: Value) -> Value {
    json!({
        "enterprise_id": enterprise,
        "visited_on": day,
        "mode": "on_site",
        "people_met": "张经理（行政部）",
        "topics": ["utilities", "hiring"],
        "topic_note": "园区道路",
        "notes": "生产正常；反映用电容量不足。",
        "problems": problems,
    })
}

fn problem(title: &str) -> Value {
    json!({"category": "utilities", "title": title, "description": "二期厂房需增容 800kVA。"})
}

async fn post(app: &TestApp, token: &str, body: Value, key: Option<&str>) -> (StatusCode, Value) {
    let mut req = app
        .client
        .post(app.url("/api/v1/visits"))
        .bearer_auth(token)
        .json(&body);
    if let Some(k) = key {
        req = req.header("idempotency-key", k);
    }
    let res = req.send().await.unwrap();
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

fn today(app_clock: chrono::DateTime<Utc>) -> String {
    app_clock
        .with_timezone(&gridline_domain::calendar::ZONE)
        .format("%Y-%m-%d")
        .to_string()
}

async fn a_visit_files_its_problems(engine: Engine) {
    let app = TestApp::start(engine).await;
    let w = World::build(&app).await;
    let liaison = w.token("liaison_a");
    let day = today(Utc::now());
    let (status, body) = post(
        &app,
        liaison,
        visit(
            w.id("ent_a"),
            &day,
            json!([problem("二期厂房用电增容"), problem("厂区路灯损坏")]),
        ),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let id = body["visit"]["id"].as_i64().unwrap();
    let tickets: Vec<i64> = body["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_i64().unwrap())
        .collect();
    assert_eq!(tickets.len(), 2);
    assert_eq!(body["visit"]["ticket_ids"], json!(tickets));
    assert_eq!(body["visit"]["topics"], json!(["utilities", "hiring"]));
    for t in &tickets {
        let ticket = app.ticket(liaison, *t).await;
        assert_eq!(ticket["status"], "submitted");
        assert_eq!(ticket["enterprise_id"], w.id("ent_a"));
        assert_eq!(ticket["category"], "utilities");
    }
    // A visit that finds nothing is recorded too.
    let (status, empty) = post(&app, liaison, visit(w.id("ent_a"), &day, json!([])), None).await;
    assert_eq!(status, StatusCode::CREATED, "{empty}");
    assert_eq!(empty["tickets"], json!([]));

    // Who sees it: the grid's people and leaders; not the other grid, not a department.
    for who in ["liaison_a", "head_a", "leader_a", "top", "centre"] {
        let (s, v) = app.get(w.token(who), &format!("/api/v1/visits/{id}")).await;
        assert_eq!(s, StatusCode::OK, "{who}");
        assert_eq!(v["notes"], "生产正常；反映用电容量不足。");
        let (_, list) = app.get(w.token(who), "/api/v1/visits").await;
        assert_eq!(list["items"].as_array().unwrap().len(), 2, "{who}");
    }
    for who in ["liaison_b", "head_b", "leader_b", "officer_d1", "tracker"] {
        let (s, _) = app.get(w.token(who), &format!("/api/v1/visits/{id}")).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{who}");
        let (_, list) = app.get(w.token(who), "/api/v1/visits").await;
        assert_eq!(list["items"], json!([]), "{who}");
    }
    let (s, _) = app
        .get(
            w.token("liaison_b"),
            &format!("/api/v1/visits/coverage?grid_id={}", w.id("grid_a")),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // Coverage: grid A's one enterprise is visited, grid B's is not.
    let (s, cov) = app.get(&w.admin, "/api/v1/visits/coverage").await;
    assert_eq!(s, StatusCode::OK, "{cov}");
    let line = |g: i64| {
        cov.as_array()
            .unwrap()
            .iter()
            .find(|c| c["grid_id"] == g)
            .cloned()
            .unwrap()
    };
    assert_eq!(line(w.id("grid_a"))["visited"], 1);
    assert_eq!(line(w.id("grid_a"))["rate"], 1.0);
    assert_eq!(line(w.id("grid_b"))["visited"], 0);
    assert_eq!(line(w.id("grid_b"))["due"], 1);
    let (_, due_a) = app.get(liaison, "/api/v1/visits/due").await;
    assert_eq!(due_a, json!([]));
    let (_, due_b) = app.get(w.token("liaison_b"), "/api/v1/visits/due").await;
    assert_eq!(due_b[0]["enterprise_id"], w.id("ent_b"));
    assert_eq!(due_b[0]["state"], "due");

    // The export holds the visits with names.
    let res = app
        .client
        .get(app.url("/api/v1/visits/export"))
        .bearer_auth(liaison)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let bytes = res.bytes().await.unwrap().to_vec();
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    let sheet = book.worksheet_range_at(0).unwrap().unwrap();
    assert_eq!(sheet.rows().count(), 3);
    let row: Vec<String> = sheet
        .rows()
        .nth(1)
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert_eq!(row[1], "中兴通讯(河源)有限公司");
    assert!(
        row[5].contains("水电气") && row[5].contains("园区道路"),
        "{row:?}"
    );
}

async fn all_or_nothing_and_the_rules(engine: Engine) {
    let app = TestApp::start(engine).await;
    let w = World::build(&app).await;
    let liaison = w.token("liaison_a");
    let day = today(Utc::now());
    // The second problem has no title: neither the visit nor the first ticket is written.
    let mut bad = problem("x");
    bad["title"] = json!("   ");
    let (status, body) = post(
        &app,
        liaison,
        visit(
            w.id("ent_a"),
            &day,
            json!([problem("二期厂房用电增容"), bad]),
        ),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["field"], "problems[1].title");
    let (_, list) = app.get(liaison, "/api/v1/visits").await;
    assert_eq!(list["items"], json!([]));
    let (_, tickets) = app.get(liaison, "/api/v1/tickets").await;
    assert_eq!(tickets["items"], json!([]), "no ticket may be left behind");

    let future = today(Utc::now() + chrono::Duration::days(2));
    let old = today(Utc::now() - chrono::Duration::days(40));
    let cases: Vec<(&str, Value, StatusCode, &str, &str)> = vec![
        (
            "liaison_a",
            visit(w.id("ent_a"), &future, json!([])),
            StatusCode::UNPROCESSABLE_ENTITY,
            "in_future",
            "visited_on",
        ),
        (
            "liaison_a",
            visit(w.id("ent_a"), &old, json!([])),
            StatusCode::UNPROCESSABLE_ENTITY,
            "too_old",
            "visited_on",
        ),
        (
            "liaison_a",
            {
                let mut v = visit(w.id("ent_a"), &day, json!([]));
                v["topics"] = json!([]);
                v
            },
            StatusCode::UNPROCESSABLE_ENTITY,
            "required",
            "topics",
        ),
        (
            "liaison_a",
            {
                let mut v = visit(w.id("ent_a"), &day, json!([]));
                v["topics"] = json!(["weather"]);
                v
            },
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_topic",
            "topics",
        ),
        (
            "liaison_a",
            {
                let mut v = visit(w.id("ent_a"), &day, json!([]));
                v["notes"] = json!("");
                v
            },
            StatusCode::UNPROCESSABLE_ENTITY,
            "empty",
            "notes",
        ),
        (
            "liaison_b",
            visit(w.id("ent_a"), &day, json!([])),
            StatusCode::UNPROCESSABLE_ENTITY,
            "outside_grid",
            "enterprise_id",
        ),
        (
            "liaison_a",
            visit(999_999, &day, json!([])),
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_enterprise",
            "enterprise_id",
        ),
        (
            "officer_d1",
            visit(w.id("ent_a"), &day, json!([])),
            StatusCode::FORBIDDEN,
            "liaisons_only",
            "",
        ),
        (
            "head_a",
            visit(w.id("ent_a"), &day, json!([])),
            StatusCode::FORBIDDEN,
            "liaisons_only",
            "",
        ),
        (
            "liaison_a",
            visit(
                w.id("ent_a"),
                &day,
                json!(
                    (0..11)
                        .map(|i| problem(&format!("问题{i}")))
                        .collect::<Vec<_>>()
                ),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "too_many",
            "problems",
        ),
    ];
    for (who, body, want, code, field) in cases {
        let (s, b) = post(&app, w.token(who), body, None).await;
        assert_eq!(s, want, "{who} {code}: {b}");
        assert_eq!(b["code"], code, "{b}");
        if !field.is_empty() {
            assert_eq!(b["field"], field, "{b}");
        }
    }
    // An unknown mode is refused by the schema.
    let mut v = visit(w.id("ent_a"), &day, json!([]));
    v["mode"] = json!("carrier_pigeon");
    let (s, _) = post(&app, liaison, v, None).await;
    assert!(s.is_client_error());
    let (_, list) = app.get(liaison, "/api/v1/visits").await;
    assert_eq!(list["items"], json!([]), "nothing refused was written");

    // A deactivated enterprise takes no visits.
    let (_, e) = app
        .get(&w.admin, &format!("/api/v1/enterprises/{}", w.id("ent_a")))
        .await;
    let (s, _) = app
        .call(
            Method::PATCH,
            &format!("/api/v1/enterprises/{}", w.id("ent_a")),
            Some(&w.admin),
            Some(json!({"expected_version": e["version"], "active": false})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, b) = post(&app, liaison, visit(w.id("ent_a"), &day, json!([])), None).await;
    assert_eq!(
        (s, b["code"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("enterprise_inactive")
        )
    );
}

async fn retries_record_once(engine: Engine) {
    let app = TestApp::start(engine).await;
    let w = World::build(&app).await;
    let liaison = w.token("liaison_a").to_owned();
    let body = visit(
        w.id("ent_a"),
        &today(Utc::now()),
        json!([problem("二期厂房用电增容")]),
    );
    // Eight sends of one form at once (a phone retrying on a flaky link): one visit.
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let (app_url, token, body) = (app.url("/api/v1/visits"), liaison.clone(), body.clone());
        tasks.push(tokio::spawn(async move {
            let res = reqwest::Client::new()
                .post(app_url)
                .bearer_auth(token)
                .header("idempotency-key", "visit-form-1")
                .json(&body)
                .send()
                .await
                .unwrap();
            let status = res.status();
            let v: Value = res.json().await.unwrap();
            (
                status,
                v["visit"]["id"].as_i64(),
                v["tickets"][0]["number"].as_str().map(str::to_owned),
            )
        }));
    }
    let (mut ids, mut numbers) = (Vec::new(), Vec::new());
    for t in tasks {
        let (status, id, number) = t.await.unwrap();
        assert_eq!(status, StatusCode::CREATED);
        ids.push(id.unwrap());
        numbers.push(number.expect("every answer names the ticket filed"));
    }
    ids.dedup();
    numbers.dedup();
    assert_eq!(
        numbers.len(),
        1,
        "a replay names the same ticket: {numbers:?}"
    );
    assert!(numbers[0].starts_with("GL-"));
    assert_eq!(ids.len(), 1, "every retry names the first visit");
    let (_, list) = app.get(&liaison, "/api/v1/visits").await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    let (_, tickets) = app.get(&liaison, "/api/v1/tickets").await;
    assert_eq!(
        tickets["items"].as_array().unwrap().len(),
        1,
        "one ticket, not eight"
    );
    // The same key with another body is refused.
    let mut other = body.clone();
    other["notes"] = json!("另一次走访");
    let (s, b) = post(&app, &liaison, other, Some("visit-form-1")).await;
    assert_eq!(
        (s, b["code"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("idempotency_key_reused")
        )
    );
}

async fn coverage_follows_the_calendar(engine: Engine) {
    // Mid-November: the register is made; by mid-January an above-size enterprise not
    // visited in December is overdue.
    let start = Utc.with_ymd_and_hms(2026, 11, 10, 2, 0, 0).unwrap();
    let clock = TestClock::at(start);
    let app = TestApp::start_with(engine, &[clock.env()]).await;
    let w = World::build(&app).await;
    let (_, due) = app.get(w.token("liaison_a"), "/api/v1/visits/due").await;
    assert_eq!(due[0]["state"], "due");
    assert_eq!(due[0]["by"], "2026-12-01");

    clock.set(Utc.with_ymd_and_hms(2027, 1, 15, 2, 0, 0).unwrap());
    let liaison = app.login("liaison.a").await;
    let (_, due) = app.get(&liaison, "/api/v1/visits/due").await;
    assert_eq!(due[0]["state"], "overdue", "{due}");
    assert_eq!(due[0]["by"], "2027-02-01");
    let admin = app.login("admin").await;
    let (_, cov) = app
        .get(
            &admin,
            &format!("/api/v1/visits/coverage?grid_id={}", w.id("grid_a")),
        )
        .await;
    assert_eq!(cov[0]["overdue"], 1);
    assert_eq!(cov[0]["rate"], 0.0);

    let (s, b) = post(
        &app,
        &liaison,
        visit(w.id("ent_a"), "2027-01-14", json!([])),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let (_, due) = app.get(&liaison, "/api/v1/visits/due").await;
    assert_eq!(due, json!([]));
    let (_, cov) = app
        .get(
            &admin,
            &format!("/api/v1/visits/coverage?grid_id={}", w.id("grid_a")),
        )
        .await;
    assert_eq!(
        (cov[0]["visited"].as_u64(), cov[0]["overdue"].as_u64()),
        (Some(1), Some(0))
    );
    // Coverage on a day before the visit did not count it.
    let (_, before) = app
        .get(
            &admin,
            &format!(
                "/api/v1/visits/coverage?grid_id={}&day=2027-01-13",
                w.id("grid_a")
            ),
        )
        .await;
    assert_eq!(before[0]["visited"], 0);
}

both_engines!(
    a_visit_files_its_problems,
    all_or_nothing_and_the_rules,
    retries_record_once,
    coverage_follows_the_calendar
);
