//! Hard reliability: a SIGKILL at a random moment loses nothing acknowledged and leaves
//! nothing half-written; fifty clients on one version; hostile input from property tests;
//! every route's authorization; login throttling; secrets out of logs; graceful shutdown.

mod backup;
mod guards;
mod input;
mod logs;
mod metrics;
mod outage;
mod ready;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sea_orm::{ConnectionTrait, Database, Statement};
use serde_json::{Value, json};

use crate::both_engines;
use crate::support::{Engine, TestApp};
use crate::world::World;

/// Acknowledged work: (ticket, version the 2xx reported).
type Acks = Arc<Mutex<Vec<(i64, i64)>>>;

async fn client_loop(
    app: &TestApp,
    w: &World,
    acks: Acks,
    stop: Arc<std::sync::atomic::AtomicBool>,
    n: usize,
) {
    let mut i = 0;
    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
        i += 1;
        let res = app
            .client
            .post(app.url("/api/v1/tickets"))
            .bearer_auth(w.token("liaison_a"))
            .json(&json!({"enterprise_id": w.id("ent_a"), "category": "land", "title": format!("崩溃测试{n}-{i}"), "description": "d"}))
            .send()
            .await;
        let Ok(res) = res else { return };
        if res.status() != 201 {
            return;
        }
        let Ok(t) = res.json::<Value>().await else {
            return;
        };
        let id = t["id"].as_i64().unwrap();
        acks.lock().unwrap().push((id, 1));
        let mut version = 1;
        for (who, action, body) in [
            ("head_a", "dispatch", w.dispatch_body()),
            ("officer_d1", "accept", json!({})),
            ("tracker", "urge", json!({})),
            ("officer_d1", "resolve", json!({"resolution": "ok"})),
            ("liaison_a", "report", json!({"satisfaction": "satisfied"})),
        ] {
            let mut b = body;
            b["expected_version"] = json!(version);
            // The server may die under us: an unanswered request is simply not acknowledged.
            let res = app
                .client
                .post(app.url(&format!("/api/v1/tickets/{id}/actions/{action}")))
                .bearer_auth(w.token(who))
                .json(&b)
                .send()
                .await;
            let Ok(res) = res else { return };
            if res.status() != 200 {
                return;
            }
            let Ok(v) = res.json::<Value>().await else {
                return;
            };
            version = v["ticket"]["version"].as_i64().unwrap();
            acks.lock().unwrap().push((id, version));
        }
    }
}

/// The invariants a crash must not break, checked in the database itself.
async fn check_invariants(url: &str, acks: &[(i64, i64)]) {
    let db = Database::connect(url).await.unwrap();
    let backend = db.get_database_backend();
    let rows = db
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT id, status, version FROM tickets",
        ))
        .await
        .unwrap();
    let mut versions = std::collections::HashMap::new();
    for r in rows {
        let id: i64 = r.try_get("", "id").unwrap();
        let status: String = r.try_get("", "status").unwrap();
        let version: i64 = r.try_get("", "version").unwrap();
        versions.insert(id, version);
        let events = db
            .query_all_raw(Statement::from_string(
                backend,
                format!(
                    "SELECT action, to_status FROM ticket_events WHERE ticket_id = {id} ORDER BY id"
                ),
            ))
            .await
            .unwrap();
        let actions: Vec<String> = events
            .iter()
            .map(|e| e.try_get("", "action").unwrap())
            .collect();
        let last: String = events.last().unwrap().try_get("", "to_status").unwrap();
        assert_eq!(last, status, "ticket {id}: its state is its last event's");
        // One command per version; `report` writes two events (report + close or reopen).
        let follow_ups = actions
            .iter()
            .filter(|a| *a == "close" || *a == "reopen")
            .count() as i64;
        assert_eq!(
            actions.len() as i64 - follow_ups,
            version,
            "ticket {id}: events {actions:?}"
        );
        let notifying = actions
            .iter()
            .filter(|a| {
                [
                    "dispatch",
                    "urge",
                    "resolve",
                    "return",
                    "escalate",
                    "reopen",
                    "request_extension",
                    "decide_extension",
                    "supervise",
                ]
                .contains(&a.as_str())
            })
            .count();
        let outbox = db
            .query_one_raw(Statement::from_string(
                backend,
                format!("SELECT COUNT(*) AS n FROM outbox WHERE ticket_id = {id}"),
            ))
            .await
            .unwrap()
            .unwrap();
        let outbox: i64 = outbox.try_get("", "n").unwrap();
        assert_eq!(
            outbox as usize, notifying,
            "ticket {id}: one outbox row per notifying event"
        );
    }
    for (id, v) in acks {
        let stored = versions
            .get(id)
            .unwrap_or_else(|| panic!("acknowledged ticket {id} is gone"));
        assert!(
            stored >= v,
            "ticket {id}: acknowledged version {v}, stored {stored}"
        );
    }
    let _ = db.close().await;
}

async fn kill_at_random_moments(engine: Engine) {
    let app = TestApp::start(engine).await;
    let w = World::build(&app).await;
    let mut app = app;
    let acks: Acks = Arc::default();
    for seed in [7u64, 1234, 99_991] {
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let delay = Duration::from_millis(200 + seed * 7919 % 900);
        let clients: Vec<_> = (0..4)
            .map(|n| client_loop(&app, &w, acks.clone(), stop.clone(), n))
            .collect();
        let pid = app.pid().to_string();
        let kill = async {
            tokio::time::sleep(delay).await;
            let killed = std::process::Command::new("kill")
                .args(["-KILL", &pid])
                .status()
                .unwrap();
            assert!(killed.success());
        };
        tokio::join!(futures::future::join_all(clients), kill);
        app.kill();
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        let url = app.db.url.clone();
        let snapshot = acks.lock().unwrap().clone();
        assert!(
            !snapshot.is_empty(),
            "seed {seed}: the clients did some work before the kill"
        );
        check_invariants(&url, &snapshot).await;
        let db = app.stop();
        app = TestApp::serve(engine, db).await;
        let (status, _) = app.get(w.token("head_a"), "/api/v1/tickets").await;
        assert_eq!(status, 200, "seed {seed}: serving again");
    }
}

async fn fifty_clients_one_version(engine: Engine) {
    let app = TestApp::start(engine).await;
    let w = World::build(&app).await;
    let id = w.prepare(&app, "accepted").await;
    let version = app.ticket(&w.admin, id).await["version"].clone();
    let calls: Vec<_> = (0..50)
        .map(|n| {
            app.act(
                w.token("officer_d1"),
                id,
                "comment",
                json!({"expected_version": version, "body": format!("第{n}条")}),
            )
        })
        .collect();
    let results = futures::future::join_all(calls).await;
    let ok = results.iter().filter(|(s, _)| *s == 200).count();
    let conflict = results
        .iter()
        .filter(|(s, b)| *s == 409 && b["code"] == "stale_version")
        .count();
    assert_eq!((ok, conflict), (1, 49));
    let (_, events) = app
        .get(&w.admin, &format!("/api/v1/tickets/{id}/events"))
        .await;
    assert_eq!(
        events
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"] == "comment")
            .count(),
        1
    );
}

/// SIGTERM: requests in flight finish, the process exits 0, and what was acknowledged stays.
async fn sigterm_is_graceful(engine: Engine) {
    // The in-process worker is on and mail flows, so shutdown has sends in hand too.
    let sink = crate::mail::SmtpSink::start(crate::mail::free_port(), None);
    let app = TestApp::start_with(engine, &crate::mail::mail_env(sink.port)).await;
    let w = World::build(&app).await;
    for _ in 0..5 {
        let id = w.file(&app, "关机前派发").await;
        w.step(&app, "head_a", id, "dispatch", w.dispatch_body())
            .await;
    }
    let pid = app.pid();
    let creates: Vec<_> = (0..40)
        .map(|n| {
            app.client
                .post(app.url("/api/v1/tickets"))
                .bearer_auth(w.token("liaison_a"))
                .json(&json!({"enterprise_id": w.id("ent_a"), "category": "other", "title": format!("关机测试{n}"), "description": "d"}))
                .send()
        })
        .collect();
    let term = async {
        tokio::time::sleep(Duration::from_millis(30)).await;
        let ok = std::process::Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()
            .unwrap();
        assert!(ok.success());
    };
    let (results, ()) = tokio::join!(futures::future::join_all(creates), term);
    let mut acked = HashSet::new();
    for r in results {
        match r {
            Ok(res) => {
                assert_eq!(res.status(), 201, "an answered request is a whole answer");
                let v: Value = res.json().await.unwrap();
                acked.insert(v["id"].as_i64().unwrap());
            }
            // Refused after shutdown began: never started, so nothing to finish.
            Err(e) => assert!(e.is_connect() || e.is_request(), "{e}"),
        }
    }
    let mut app = app;
    let status = app.wait_exit(Duration::from_secs(20));
    assert_eq!(status, Some(0), "exit code after SIGTERM");
    // Every row a worker had claimed was sent or released before exit: none holds a lease.
    let db = Database::connect(app.db.url.as_str()).await.unwrap();
    let held = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT COUNT(*) AS n FROM outbox WHERE locked_until IS NOT NULL",
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        held.try_get::<i64>("", "n").unwrap(),
        0,
        "a send was cut off by the shutdown"
    );
    let _ = db.close().await;
    let db = app.stop();
    let app = TestApp::serve(engine, db).await;
    let token = app.login("liaison.a").await;
    let (_, list) = app.get(&token, "/api/v1/tickets?limit=100").await;
    let stored: HashSet<i64> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_i64().unwrap())
        .collect();
    assert!(acked.is_subset(&stored), "acknowledged creates survive");
}

both_engines!(
    kill_at_random_moments,
    fifty_clients_one_version,
    sigterm_is_graceful,
);
