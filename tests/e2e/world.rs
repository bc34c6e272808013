//! A small zone built through the admin API: two grids (A is "ours", B "foreign"), three
//! departments, task forces, a user for every role on each side, an enterprise per grid.

use std::collections::HashMap;

use serde_json::{Value, json};

use crate::support::{PASSWORD, TestApp};

pub struct World {
    pub admin: String,
    pub ids: HashMap<&'static str, i64>,
    pub tokens: HashMap<&'static str, String>,
}

/// A valid credit code for test enterprise `n` (check character computed here, per GB 32100).
pub fn credit_code(n: u32) -> String {
    const A: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
    let body = format!("91441600MA4T{n:05}");
    let sum: usize = body
        .bytes()
        .enumerate()
        .map(|(i, c)| A.iter().position(|&a| a == c).unwrap() * 3usize.pow(i as u32) % 31)
        .sum();
    format!("{body}{}", A[(31 - sum % 31) % 31] as char)
}

impl World {
    pub fn id(&self, key: &str) -> i64 {
        *self.ids.get(key).unwrap_or_else(|| panic!("no id {key}"))
    }

    pub fn token(&self, key: &str) -> &str {
        self.tokens
            .get(key)
            .unwrap_or_else(|| panic!("no token {key}"))
    }

    pub async fn build(app: &TestApp) -> World {
        let admin = app.login("admin").await;
        let mut ids: HashMap<&'static str, i64> = HashMap::new();
        for (key, name) in [
            ("d1", "自然资源分局"),
            ("d2", "规划建设局"),
            ("d3", "人力资源和社会保障局"),
        ] {
            let body = app
                .post_ok(
                    &admin,
                    "/api/v1/departments",
                    json!({"name": name, "email": format!("{key}@test.example")}),
                    201,
                )
                .await;
            ids.insert(key, body["id"].as_i64().unwrap());
        }
        for (key, name) in [
            ("tf", "净地交付专班"),
            ("tf2", "水电气专班"),
            ("tfg_a", "A网格服务专班"),
            ("tfg_b", "B网格服务专班"),
        ] {
            let body = app
                .post_ok(&admin, "/api/v1/task-forces", json!({"name": name}), 201)
                .await;
            ids.insert(key, body["id"].as_i64().unwrap());
        }
        let users: [(&'static str, &str, Value); 15] = [
            ("leader_a", "leader", json!({})),
            ("leader_b", "leader", json!({})),
            ("top", "leader", json!({"top_leader": true})),
            ("head_a", "dispatcher", json!({})),
            ("head_b", "dispatcher", json!({})),
            ("centre", "dispatcher", json!({"service_centre": true})),
            ("liaison_a", "liaison", json!({})),
            ("liaison_b", "liaison", json!({})),
            (
                "officer_d1",
                "department_officer",
                json!({"department_id": ids["d1"]}),
            ),
            (
                "officer_d2",
                "department_officer",
                json!({"department_id": ids["d2"]}),
            ),
            (
                "officer_d3",
                "department_officer",
                json!({"department_id": ids["d3"]}),
            ),
            (
                "tf_member",
                "task_force_member",
                json!({"task_force_id": ids["tf"]}),
            ),
            (
                "tf_member2",
                "task_force_member",
                json!({"task_force_id": ids["tf2"]}),
            ),
            ("tracker", "tracker", json!({})),
            ("tracker2", "tracker", json!({})),
        ];
        for (key, role, extra) in users {
            let mut body = json!({
                "username": key.replace('_', "."),
                "display_name": format!("测试{key}"),
                "password": PASSWORD,
                "role": role,
                "email": format!("{key}@test.example"),
            });
            for (k, v) in extra.as_object().unwrap() {
                body[k] = v.clone();
            }
            let created = app.post_ok(&admin, "/api/v1/users", body, 201).await;
            ids.insert(key, created["id"].as_i64().unwrap());
        }
        for (key, side) in [("grid_a", "a"), ("grid_b", "b")] {
            let g = app
                .post_ok(
                    &admin,
                    "/api/v1/grids",
                    json!({
                        "name": format!("{side}网格"),
                        "linked_leader_id": ids[if side == "a" { "leader_a" } else { "leader_b" }],
                        "head_id": ids[if side == "a" { "head_a" } else { "head_b" }],
                        "task_force_id": ids[if side == "a" { "tfg_a" } else { "tfg_b" }],
                        "liaison_id": ids[if side == "a" { "liaison_a" } else { "liaison_b" }],
                        "team": format!("{side}网格服务队"),
                    }),
                    201,
                )
                .await;
            ids.insert(key, g["id"].as_i64().unwrap());
        }
        for (key, grid, n, name) in [
            ("ent_a", "grid_a", 1, "中兴通讯(河源)有限公司"),
            ("ent_b", "grid_b", 2, "农夫山泉广东万绿湖有限公司"),
        ] {
            let e = app
                .post_ok(
                    &admin,
                    "/api/v1/enterprises",
                    json!({"name": name, "credit_code": credit_code(n), "cluster": "electronic_information", "grid_id": ids[grid], "above_size": true}),
                    201,
                )
                .await;
            ids.insert(key, e["id"].as_i64().unwrap());
        }
        let mut tokens = HashMap::new();
        for key in [
            "leader_a",
            "leader_b",
            "top",
            "head_a",
            "head_b",
            "centre",
            "liaison_a",
            "liaison_b",
            "officer_d1",
            "officer_d2",
            "officer_d3",
            "tf_member",
            "tf_member2",
            "tracker",
            "tracker2",
        ] {
            tokens.insert(key, app.login(&key.replace('_', ".")).await);
        }
        World { admin, ids, tokens }
    }

    /// Liaison A files a ticket for enterprise A; returns its id.
    pub async fn file(&self, app: &TestApp, title: &str) -> i64 {
        let body = app
            .post_ok(
                self.token("liaison_a"),
                "/api/v1/tickets",
                json!({"enterprise_id": self.id("ent_a"), "category": "land", "priority": "normal", "title": title, "description": format!("{title}:详细情况")}),
                201,
            )
            .await;
        body["id"].as_i64().unwrap()
    }

    /// Takes an action as `who`, insisting on 200; returns the new version.
    pub async fn step(
        &self,
        app: &TestApp,
        who: &str,
        id: i64,
        action: &str,
        mut body: Value,
    ) -> i64 {
        let version = app.ticket(self.token(who), id).await["version"]
            .as_i64()
            .unwrap();
        body["expected_version"] = json!(version);
        let (status, res) = app.act(self.token(who), id, action, body).await;
        assert_eq!(status.as_u16(), 200, "{who} {action} on {id}: {res}");
        res["ticket"]["version"].as_i64().unwrap()
    }

    pub fn dispatch_body(&self) -> Value {
        json!({
            "accountable_leader_id": self.id("leader_a"),
            "department_id": self.id("d1"),
            "responsible_person_id": self.id("officer_d1"),
            "tracker_id": self.id("tracker"),
        })
    }

    /// A new ticket brought to `state` along the straight path.
    pub async fn prepare(&self, app: &TestApp, state: &str) -> i64 {
        let id = self.file(app, &format!("准备到{state}的工单")).await;
        let path: &[&str] = match state {
            "submitted" => &[],
            "dispatched" => &["dispatch"],
            "accepted" => &["dispatch", "accept"],
            "pending_extension" => &["dispatch", "accept", "request_extension"],
            "escalated" => &["dispatch", "accept", "escalate"],
            "resolved" => &["dispatch", "accept", "resolve"],
            other => panic!("unknown state {other}"),
        };
        for step in path {
            let (who, body) = match *step {
                "dispatch" => ("head_a", self.dispatch_body()),
                "accept" => ("officer_d1", json!({})),
                "request_extension" => ("officer_d1", json!({"days": 3, "reason": "需要协调"})),
                "escalate" => (
                    "officer_d1",
                    json!({"task_force_id": self.id("tf"), "co_department_ids": [self.id("d2")]}),
                ),
                "resolve" => ("officer_d1", json!({"resolution": "已处理"})),
                _ => unreachable!(),
            };
            self.step(app, who, id, step, body).await;
        }
        id
    }
}
