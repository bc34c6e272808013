//! The admin pages create the organisation as the API does.

use reqwest::StatusCode;

use super::{get, sign_in};
use crate::both_engines;
use crate::support::{Engine, TestApp};
use crate::world::World;

/// The admin pages create through the API's handlers: success goes back to the list, a
/// refusal shows the message by its field and keeps the input (never the password).
async fn admins_manage_the_organisation(engine: Engine) {
    let app = TestApp::start(engine).await;
    let w = World::build(&app).await;
    let (c, token) = sign_in(&app, "admin").await;
    let post = |path: &'static str, form: Vec<(&'static str, String)>| {
        let (c, url) = (c.clone(), app.url(path));
        async move { c.post(url).form(&form).send().await.unwrap() }
    };
    let r = post(
        "/admin/departments",
        vec![
            ("_csrf", token.clone()),
            ("name", "应急管理局".into()),
            ("email", "yingji@test.example".into()),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/admin/departments?done=1");
    let (_, html) = get(&c, &app, "/admin/departments?done=1").await;
    assert!(html.contains("应急管理局"));
    // A bad username: the message by the field, the rest kept, the password not echoed.
    let r = post(
        "/admin/users",
        vec![
            ("_csrf", token.clone()),
            ("username", "有 空格".into()),
            ("display_name", "新同事".into()),
            ("password", "a long enough password".into()),
            ("role", "department_officer".into()),
            ("department_id", w.id("d2").to_string()),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("class=\"field-error\""), "{html}");
    assert!(html.contains("value=\"新同事\""));
    assert!(!html.contains("a long enough password"));
    // A grid whose five-ones hold the wrong roles is refused.
    let r = post(
        "/admin/grids",
        vec![
            ("_csrf", token.clone()),
            ("name", "C网格".into()),
            ("linked_leader_id", w.id("liaison_a").to_string()),
            ("head_id", w.id("head_a").to_string()),
            ("task_force_id", w.id("tfg_a").to_string()),
            ("liaison_id", w.id("liaison_a").to_string()),
            ("team", "C网格服务队".into()),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // Only admins: a liaison is refused the page and the post.
    let (l, ltoken) = sign_in(&app, "liaison.a").await;
    let (status, _) = get(&l, &app, "/admin/users").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let r = l
        .post(app.url("/admin/task-forces"))
        .form(&[("_csrf", ltoken.as_str()), ("name", "不该有的专班")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let (_, tfs) = app.get(&w.admin, "/api/v1/task-forces").await;
    assert!(!tfs.to_string().contains("不该有的专班"));
}

both_engines!(admins_manage_the_organisation,);
