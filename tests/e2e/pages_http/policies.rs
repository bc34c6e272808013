//! The publish form: only publishers see and may post it, a forged token is refused, bad
//! dates and an empty targeting come back with the input kept, a good form publishes.

use reqwest::StatusCode;

use super::{get, sign_in};
use crate::both_engines;
use crate::support::{Engine, TestApp};
use crate::world::World;

async fn the_publish_form(engine: Engine) {
    let app = TestApp::start(engine).await;
    let w = World::build(&app).await;
    let (admin, token) = sign_in(&app, "admin").await;
    let (s, html) = get(&admin, &app, "/policies").await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("id=\"publish-form\""));
    let (liaison, liaison_token) = sign_in(&app, "liaison.a").await;
    let (_, html) = get(&liaison, &app, "/policies").await;
    assert!(
        !html.contains("id=\"publish-form\""),
        "liaisons do not publish"
    );
    let form = |csrf: &str, valid_from: &str, cluster: &str| {
        vec![
            ("_csrf", csrf.to_owned()),
            ("title", "专精特新企业奖励".to_owned()),
            ("issuer", "河源高新区经济发展局".to_owned()),
            ("doc_number", "河高经发〔2026〕20号".to_owned()),
            ("summary", "认定为专精特新的企业给予一次性奖励。".to_owned()),
            ("link", String::new()),
            ("valid_from", valid_from.to_owned()),
            ("valid_to", String::new()),
            ("apply_by", String::new()),
            ("clusters", cluster.to_owned()),
            ("above_size", String::new()),
            ("grids", w.id("grid_a").to_string()),
        ]
    };
    let post = |c: &reqwest::Client, body: Vec<(&'static str, String)>| {
        c.post(app.url("/policies")).form(&body).send()
    };
    let r = post(
        &admin,
        form("forged", "2026-01-01", "electronic_information"),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = post(
        &liaison,
        form(&liaison_token, "2026-01-01", "electronic_information"),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = post(&admin, form(&token, "", "electronic_information"))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.unwrap();
    assert!(body.contains("data-field=\"valid_from\"") && body.contains("专精特新企业奖励"));
    let r = post(&admin, form(&token, "2026-01-01", "machinery_moulds"))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("data-field=\"targeting\""));
    let (_, list) = app.get(&w.admin, "/api/v1/policies").await;
    assert_eq!(list, serde_json::json!([]), "nothing refused was published");
    let r = post(&admin, form(&token, "2026-01-01", "electronic_information"))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = r.headers()["location"].to_str().unwrap().to_owned();
    let (s, html) = get(&admin, &app, &to).await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("data-test=\"deliveries\""));
    let (_, d) = app.get(&w.admin, "/api/v1/deliveries").await;
    assert_eq!(
        d.as_array().unwrap().len(),
        1,
        "grid A's one electronics enterprise"
    );
    let first = d[0].clone();
    // A hand-picked list on the form: only those enterprises.
    let picked = vec![
        ("_csrf", token.clone()),
        ("title", "上市培育奖励".to_owned()),
        ("issuer", "河源高新区经济发展局".to_owned()),
        ("doc_number", "河高经发〔2026〕21号".to_owned()),
        ("summary", "拟上市企业分阶段奖励。".to_owned()),
        ("valid_from", "2026-01-01".to_owned()),
        ("enterprises", format!("{}", w.id("ent_b"))),
    ];
    let r = admin
        .post(app.url("/policies"))
        .form(&picked)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, list) = app.get(&w.admin, "/api/v1/policies").await;
    let (_, only) = app
        .get(
            &w.admin,
            &format!("/api/v1/deliveries?policy_id={}", list[0]["id"]),
        )
        .await;
    assert_eq!(only.as_array().unwrap().len(), 1);
    assert_eq!(only[0]["enterprise_id"], w.id("ent_b"));
    // The liaison of the other grid cannot open grid A's delivery form.
    let (other, _) = sign_in(&app, "liaison.b").await;
    let (s, _) = get(&other, &app, &format!("/deliveries/{}", first["id"])).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = get(&liaison, &app, &format!("/deliveries/{}", first["id"])).await;
    assert_eq!(s, StatusCode::OK);
}

both_engines!(the_publish_form);
