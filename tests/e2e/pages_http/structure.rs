//! Editing the structure from the admin pages: a grid's five-ones and team with the seat
//! history, and a department refused deactivation while work is open.

use reqwest::StatusCode;

use super::{get, input_value, sign_in};
use crate::both_engines;
use crate::support::{Engine, PASSWORD, TestApp};
use crate::world::World;

async fn grid_and_department_pages(engine: Engine) {
    let app = TestApp::start(engine).await;
    let w = World::build(&app).await;
    let new_liaison = app
        .post_ok(
            &w.admin,
            "/api/v1/users",
            serde_json::json!({"username": "liaison.a2", "display_name": "新联络员", "password": PASSWORD, "role": "liaison"}),
            201,
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let (c, token) = sign_in(&app, "admin").await;
    let grid = w.id("grid_a");
    let path = format!("/admin/grids/{grid}");
    let (status, html) = get(&c, &app, &path).await;
    assert_eq!(status, StatusCode::OK);
    let version = input_value(&html, "expected_version");
    let form = |liaison: i64, head: i64| {
        vec![
            ("_csrf".to_owned(), token.clone()),
            ("expected_version".to_owned(), version.clone()),
            ("name".to_owned(), "a网格".to_owned()),
            ("linked_leader_id".to_owned(), w.id("leader_a").to_string()),
            ("head_id".to_owned(), head.to_string()),
            ("task_force_id".to_owned(), w.id("tfg_a").to_string()),
            ("liaison_id".to_owned(), liaison.to_string()),
            ("team".to_owned(), "a网格服务队".to_owned()),
            ("team_member_ids".to_owned(), w.id("liaison_a").to_string()),
            ("team_member_ids".to_owned(), new_liaison.to_string()),
        ]
    };
    // A liaison as head: the form again, by the field.
    let r = c
        .post(app.url(&path))
        .form(&form(new_liaison, new_liaison))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("data-test=\"error-head_id\"")
    );
    let r = c
        .post(app.url(&path))
        .form(&form(new_liaison, w.id("head_a")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, html) = get(&c, &app, &format!("{path}?done=saved")).await;
    let seats = &html[html.find("data-test=\"seats\"").unwrap()..];
    assert!(seats.contains("新联络员"), "the new liaison holds the seat");
    assert!(
        seats.matches("联络员").count() >= 2,
        "and the old one is listed"
    );
    let (_, g) = app
        .get(&w.admin, &format!("/api/v1/grids/{grid}/seats"))
        .await;
    assert_eq!(g["team_member_ids"].as_array().unwrap().len(), 2);

    // A department with open work cannot be deactivated from its page.
    w.prepare(&app, "accepted").await;
    let d1 = w.id("d1");
    let dpath = format!("/admin/departments/{d1}");
    let (status, html) = get(&c, &app, &dpath).await;
    assert_eq!(status, StatusCode::OK);
    let version = input_value(&html, "expected_version");
    let r = c
        .post(app.url(&dpath))
        .form(&[
            ("_csrf", token.as_str()),
            ("expected_version", &version),
            ("name", "国土局"),
            ("email", ""),
            ("active", "off"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("data-test=\"edit-error\""));
    let r = c
        .post(app.url(&dpath))
        .form(&[
            ("_csrf", token.as_str()),
            ("expected_version", &version),
            ("name", "国土局"),
            ("email", "gt@zone.example.cn"),
            ("active", "on"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, html) = get(&c, &app, &dpath).await;
    assert!(html.contains("gt@zone.example.cn") && html.contains("国土局"));
    let (o, _) = sign_in(&app, "officer.d1").await;
    assert_eq!(get(&o, &app, &dpath).await.0, StatusCode::FORBIDDEN);
    assert_eq!(get(&o, &app, &path).await.0, StatusCode::FORBIDDEN);
}

both_engines!(grid_and_department_pages);
