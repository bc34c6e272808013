//! The leaders' digest by mail: sent once per leader and period, its workbook, its preview
//! (a snapshot), and two workers on one database sending everything exactly once.

use std::collections::{HashMap, HashSet};
use std::io::Cursor;
use std::process::{Child, Stdio};
use std::time::Duration;

use calamine::{Reader, Xlsx};
use serde_json::json;

use super::{Mail, SmtpSink, by_subject, free_port, mail_env};
use crate::support::{Engine, TestApp, TestClock, TestDb, gridline, run};

/// A reproducible demo zone: seeded as if it were 2026-11-20 10:00 (Friday of week 47).
fn seeded(db: &TestDb) {
    run(
        db,
        &["seed", "--demo", "--now", "2026-11-20T02:00:00Z"],
        &[],
    );
}

/// The digest: preview renders without sending; `digest send` mails every leader once, with
/// the workbook attached; running it again sends nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn digest_send_and_workbook() {
    let db = TestDb::new(Engine::Sqlite).await;
    seeded(&db);
    let sink = SmtpSink::start(free_port(), None);
    let port = sink.port.to_string();
    let envs = [("GRIDLINE__MAIL__PORT", port.as_str())];

    let dry = run(
        &db,
        &["digest", "send", "--period", "2026-W47", "--dry-run"],
        &envs,
    );
    assert_eq!(dry.matches("would send to").count(), 4, "{dry}");
    // `send` also delivers whatever else was waiting (the demo's own notifications).
    let out = run(&db, &["digest", "send", "--period", "2026-W47"], &envs);
    assert!(out.contains("queued 4 digest(s)"), "{out}");
    let all = sink.wait_for(4, 30).await;
    let mails: Vec<Mail> = all
        .iter()
        .filter(|m| m.subject.contains("digest"))
        .cloned()
        .collect();
    assert_eq!(mails.len(), 4);
    let again = run(&db, &["digest", "send", "--period", "2026-W47"], &envs);
    assert!(again.contains("queued 0"), "{again}");
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        sink.raw().len(),
        all.len(),
        "a digest is sent once per leader and period"
    );

    let top = mails
        .iter()
        .find(|m| m.to == ["leader@gridline.example"])
        .expect("the top leader's digest");
    assert!(
        top.subject.contains("周报")
            && top.subject.contains("2026-W47")
            && top.subject.contains("Weekly"),
        "{}",
        top.subject
    );
    for part in [&top.text, &top.html] {
        for needle in [
            "按时签收率",
            "On-time signing",
            "部门排名",
            "超期清单",
            "满意",
            "GL-2026-",
            "走访覆盖率",
            "Visit coverage",
            "政策送达",
            "Policy delivery",
            "重点项目",
            "Key projects",
        ] {
            assert!(part.contains(needle), "{needle} missing");
        }
    }
    assert!(top.html.contains("<svg"), "the trend chart is inline");
    // Coverage on the week's last day: the demo's four grids, each with its enterprises due.
    let coverage: Vec<&str> = top
        .text
        .lines()
        .skip_while(|l| !l.starts_with("走访覆盖率"))
        .skip(2)
        .take_while(|l| l.starts_with("  ") && l.contains('|'))
        .collect();
    assert_eq!(coverage.len(), 4, "{}", top.text);
    let due: u64 = coverage
        .iter()
        .map(|l| l.split('|').nth(1).unwrap().trim().parse::<u64>().unwrap())
        .sum();
    assert_eq!(due, 14, "every enterprise of the zone is due a visit");
    let (name, bytes) = &top.attachments[0];
    assert_eq!(name, "gridline-digest-2026-W47.xlsx");
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes.clone())).unwrap();
    let sheets = book.sheet_names();
    assert_eq!(
        sheets,
        [
            "概览 Summary",
            "部门排名 Ranking",
            "超期清单 Overdue",
            "趋势 Trend"
        ]
    );
    let summary = book.worksheet_range("概览 Summary").unwrap();
    let cells: HashMap<String, String> = summary
        .rows()
        .filter(|r| r.len() >= 2)
        .map(|r| (r[0].to_string(), r[1].to_string()))
        .collect();
    // The demo files its sixteen tickets 0 to 12 days before 20 November; ten fall in
    // week 47 (Monday 16 to Sunday 22 November).
    assert_eq!(cells["新登记 Filed"], "10");
    let trend = book.worksheet_range("趋势 Trend").unwrap();
    assert_eq!(trend.rows().count(), 8, "a header and seven days");
    let overdue = book.worksheet_range("超期清单 Overdue").unwrap();
    let overdue_rows: Vec<_> = overdue.rows().skip(1).collect();
    assert!(!overdue_rows.is_empty());
    assert!(
        overdue_rows
            .iter()
            .all(|r| r[0].to_string().starts_with("GL-2026-"))
    );
    // The text part lists the same overdue tickets as the workbook.
    for r in &overdue_rows {
        assert!(top.text.contains(&r[0].to_string()));
    }
}

/// Preview: the HTML of one leader's digest, ids and times redacted, against a snapshot.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn digest_preview_snapshot() {
    let db = TestDb::new(Engine::Sqlite).await;
    seeded(&db);
    let html = run(
        &db,
        &["digest", "preview", "--leader", "2", "--period", "2026-W47"],
        &[],
    );
    let redacted = regex_lite_redact(&html);
    insta::assert_snapshot!("digest_preview_2026_w47", redacted);
}

/// Replaces ticket ids in links and clock times with placeholders.
fn regex_lite_redact(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find("/tickets/") {
        out.push_str(&rest[..i + "/tickets/".len()]);
        rest = &rest[i + "/tickets/".len()..];
        let digits = rest.chars().take_while(char::is_ascii_digit).count();
        out.push_str("[id]");
        rest = &rest[digits..];
    }
    out.push_str(rest);
    out
}

/// Two workers and a server on one PostgreSQL database: every notice, notification and
/// digest arrives exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_workers_exactly_once_on_postgres() {
    let db = TestDb::new(Engine::Postgres).await;
    // Seeded now, then ten days pass: deadlines have passed, notices and last week's
    // digests are due.
    run(&db, &["seed", "--demo"], &[]);
    let clock = TestClock::at(chrono::Utc::now() + chrono::Duration::days(10));
    let sink = SmtpSink::start(free_port(), None);
    let mut env = mail_env(sink.port);
    env.retain(|(k, _)| *k != "GRIDLINE__WORKER__IN_PROCESS");
    env.push(("GRIDLINE__WORKER__BATCH", "2".into()));
    env.push(("GRIDLINE__DIGEST__ENABLED", "true".into()));
    env.push(clock.env());
    let workers: Vec<Child> = (0..2)
        .map(|_| {
            let mut cmd = gridline(&db);
            cmd.arg("worker")
                .stdout(Stdio::null())
                .stderr(Stdio::null());
            for (k, v) in &env {
                cmd.env(k, v);
            }
            cmd.spawn().unwrap()
        })
        .collect();
    let app = TestApp::serve_with(Engine::Postgres, db, &[clock.env()]).await;
    let (_, login) = app
        .call(
            reqwest::Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"username": "tracker", "password": "gridline-demo"})),
        )
        .await;
    let tracker = login["access_token"].as_str().unwrap().to_owned();
    let (_, list) = app.get(&tracker, "/api/v1/tickets?limit=100").await;
    let mut urged = 0;
    for t in list["items"].as_array().unwrap() {
        if ["dispatched", "accepted", "escalated"].contains(&t["status"].as_str().unwrap()) {
            let (status, _) = app
                .act(
                    &tracker,
                    t["id"].as_i64().unwrap(),
                    "urge",
                    json!({"expected_version": t["version"]}),
                )
                .await;
            assert_eq!(status, 200);
            urged += 1;
        }
    }
    assert!(urged >= 3);

    // Wait until the outbox is empty of pending rows, then count.
    let admin_login = app
        .call(
            reqwest::Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"username": "admin", "password": "gridline-demo"})),
        )
        .await
        .1;
    let admin = admin_login["access_token"].as_str().unwrap().to_owned();
    let mut total = 0;
    for _ in 0..300 {
        let (_, pending) = app.get(&admin, "/api/v1/admin/outbox?state=pending").await;
        let (_, sent) = app
            .get(&admin, "/api/v1/admin/outbox?state=sent&limit=500")
            .await;
        total = sent.as_array().unwrap().len();
        if pending.as_array().unwrap().is_empty() && total > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let mails = sink.wait_for(total, 30).await;
    for mut w in workers {
        let _ = w.kill();
        let _ = w.wait();
    }
    assert_eq!(mails.len(), total, "one message per outbox row");
    let ids: HashSet<&str> = mails.iter().map(|m| m.message_id.as_str()).collect();
    assert_eq!(ids.len(), mails.len(), "no message twice");
    assert_eq!(by_subject(&mails, "工单催办").len(), urged);
    let overdue = by_subject(&mails, "超期");
    assert!(!overdue.is_empty(), "deadline notices went out");
    let mut notice_keys = HashSet::new();
    for m in &overdue {
        assert!(
            notice_keys.insert((m.subject.clone(), m.to.clone())),
            "notice twice: {}",
            m.subject
        );
    }
    let digests = by_subject(&mails, "digest");
    let mut seen = HashSet::new();
    for d in &digests {
        assert!(
            seen.insert((
                d.to.clone(),
                d.subject.split(' ').nth(1).unwrap_or_default().to_owned()
            )),
            "digest twice: {} to {:?}",
            d.subject,
            d.to
        );
    }
    let leaders: HashSet<_> = digests.iter().map(|d| d.to.clone()).collect();
    assert_eq!(leaders.len(), 4, "every leader has a digest");
}
