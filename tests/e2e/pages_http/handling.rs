//! Ending a ticket without the loop through the page forms: a forged token is refused, a
//! refused form keeps what was typed and writes nothing, the dashboard counts it apart.

use reqwest::StatusCode;

use super::{get, input_value, sign_in};
use crate::both_engines;
use crate::support::{Engine, TestApp};
use crate::world::World;

async fn the_closure_forms(engine: Engine) {
    let app = TestApp::start(engine).await;
    let w = World::build(&app).await;
    let original = w.file(&app, "厂房用地指标不足").await;
    let copy = w.file(&app, "厂房用地指标不足").await;
    let junk = w.file(&app, "咨询社保政策").await;
    let (head, _) = sign_in(&app, "head.a").await;
    let (_, html) = get(&head, &app, &format!("/tickets/{copy}")).await;
    assert!(
        html.contains("data-test=\"possible-duplicates\""),
        "suggested"
    );
    let token = input_value(&html, "_csrf");
    let post = |csrf: &str, action: &str, id: i64, fields: Vec<(&'static str, String)>| {
        let mut form = vec![
            ("_csrf", csrf.to_owned()),
            ("expected_version", "1".to_owned()),
        ];
        form.extend(fields);
        let (head, url) = (&head, app.url(&format!("/tickets/{id}/actions/{action}")));
        async move { head.post(url).form(&form).send().await.unwrap() }
    };
    let dup = |of: i64| {
        vec![
            ("duplicate_of", of.to_string()),
            ("note", "同一问题".to_owned()),
        ]
    };
    let r = post("forged", "mark_duplicate", copy, dup(original)).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // Of itself: the page again, the message at the form, the note kept, nothing written.
    let r = post(&token, "mark_duplicate", copy, dup(copy)).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.unwrap();
    assert!(body.contains("data-field=\"duplicate_of\""), "{body}");
    assert!(body.contains("同一问题"));
    assert_eq!(
        app.ticket(w.token("head_a"), copy).await["status"],
        "submitted"
    );
    let r = post(&token, "mark_duplicate", copy, dup(original)).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        r.headers()["location"],
        format!("/tickets/{copy}?done=mark_duplicate").as_str()
    );
    let r = post(
        &token,
        "mark_invalid",
        junk,
        vec![("reason", "咨询类".to_owned())],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, html) = get(&head, &app, &format!("/tickets/{original}")).await;
    assert!(html.contains("data-test=\"duplicates\""));
    assert!(html.contains(&format!("/tickets/{copy}\"")));

    // The top leader's dashboard counts them apart: 1 duplicate, 0 withdrawn, 1 invalid.
    let (top, _) = sign_in(&app, "top").await;
    let (status, html) = get(&top, &app, "/dashboard").await;
    assert_eq!(status, StatusCode::OK);
    let card = html
        .split("data-card=\"apart\"")
        .nth(1)
        .and_then(|s| s.split("</b>").next())
        .unwrap();
    assert!(card.ends_with("1 / 0 / 1"), "{card}");
}

/// Evidence from the ticket page: the form is offered on the viewer's own resolution only;
/// a forged token is refused before any file is read; the photo shows under its step.
async fn the_evidence_form(engine: Engine) {
    let app = TestApp::start(engine).await;
    let w = World::build(&app).await;
    let id = w.prepare(&app, "resolved").await;
    let (liaison, _) = sign_in(&app, "liaison.a").await;
    let (_, html) = get(&liaison, &app, &format!("/tickets/{id}")).await;
    assert!(
        !html.contains("data-test=\"add-evidence\""),
        "not the liaison's step"
    );
    let (officer, _) = sign_in(&app, "officer.d1").await;
    let (_, html) = get(&officer, &app, &format!("/tickets/{id}")).await;
    let action = html
        .split("data-test=\"add-evidence\"")
        .next()
        .and_then(|s| s.rsplit("action=\"").next())
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_owned();
    assert!(
        action.starts_with(&format!("/tickets/{id}/events/")),
        "{action}"
    );
    let token = input_value(&html, "_csrf");
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    let form = |csrf: &str| {
        reqwest::multipart::Form::new()
            .text("_csrf", csrf.to_owned())
            .part(
                "files",
                reqwest::multipart::Part::bytes(png.clone()).file_name("验收照片.png"),
            )
    };
    let r = officer
        .post(app.url(&action))
        .multipart(form("forged"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = officer
        .post(app.url(&action))
        .multipart(form(&token))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, html) = get(&liaison, &app, &format!("/tickets/{id}")).await;
    let evidence = html.split("data-test=\"evidence\"").nth(1).unwrap();
    assert!(evidence.contains("验收照片.png"));
}

/// 主办/协办 through the forms: co-handlers named in the dispatch form, an opinion from the
/// co-handling department, and a resolution refused (keeping what was typed) until it says
/// why it does not wait for the missing opinion.
async fn the_co_handling_forms(engine: Engine) {
    let app = TestApp::start(engine).await;
    let w = World::build(&app).await;
    let id = w.file(&app, "消防验收多部门会商").await;
    let post = |c: &reqwest::Client, action: &str, fields: Vec<(&'static str, String)>| {
        let url = app.url(&format!("/tickets/{id}/actions/{action}"));
        let (c, app, w) = (c.clone(), &app, &w);
        async move {
            let (_, html) = get(&c, app, &format!("/tickets/{id}")).await;
            let version = app.ticket(w.token("head_a"), id).await["version"].to_string();
            let mut form = vec![
                ("_csrf", input_value(&html, "_csrf")),
                ("expected_version", version),
            ];
            form.extend(fields);
            c.post(url).form(&form).send().await.unwrap()
        }
    };
    let (head, _) = sign_in(&app, "head.a").await;
    let (_, html) = get(&head, &app, &format!("/tickets/{id}")).await;
    let dispatch_form = html.split("data-action=\"dispatch\"").nth(1).unwrap();
    assert!(dispatch_form.contains("name=\"co_department_ids\""));
    let r = post(
        &head,
        "dispatch",
        vec![
            ("accountable_leader_id", w.id("leader_a").to_string()),
            ("department_id", w.id("d1").to_string()),
            ("responsible_person_id", w.id("officer_d1").to_string()),
            ("co_department_ids", w.id("d2").to_string()),
            ("co_department_ids", w.id("d3").to_string()),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    let (d2, _) = sign_in(&app, "officer.d2").await;
    let (_, html) = get(&d2, &app, &format!("/tickets/{id}")).await;
    assert!(
        html.contains(&format!("/tickets/{id}/actions/co_reply\"")),
        "offered to the co-handler"
    );
    let r = post(&d2, "co_reply", vec![("opinion", "同意，配合核查".into())]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, html) = get(&d2, &app, &format!("/tickets/{id}")).await;
    assert!(
        !html.contains(&format!("/tickets/{id}/actions/co_reply\"")),
        "once"
    );
    assert!(
        html.contains("同意，配合核查"),
        "the opinion is in the history"
    );

    let (d1, _) = sign_in(&app, "officer.d1").await;
    assert_eq!(
        post(&d1, "accept", vec![]).await.status(),
        StatusCode::SEE_OTHER
    );
    let (_, html) = get(&d1, &app, &format!("/tickets/{id}")).await;
    assert!(
        !html.contains(&format!("/tickets/{id}/actions/co_reply\"")),
        "not the responsible department's"
    );
    let table = html.split("data-test=\"co-handling\"").nth(1).unwrap();
    assert_eq!(table.matches("data-replied=\"true\"").count(), 1, "{table}");
    assert_eq!(
        table.matches("data-replied=\"false\"").count(),
        1,
        "{table}"
    );
    assert!(html.contains("data-test=\"co-waiting\""));
    let r = post(&d1, "resolve", vec![("resolution", "验收已预约".into())]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.unwrap();
    assert!(body.contains("data-field=\"unanswered_reason\""), "{body}");
    assert!(body.contains("验收已预约"), "what was typed is kept");
    assert_eq!(
        app.ticket(w.token("head_a"), id).await["status"],
        "accepted"
    );
    let r = post(
        &d1,
        "resolve",
        vec![
            ("resolution", "验收已预约".into()),
            ("unanswered_reason", "企业急需，已电话沟通".into()),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.ticket(w.token("head_a"), id).await["status"],
        "resolved"
    );
}

/// The dispatch form offers every leader, department and officer to choose from: the
/// page builds those lists only when a form the viewer may use shows them.
async fn the_dispatch_form_offers_its_choices(engine: Engine) {
    let app = TestApp::start(engine).await;
    let w = World::build(&app).await;
    let id = w.file(&app, "厂房用地指标不足").await;
    let (head, csrf) = sign_in(&app, "head.a").await;
    let (_, html) = get(&head, &app, &format!("/tickets/{id}")).await;
    for select in [
        "accountable_leader_id",
        "department_id",
        "responsible_person_id",
        "co_department_ids",
    ] {
        let options = select_of(&html, "dispatch", select);
        assert!(
            options.matches("<option value=\"").count() >= 2,
            "{select}: {options}"
        );
    }
    // A viewer with no such form gets none of them.
    let (liaison, _) = sign_in(&app, "liaison.a").await;
    let (_, html) = get(&liaison, &app, &format!("/tickets/{id}")).await;
    assert!(!html.contains("name=\"accountable_leader_id\""));

    // Refused (a stale version), the form comes back with what was chosen still chosen,
    // and only that.
    let chosen = [
        ("accountable_leader_id", w.id("leader_b")),
        ("department_id", w.id("d2")),
        ("responsible_person_id", w.id("officer_d2")),
    ];
    let mut form: Vec<(&str, String)> = vec![("_csrf", csrf), ("expected_version", "0".into())];
    form.extend(chosen.iter().map(|(k, v)| (*k, v.to_string())));
    let r = head
        .post(app.url(&format!("/tickets/{id}/actions/dispatch")))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let html = r.text().await.unwrap();
    for (select, value) in chosen {
        let options = select_of(&html, "dispatch", select);
        assert_eq!(
            options.matches(" selected").count(),
            1,
            "{select}: {options}"
        );
        let tag = options
            .split(&format!("<option value=\"{value}\""))
            .nth(1)
            .and_then(|s| s.split('>').next())
            .unwrap_or_else(|| panic!("{select}: no option {value}: {options}"));
        assert!(tag.ends_with(" selected"), "{select}: {options}");
    }

    // Dispatched to d1, its reassignment offers d1's officers and no other department's.
    w.step(&app, "head_a", id, "dispatch", w.dispatch_body())
        .await;
    let (top, _) = sign_in(&app, "top").await;
    let (_, html) = get(&top, &app, &format!("/tickets/{id}")).await;
    let people = select_of(&html, "reassign", "responsible_person_id");
    assert!(
        people.contains(&format!("<option value=\"{}\">", w.id("officer_d1"))),
        "{people}"
    );
    for other in ["officer_d2", "officer_d3"] {
        assert!(
            !people.contains(&format!("value=\"{}\"", w.id(other))),
            "{people}"
        );
    }
    let trackers = select_of(&html, "reassign", "tracker_id");
    assert_eq!(
        trackers.matches("<option value=\"").count(),
        3,
        "none and two trackers"
    );
}

/// The options of `select` in the form of `action` on a ticket page.
fn select_of<'a>(html: &'a str, action: &str, select: &str) -> &'a str {
    html.split(&format!("data-action=\"{action}\""))
        .nth(1)
        .and_then(|s| s.split("</form>").next())
        .and_then(|f| f.split(&format!("name=\"{select}\"")).nth(1))
        .and_then(|s| s.split("</select>").next())
        .unwrap_or_else(|| panic!("no {select} in the {action} form"))
}

both_engines!(
    the_closure_forms,
    the_evidence_form,
    the_co_handling_forms,
    the_dispatch_form_offers_its_choices
);
