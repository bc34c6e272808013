//! Follow-up calls (回访) through the API on both engines: the tracker or the service centre
//! records the enterprise's verdict after resolution; only a subjective cause of
//! dissatisfaction reopens; the first verdict recorded (call or liaison's report) counts.

use serde_json::{Value, json};

use crate::both_engines;
use crate::support::{Engine, TestApp};
use crate::world::World;

async fn follow_up_calls(engine: Engine) {
    let app = TestApp::start(engine).await;
    let w = World::build(&app).await;
    let act = |who: &'static str, id: i64, action: &'static str, body: Value| {
        let (app, w) = (&app, &w);
        async move {
            let mut body = body;
            body["expected_version"] = app.ticket(&w.admin, id).await["version"].clone();
            let (s, res) = app.act(w.token(who), id, action, body).await;
            (s.as_u16(), res)
        }
    };
    let call = |satisfaction: &str, cause: Option<&str>| {
        let mut b =
            json!({"method": "phone", "contact": "企业负责人 王总", "satisfaction": satisfaction});
        if let Some(c) = cause {
            b["cause"] = json!(c);
        }
        b
    };
    let explained = w.prepare(&app, "resolved").await;
    let (s, e) = act("tracker", explained, "follow_up", call("unsatisfied", None)).await;
    assert_eq!((s, e["code"].as_str()), (422, Some("required")), "{e}");
    let (s, e) = act(
        "tracker",
        explained,
        "follow_up",
        json!({"method": "fax", "contact": "x", "satisfaction": "satisfied"}),
    )
    .await;
    assert_eq!((s, e["code"].as_str()), (422, Some("unknown_method")));
    let (s, _) = act("head_a", explained, "follow_up", call("satisfied", None)).await;
    assert_eq!(s, 403, "a grid head is not the service centre");
    let (s, res) = act(
        "tracker",
        explained,
        "follow_up",
        call("unsatisfied", Some("objective")),
    )
    .await;
    assert_eq!(s, 200, "{res}");
    let t = &res["ticket"];
    assert_eq!(
        (t["status"].as_str(), t["satisfaction"].as_str()),
        (Some("closed"), Some("unsatisfied"))
    );
    assert_eq!(res["events"][0]["payload"]["explained"], true);
    let (s, e) = act(
        "liaison_a",
        explained,
        "report",
        json!({"satisfaction": "satisfied"}),
    )
    .await;
    assert_eq!(
        (s, e["code"].as_str()),
        (409, Some("invalid_transition")),
        "the call's verdict counts"
    );

    let reopened = w.prepare(&app, "resolved").await;
    let (s, res) = act(
        "centre",
        reopened,
        "follow_up",
        call("unsatisfied", Some("subjective")),
    )
    .await;
    assert_eq!(s, 200, "{res}");
    assert_eq!(res["ticket"]["status"], "accepted");
    assert_eq!(res["ticket"]["reopen_count"], 1);

    // The liaison's report stays possible, and then the call is not.
    let reported = w.prepare(&app, "resolved").await;
    w.step(
        &app,
        "liaison_a",
        reported,
        "report",
        json!({"satisfaction": "satisfied"}),
    )
    .await;
    let (s, _) = act("tracker", reported, "follow_up", call("satisfied", None)).await;
    assert_eq!(s, 409);
}

both_engines!(follow_up_calls);
