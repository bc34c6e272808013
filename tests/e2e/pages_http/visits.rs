//! The visit form over multipart: photos stored and served only to the grid, a bad problem
//! keeps the form and writes nothing, a double submit records once, forged or foreign
//! forms are refused.

use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};

use super::{get, input_value, sign_in};
use crate::both_engines;
use crate::support::{Engine, TestApp};
use crate::world::World;

async fn the_visit_form(engine: Engine) {
    let app = TestApp::start(engine).await;
    let w = World::build(&app).await;
    let (c, token) = sign_in(&app, "liaison.a").await;
    let (status, html) = get(&c, &app, &format!("/visits/new/{}", w.id("ent_a"))).await;
    assert_eq!(status, StatusCode::OK);
    let key = input_value(&html, "idempotency_key");
    let day = input_value(&html, "visited_on");
    let form = |csrf: &str, title: &str, photo: Option<Vec<u8>>| {
        let mut f = Form::new()
            .text("_csrf", csrf.to_owned())
            .text("enterprise_id", w.id("ent_a").to_string())
            .text("idempotency_key", key.clone())
            .text("visited_on", day.clone())
            .text("mode", "on_site")
            .text("people_met", "王主任")
            .text("topics", "land")
            .text("topics", "permits")
            .text("notes", "用地手续卡在规划许可。")
            .text("p0_category", "permits")
            .text("p0_title", title.to_owned())
            .text("p0_description", "规划许可证已报 40 天未批。");
        if let Some(p) = photo {
            f = f.part("photos", Part::bytes(p).file_name("现场.png"));
        }
        f
    };
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    // A forged form (no token of this browser) is refused before anything is read.
    let r = c
        .post(app.url("/visits/new"))
        .multipart(form("forged", "规划许可久拖", None))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // A problem with a blank title: the form comes back with the message at its block.
    let r = c
        .post(app.url("/visits/new"))
        .multipart(form(&token, " ", Some(png.clone())))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.unwrap();
    assert!(body.contains("data-field=\"problems[0].title\""), "{body}");
    assert!(body.contains("用地手续卡在规划许可。"), "input kept");
    let (_, list) = app.get(w.token("liaison_a"), "/api/v1/visits").await;
    assert_eq!(
        list["items"].as_array().unwrap().len(),
        0,
        "nothing half-written"
    );
    // Twice the same form: one visit, one ticket.
    let mut to = vec![];
    for _ in 0..2 {
        let r = c
            .post(app.url("/visits/new"))
            .multipart(form(&token, "规划许可久拖", Some(png.clone())))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        to.push(r.headers()["location"].to_str().unwrap().to_owned());
    }
    assert_eq!(to[0], to[1]);
    let id: i64 = to[0]
        .trim_start_matches("/visits/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let (_, v) = app
        .get(w.token("liaison_a"), &format!("/api/v1/visits/{id}"))
        .await;
    assert_eq!(v["ticket_ids"].as_array().unwrap().len(), 1);
    let photo = v["photos"][0]["id"].as_i64().unwrap();
    let (_, tickets) = app.get(w.token("liaison_a"), "/api/v1/tickets").await;
    assert_eq!(tickets["items"].as_array().unwrap().len(), 1);
    // The photo is served to the grid, not to another grid.
    let path = format!("/visits/{id}/photos/{photo}");
    let r = c.get(app.url(&path)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "image/png");
    assert_eq!(r.bytes().await.unwrap().to_vec(), png);
    let (other, _) = sign_in(&app, "liaison.b").await;
    for p in [
        path.clone(),
        format!("/visits/{id}"),
        format!("/visits/new/{}", w.id("ent_a")),
    ] {
        let (s, _) = get(&other, &app, &p).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{p}");
    }
    // The API path of the photo is the same rule.
    let (s, _) = app
        .get(
            w.token("liaison_b"),
            &format!("/api/v1/visits/{id}/photos/{photo}"),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // A department sees no grid work: the visits page is not theirs.
    let (officer, _) = sign_in(&app, "officer.d1").await;
    let (s, _) = get(&officer, &app, "/visits").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // The grid head sees the visit and the grid's coverage; the list downloads.
    let (head, _) = sign_in(&app, "head.a").await;
    let (s, html) = get(&head, &app, "/visits").await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains(&format!("href=\"/visits/{id}\"")));
    assert!(html.contains("100.0%"), "grid A covered");
    let r = head
        .get(app.url("/visits?format=xlsx"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.bytes().await.unwrap().starts_with(b"PK"));
}

both_engines!(the_visit_form);
