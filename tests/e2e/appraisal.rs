//! Appraisal and the bulletin (考核通报) on both engines, with the real SMTP server and the
//! test clock: only top leaders and the service centre publish, only an ended period, once;
//! the scores come from the period's work, a ticket late long after supervision is named;
//! the bulletin is mailed to every department and leader, listed, shown as a page — and what
//! was published never changes when tickets change afterwards.

use chrono::TimeZone;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::both_engines;
use crate::mail::{SmtpSink, by_subject, free_port, mail_env};
use crate::pages_http::{get, input_value, sign_in};
use crate::support::{Engine, TestApp, TestClock};
use crate::world::World;

async fn a_bulletin_is_published_once_and_frozen(engine: Engine) {
    let sink = SmtpSink::start(free_port(), None);
    // 1 September 2026, 09:00 in Beijing: the month's work happens in September.
    let clock = TestClock::at(chrono::Utc.with_ymd_and_hms(2026, 9, 1, 1, 0, 0).unwrap());
    let mut env = mail_env(sink.port);
    env.push(clock.env());
    env.push(("GRIDLINE__AUTH__TOKEN_TTL_SECS", (90 * 86_400).to_string()));
    // Named once overdue supervision's 2 working days + 1 (a land ticket signed on
    // 1 September is due on the 22nd: 6 working days late at the month's end).
    env.push(("GRIDLINE__APPRAISAL__NAMED_AFTER_DAYS", "1".to_owned()));
    let app = TestApp::start_with(engine, &env).await;
    let w = World::build(&app).await;
    let late = w.prepare(&app, "accepted").await;
    let done = w.prepare(&app, "resolved").await;
    w.step(
        &app,
        "liaison_a",
        done,
        "report",
        json!({"satisfaction": "satisfied"}),
    )
    .await;
    let publish = |who: &'static str, period: &'static str| {
        let (app, w) = (&app, &w);
        async move {
            let (s, b) = app
                .post(w.token(who), "/api/v1/bulletins", json!({"period": period}))
                .await;
            (s.as_u16(), b)
        }
    };

    // Not before the month has ended.
    let (s, e) = publish("top", "2026-09").await;
    assert_eq!(
        (s, e["code"].as_str()),
        (422, Some("period_not_ended")),
        "{e}"
    );
    clock.set(chrono::Utc.with_ymd_and_hms(2026, 10, 9, 2, 0, 0).unwrap());
    let (s, e) = publish("officer_d1", "2026-09").await;
    assert_eq!(
        (s, e["code"].as_str()),
        (403, Some("publishers_only")),
        "{e}"
    );
    let (s, e) = publish("top", "2026-13").await;
    assert_eq!(
        (s, e["code"].as_str()),
        (422, Some("invalid_period")),
        "{e}"
    );
    let (s, published) = publish("top", "2026-09").await;
    assert_eq!(s, 201, "{published}");
    let (s, e) = publish("centre", "2026-09").await;
    assert_eq!(
        (s, e["code"].as_str()),
        (409, Some("already_published")),
        "{e}"
    );

    // The department worked both tickets: its score is the sum of its indicators' points.
    let d1 = published["scores"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["department_id"] == w.id("d1"))
        .unwrap()
        .clone();
    let points: f64 = d1["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["points"].as_f64().unwrap())
        .sum();
    assert!((d1["score"].as_f64().unwrap() - points).abs() < 1e-9);
    assert!(
        d1["score"].as_f64().unwrap() < 100.0,
        "the late ticket costs points"
    );
    assert_eq!(published["red"], json!([w.id("d1")]));
    // Overdue since the 22nd: named (supervision after 2 working days + 1).
    let late_number = app.ticket(&w.admin, late).await["number"].clone();
    assert_eq!(published["named_threshold_days"], 3);
    let named = published["named"].as_array().unwrap();
    assert_eq!(named.len(), 1, "{named:?}");
    assert_eq!(named[0]["number"], late_number);

    // Mailed once to every department and leader.
    let mails = sink.wait_for(1, 30).await;
    let sent = by_subject(&mails, "工作通报");
    assert_eq!(sent.len(), 1);
    let mut to = sent[0].to.clone();
    to.sort();
    for who in ["d1", "d2", "d3", "leader_a", "leader_b", "top"] {
        assert!(
            to.contains(&format!("{who}@test.example")),
            "{who} in {to:?}"
        );
    }
    assert!(!to.contains(&"officer_d1@test.example".to_owned()));
    assert!(sent[0].text.contains(late_number.as_str().unwrap()));

    // Tickets change inside the period afterwards: the bulletin does not.
    clock.set(chrono::Utc.with_ymd_and_hms(2026, 9, 21, 2, 0, 0).unwrap());
    w.step(
        &app,
        "officer_d1",
        late,
        "resolve",
        json!({"resolution": "补办完成"}),
    )
    .await;
    clock.set(chrono::Utc.with_ymd_and_hms(2026, 10, 9, 3, 0, 0).unwrap());
    let (s, again) = app
        .get(w.token("officer_d2"), "/api/v1/bulletins/2026-09")
        .await;
    assert_eq!(s, 200);
    assert_eq!(again, published, "frozen when published");
    let (_, list) = app.get(w.token("leader_b"), "/api/v1/bulletins").await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["period"], "2026-09");
    let (s, _) = app.get(w.token("top"), "/api/v1/bulletins/2026-08").await;
    assert_eq!(s.as_u16(), 404);

    // The pages: listed for a department, shown, and refused again from the form.
    let (officer, _) = sign_in(&app, "officer.d1").await;
    let (s, html) = get(&officer, &app, "/bulletins").await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("href=\"/bulletins/2026-09\""));
    assert!(
        !html.contains("id=\"publish-bulletin\""),
        "no publish form for a department"
    );
    let (s, html) = get(&officer, &app, "/bulletins/2026-09").await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("data-test=\"scores\"") && html.contains("data-test=\"named\""));
    assert!(html.contains(late_number.as_str().unwrap()));
    let (top, _) = sign_in(&app, "top").await;
    // The dashboard of the month: the responsible person's workload, and the enterprise's
    // two land problems as a hotspot and a repeat.
    let (s, html) = get(&top, &app, "/dashboard?period=2026-09").await;
    assert_eq!(s, StatusCode::OK);
    let people = html.split("data-test=\"people\"").nth(1).unwrap();
    let people = people.split("</table>").next().unwrap();
    assert!(people.contains("测试officer_d1"), "{people}");
    let hot = html.split("data-test=\"hot-cells\"").nth(1).unwrap();
    let hot = hot.split("</table>").next().unwrap();
    assert!(hot.contains("<td>2</td>"), "{hot}");
    assert!(html.contains("data-test=\"hot-repeats\""));
    let live = html.split("data-test=\"scores\"").nth(1).unwrap();
    assert!(live.contains("class=\"list-red\""), "the live red list");
    let (_, html) = get(&top, &app, "/bulletins").await;
    let r = top
        .post(app.url("/bulletins"))
        .form(&[
            ("_csrf", input_value(&html, "_csrf")),
            ("period", "2026-09".to_owned()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("data-test=\"publish-error\"")
    );
    let r = top
        .post(app.url("/bulletins"))
        .form(&[
            ("_csrf", "forged".to_owned()),
            ("period", "2026-W40".to_owned()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let (_, list): (_, Value) = app.get(w.token("top"), "/api/v1/bulletins").await;
    assert_eq!(list.as_array().unwrap().len(), 1, "{list:?}");
}

both_engines!(a_bulletin_is_published_once_and_frozen);
