//! Co-handling (主办/协办) through the API on both engines, with the real SMTP server and the
//! test clock: co-handling departments named at dispatch are mailed and owe an opinion by
//! their deadline; only their officers reply, once, with evidence; the responsible department
//! does not resolve while an opinion is awaited unless it says why; an overdue opinion is
//! pressed by mail, to the late department only.

use serde_json::{Value, json};

use crate::both_engines;
use crate::mail::{SmtpSink, by_subject, free_port, mail_env};
use crate::support::{Engine, TestApp, TestClock, instant};
use crate::world::World;

const PNG: &[u8] =
    b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

async fn co_handlers_reply_by_their_deadline(engine: Engine) {
    let sink = SmtpSink::start(free_port(), None);
    let start = chrono::Utc::now();
    let clock = TestClock::at(start);
    let mut env = mail_env(sink.port);
    env.push(clock.env());
    env.push(("GRIDLINE__AUTH__TOKEN_TTL_SECS", (60 * 86_400).to_string()));
    let app = TestApp::start_with(engine, &env).await;
    let w = World::build(&app).await;
    let id = w.file(&app, "厂房消防验收需多部门会商").await;
    let version = |t: &Value| t["version"].as_i64().unwrap();
    let act = |who: &'static str, action: &'static str, mut body: Value| {
        let (app, w) = (&app, &w);
        async move {
            body["expected_version"] = json!(version(&app.ticket(&w.admin, id).await));
            let (s, res) = app.act(w.token(who), id, action, body).await;
            (s.as_u16(), res)
        }
    };

    // An unknown department is refused before anything is written.
    let mut order = w.dispatch_body();
    order["co_department_ids"] = json!([w.id("d2"), 999_999]);
    let (s, e) = act("head_a", "dispatch", order.clone()).await;
    assert_eq!(
        (s, e["field"].as_str()),
        (422, Some("co_department_ids")),
        "{e}"
    );
    assert_eq!(app.ticket(&w.admin, id).await["status"], "submitted");

    // The responsible department and a repeat are not co-handlers.
    order["co_department_ids"] = json!([w.id("d2"), w.id("d3"), w.id("d1"), w.id("d2")]);
    let (s, res) = act("head_a", "dispatch", order).await;
    assert_eq!(s, 200, "{res}");
    let co = res["ticket"]["co_handlers"].as_array().unwrap().clone();
    assert_eq!(
        co.iter()
            .map(|c| c["department_id"].clone())
            .collect::<Vec<_>>(),
        [json!(w.id("d2")), json!(w.id("d3"))]
    );
    let due = instant(&co[0], "reply_due_at");
    assert!(
        due > start
            && co
                .iter()
                .all(|c| c["late"] == false && c["replied_at"].is_null())
    );
    assert_eq!(
        res["ticket"]["co_department_ids"],
        json!([w.id("d2"), w.id("d3")])
    );

    // One dispatch mail: the responsible department and each co-handling one.
    let mails = sink.wait_for(1, 30).await;
    let dispatched = by_subject(&mails, "新工单待签收");
    assert_eq!(dispatched.len(), 1);
    let to = sorted(dispatched[0].to.clone());
    for who in [
        "officer_d1",
        "d1",
        "d2",
        "officer_d2",
        "d3",
        "officer_d3",
        "tracker",
    ] {
        assert!(
            to.contains(&format!("{who}@test.example")),
            "{who} in {to:?}"
        );
    }
    assert!(
        dispatched[0].text.contains("协办意见"),
        "{}",
        dispatched[0].text
    );
    assert!(
        dispatched[0].text.contains("协办回复期限"),
        "{}",
        dispatched[0].text
    );

    let (s, _) = act("officer_d1", "accept", json!({})).await;
    assert_eq!(s, 200);

    // Only a co-handling department's officer gives an opinion, once, with text.
    let opinion = json!({"opinion": "消防设计审查已通过，可同步预约验收"});
    let (s, e) = act("officer_d1", "co_reply", opinion.clone()).await;
    assert_eq!(
        (s, e["code"].as_str()),
        (403, Some("action_forbidden")),
        "{e}"
    );
    let (s, e) = act("officer_d2", "co_reply", json!({})).await;
    assert_eq!((s, e["code"].as_str()), (422, Some("required")), "{e}");
    let (s, e) = act(
        "officer_d2",
        "co_reply",
        json!({"opinion": "x", "note": "y"}),
    )
    .await;
    assert_eq!(
        (s, e["code"].as_str()),
        (422, Some("field_not_allowed")),
        "{e}"
    );
    let replied_at = start + chrono::Duration::minutes(30);
    clock.set(replied_at);
    let (s, res) = act("officer_d2", "co_reply", opinion.clone()).await;
    assert_eq!(s, 200, "{res}");
    let d2 = &res["ticket"]["co_handlers"][0];
    assert_eq!(d2["replied_by"], json!(w.id("officer_d2")));
    assert_eq!(d2["late"], false);
    let (s, e) = act("officer_d2", "co_reply", opinion.clone()).await;
    assert_eq!(
        (s, e["code"].as_str()),
        (422, Some("already_replied")),
        "{e}"
    );

    // The opinion carries evidence, added by whoever gave it.
    let (_, history) = app
        .get(&w.admin, &format!("/api/v1/tickets/{id}/events"))
        .await;
    let reply = history
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "co_reply")
        .unwrap()
        .clone();
    assert_eq!(reply["payload"]["opinion"], opinion["opinion"]);
    let r = reqwest::Client::new()
        .post(app.url(&format!(
            "/api/v1/tickets/{id}/attachments?event_id={}",
            reply["id"]
        )))
        .bearer_auth(w.token("officer_d2"))
        .multipart(reqwest::multipart::Form::new().part(
            "files",
            reqwest::multipart::Part::bytes(PNG.to_vec()).file_name("审查意见.png"),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 204, "{}", r.text().await.unwrap());

    // The responsible person hears of the opinion.
    let mails = sink.wait_for(2, 30).await;
    let heard = by_subject(&mails, "【网格通】协办意见 ");
    assert_eq!(heard.len(), 1);
    assert_eq!(heard[0].to, ["officer_d1@test.example"]);
    assert!(heard[0].text.contains("消防设计审查已通过"));

    // d3 is late: pressed once, with the responsible person; d2 (who replied) is not.
    clock.set(due + chrono::Duration::minutes(5));
    let mails = sink.wait_for(3, 30).await;
    let late = by_subject(&mails, "协办意见逾期");
    assert_eq!(
        late.len(),
        1,
        "{:?}",
        mails.iter().map(|m| &m.subject).collect::<Vec<_>>()
    );
    assert_eq!(
        sorted(late[0].to.clone()),
        [
            "d3@test.example",
            "officer_d1@test.example",
            "officer_d3@test.example"
        ]
    );
    // Every message says a machine sent it (RFC 3834), so auto-replies do not loop.
    for raw in sink.raw() {
        let raw = String::from_utf8_lossy(&raw);
        assert!(raw.contains("Auto-Submitted: auto-generated"), "{raw}");
    }
    let t = app.ticket(&w.admin, id).await;
    assert_eq!(t["co_handlers"][1]["late"], true);
    assert_eq!(t["co_handlers"][0]["late"], false);

    // Resolving while d3's opinion is awaited needs the reason.
    let (s, e) = act("officer_d1", "resolve", json!({"resolution": "已完成验收"})).await;
    assert_eq!(
        (s, e["code"].as_str(), e["field"].as_str()),
        (
            422,
            Some("co_replies_outstanding"),
            Some("unanswered_reason")
        ),
        "{e}"
    );
    assert_eq!(app.ticket(&w.admin, id).await["status"], "accepted");
    let (s, res) = act(
        "officer_d1",
        "resolve",
        json!({"resolution": "已完成验收", "unanswered_reason": "企业设备急需进场，已电话征询供电部门"}),
    )
    .await;
    assert_eq!(s, 200, "{res}");
    assert_eq!(res["ticket"]["status"], "resolved");
    let (_, history) = app
        .get(&w.admin, &format!("/api/v1/tickets/{id}/events"))
        .await;
    let resolved = history
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "resolve")
        .unwrap();
    assert!(
        resolved["payload"]["unanswered_reason"]
            .as_str()
            .unwrap()
            .contains("企业设备急需进场")
    );
    // Once resolved, no opinion is taken.
    let (s, e) = act("officer_d3", "co_reply", opinion).await;
    assert_eq!(
        (s, e["code"].as_str()),
        (409, Some("invalid_transition")),
        "{e}"
    );
}

/// Co-handlers named at escalation and added later each get their own deadline and mail.
async fn co_handlers_added_later(engine: Engine) {
    let sink = SmtpSink::start(free_port(), None);
    let app = TestApp::start_with(engine, &mail_env(sink.port)).await;
    let w = World::build(&app).await;
    let id = w.prepare(&app, "escalated").await;
    let t = app.ticket(&w.admin, id).await;
    assert_eq!(t["co_handlers"][0]["department_id"], json!(w.id("d2")));
    assert!(t["co_handlers"][0]["reply_due_at"].is_string());
    let (s, res) = app
        .act(
            w.token("tf_member"),
            id,
            "add_co_departments",
            json!({"expected_version": t["version"], "department_ids": [w.id("d3")]}),
        )
        .await;
    assert_eq!(s.as_u16(), 200, "{res}");
    assert_eq!(
        res["ticket"]["co_handlers"][1]["department_id"],
        json!(w.id("d3"))
    );
    let mails = sink.wait_for(3, 30).await;
    let asked = by_subject(&mails, "协办请求");
    assert_eq!(asked.len(), 1);
    assert_eq!(
        sorted(asked[0].to.clone()),
        ["d3@test.example", "officer_d3@test.example"],
        "only the department added hears of it"
    );
    let escalated = by_subject(&mails, "提交专班");
    assert_eq!(escalated.len(), 1);
    assert!(
        escalated[0]
            .to
            .contains(&"officer_d2@test.example".to_owned())
    );
}

both_engines!(co_handlers_reply_by_their_deadline, co_handlers_added_later);
