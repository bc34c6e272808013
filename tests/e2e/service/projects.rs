//! Key projects (重点项目) through the API on both engines: the three-ones checked as for a
//! dispatch, milestones in order, who sees and who works a project, a milestone reached
//! once, a planned-day move asked by the responsible person and decided by the accountable
//! leader with every planned day kept, linked tickets, and each project's standing.

use calamine::{Reader, Xlsx};
use chrono::{Duration, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::both_engines;
use crate::support::{Engine, TestApp};
use crate::world::World;

fn day(offset: i64) -> String {
    (Utc::now() + Duration::days(offset))
        .with_timezone(&gridline_domain::calendar::ZONE)
        .format("%Y-%m-%d")
        .to_string()
}

/// A project of enterprise A: leader B accountable (not grid A's linked leader), department
/// 1 responsible, its officer working it; milestones from `first` days on, a month apart.
fn project(w: &World, first: i64) -> Value {
    let names = [
        "签约",
        "拿地",
        "净地交付",
        "开工",
        "水电气接入",
        "竣工",
        "投产",
    ];
    json!({
        "name": "中兴通讯河源二期智能制造基地",
        "enterprise_id": w.id("ent_a"),
        "investment": 350000,
        "accountable_leader_id": w.id("leader_b"),
        "department_id": w.id("d1"),
        "responsible_person_id": w.id("officer_d1"),
        "milestones": names.iter().enumerate().map(|(i, n)| json!({"name": n, "planned_on": day(first + 30 * i as i64)})).collect::<Vec<_>>(),
    })
}

async fn create_and_who_sees(engine: Engine) {
    let app = TestApp::start(engine).await;
    let w = World::build(&app).await;
    let (s, b) = app
        .post(w.token("officer_d1"), "/api/v1/projects", project(&w, 40))
        .await;
    assert_eq!(
        (s, b["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("keepers_only"))
    );
    let mut bad = Vec::new();
    let mut p = project(&w, 40);
    p["accountable_leader_id"] = json!(w.id("officer_d2"));
    bad.push((p, "not_a_leader", "accountable_leader_id"));
    let mut p = project(&w, 40);
    p["responsible_person_id"] = json!(w.id("officer_d2"));
    bad.push((p, "not_in_department", "responsible_person_id"));
    let mut p = project(&w, 40);
    p["milestones"][1]["planned_on"] = json!(day(1));
    bad.push((p, "out_of_order", "milestones"));
    let mut p = project(&w, 40);
    p["milestones"][1]["name"] = json!("签约");
    bad.push((p, "duplicate", "milestones"));
    let mut p = project(&w, 40);
    p["investment"] = json!(-1);
    bad.push((p, "negative", "investment"));
    for (body, code, field) in bad {
        let (s, b) = app.post(&w.admin, "/api/v1/projects", body).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert_eq!(
            (b["code"].as_str(), b["field"].as_str()),
            (Some(code), Some(field))
        );
    }
    let (_, none) = app.get(&w.admin, "/api/v1/projects").await;
    assert_eq!(none, json!([]), "nothing refused was written");

    let p = app
        .post_ok(&w.admin, "/api/v1/projects", project(&w, 40), 201)
        .await;
    let id = p["id"].as_i64().unwrap();
    assert_eq!(p["milestones"].as_array().unwrap().len(), 7);
    assert_eq!(p["standing"], "on_track");
    assert_eq!(p["grid_id"], w.id("grid_a"));
    for who in [
        "liaison_a",
        "head_a",
        "leader_a",
        "leader_b",
        "officer_d1",
        "top",
        "centre",
    ] {
        let (s, _) = app
            .get(w.token(who), &format!("/api/v1/projects/{id}"))
            .await;
        assert_eq!(s, StatusCode::OK, "{who}");
        let (_, list) = app.get(w.token(who), "/api/v1/projects").await;
        assert_eq!(list.as_array().unwrap().len(), 1, "{who}");
    }
    // The export: a row per milestone of the projects the caller sees.
    let res = app
        .client
        .get(app.url("/api/v1/projects/export"))
        .bearer_auth(w.token("officer_d1"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let bytes = res.bytes().await.unwrap().to_vec();
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    let sheet = book.worksheet_range_at(0).unwrap().unwrap();
    assert_eq!(sheet.rows().count(), 8, "a header and seven milestones");
    let res = app
        .client
        .get(app.url("/api/v1/projects/export"))
        .bearer_auth(w.token("liaison_b"))
        .send()
        .await
        .unwrap();
    let bytes = res.bytes().await.unwrap().to_vec();
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    let sheet = book.worksheet_range_at(0).unwrap().unwrap();
    assert_eq!(
        sheet.rows().count(),
        1,
        "another grid's liaison: the header only"
    );
    for who in ["liaison_b", "head_b", "officer_d2", "tf_member", "tracker"] {
        let (s, _) = app
            .get(w.token(who), &format!("/api/v1/projects/{id}"))
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{who}");
    }
}

async fn milestones_moves_and_tickets(engine: Engine) {
    let app = TestApp::start(engine).await;
    let w = World::build(&app).await;
    // Signing was planned ten days ago and is not reached: the project is late.
    let p = app
        .post_ok(&w.admin, "/api/v1/projects", project(&w, -10), 201)
        .await;
    let id = p["id"].as_i64().unwrap();
    assert_eq!(p["standing"], "late");
    assert_eq!(p["milestones"][0]["standing"], "late");
    let (m0, m1) = (
        p["milestones"][0]["id"].as_i64().unwrap(),
        p["milestones"][1]["id"].as_i64().unwrap(),
    );
    let reach =
        json!({"reached_on": day(-1), "evidence": "投资协议已签订（协议编号 HY-2026-118）"});
    // Only the responsible person (or a keeper) records it.
    let (s, b) = app
        .post(
            w.token("head_a"),
            &format!("/api/v1/projects/{id}/milestones/{m0}/reach"),
            reach.clone(),
        )
        .await;
    assert_eq!(
        (s, b["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("responsible_person_only"))
    );
    let (s, b) = app
        .post(
            w.token("officer_d1"),
            &format!("/api/v1/projects/{id}/milestones/{m0}/reach"),
            json!({"reached_on": day(2), "evidence": "x"}),
        )
        .await;
    assert_eq!(
        (s, b["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("in_future"))
    );
    let (s, b) = app
        .post(
            w.token("officer_d1"),
            &format!("/api/v1/projects/{id}/milestones/{m0}/reach"),
            reach.clone(),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["milestones"][0]["standing"], "done");
    assert_eq!(b["standing"], "on_track");
    let (s, b) = app
        .post(
            w.token("officer_d1"),
            &format!("/api/v1/projects/{id}/milestones/{m0}/reach"),
            reach,
        )
        .await;
    assert_eq!(
        (s, b["code"].as_str()),
        (StatusCode::CONFLICT, Some("already_reached"))
    );

    // Moving a planned day: asked by the responsible person, decided by leader B only.
    let old = p["milestones"][1]["planned_on"]
        .as_str()
        .unwrap()
        .to_owned();
    let ask = json!({"planned_on": day(60), "reason": "征地补偿协议尚未全部签订"});
    let (s, b) = app
        .post(
            w.token("officer_d1"),
            &format!("/api/v1/projects/{id}/milestones/{m1}/replan"),
            ask.clone(),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["milestones"][1]["proposed_on"], day(60));
    assert_eq!(
        b["milestones"][1]["planned_on"], old,
        "not moved before the decision"
    );
    let (s, b) = app
        .post(
            w.token("officer_d1"),
            &format!("/api/v1/projects/{id}/milestones/{m1}/replan"),
            ask,
        )
        .await;
    assert_eq!(
        (s, b["code"].as_str()),
        (StatusCode::CONFLICT, Some("proposal_pending"))
    );
    let (s, b) = app
        .post(
            w.token("leader_a"),
            &format!("/api/v1/projects/{id}/milestones/{m1}/decide"),
            json!({"approve": true}),
        )
        .await;
    assert_eq!(
        (s, b["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("accountable_leader_only"))
    );
    let (s, b) = app
        .post(
            w.token("leader_b"),
            &format!("/api/v1/projects/{id}/milestones/{m1}/decide"),
            json!({"approve": true}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["milestones"][1]["planned_on"], day(60));
    assert!(b["milestones"][1]["proposed_on"].is_null());
    let (s, b) = app
        .post(
            w.token("leader_b"),
            &format!("/api/v1/projects/{id}/milestones/{m1}/decide"),
            json!({"approve": false}),
        )
        .await;
    assert_eq!(
        (s, b["code"].as_str()),
        (StatusCode::CONFLICT, Some("no_proposal"))
    );

    // Tickets of the enterprise are linked; another enterprise's are not.
    let t = w.file(&app, "二期厂房临时用电").await;
    let other = app
        .post_ok(w.token("liaison_b"), "/api/v1/tickets", json!({"enterprise_id": w.id("ent_b"), "category": "utilities", "title": "停水", "description": "停水"}), 201)
        .await;
    let (s, _) = app
        .post(
            &w.admin,
            &format!("/api/v1/projects/{id}/tickets"),
            json!({"ticket_id": t}),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, b) = app
        .post(
            &w.admin,
            &format!("/api/v1/projects/{id}/tickets"),
            json!({"ticket_id": t}),
        )
        .await;
    assert_eq!(
        (s, b["code"].as_str()),
        (StatusCode::CONFLICT, Some("already_linked"))
    );
    let (s, b) = app
        .post(
            &w.admin,
            &format!("/api/v1/projects/{id}/tickets"),
            json!({"ticket_id": other["id"]}),
        )
        .await;
    assert_eq!(
        (s, b["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("other_enterprise"))
    );

    // Filed under the project: linked in the same step; another enterprise's project is refused.
    let filed = app
        .post_ok(
            w.token("liaison_a"),
            "/api/v1/tickets",
            json!({"enterprise_id": w.id("ent_a"), "category": "land", "title": "二期用地红线调整", "description": "需调整用地红线", "project_id": id}),
            201,
        )
        .await;
    let b_project = app
        .post_ok(
            &w.admin,
            "/api/v1/projects",
            {
                let mut p = project(&w, 40);
                p["enterprise_id"] = json!(w.id("ent_b"));
                p
            },
            201,
        )
        .await;
    let (s, b) = app
        .post(
            w.token("liaison_a"),
            "/api/v1/tickets",
            json!({"enterprise_id": w.id("ent_a"), "category": "land", "title": "x", "description": "x", "project_id": b_project["id"]}),
        )
        .await;
    assert!(
        s == StatusCode::UNPROCESSABLE_ENTITY || s == StatusCode::NOT_FOUND,
        "{s} {b}"
    );
    assert_eq!(b["field"], "project_id");

    // The page's facts: the linked tickets, and a history keeping every planned day.
    let (_, detail) = app
        .get(w.token("liaison_a"), &format!("/api/v1/projects/{id}"))
        .await;
    let linked: Vec<i64> = detail["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_i64().unwrap())
        .collect();
    assert_eq!(linked, [t, filed["id"].as_i64().unwrap()]);
    let kinds: Vec<&str> = detail["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "created",
            "reached",
            "replan_requested",
            "replan_decided",
            "ticket_linked",
            "ticket_linked"
        ]
    );
    let decided = &detail["history"][3]["payload"];
    assert_eq!(
        (
            decided["from"].as_str(),
            decided["to"].as_str(),
            decided["approved"].as_bool()
        ),
        (Some(old.as_str()), Some(day(60).as_str()), Some(true))
    );
}

both_engines!(create_and_who_sees, milestones_moves_and_tickets);
