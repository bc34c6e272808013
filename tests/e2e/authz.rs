//! The authorization matrix: every action × every role, in the actor's own scope and in a
//! foreign one. The expected answers are written out here, from the role table in the
//! domain documentation, not computed from the code under test.

use serde_json::{Value, json};

use crate::both_engines;
use crate::support::{Engine, TestApp};
use crate::world::World;

/// Roles in the order of the expectation strings.
const OWN: [&str; 7] = [
    "admin",
    "head_a",
    "liaison_a",
    "officer_d1",
    "tf_member",
    "tracker",
    "leader_a",
];
/// The same roles outside the ticket's scope (admins see everything, so have no foreign side).
const FOREIGN: [&str; 6] = [
    "head_b",
    "liaison_b",
    "officer_d3",
    "tf_member2",
    "tracker2",
    "leader_b",
];

/// (action, state the ticket is brought to, expected status per role in `OWN` order).
/// 200 allowed; 403 visible but not for this role; 404 not visible to this actor.
const MATRIX: &[(&str, &str, [u16; 7])] = &[
    //                                   admin head liaison officer tf  tracker leader
    ("dispatch", "submitted", [403, 200, 403, 404, 404, 404, 403]),
    ("accept", "dispatched", [403, 403, 403, 200, 404, 403, 403]),
    ("return", "dispatched", [403, 403, 403, 200, 404, 403, 403]),
    ("escalate", "accepted", [403, 403, 403, 200, 404, 403, 200]),
    (
        "add_co_departments",
        "escalated",
        [403, 403, 403, 403, 200, 403, 403],
    ),
    (
        "request_extension",
        "accepted",
        [403, 403, 403, 200, 404, 403, 403],
    ),
    (
        "decide_extension",
        "pending_extension",
        [403, 403, 403, 403, 404, 403, 200],
    ),
    ("resolve", "accepted", [403, 403, 403, 200, 404, 403, 403]),
    ("resolve", "escalated", [403, 403, 403, 403, 200, 403, 403]),
    // Only a co-handling department's officer (none of these; see handling::co_handling).
    ("co_reply", "escalated", [403, 403, 403, 403, 403, 403, 403]),
    ("report", "resolved", [403, 403, 200, 403, 404, 403, 403]),
    ("urge", "accepted", [403, 403, 403, 403, 404, 200, 200]),
    ("supervise", "accepted", [403, 403, 403, 403, 404, 403, 200]),
    ("comment", "accepted", [200, 200, 200, 200, 404, 200, 200]),
    ("comment", "escalated", [200, 200, 200, 200, 200, 200, 200]),
    ("reassign", "accepted", [200, 403, 403, 200, 404, 403, 200]),
    ("reassign", "escalated", [200, 403, 403, 200, 403, 403, 200]),
];

fn body(w: &World, action: &str) -> Value {
    match action {
        "dispatch" => w.dispatch_body(),
        "accept" => json!({}),
        "return" => json!({"reason": "wrong_territory"}),
        "escalate" => json!({"task_force_id": w.id("tf"), "co_department_ids": [w.id("d2")]}),
        "add_co_departments" => json!({"department_ids": [w.id("d3")]}),
        "request_extension" => json!({"days": 2, "reason": "等待材料"}),
        "decide_extension" => json!({"approve": false}),
        // An escalated ticket still awaits its co-handler's opinion: say why not wait.
        "resolve" => json!({"resolution": "已办结", "unanswered_reason": "专班已现场协调"}),
        "co_reply" => json!({"opinion": "同意"}),
        "report" => json!({"satisfaction": "satisfied"}),
        "urge" | "supervise" => json!({"note": "请尽快"}),
        "comment" => json!({"body": "意见"}),
        "reassign" => json!({"tracker_id": w.id("tracker2"), "reason": "原跟踪专员调岗"}),
        other => panic!("{other}"),
    }
}

async fn attempt(app: &TestApp, w: &World, who: &str, id: i64, action: &str) -> (u16, Value) {
    let token = if who == "admin" {
        w.admin.as_str()
    } else {
        w.token(who)
    };
    let version = app.ticket(&w.admin, id).await["version"].clone();
    let mut b = body(w, action);
    b["expected_version"] = version;
    let (status, res) = app.act(token, id, action, b).await;
    (status.as_u16(), res)
}

async fn matrix(engine: Engine) {
    let app = TestApp::start(engine).await;
    let w = World::build(&app).await;
    let mut checked = 0;
    for (action, state, expected) in MATRIX {
        // One ticket for every refusal; a fresh one for each role that may act.
        let shared = w.prepare(&app, state).await;
        let before = app.ticket(&w.admin, shared).await;
        let events_before = app
            .get(&w.admin, &format!("/api/v1/tickets/{shared}/events"))
            .await
            .1;
        for (who, want) in OWN.iter().zip(expected) {
            let id = if *want == 200 {
                w.prepare(&app, state).await
            } else {
                shared
            };
            let (got, res) = attempt(&app, &w, who, id, action).await;
            assert_eq!(got, *want, "{who} {action} on a {state} ticket: {res}");
            if *want != 200 {
                let code = res["code"].as_str().unwrap();
                assert!(
                    matches!(code, "action_forbidden" | "ticket_not_found"),
                    "{code}"
                );
            }
            checked += 1;
        }
        for who in FOREIGN {
            let (got, res) = attempt(&app, &w, who, shared, action).await;
            assert_eq!(
                got, 404,
                "foreign {who} {action} on a {state} ticket: {res}"
            );
            assert_eq!(res["code"], "ticket_not_found");
            checked += 1;
        }
        // Refusals wrote nothing.
        let after = app.ticket(&w.admin, shared).await;
        assert_eq!(
            before, after,
            "{action}: a refused attempt changed the ticket"
        );
        let events_after = app
            .get(&w.admin, &format!("/api/v1/tickets/{shared}/events"))
            .await
            .1;
        assert_eq!(
            events_before, events_after,
            "{action}: a refused attempt left an event"
        );
    }
    assert_eq!(checked, MATRIX.len() * 13);
}

/// Reads follow the same scopes: lists show only what the caller may see, and a ticket
/// outside one's scope is 404, never 403.
async fn read_scopes(engine: Engine) {
    let app = TestApp::start(engine).await;
    let w = World::build(&app).await;
    let a = w.prepare(&app, "accepted").await;
    let b = app
        .post_ok(
            w.token("liaison_b"),
            "/api/v1/tickets",
            json!({"enterprise_id": w.id("ent_b"), "category": "hiring", "title": "B网格的问题", "description": "用工"}),
            201,
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let sees = |ids: &Value| -> Vec<i64> {
        ids["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["id"].as_i64().unwrap())
            .collect()
    };
    for (who, want_a, want_b) in [
        ("liaison_a", true, false),
        ("liaison_b", false, true),
        ("head_a", true, false),
        ("centre", true, true),
        ("officer_d1", true, false),
        ("officer_d3", false, false),
        ("tracker", true, false),
        ("tracker2", false, false),
        ("leader_a", true, false),
        ("leader_b", false, true),
        ("top", true, true),
        ("tf_member", false, false),
    ] {
        let (status, list) = app.get(w.token(who), "/api/v1/tickets").await;
        assert_eq!(status, 200);
        let ids = sees(&list);
        assert_eq!(ids.contains(&a), want_a, "{who} list, ticket A");
        assert_eq!(ids.contains(&b), want_b, "{who} list, ticket B");
        for (id, want) in [(a, want_a), (b, want_b)] {
            let (status, _) = app
                .get(w.token(who), &format!("/api/v1/tickets/{id}"))
                .await;
            assert_eq!(status, if want { 200 } else { 404 }, "{who} GET {id}");
            let (status, _) = app
                .get(w.token(who), &format!("/api/v1/tickets/{id}/events"))
                .await;
            assert_eq!(
                status,
                if want { 200 } else { 404 },
                "{who} GET {id}/events"
            );
        }
    }
    // Only liaisons file, and only for their grid's enterprises.
    let body = json!({"enterprise_id": w.id("ent_b"), "category": "other", "title": "t", "description": "d"});
    let (status, res) = app
        .post(w.token("liaison_a"), "/api/v1/tickets", body.clone())
        .await;
    assert_eq!(status, 422, "{res}");
    assert_eq!(res["code"], "outside_grid");
    let (status, _) = app
        .post(w.token("officer_d1"), "/api/v1/tickets", body)
        .await;
    assert_eq!(status, 403);
    // Admin-only writes.
    for path in ["/api/v1/departments", "/api/v1/task-forces"] {
        let (status, res) = app
            .post(w.token("top"), path, json!({"name": "新部门"}))
            .await;
        assert_eq!(status, 403, "{path}: {res}");
        assert_eq!(res["code"], "admin_only");
    }
    // No token, no entry.
    let (status, res) = app
        .call(reqwest::Method::GET, "/api/v1/tickets", None, None)
        .await;
    assert_eq!(status, 401);
    assert_eq!(res["code"], "missing_token");
}

both_engines!(matrix, read_scopes);
