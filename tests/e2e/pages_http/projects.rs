//! Key projects through the page forms: the keepers' create form, the responsible person's
//! reach and replan forms, the accountable leader's decision; refused forms keep the page
//! and write nothing; a forged token is refused.

use reqwest::StatusCode;

use super::{get, sign_in};
use crate::both_engines;
use crate::support::{Engine, TestApp};
use crate::world::World;

fn day(offset: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::days(offset))
        .with_timezone(&gridline_domain::calendar::ZONE)
        .format("%Y-%m-%d")
        .to_string()
}

async fn the_project_forms(engine: Engine) {
    let app = TestApp::start(engine).await;
    let w = World::build(&app).await;
    let (admin, token) = sign_in(&app, "admin").await;
    let (_, html) = get(&admin, &app, "/projects").await;
    assert!(html.contains("id=\"project-form\""));
    let form = |csrf: &str, second: &str| {
        vec![
            ("_csrf", csrf.to_owned()),
            ("name", "中兴通讯二期".to_owned()),
            ("enterprise_id", w.id("ent_a").to_string()),
            ("investment", "350000".to_owned()),
            ("accountable_leader_id", w.id("leader_a").to_string()),
            ("department_id", w.id("d1").to_string()),
            ("responsible_person_id", w.id("officer_d1").to_string()),
            ("m0_name", "签约".to_owned()),
            ("m0_planned_on", day(30)),
            ("m1_name", "拿地".to_owned()),
            ("m1_planned_on", second.to_owned()),
            ("m2_name", "净地交付".to_owned()),
            ("m2_planned_on", String::new()),
        ]
    };
    let r = admin
        .post(app.url("/projects"))
        .form(&form("forged", &day(60)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // Out of order: the page comes back with the message.
    let r = admin
        .post(app.url("/projects"))
        .form(&form(&token, &day(10)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("data-field=\"milestones\"")
    );
    let (_, none) = app.get(&w.admin, "/api/v1/projects").await;
    assert_eq!(none, serde_json::json!([]));
    let r = admin
        .post(app.url("/projects"))
        .form(&form(&token, &day(60)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, list) = app.get(&w.admin, "/api/v1/projects").await;
    let id = list[0]["id"].as_i64().unwrap();
    assert_eq!(
        list[0]["milestones"].as_array().unwrap().len(),
        2,
        "an empty date leaves a milestone out"
    );
    let m1 = list[0]["milestones"][1]["id"].as_i64().unwrap();

    // The responsible person asks to move the second milestone; the grid head may not.
    let (head, head_token) = sign_in(&app, "head.a").await;
    let r = head
        .post(app.url(&format!("/projects/{id}/milestones/{m1}/replan")))
        .form(&[
            ("_csrf", head_token.as_str()),
            ("planned_on", &day(90)),
            ("reason", "征地延后"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let (officer, officer_token) = sign_in(&app, "officer.d1").await;
    let r = officer
        .post(app.url(&format!("/projects/{id}/milestones/{m1}/replan")))
        .form(&[
            ("_csrf", officer_token.as_str()),
            ("planned_on", &day(90)),
            ("reason", "征地延后"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // A second ask is refused on the page itself.
    let r = officer
        .post(app.url(&format!("/projects/{id}/milestones/{m1}/replan")))
        .form(&[
            ("_csrf", officer_token.as_str()),
            ("planned_on", &day(95)),
            ("reason", "再延"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("data-test=\"refused\""));
    // The accountable leader sees the decision buttons and approves.
    let (leader, leader_token) = sign_in(&app, "leader.a").await;
    let (_, html) = get(&leader, &app, &format!("/projects/{id}")).await;
    assert!(html.contains("data-decide=\"approve\""));
    let r = leader
        .post(app.url(&format!("/projects/{id}/milestones/{m1}/approve")))
        .form(&[("_csrf", leader_token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, p) = app.get(&w.admin, &format!("/api/v1/projects/{id}")).await;
    assert_eq!(p["project"]["milestones"][1]["planned_on"], day(90));
    // Another grid's liaison does not see the project.
    let (other, _) = sign_in(&app, "liaison.b").await;
    let (s, _) = get(&other, &app, &format!("/projects/{id}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

both_engines!(the_project_forms);
