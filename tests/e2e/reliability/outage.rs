//! The database going away while clients file: PostgreSQL's connections terminated over and
//! over (`pg_terminate_backend`), and a SQLite file on a full disk (a small tmpfs filled to
//! the last byte). Requests during the outage fail fast with 503 `unavailable` and a
//! `Retry-After`, never a 500 or a hang; the server recovers by itself when the database
//! returns; every ticket acknowledged is there, with its filing event.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};

use super::backup::count;
use crate::mail::{SmtpSink, free_port, mail_env};
use crate::support::{Engine, TestApp, TestDb, pg_admin_url};
use crate::world::World;

/// One filing: its status, the ticket id when acknowledged, and what a 503 said.
struct Outcome {
    status: StatusCode,
    id: Option<i64>,
    title: String,
    retry_after: Option<String>,
    code: Option<String>,
    took: Duration,
}

async fn file(app: &TestApp, w: &World, title: String) -> Outcome {
    let started = Instant::now();
    let res = app
        .client
        .post(app.url("/api/v1/tickets"))
        .bearer_auth(w.token("liaison_a"))
        .json(&json!({"enterprise_id": w.id("ent_a"), "category": "land", "priority": "normal", "title": title, "description": "断线期间登记的问题"}))
        .send()
        .await
        .expect("the server answers");
    let status = res.status();
    let retry_after = res
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_owned());
    let body: Value = res.json().await.unwrap_or(Value::Null);
    Outcome {
        status,
        id: body["id"]
            .as_i64()
            .filter(|_| status == StatusCode::CREATED),
        title,
        retry_after,
        code: body["code"].as_str().map(str::to_owned),
        took: started.elapsed(),
    }
}

/// Every outcome is 201 or a fast 503 that says when to retry.
fn check_outcomes(outcomes: &[Outcome]) -> usize {
    let mut refused = 0;
    for o in outcomes {
        match o.status {
            StatusCode::CREATED => assert!(o.id.is_some()),
            StatusCode::SERVICE_UNAVAILABLE => {
                refused += 1;
                assert_eq!(o.code.as_deref(), Some("unavailable"), "{}", o.title);
                assert!(o.retry_after.is_some(), "a 503 says when to retry");
            }
            other => panic!("{} answered {other}", o.title),
        }
        assert!(
            o.took < Duration::from_secs(10),
            "{} took {:?}",
            o.title,
            o.took
        );
    }
    refused
}

/// Files until one is acknowledged (the server recovered by itself).
async fn recovers(app: &TestApp, w: &World, title: &str) -> Outcome {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let o = file(app, w, title.to_owned()).await;
        if o.status == StatusCode::CREATED || Instant::now() > deadline {
            return o;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Every acknowledged ticket reads back with its title.
async fn all_there(app: &TestApp, w: &World, outcomes: &[Outcome]) {
    for o in outcomes.iter().filter(|o| o.id.is_some()) {
        let t = app.ticket(w.token("liaison_a"), o.id.unwrap()).await;
        assert_eq!(t["title"], o.title.as_str(), "{t}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_connections_terminated_while_filing() {
    // With the mail worker in the server: the outbox must resume by itself too.
    let sink = SmtpSink::start(free_port(), None);
    let mut env = mail_env(sink.port);
    // A row claimed when the connection died is taken again once its lease runs out.
    env.push(("GRIDLINE__WORKER__LEASE_SECS", "2".to_owned()));
    let app = TestApp::start_with(Engine::Postgres, &env).await;
    let w = World::build(&app).await;
    let name = app.db.url.rsplit('/').next().unwrap().to_owned();
    let stop = Arc::new(AtomicBool::new(false));
    let killer = {
        let stop = stop.clone();
        tokio::spawn(async move {
            let admin = Database::connect(pg_admin_url()).await.unwrap();
            let mut killed = 0i64;
            while !stop.load(Ordering::Relaxed) {
                let row = admin
                    .query_one_raw(sea_orm::Statement::from_string(
                        admin.get_database_backend(),
                        format!(
                            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity \
                             WHERE datname = '{name}' AND pid <> pg_backend_pid()"
                        ),
                    ))
                    .await
                    .unwrap()
                    .unwrap();
                killed += row.try_get_by_index::<i64>(0).unwrap();
                tokio::time::sleep(Duration::from_millis(150)).await;
            }
            killed
        })
    };
    let dispatched = std::sync::atomic::AtomicUsize::new(0);
    let filers: Vec<_> = (0..4)
        .map(|i| {
            let (app, w, stop, dispatched) = (&app, &w, stop.clone(), &dispatched);
            async move {
                let mut out = vec![];
                let mut n = 0;
                while !stop.load(Ordering::Relaxed) {
                    let filed = file(app, w, format!("断线{i}-{n}")).await;
                    // Each one acknowledged is dispatched (a mail to the officer), through
                    // the outage as well: 200, or a fast 503.
                    if let Some(id) = filed.id {
                        let mut body = w.dispatch_body();
                        body["expected_version"] = json!(1);
                        let (s, _) = app.act(w.token("head_a"), id, "dispatch", body).await;
                        assert!(
                            s == StatusCode::OK || s == StatusCode::SERVICE_UNAVAILABLE,
                            "{s}"
                        );
                        dispatched.fetch_add(usize::from(s == StatusCode::OK), Ordering::Relaxed);
                    }
                    out.push(filed);
                    n += 1;
                }
                out
            }
        })
        .collect();
    let stopper = async {
        tokio::time::sleep(Duration::from_secs(4)).await;
        stop.store(true, Ordering::Relaxed);
    };
    let (outcomes, ()) = tokio::join!(futures::future::join_all(filers), stopper);
    let killed = killer.await.unwrap();
    let outcomes: Vec<Outcome> = outcomes.into_iter().flatten().collect();
    assert!(killed > 0, "connections were terminated");
    let refused = check_outcomes(&outcomes);
    assert!(
        refused > 0,
        "some filings met the outage ({} in all)",
        outcomes.len()
    );
    assert!(
        outcomes.len() > refused,
        "and some got through between the kills"
    );
    // Back without a restart.
    let after = recovers(&app, &w, "恢复后登记").await;
    assert_eq!(after.status, StatusCode::CREATED);
    all_there(&app, &w, &outcomes).await;
    // Nothing half-written: every ticket has its filing event.
    let orphans = count(
        &app.db.url,
        "SELECT count(*) FROM tickets t WHERE NOT EXISTS (SELECT 1 FROM ticket_events e WHERE e.ticket_id = t.id)",
    )
    .await;
    assert_eq!(orphans, 0);
    // The worker sends what waited: nothing stays pending.
    let mut pending = usize::MAX;
    for _ in 0..100 {
        let (_, rows) = app
            .get(&w.admin, "/api/v1/admin/outbox?state=pending")
            .await;
        pending = rows.as_array().map_or(usize::MAX, Vec::len);
        if pending == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(pending, 0, "the outbox resumed");
    let (_, sent) = app
        .get(&w.admin, "/api/v1/admin/outbox?state=sent&limit=500")
        .await;
    let dispatched = dispatched.load(Ordering::Relaxed);
    assert!(dispatched > 0);
    assert!(
        sent.as_array().unwrap().len() >= dispatched,
        "every acknowledged dispatch was mailed"
    );
    assert!(!sink.raw().is_empty(), "mail arrived after the outage");
    let (s, ready) = app.get(w.token("liaison_a"), "/readyz").await;
    assert_eq!(s, StatusCode::OK, "{ready}");
}

/// Unmounts the small file system however the test ends.
struct Mount(std::path::PathBuf);

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(&self.0)
            .status();
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Writes a file until the file system is full.
fn fill(path: &std::path::Path) {
    use std::io::Write as _;
    let mut f = std::fs::File::create(path).unwrap();
    let chunk = vec![0u8; 64 * 1024];
    while f.write_all(&chunk).and_then(|()| f.sync_all()).is_ok() {}
    // The last bytes, one at a time.
    while f.write_all(&[0]).and_then(|()| f.sync_all()).is_ok() {}
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_on_a_full_disk() {
    let dir = std::env::temp_dir().join(format!("gridline-full-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let mounted = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=24m", "tmpfs"])
        .arg(&dir)
        .status()
        .expect("mount(8)");
    assert!(
        mounted.success(),
        "this test mounts a 24 MB tmpfs (root, as `make test` runs on CI)"
    );
    let _mount = Mount(dir.clone());
    let app = TestApp::start_on(Engine::Sqlite, TestDb::sqlite_in(&dir), &[]).await;
    let w = World::build(&app).await;
    let mut outcomes = vec![file(&app, &w, "满盘之前".to_owned()).await];
    assert_eq!(outcomes[0].status, StatusCode::CREATED);

    let filler = dir.join("filler");
    fill(&filler);
    let mut refused = false;
    for n in 0..300 {
        let o = file(&app, &w, format!("满盘{n}")).await;
        refused = o.status == StatusCode::SERVICE_UNAVAILABLE;
        outcomes.push(o);
        if refused {
            break;
        }
    }
    assert!(
        refused,
        "a full disk is answered 503 ({} filed)",
        outcomes.len()
    );
    check_outcomes(&outcomes);
    // Reading still works while the disk is full.
    all_there(&app, &w, &outcomes).await;

    // Space returns: the server files again, without a restart.
    std::fs::remove_file(&filler).unwrap();
    let after = recovers(&app, &w, "腾出空间后").await;
    assert_eq!(after.status, StatusCode::CREATED);
    outcomes.push(after);
    all_there(&app, &w, &outcomes).await;
    let orphans = count(
        &app.db.url,
        "SELECT count(*) FROM tickets t WHERE NOT EXISTS (SELECT 1 FROM ticket_events e WHERE e.ticket_id = t.id)",
    )
    .await;
    assert_eq!(orphans, 0, "nothing half-written");
    drop(app);
}
