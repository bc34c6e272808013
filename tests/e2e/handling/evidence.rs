//! Evidence (办结佐证) through the API on both engines: whoever recorded a resolution, a
//! return or a report adds photos or PDFs to it within a day; nobody else, no other step,
//! nothing unsniffable, at most six; the department that returned a ticket still attaches
//! why; the files are listed with their event.

use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::both_engines;
use crate::support::{Engine, TestApp};
use crate::world::World;

const PNG: &[u8] =
    b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";
const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";

async fn upload(
    app: &TestApp,
    token: &str,
    ticket: i64,
    event: i64,
    files: &[(&str, &[u8])],
) -> (u16, Value) {
    let mut form = Form::new();
    for (name, data) in files {
        form = form.part(
            "files",
            Part::bytes(data.to_vec()).file_name(name.to_string()),
        );
    }
    let r = reqwest::Client::new()
        .post(app.url(&format!(
            "/api/v1/tickets/{ticket}/attachments?event_id={event}"
        )))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn last_event(app: &TestApp, w: &World, id: i64, action: &str) -> i64 {
    let (_, history) = app
        .get(&w.admin, &format!("/api/v1/tickets/{id}/events"))
        .await;
    history
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find(|e| e["action"] == action)
        .unwrap()["id"]
        .as_i64()
        .unwrap()
}

async fn evidence_goes_with_its_step(engine: Engine) {
    let app = TestApp::start(engine).await;
    let w = World::build(&app).await;
    let id = w.prepare(&app, "resolved").await;
    let resolved = last_event(&app, &w, id, "resolve").await;
    let officer = w.token("officer_d1");
    let (s, e) = upload(&app, w.token("liaison_a"), id, resolved, &[("a.png", PNG)]).await;
    assert_eq!(
        (s, e["code"].as_str()),
        (422, Some("not_your_event")),
        "{e}"
    );
    let dispatched = last_event(&app, &w, id, "dispatch").await;
    let (s, e) = upload(&app, w.token("head_a"), id, dispatched, &[("a.png", PNG)]).await;
    assert_eq!(
        (s, e["code"].as_str()),
        (422, Some("no_evidence_for_action"))
    );
    let (s, _) = upload(&app, officer, id + 1000, resolved, &[("a.png", PNG)]).await;
    assert_eq!(s, 404, "an event of another ticket");
    let (s, _) = upload(&app, w.token("liaison_b"), id, resolved, &[("a.png", PNG)]).await;
    assert_eq!(s, 404, "a ticket liaison B neither sees nor acted on");
    let (s, e) = upload(&app, officer, id, resolved, &[("a.exe", b"MZ\x90\0")]).await;
    assert_eq!(
        (s, e["code"].as_str()),
        (422, Some("unsupported_file_type")),
        "{e}"
    );
    let (s, e) = upload(&app, officer, id, resolved, &[]).await;
    assert_eq!(
        (s, e["code"].as_str()),
        (400, Some("unreadable_body")),
        "no parts: {e}"
    );
    let (s, e) = upload(
        &app,
        officer,
        id,
        resolved,
        &[("现场.png", PNG), ("验收单.pdf", PDF)],
    )
    .await;
    assert_eq!(s, 204, "{e}");
    let five: Vec<(&str, &[u8])> = (0..5).map(|_| ("more.png", PNG)).collect();
    let (s, e) = upload(&app, officer, id, resolved, &five).await;
    assert_eq!(
        (s, e["code"].as_str()),
        (422, Some("too_many_files")),
        "{e}"
    );
    let (_, list) = app
        .get(
            w.token("liaison_a"),
            &format!("/api/v1/tickets/{id}/attachments"),
        )
        .await;
    let evidence: Vec<&Value> = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["event_id"] == resolved)
        .collect();
    assert_eq!(evidence.len(), 2, "all or nothing: {list}");
    assert_eq!(evidence[1]["content_type"], "application/pdf");

    // The department that returned a ticket no longer sees it, but attaches why.
    let returned = w.prepare(&app, "dispatched").await;
    w.step(
        &app,
        "officer_d1",
        returned,
        "return",
        json!({"reason": "wrong_territory"}),
    )
    .await;
    let event = last_event(&app, &w, returned, "return").await;
    let (s, _) = app
        .get(officer, &format!("/api/v1/tickets/{returned}"))
        .await;
    assert_eq!(s, 404);
    let (s, e) = upload(&app, officer, returned, event, &[("辖区图.pdf", PDF)]).await;
    assert_eq!(s, 204, "{e}");
    let (_, list) = app
        .get(
            w.token("head_a"),
            &format!("/api/v1/tickets/{returned}/attachments"),
        )
        .await;
    assert_eq!(list[0]["event_id"], event);
}

/// Uploads to one step at once cannot pass the six-file limit together: each counts what the
/// others stored.
async fn concurrent_evidence_keeps_the_limit(engine: Engine) {
    let app = TestApp::start(engine).await;
    let w = World::build(&app).await;
    let id = w.prepare(&app, "resolved").await;
    let event = last_event(&app, &w, id, "resolve").await;
    let token = w.token("officer_d1").to_owned();
    let two: &[(&str, &[u8])] = &[("a.png", PNG), ("b.pdf", PDF)];
    let tries = (0..5).map(|_| upload(&app, &token, id, event, two));
    let answers = futures::future::join_all(tries).await;
    let ok = answers.iter().filter(|(s, _)| *s == 204).count();
    let refused = answers
        .iter()
        .filter(|(s, e)| *s == 422 && e["code"] == "too_many_files")
        .count();
    assert_eq!((ok, refused), (3, 2), "{answers:?}");
    let (_, files) = app
        .get(&w.admin, &format!("/api/v1/tickets/{id}/attachments"))
        .await;
    let on_step = files
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["event_id"] == event)
        .count();
    assert_eq!(on_step, 6);
}

both_engines!(
    evidence_goes_with_its_step,
    concurrent_evidence_keeps_the_limit
);
