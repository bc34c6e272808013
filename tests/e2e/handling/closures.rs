//! Duplicates, withdrawals and invalid requests through the API on both engines: who may
//! end a ticket so, from which states, against which original; the liaison hears of it by
//! mail (the real SMTP server); possible duplicates come only from what the caller sees.

use serde_json::{Value, json};

use crate::both_engines;
use crate::mail::{SmtpSink, by_subject, free_port, mail_env};
use crate::support::{Engine, TestApp};
use crate::world::World;

async fn code(
    app: &TestApp,
    who: &str,
    w: &World,
    id: i64,
    action: &str,
    body: Value,
) -> (u16, String) {
    let version = app.ticket(w.token(who), id).await["version"]
        .as_i64()
        .unwrap_or(0);
    let mut body = body;
    body["expected_version"] = json!(version);
    let (status, res) = app.act(w.token(who), id, action, body).await;
    (
        status.as_u16(),
        res["code"].as_str().unwrap_or_default().to_owned(),
    )
}

async fn duplicates_withdrawals_and_invalid_requests(engine: Engine) {
    let sink = SmtpSink::start(free_port(), None);
    let app = TestApp::start_with(engine, &mail_env(sink.port)).await;
    let w = World::build(&app).await;
    let original = w.file(&app, "三期项目用地净地交付").await;
    let copy = w.file(&app, "三期项目用地净地交付问题").await;
    let other = app
        .post_ok(
            w.token("liaison_b"),
            "/api/v1/tickets",
            json!({"enterprise_id": w.id("ent_b"), "category": "land", "title": "三期项目用地净地交付",
                   "description": "同样的标题，另一个网格"}),
            201,
        )
        .await["id"]
        .as_i64()
        .unwrap();

    // Possible duplicates: the enterprise's recent tickets, from what the caller sees only.
    let similar = format!(
        "/api/v1/tickets/similar?enterprise_id={}&category=land&title=%E7%94%A8%E5%9C%B0%E5%87%80%E5%9C%B0%E4%BA%A4%E4%BB%98",
        w.id("ent_a")
    );
    let (s, found) = app.get(w.token("liaison_a"), &similar).await;
    assert_eq!(s, 200, "{found}");
    let ids: Vec<i64> = found
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["ticket"]["id"].as_i64().unwrap())
        .collect();
    assert!(ids.contains(&original) && ids.contains(&copy), "{found}");
    assert!(
        !ids.contains(&other),
        "grid B's ticket is not liaison A's to see"
    );
    let (_, found) = app.get(w.token("liaison_b"), &similar).await;
    assert_eq!(found, json!([]), "nothing of grid A leaks to liaison B");
    let (s, e) = app
        .get(
            w.token("liaison_a"),
            &format!(
                "/api/v1/tickets/similar?enterprise_id={}&category=soil",
                w.id("ent_a")
            ),
        )
        .await;
    assert_eq!(
        (s.as_u16(), e["code"].as_str()),
        (422, Some("unknown_category"))
    );
    let (_, related) = app
        .get(
            w.token("head_a"),
            &format!("/api/v1/tickets/{copy}/related"),
        )
        .await;
    assert_eq!(
        related["possible_duplicates"][0]["ticket"]["id"], original,
        "{related}"
    );

    // Marking a duplicate: not of itself, not of an unseen or unknown ticket, not by a liaison.
    for (of, expected) in [
        (copy, "same_ticket"),
        (other, "unknown_ticket"),
        (999_999, "unknown_ticket"),
    ] {
        let got = code(
            &app,
            "head_a",
            &w,
            copy,
            "mark_duplicate",
            json!({"duplicate_of": of}),
        )
        .await;
        assert_eq!(got, (422, expected.to_owned()), "duplicate of {of}");
    }
    let got = code(
        &app,
        "liaison_a",
        &w,
        copy,
        "mark_duplicate",
        json!({"duplicate_of": original}),
    )
    .await;
    assert_eq!(got.0, 403);
    let got = code(&app, "head_a", &w, copy, "mark_duplicate", json!({})).await;
    assert_eq!(got, (422, "required".to_owned()));
    w.step(
        &app,
        "head_a",
        copy,
        "mark_duplicate",
        json!({"duplicate_of": original, "note": "同一问题，已在原工单办理"}),
    )
    .await;
    let t = app.ticket(w.token("liaison_a"), copy).await;
    assert_eq!(
        (t["status"].as_str(), t["closure"].as_str()),
        (Some("closed"), Some("duplicate"))
    );
    assert_eq!(t["duplicate_of"], original);
    let (_, related) = app
        .get(
            w.token("liaison_a"),
            &format!("/api/v1/tickets/{original}/related"),
        )
        .await;
    assert_eq!(
        related["duplicates"][0]["id"], copy,
        "the original lists it"
    );
    // A closed duplicate cannot be dispatched, nor named as an original.
    let got = code(&app, "head_a", &w, copy, "dispatch", w.dispatch_body()).await;
    assert_eq!(got, (409, "invalid_transition".to_owned()));
    let third = w.file(&app, "用地净地交付进度").await;
    let got = code(
        &app,
        "head_a",
        &w,
        third,
        "mark_duplicate",
        json!({"duplicate_of": copy}),
    )
    .await;
    assert_eq!(got, (422, "not_an_original".to_owned()));
    // The service centre marks across grids; a grid head does not see the other grid.
    w.step(
        &app,
        "centre",
        other,
        "mark_duplicate",
        json!({"duplicate_of": original}),
    )
    .await;
    assert_eq!(
        app.ticket(w.token("liaison_b"), other).await["closure"],
        "duplicate"
    );

    // Invalid: only a dispatcher, only in the queue, with a reason.
    let got = code(
        &app,
        "liaison_a",
        &w,
        third,
        "mark_invalid",
        json!({"reason": "x"}),
    )
    .await;
    assert_eq!(got.0, 403);
    let got = code(
        &app,
        "head_a",
        &w,
        third,
        "mark_invalid",
        json!({"reason": "  "}),
    )
    .await;
    assert_eq!(got, (422, "required".to_owned()));
    w.step(
        &app,
        "head_a",
        third,
        "mark_invalid",
        json!({"reason": "咨询类，非企业诉求"}),
    )
    .await;
    assert_eq!(
        app.ticket(w.token("liaison_a"), third).await["closure"],
        "invalid"
    );

    // Withdrawn: the liaison, while the department works it; the department stops.
    w.step(&app, "head_a", original, "dispatch", w.dispatch_body())
        .await;
    w.step(&app, "officer_d1", original, "accept", json!({}))
        .await;
    let got = code(
        &app,
        "officer_d1",
        &w,
        original,
        "withdraw",
        json!({"reason": "x"}),
    )
    .await;
    assert_eq!(got.0, 403);
    let got = code(&app, "liaison_a", &w, original, "withdraw", json!({})).await;
    assert_eq!(got, (422, "required".to_owned()));
    w.step(
        &app,
        "liaison_a",
        original,
        "withdraw",
        json!({"reason": "企业已自行解决"}),
    )
    .await;
    let t = app.ticket(w.token("officer_d1"), original).await;
    assert_eq!(
        (t["status"].as_str(), t["closure"].as_str()),
        (Some("closed"), Some("withdrawn"))
    );
    assert!(t["resolution_due_at"].is_string() && !t["overdue"].as_bool().unwrap());
    let got = code(
        &app,
        "officer_d1",
        &w,
        original,
        "resolve",
        json!({"resolution": "已办"}),
    )
    .await;
    assert_eq!(got, (409, "invalid_transition".to_owned()));
    let resolved = w.prepare(&app, "resolved").await;
    let got = code(
        &app,
        "liaison_a",
        &w,
        resolved,
        "withdraw",
        json!({"reason": "晚了"}),
    )
    .await;
    assert_eq!(
        got,
        (409, "invalid_transition".to_owned()),
        "not once resolved"
    );

    // Who hears: liaison A of each duplicate and invalid one in grid A, liaison B of the
    // cross-grid duplicate, the responsible person and tracker of the withdrawn one.
    let mails = sink.wait_for(7, 30).await;
    let dup = by_subject(&mails, "工单作为重复件关闭");
    let mut to: Vec<String> = dup.iter().flat_map(|m| m.to.clone()).collect();
    to.sort();
    assert_eq!(to, ["liaison_a@test.example", "liaison_b@test.example"]);
    assert!(
        dup.iter()
            .any(|m| m.text.contains("同一问题，已在原工单办理"))
    );
    let inv = by_subject(&mails, "工单作为无效件关闭");
    assert_eq!(inv.len(), 1);
    assert!(inv[0].text.contains("咨询类，非企业诉求"));
    let wd = by_subject(&mails, "工单已撤回");
    let mut to: Vec<String> = wd.iter().flat_map(|m| m.to.clone()).collect();
    to.sort();
    assert_eq!(to, ["officer_d1@test.example", "tracker@test.example"]);
}

both_engines!(duplicates_withdrawals_and_invalid_requests);
