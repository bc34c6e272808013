//! The binary's own commands: calendar, migrate, demo seed, production safety.

use std::process::Stdio;

use chrono::{DateTime, Utc};

use crate::both_engines;
use crate::support::{Engine, TestApp, TestDb, gridline, run};

#[tokio::test]
async fn calendar_due_and_show() {
    let db = TestDb::new(Engine::Sqlite).await;
    let out = run(&db, &["calendar", "due", "2026-09-30", "3"], &[]);
    assert!(out.contains("due 2026-10-10 18:00"), "{out}");
    let out = run(&db, &["calendar", "due", "2026-02-13", "1"], &[]);
    assert!(
        out.contains("due 2026-02-14 18:00"),
        "make-up Saturday: {out}"
    );
    let out = run(&db, &["calendar", "show", "2026"], &[]);
    for day in ["2026-10-07", "2026-02-15", "2026-05-05"] {
        assert!(out.contains(day), "{day} in {out}");
    }
    let makeup = out.split("调休上班").nth(1).unwrap();
    for day in [
        "2026-01-04",
        "2026-02-14",
        "2026-02-28",
        "2026-05-09",
        "2026-09-20",
        "2026-10-10",
    ] {
        assert!(makeup.contains(day), "make-up {day}");
    }
    // 365 days - 104 weekend days - 19 weekday holidays + 6 make-up days.
    assert!(out.contains("working days in all: 248"), "{out}");
    let missing = gridline(&db)
        .args(["calendar", "show", "2031"])
        .output()
        .unwrap();
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("2031.toml"));
}

#[tokio::test]
async fn production_refuses_the_default_secret() {
    let db = TestDb::new(Engine::Sqlite).await;
    let out = gridline(&db)
        .env_remove("GRIDLINE__AUTH__JWT_SECRET")
        .env("GRIDLINE_ENV", "production")
        .arg("serve")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("default JWT secret"));
    // A real secret, but no real SMTP server: refused too.
    let out = gridline(&db)
        .env("GRIDLINE_ENV", "production")
        .arg("serve")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("without a real SMTP server"));
    // A real server named, but mail written to files (the development default): refused.
    let out = gridline(&db)
        .env("GRIDLINE_ENV", "production")
        .env("GRIDLINE__MAIL__HOST", "smtp.zone.example.cn")
        .env("GRIDLINE__MAIL__FROM", "网格通 <gridline@zone.example.cn>")
        .env("GRIDLINE__MAIL__TRANSPORT", "file")
        .arg("serve")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("without a real SMTP server"));
}

/// A clock file moves time for tests; production runs on the system clock and refuses it.
#[tokio::test]
async fn production_refuses_a_clock_file() {
    let db = TestDb::new(Engine::Sqlite).await;
    let clock = crate::support::TestClock::at(Utc::now());
    let (key, path) = clock.env();
    let out = gridline(&db)
        .env("GRIDLINE_ENV", "production")
        .env("GRIDLINE__MAIL__HOST", "127.0.0.1")
        .env("GRIDLINE__MAIL__FROM", "网格通 <gridline@zone.example.cn>")
        .env(key, &path)
        .arg("serve")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("runs on the system clock"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A digest time that is not a time stops the server from starting, instead of quietly
/// becoming 09:00.
#[tokio::test]
async fn a_bad_digest_time_is_refused() {
    let db = TestDb::new(Engine::Sqlite).await;
    let out = gridline(&db)
        .env("GRIDLINE__DIGEST__SEND_AT", "25:00")
        .arg("serve")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("HH:MM"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

async fn migrate_is_idempotent(engine: Engine) {
    let db = TestDb::new(engine).await;
    let first = run(&db, &["migrate"], &[]);
    assert!(first.contains("m20261126_000001_initial"), "{first}");
    let second = run(&db, &["migrate"], &[]);
    assert_eq!(first, second);
}

/// The demo zone has tickets in every state, and `overdue=true` returns exactly the tickets
/// whose running deadline has passed (the demo backdates some work).
async fn demo_seed_and_overdue(engine: Engine) {
    let db = TestDb::new(engine).await;
    let out = run(&db, &["seed", "--demo"], &[]);
    assert!(
        out.contains("gridline-demo") && out.contains("liaison.a"),
        "{out}"
    );
    let again = run(&db, &["seed", "--demo"], &[]);
    assert!(again.contains("already"), "{again}");
    let app = TestApp::serve(engine, db).await;
    let token = app.login_with("leader", "gridline-demo").await;
    let (_, all) = app.get(&token, "/api/v1/tickets?limit=100").await;
    let all = all["items"].as_array().unwrap().clone();
    let states: std::collections::HashSet<&str> =
        all.iter().map(|t| t["status"].as_str().unwrap()).collect();
    for s in [
        "submitted",
        "arbitration",
        "paused",
        "dispatched",
        "accepted",
        "escalated",
        "resolved",
        "closed",
    ] {
        assert!(states.contains(s), "demo lacks a {s} ticket");
    }
    let closures: std::collections::HashSet<&str> =
        all.iter().filter_map(|t| t["closure"].as_str()).collect();
    for c in ["duplicate", "withdrawn", "invalid"] {
        assert!(closures.contains(c), "demo lacks a {c} ticket");
    }
    let duplicate = all.iter().find(|t| t["closure"] == "duplicate").unwrap();
    let original = duplicate["duplicate_of"].as_i64().unwrap();
    assert!(
        all.iter()
            .any(|t| t["id"] == original && t["closure"].is_null())
    );
    let (_, overdue) = app
        .get(&token, "/api/v1/tickets?overdue=true&limit=100")
        .await;
    let overdue: Vec<i64> = overdue["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_i64().unwrap())
        .collect();
    assert!(!overdue.is_empty(), "the demo has overdue work");
    let now = Utc::now();
    for t in &all {
        let due = match t["status"].as_str().unwrap() {
            "submitted" => t["dispatch_due_at"].as_str(),
            "dispatched" => t["response_due_at"].as_str(),
            "accepted" | "escalated" => t["resolution_due_at"].as_str(),
            _ => None,
        };
        let late = due.is_some_and(|d| d.parse::<DateTime<Utc>>().unwrap() < now);
        let id = t["id"].as_i64().unwrap();
        assert_eq!(
            overdue.contains(&id),
            late,
            "ticket {id} ({}, due {due:?})",
            t["status"]
        );
        assert_eq!(t["overdue"], late);
    }
}

both_engines!(migrate_is_idempotent, demo_seed_and_overdue);

/// Several servers starting at once on one PostgreSQL database migrate it once.
#[tokio::test]
async fn concurrent_starts_migrate_once_on_postgres() {
    let db = TestDb::new(Engine::Postgres).await;
    let children: Vec<_> = (0..4)
        .map(|_| {
            gridline(&db)
                .arg("migrate")
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let out = run(&db, &["migrate"], &[]);
    assert!(out.contains("m20261126_000001_initial"), "{out}");
}

/// `make run` on a fresh machine: the development environment starts, seeds the demo and
/// writes its mail to files, without a single warning (no mail server is needed).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_development_server_starts_without_warnings() {
    let db = TestDb::new(Engine::Sqlite).await;
    let cwd = std::env::temp_dir().join(format!("gridline-dev-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&cwd).unwrap();
    let log = cwd.join("stderr.log");
    let mut child = gridline(&db)
        .env("GRIDLINE_ENV", "development")
        .env_remove("GRIDLINE__AUTH__JWT_SECRET")
        .env("GRIDLINE__WORKER__POLL_MS", "200")
        .current_dir(&cwd)
        .args(["serve", "--demo"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    // The demo's notifications are written as files within seconds.
    let mail = cwd.join("data/mail");
    let mut written = 0;
    for _ in 0..150 {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        written = std::fs::read_dir(&mail)
            .map(|d| {
                d.filter_map(Result::ok)
                    .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
                    .count()
            })
            .unwrap_or(0);
        if written > 10 {
            break;
        }
    }
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    let _ = child.kill();
    let _ = child.wait();
    let stderr = std::fs::read_to_string(&log).unwrap();
    assert!(written > 10, "mail written to files: {written}\n{stderr}");
    // RUST_LOG=warn: whatever reached standard error is a warning or an error.
    assert!(stderr.trim().is_empty(), "warnings at start:\n{stderr}");
    let _ = std::fs::remove_dir_all(cwd);
}
