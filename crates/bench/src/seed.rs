//! Bulk seeding straight into the tables (multi-row INSERTs in large transactions): a zone of
//! 30 grids, 100 departments, 5 000 enterprises and N tickets with a year of events.

use std::fmt::Write as _;

use anyhow::Context;
use chrono::{Duration, Utc};
use gridline_domain::CreditCode;
use sea_orm::{ConnectionTrait, DatabaseConnection, TransactionTrait};

/// What the load needs to know about the seeded data.
pub struct Seeded {
    pub tickets: i64,
    pub departments: i64,
    pub liaison_enterprise: i64,
}

/// A small deterministic generator (xorshift), so runs are comparable.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

const WORDS: &[&str] = &[
    "土地", "用电", "用水", "燃气", "招工", "融资", "审批", "消防", "环评", "道路", "厂房", "物流",
    "补贴", "税务", "社保", "人才", "宿舍", "排污", "网络", "安全",
];
const NOUNS: &[&str] = &["问题", "需求", "困难", "协调", "申请", "咨询"];

/// One column's value, written as an SQL literal (INSERT) or in `COPY`'s text format.
#[derive(Clone)]
enum V {
    Null,
    I(i64),
    T(String),
    B(bool),
}

fn t(s: impl Into<String>) -> V {
    V::T(s.into())
}

fn opt(b: bool, v: i64) -> V {
    if b { V::I(v) } else { V::Null }
}

impl V {
    fn sql(&self, out: &mut String) {
        match self {
            V::Null => out.push_str("NULL"),
            V::I(n) => {
                let _ = write!(out, "{n}");
            }
            V::T(s) => {
                out.push('\'');
                out.push_str(&s.replace('\'', "''"));
                out.push('\'');
            }
            V::B(b) => out.push_str(if *b { "true" } else { "false" }),
        }
    }

    fn copy(&self, out: &mut String) {
        match self {
            V::Null => out.push_str("\\N"),
            V::I(n) => {
                let _ = write!(out, "{n}");
            }
            V::T(s) => {
                for c in s.chars() {
                    match c {
                        '\\' => out.push_str("\\\\"),
                        '\t' => out.push_str("\\t"),
                        '\n' => out.push_str("\\n"),
                        '\r' => out.push_str("\\r"),
                        c => out.push(c),
                    }
                }
            }
            V::B(b) => out.push(if *b { 't' } else { 'f' }),
        }
    }
}

/// Inserts rows with multi-row INSERTs (in the caller's transaction).
async fn insert_rows(
    db: &impl ConnectionTrait,
    table: &str,
    cols: &str,
    rows: &[Vec<V>],
) -> anyhow::Result<()> {
    for chunk in rows.chunks(500) {
        let mut sql = format!("INSERT INTO {table} ({cols}) VALUES ");
        for (i, row) in chunk.iter().enumerate() {
            sql.push_str(if i == 0 { "(" } else { ",(" });
            for (j, v) in row.iter().enumerate() {
                if j > 0 {
                    sql.push(',');
                }
                v.sql(&mut sql);
            }
            sql.push(')');
        }
        db.execute_unprepared(&sql).await.context("bulk insert")?;
    }
    Ok(())
}

/// Loads a batch of rows: `COPY` on PostgreSQL (a tenth of the time of multi-row INSERTs),
/// multi-row INSERTs in one transaction on SQLite.
async fn load(
    db: &DatabaseConnection,
    table: &str,
    cols: &str,
    rows: &[Vec<V>],
) -> anyhow::Result<()> {
    if db.get_database_backend() != sea_orm::DbBackend::Postgres {
        let txn = db.begin().await?;
        insert_rows(&txn, table, cols, rows).await?;
        txn.commit().await?;
        return Ok(());
    }
    use sea_orm::sqlx::postgres::PgPoolCopyExt as _;
    let mut copy = db
        .get_postgres_connection_pool()
        .copy_in_raw(&format!("COPY {table} ({cols}) FROM STDIN"))
        .await
        .context("copy")?;
    for chunk in rows.chunks(5_000) {
        let mut data = String::new();
        for row in chunk {
            for (j, v) in row.iter().enumerate() {
                if j > 0 {
                    data.push('\t');
                }
                v.copy(&mut data);
            }
            data.push('\n');
        }
        copy.send(data.as_bytes()).await.context("copy")?;
    }
    copy.finish().await.context("copy")?;
    Ok(())
}

/// The non-unique indexes of the ticket tables, with the SQL that creates each.
async fn secondary_indexes(db: &DatabaseConnection) -> anyhow::Result<Vec<(String, String)>> {
    let sql = match db.get_database_backend() {
        sea_orm::DbBackend::Postgres => {
            "SELECT indexname AS name, indexdef AS def FROM pg_indexes WHERE schemaname = 'public' \
             AND tablename IN ('tickets', 'ticket_events', 'outbox') AND indexname LIKE 'idx_%'"
        }
        _ => {
            "SELECT name, sql AS def FROM sqlite_master WHERE type = 'index' \
             AND tbl_name IN ('tickets', 'ticket_events', 'outbox') AND name LIKE 'idx_%'"
        }
    };
    let rows = db
        .query_all_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            sql,
        ))
        .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get::<String>("", "name")?,
                r.try_get::<String>("", "def")?,
            ))
        })
        .collect()
}

/// Seeds the zone and `n` tickets. `password_hash` is every user's.
pub async fn seed(db: &DatabaseConnection, n: i64, password_hash: &str) -> anyhow::Result<Seeded> {
    let now = Utc::now();
    let ms = now.timestamp_millis();
    let mut rng = Rng::new(0x6772_6964);
    let txn = db.begin().await?;
    // Departments 1..=100, task forces 1..=30 (one per grid), users, grids 1..=30.
    let depts: Vec<Vec<V>> = (1..=100)
        .map(|d| {
            vec![
                V::I(d),
                t(format!("部门{d}")),
                t(format!("dept{d}@bench.example")),
                V::I(ms),
            ]
        })
        .collect();
    insert_rows(&txn, "departments", "id, name, email, created_at", &depts).await?;
    let tfs: Vec<Vec<V>> = (1..=30)
        .map(|f| vec![V::I(f), t(format!("专班{f}")), t(""), V::I(ms)])
        .collect();
    insert_rows(
        &txn,
        "task_forces",
        "id, name, description, created_at",
        &tfs,
    )
    .await?;
    // Users: 1 admin, 30 leaders (31..60; 31 is the top leader), 30 heads (61..90),
    // 30 liaisons (91..120), 100 officers (121..220), 10 trackers (221..230).
    #[allow(clippy::too_many_arguments)]
    let user = |id: i64,
                name: String,
                display: String,
                role: &str,
                email: Option<String>,
                dept: Option<i64>,
                grid: Option<i64>,
                top: bool| {
        vec![
            V::I(id),
            t(name),
            t(display),
            t(password_hash),
            t(role),
            email.map_or(V::Null, V::T),
            dept.map_or(V::Null, V::I),
            grid.map_or(V::Null, V::I),
            V::Null,
            V::B(top),
            V::B(true),
            V::I(ms),
        ]
    };
    let mut users = vec![user(
        1,
        "admin".into(),
        "管理员".into(),
        "admin",
        None,
        None,
        None,
        false,
    )];
    for i in 0..30 {
        users.push(user(
            31 + i,
            format!("leader{i}"),
            format!("领导{i}"),
            "leader",
            Some(format!("leader{i}@bench.example")),
            None,
            None,
            i == 0,
        ));
        users.push(user(
            61 + i,
            format!("head{i}"),
            format!("网格长{i}"),
            "dispatcher",
            None,
            None,
            Some(i + 1),
            false,
        ));
        users.push(user(
            91 + i,
            format!("liaison{i}"),
            format!("联络员{i}"),
            "liaison",
            None,
            None,
            Some(i + 1),
            false,
        ));
    }
    for d in 0..100 {
        users.push(user(
            121 + d,
            format!("officer{d}"),
            format!("经办人{d}"),
            "department_officer",
            None,
            Some(d + 1),
            None,
            false,
        ));
    }
    for k in 0..10 {
        users.push(user(
            221 + k,
            format!("tracker{k}"),
            format!("跟踪专员{k}"),
            "tracker",
            None,
            None,
            None,
            false,
        ));
    }
    insert_rows(&txn, "users", "id, username, display_name, password_hash, role, email, department_id, grid_id, task_force_id, top_leader, active, created_at", &users).await?;
    let grids: Vec<Vec<V>> = (0..30)
        .map(|i| {
            vec![
                V::I(i + 1),
                t(format!("网格{i}")),
                V::I(31 + i),
                V::I(61 + i),
                V::I(i + 1),
                V::I(91 + i),
                t(format!("服务队{i}")),
                V::I(ms),
            ]
        })
        .collect();
    insert_rows(
        &txn,
        "grids",
        "id, name, linked_leader_id, head_id, task_force_id, liaison_id, team, created_at",
        &grids,
    )
    .await?;
    let mut ents = Vec::new();
    for e in 0..5000_i64 {
        let code = CreditCode::complete(&format!("91441600MA5B{e:05}"))
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        ents.push(vec![
            V::I(e + 1),
            t(format!("企业{e}有限公司")),
            t(code.as_str()),
            t("other"),
            V::I(e % 30 + 1),
            V::B(e % 3 == 0),
            V::I(ms),
        ]);
    }
    insert_rows(
        &txn,
        "enterprises",
        "id, name, credit_code, cluster, grid_id, above_size, created_at",
        &ents,
    )
    .await?;
    txn.commit().await?;

    // Bulk loads are much faster without secondary indexes: drop them (as the migrations made
    // them), load, then build them again from their saved definitions.
    let indexes = secondary_indexes(db).await?;
    for (name, _) in &indexes {
        db.execute_unprepared(&format!("DROP INDEX {name}")).await?;
    }

    // Tickets with their events (and outbox rows for notifying ones), in batches.
    let statuses = [
        "submitted",
        "dispatched",
        "accepted",
        "escalated",
        "resolved",
        "closed",
        "closed",
        "closed",
    ];
    let year_ms = Duration::days(365).num_milliseconds();
    let day_ms = Duration::days(1).num_milliseconds();
    let mut event_id: i64 = 0;
    let mut outbox_id: i64 = 0;
    let batch = 20_000;
    let mut id: i64 = 0;
    while id < n {
        let mut tickets = Vec::with_capacity(batch);
        let mut events = Vec::with_capacity(batch * 4);
        let mut outbox = Vec::with_capacity(batch * 2);
        for _ in 0..batch.min((n - id) as usize) {
            id += 1;
            let status = statuses[rng.below(statuses.len() as u64) as usize];
            let ent = rng.below(5000) as i64 + 1;
            let grid = (ent - 1) % 30 + 1;
            let dept = rng.below(100) as i64 + 1;
            let created = ms - rng.below(year_ms as u64) as i64;
            let w = |r: &mut Rng| WORDS[r.below(WORDS.len() as u64) as usize];
            let title = format!(
                "{}{}{}",
                w(&mut rng),
                w(&mut rng),
                NOUNS[rng.below(NOUNS.len() as u64) as usize]
            );
            let description = format!(
                "企业反映{}方面的{},涉及{}和{},请相关部门协调解决。编号{id}",
                w(&mut rng),
                NOUNS[rng.below(6) as usize],
                w(&mut rng),
                w(&mut rng)
            );
            let dispatched = status != "submitted";
            let accepted = !matches!(status, "submitted" | "dispatched");
            let resolved = matches!(status, "resolved" | "closed");
            let d_at = created + 3_600_000;
            let a_at = d_at + 7_200_000;
            let r_at = a_at + rng.below(10) as i64 * day_ms;
            let response_due = d_at + 8 * 3_600_000;
            let resolution_due = a_at + (rng.below(10) as i64 + 1) * day_ms;
            let next_due = match status {
                "dispatched" => Some(response_due),
                "accepted" | "escalated" => Some(resolution_due),
                _ => None,
            };
            let updated = if resolved {
                r_at
            } else if accepted {
                a_at
            } else if dispatched {
                d_at
            } else {
                created
            };
            let mut version = 1;
            let officer = 120 + dept;
            // Each event's payload as the rules write it (the digest reads them back).
            let iso = |ms: i64| {
                chrono::DateTime::from_timestamp_millis(ms)
                    .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
                    .unwrap_or_default()
            };
            let payload = |action: &str| -> String {
                match action {
                    "dispatch" => format!(
                        "{{\"three_ones\":{{\"accountable_leader_id\":{},\"department_id\":{dept},\"responsible_person_id\":{officer}}},\"response_due_at\":\"{}\"}}",
                        32 + grid - 1,
                        iso(response_due)
                    ),
                    "accept" => format!("{{\"resolution_due_at\":\"{}\"}}", iso(resolution_due)),
                    "escalate" => "{\"task_force_id\":1,\"co_department_ids\":[]}".into(),
                    "resolve" => "{\"resolution\":\"已协调解决\"}".into(),
                    "report" => "{\"satisfaction\":\"satisfied\"}".into(),
                    _ => "{}".into(),
                }
            };
            let mut ev = |action: &str,
                          from: &str,
                          to: &str,
                          at: i64,
                          actor: i64,
                          notify: bool,
                          events: &mut Vec<Vec<V>>,
                          outbox: &mut Vec<Vec<V>>| {
                event_id += 1;
                events.push(vec![
                    V::I(event_id),
                    V::I(id),
                    V::I(actor),
                    t(action),
                    t(from),
                    t(to),
                    t(payload(action)),
                    V::I(at),
                ]);
                if notify {
                    outbox_id += 1;
                    outbox.push(vec![
                        V::I(outbox_id),
                        V::I(id),
                        V::I(event_id),
                        V::Null,
                        t(action),
                        t("{}"),
                        t("sent"),
                        V::I(1),
                        V::I(at),
                        V::Null,
                        V::Null,
                        V::I(at),
                        V::I(at),
                    ]);
                }
            };
            let liaison = 90 + grid;
            let head = 60 + grid;
            ev(
                "file",
                "submitted",
                "submitted",
                created,
                liaison,
                false,
                &mut events,
                &mut outbox,
            );
            if dispatched {
                version += 1;
                ev(
                    "dispatch",
                    "submitted",
                    "dispatched",
                    d_at,
                    head,
                    true,
                    &mut events,
                    &mut outbox,
                );
            }
            if accepted {
                version += 1;
                ev(
                    "accept",
                    "dispatched",
                    "accepted",
                    a_at,
                    officer,
                    false,
                    &mut events,
                    &mut outbox,
                );
            }
            if status == "escalated" {
                version += 1;
                ev(
                    "escalate",
                    "accepted",
                    "escalated",
                    a_at + 1000,
                    officer,
                    true,
                    &mut events,
                    &mut outbox,
                );
            }
            if resolved {
                version += 1;
                ev(
                    "resolve",
                    "accepted",
                    "resolved",
                    r_at,
                    officer,
                    true,
                    &mut events,
                    &mut outbox,
                );
            }
            if status == "closed" {
                version += 1;
                ev(
                    "report",
                    "resolved",
                    "reported",
                    r_at + day_ms,
                    liaison,
                    false,
                    &mut events,
                    &mut outbox,
                );
                ev(
                    "close",
                    "reported",
                    "closed",
                    r_at + day_ms,
                    liaison,
                    false,
                    &mut events,
                    &mut outbox,
                );
            }
            let year = chrono::DateTime::from_timestamp_millis(created)
                .map_or(2026, |t| chrono::Datelike::year(&t));
            // The category first, then the tracker: the generator's order of draws.
            let category = [
                "land",
                "utilities",
                "permits",
                "hiring",
                "finance",
                "policy",
                "other",
            ][rng.below(7) as usize];
            let tracker = 221 + rng.below(10) as i64;
            let row = vec![
                V::I(id),
                t(format!("GL-{year}-B{id:07}")),
                t(status),
                V::I(ent),
                V::I(grid),
                t(category),
                t("normal"),
                t(title),
                t(description),
                V::I(liaison),
                opt(dispatched, 32 + grid - 1),
                opt(dispatched, dept),
                opt(dispatched, officer),
                opt(dispatched, tracker),
                opt(status == "escalated", 1),
                opt(dispatched, response_due),
                opt(accepted, resolution_due),
                next_due.map_or(V::Null, V::I),
                opt(dispatched, d_at),
                opt(accepted, a_at),
                opt(resolved, r_at),
                opt(status == "closed", r_at + day_ms),
                V::I(0),
                V::I(0),
                if status == "closed" {
                    t("satisfied")
                } else {
                    V::Null
                },
                V::Null,
                V::Null,
                V::I(version),
                V::I(created),
                V::I(updated),
                V::Null,
                V::Null,
            ];
            tickets.push(row);
        }
        load(db, "tickets", "id, number, status, enterprise_id, grid_id, category, priority, title, description, filed_by, accountable_leader_id, department_id, responsible_person_id, tracker_id, task_force_id, response_due_at, resolution_due_at, next_due_at, dispatched_at, accepted_at, resolved_at, closed_at, reopen_count, return_count, satisfaction, last_return, pending_extension, version, created_at, updated_at, idempotency_key, idempotency_hash", &tickets).await?;
        load(
            db,
            "ticket_events",
            "id, ticket_id, actor_id, action, from_status, to_status, payload, created_at",
            &events,
        )
        .await?;
        load(db, "outbox", "id, ticket_id, event_id, dedupe_key, kind, payload, state, attempts, next_attempt_at, last_error, locked_until, created_at, sent_at", &outbox).await?;
    }
    for (_, definition) in &indexes {
        db.execute_unprepared(definition).await?;
    }
    // PostgreSQL: move the id sequences past the explicit ids; refresh planner statistics.
    if db.get_database_backend() == sea_orm::DbBackend::Postgres {
        for t in [
            "departments",
            "task_forces",
            "users",
            "grids",
            "enterprises",
            "tickets",
            "ticket_events",
            "outbox",
        ] {
            db.execute_unprepared(&format!(
                "SELECT setval(pg_get_serial_sequence('{t}', 'id'), (SELECT MAX(id) FROM {t}))"
            ))
            .await?;
        }
        db.execute_unprepared("ANALYZE").await?;
    } else {
        db.execute_unprepared("ANALYZE").await?;
    }
    Ok(Seeded {
        tickets: n,
        departments: 100,
        liaison_enterprise: 1,
    })
}
