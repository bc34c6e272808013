//! `[log] format = "json"`: one JSON object per line; a line per request with its id, route
//! template, status, latency and the caller's user id — and never a password, a token or an
//! email address.

use serde_json::Value;

use crate::both_engines;
use crate::support::{Engine, PASSWORD, TestApp};
use crate::world::World;

async fn the_log_is_json_lines(engine: Engine) {
    let log = std::env::temp_dir().join(format!(
        "gridline-json-{}.log",
        uuid::Uuid::new_v4().simple()
    ));
    let env = vec![
        ("GRIDLINE__LOG__FORMAT", "json".to_owned()),
        ("RUST_LOG", "info".to_owned()),
        ("GRIDLINE_TEST_LOG", log.display().to_string()),
    ];
    let app = TestApp::start_with(engine, &env).await;
    let w = World::build(&app).await;
    let id = w.file(&app, "日志里的工单").await;
    let t = app.ticket(w.token("liaison_a"), id).await;
    assert_eq!(t["id"], id);
    let (status, _) = app.get("not-a-token", "/api/v1/me").await;
    assert_eq!(status.as_u16(), 401);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;

    let text = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<Value> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let requests: Vec<&Value> = lines
        .iter()
        .filter(|l| l["target"] == "gridline::access")
        .collect();
    let read = requests
        .iter()
        .find(|l| l["span"]["route"] == "/api/v1/tickets/{id}" && l["span"]["method"] == "GET")
        .unwrap_or_else(|| panic!("no line for the read: {text}"));
    let span = &read["span"];
    assert_eq!(span["status"], 200, "{read}");
    assert_eq!(span["user_id"], w.id("liaison_a"), "{read}");
    assert!(span["latency_ms"].as_f64().is_some(), "{read}");
    assert_eq!(
        span["request_id"].as_str().map(str::len),
        Some(36),
        "{read}"
    );
    assert!(
        requests
            .iter()
            .any(|l| l["span"]["route"] == "/api/v1/me" && l["span"]["status"] == 401),
        "refused requests are logged too"
    );
    for secret in [
        PASSWORD,
        w.token("liaison_a"),
        "@test.example",
        "not-a-token",
    ] {
        assert!(!text.contains(secret), "{secret} in the log");
    }
    let _ = std::fs::remove_file(log);
}

both_engines!(the_log_is_json_lines);
