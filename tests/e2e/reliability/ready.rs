//! `/readyz` says when the service should not take traffic, and why: the database does not
//! answer (see `health`), or a message has waited in the outbox past the configured age.

use serde_json::json;

use crate::both_engines;
use crate::support::{Engine, TestApp, TestClock};
use crate::world::World;

async fn a_stuck_outbox_is_not_ready(engine: Engine) {
    let start = chrono::Utc::now();
    let clock = TestClock::at(start);
    let env = vec![
        clock.env(),
        (
            "GRIDLINE__SERVER__READY_OUTBOX_MAX_AGE_SECS",
            "600".to_owned(),
        ),
        ("GRIDLINE__AUTH__TOKEN_TTL_SECS", "86400".to_owned()),
    ];
    let app = TestApp::start_with(engine, &env).await;
    let w = World::build(&app).await;
    // The test environment runs no mail worker: the dispatch mail waits in the outbox.
    let id = w.file(&app, "积压的通知").await;
    w.step(&app, "head_a", id, "dispatch", w.dispatch_body())
        .await;
    let (status, ready) = app.call(reqwest::Method::GET, "/readyz", None, None).await;
    assert_eq!(
        (status.as_u16(), ready["status"].clone()),
        (200, json!("ready"))
    );
    clock.set(start + chrono::Duration::minutes(11));
    let (status, problem) = app.call(reqwest::Method::GET, "/readyz", None, None).await;
    assert_eq!(status, 503, "{problem}");
    assert_eq!(problem["code"], "unavailable");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("outbox"),
        "{problem}"
    );
    // Liveness is not readiness: the process is still up.
    let (status, _) = app.call(reqwest::Method::GET, "/healthz", None, None).await;
    assert_eq!(status, 200);
}

both_engines!(a_stuck_outbox_is_not_ready);
