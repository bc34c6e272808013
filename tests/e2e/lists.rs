//! Ticket lists: filters, Chinese substring search, stable keyset pagination, sorts.

use std::collections::HashSet;

use serde_json::{Value, json};

use crate::both_engines;
use crate::support::{Engine, TestApp};
use crate::world::World;

fn ids(page: &Value) -> Vec<i64> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_i64().unwrap())
        .collect()
}

/// Walks every page of a list, returning all ids in order.
async fn walk(app: &TestApp, token: &str, query: &str) -> Vec<i64> {
    let mut all = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..100 {
        let path = match &cursor {
            Some(c) => format!("/api/v1/tickets?{query}&limit=2&cursor={c}"),
            None => format!("/api/v1/tickets?{query}&limit=2"),
        };
        let (status, page) = app.get(token, &path).await;
        assert_eq!(status, 200, "{page}");
        all.extend(ids(&page));
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return all,
        }
    }
    panic!("pagination did not end");
}

async fn filters_and_pages(engine: Engine) {
    let app = TestApp::start(engine).await;
    let w = World::build(&app).await;
    let submitted = w.prepare(&app, "submitted").await;
    let dispatched = w.prepare(&app, "dispatched").await;
    let accepted = w.prepare(&app, "accepted").await;
    let escalated = w.prepare(&app, "escalated").await;
    let resolved = w.prepare(&app, "resolved").await;
    let land = app
        .post_ok(w.token("liaison_a"), "/api/v1/tickets", json!({"enterprise_id": w.id("ent_a"), "category": "utilities", "title": "厂区土地平整后需接水", "description": "需要供水管网延伸"}), 201)
        .await["id"]
        .as_i64()
        .unwrap();
    let top = w.token("top");

    let (_, all) = app.get(top, "/api/v1/tickets").await;
    let everything = ids(&all);
    assert_eq!(everything.len(), 6);
    // Newest first.
    let mut sorted = everything.clone();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    assert_eq!(everything, sorted);

    for (query, want) in [
        ("status=submitted", vec![land, submitted]),
        ("status=escalated", vec![escalated]),
        (
            &format!("department_id={}", w.id("d1")) as &str,
            vec![resolved, escalated, accepted, dispatched],
        ),
        (
            &format!("department_id={}&status=accepted", w.id("d1")),
            vec![accepted],
        ),
        (&format!("grid_id={}", w.id("grid_b")), vec![]),
        (
            &format!("enterprise_id={}", w.id("ent_a")),
            vec![land, resolved, escalated, accepted, dispatched, submitted],
        ),
        ("category=utilities", vec![land]),
        ("q=%E5%9C%9F%E5%9C%B0", vec![land]), // 土地
        (
            "q=%E8%AF%A6%E7%BB%86%E6%83%85%E5%86%B5&status=resolved",
            vec![resolved],
        ), // 详细情况, in descriptions
        ("overdue=true", vec![]),
    ] {
        let (status, page) = app.get(top, &format!("/api/v1/tickets?{query}")).await;
        assert_eq!(status, 200, "{query}: {page}");
        assert_eq!(ids(&page), want, "{query}");
    }

    // Keyset pages cover everything once, in the same order as one big page.
    let paged = walk(&app, top, "sort=created_at").await;
    assert_eq!(paged, everything);
    // A ticket filed between pages does not shift or repeat what follows.
    let (_, first) = app.get(top, "/api/v1/tickets?limit=3").await;
    w.prepare(&app, "submitted").await;
    let (_, second) = app
        .get(
            top,
            &format!(
                "/api/v1/tickets?limit=3&cursor={}",
                first["next_cursor"].as_str().unwrap()
            ),
        )
        .await;
    assert_eq!([ids(&first), ids(&second)].concat(), everything);

    // By deadline: running deadlines first, nearest first; then the rest.
    let by_deadline = walk(&app, top, "sort=deadline").await;
    assert_eq!(by_deadline.len(), 7);
    assert_eq!(
        by_deadline.iter().collect::<HashSet<_>>().len(),
        7,
        "no repeats"
    );
    let mut last_due: Option<chrono::DateTime<chrono::FixedOffset>> = None;
    let mut seen_none = false;
    for id in &by_deadline {
        let t = app.ticket(top, *id).await;
        // As instants: the text of a whole second ("…30Z") sorts after its fractions'.
        let at = |k: &str| {
            t[k].as_str()
                .map(|s| chrono::DateTime::parse_from_rfc3339(s).expect("a time"))
        };
        let due = match t["status"].as_str().unwrap() {
            "submitted" => at("dispatch_due_at"),
            "dispatched" => at("response_due_at"),
            "accepted" | "escalated" => at("resolution_due_at"),
            _ => None,
        };
        match due {
            Some(d) => {
                assert!(
                    !seen_none,
                    "a ticket with a deadline came after one without"
                );
                if let Some(prev) = &last_due {
                    assert!(*prev <= d, "deadline order: {prev} then {d}");
                }
                last_due = Some(d);
            }
            None => seen_none = true,
        }
    }
    let (status, res) = app
        .get(
            top,
            &format!(
                "/api/v1/tickets?sort=deadline&cursor={}",
                first["next_cursor"].as_str().unwrap()
            ),
        )
        .await;
    assert_eq!(
        (status.as_u16(), res["code"].as_str().unwrap()),
        (400, "invalid_cursor")
    );
}

both_engines!(filters_and_pages);
