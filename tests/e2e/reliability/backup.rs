//! `gridline backup` while clients file and act, then `gridline restore` into an empty
//! database: every ticket, event and outbox row acknowledged before the backup started is
//! there, and the restored database serves. PostgreSQL is refused (pg_dump's job).

use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use sea_orm::{ConnectionTrait, Database};

use crate::support::{Engine, TestApp, TestDb, gridline, run};
use crate::world::World;

/// One number a query answers, read straight from the database.
pub(super) async fn count(url: &str, sql: &str) -> i64 {
    let db = Database::connect(url).await.unwrap();
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            sql,
        ))
        .await
        .unwrap()
        .unwrap();
    let n: i64 = row.try_get_by_index(0).unwrap();
    db.close().await.unwrap();
    n
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_while_serving_restores_whole() {
    let app = TestApp::start(Engine::Sqlite).await;
    let w = Arc::new(World::build(&app).await);
    let mut acknowledged = vec![];
    for n in 0..5 {
        let id = w.file(&app, &format!("备份前的工单{n}")).await;
        w.step(&app, "head_a", id, "dispatch", w.dispatch_body())
            .await;
        acknowledged.push(id);
    }
    let ids = acknowledged
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let events_before = count(
        &app.db.url,
        &format!("SELECT COUNT(*) FROM ticket_events WHERE ticket_id IN ({ids})"),
    )
    .await;
    let outbox_before = count(
        &app.db.url,
        &format!("SELECT COUNT(*) FROM outbox WHERE ticket_id IN ({ids})"),
    )
    .await;

    // Clients keep filing while the backup runs.
    let stop = Arc::new(AtomicBool::new(false));
    let busy = {
        let (stop, w, base) = (stop.clone(), w.clone(), app.base.clone());
        let token = w.token("liaison_a").to_owned();
        let enterprise = w.id("ent_a");
        tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut filed = 0;
            while !stop.load(Ordering::Relaxed) {
                let r = client
                    .post(format!("{base}/api/v1/tickets"))
                    .bearer_auth(&token)
                    .json(&serde_json::json!({"enterprise_id": enterprise, "category": "land", "priority": "normal", "title": format!("备份期间的工单{filed}"), "description": "并发登记"}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status().as_u16(), 201);
                filed += 1;
            }
            filed
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let dir =
        std::env::temp_dir().join(format!("gridline-backup-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("gridline-backup.db");
    let out = run(&app.db, &["backup", file.to_str().unwrap()], &[]);
    assert!(out.contains("backup written"), "{out}");
    stop.store(true, Ordering::Relaxed);
    let filed_meanwhile = busy.await.unwrap();
    assert!(filed_meanwhile > 0, "the server kept serving");
    // A second backup to the same file is refused rather than overwriting it.
    let again = gridline(&app.db)
        .args(["backup", file.to_str().unwrap()])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!again.status.success());

    // Restored into an empty database: everything acknowledged before is there.
    let target = TestDb::new(Engine::Sqlite).await;
    let out = run(&target, &["restore", file.to_str().unwrap()], &[]);
    assert!(out.contains("restored"), "{out}");
    assert_eq!(
        count(
            &target.url,
            &format!("SELECT COUNT(*) FROM tickets WHERE id IN ({ids})")
        )
        .await,
        5
    );
    assert_eq!(
        count(
            &target.url,
            &format!("SELECT COUNT(*) FROM ticket_events WHERE ticket_id IN ({ids})")
        )
        .await,
        events_before
    );
    assert_eq!(
        count(
            &target.url,
            &format!("SELECT COUNT(*) FROM outbox WHERE ticket_id IN ({ids})")
        )
        .await,
        outbox_before
    );
    // Not over data: a second restore into the now-filled database is refused.
    let refused = gridline(&target)
        .args(["restore", file.to_str().unwrap()])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("empty database"));
    // The restored database serves.
    let restored = TestApp::serve(Engine::Sqlite, target).await;
    let t = restored
        .ticket(&restored.login("admin").await, acknowledged[0])
        .await;
    assert_eq!(t["status"], "dispatched");
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_is_backed_up_with_its_own_tools() {
    let db = TestDb::new(Engine::Postgres).await;
    let out = gridline(&db)
        .args(["backup", "/tmp/never-written.db"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("pg_dump"));
    assert!(!std::path::Path::new("/tmp/never-written.db").exists());
}
