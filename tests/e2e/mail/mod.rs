//! Mail through a real SMTP server on loopback (aiosmtpd, started here): what arrives is
//! parsed and checked — recipients, subject, both parts, the workbook attachment.

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use mail_parser::{MessageParser, MimeHeaders};
use serde_json::json;

mod digest;
mod service;

use crate::both_engines;
use crate::support::{Engine, TestApp, TestClock, workspace_dir};
use crate::world::World;

/// The SMTP server: a Python aiosmtpd process writing each message to a file.
pub struct SmtpSink {
    pub port: u16,
    dir: PathBuf,
    child: Child,
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl SmtpSink {
    pub fn start(port: u16, auth: Option<(&str, &str)>) -> SmtpSink {
        let dir =
            std::env::temp_dir().join(format!("gridline-mail-{}", uuid::Uuid::new_v4().simple()));
        let mut cmd = Command::new("python3");
        cmd.arg(workspace_dir().join("tests/smtp_sink.py"))
            .args(["--port", &port.to_string(), "--dir"])
            .arg(&dir)
            .stdout(Stdio::piped());
        if let Some((u, p)) = auth {
            cmd.args(["--user", u, "--password", p]);
        }
        let mut child = cmd
            .spawn()
            .expect("python3 with aiosmtpd (make test installs it)");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert!(
            line.contains("listening"),
            "SMTP sink did not start: {line}"
        );
        SmtpSink { port, dir, child }
    }

    pub fn raw(&self) -> Vec<Vec<u8>> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&self.dir)
            .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        files.retain(|p| p.extension().is_some_and(|x| x == "eml"));
        files.sort();
        files.iter().map(|p| std::fs::read(p).unwrap()).collect()
    }

    /// Waits until at least `n` messages arrived, then a little longer to catch any extra.
    pub async fn wait_for(&self, n: usize, secs: u64) -> Vec<Mail> {
        self.try_wait_for(n, secs)
            .await
            .unwrap_or_else(|got| panic!("only {got} of {n} messages arrived"))
    }

    /// Like `wait_for`, but says how many arrived instead of panicking.
    pub async fn try_wait_for(&self, n: usize, secs: u64) -> Result<Vec<Mail>, usize> {
        let deadline = std::time::Instant::now() + Duration::from_secs(secs);
        while self.raw().len() < n {
            if std::time::Instant::now() >= deadline {
                return Err(self.raw().len());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        tokio::time::sleep(Duration::from_millis(1500)).await;
        Ok(self.raw().iter().map(|b| Mail::parse(b)).collect())
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A received message, parsed.
#[derive(Debug, Clone)]
pub struct Mail {
    pub to: Vec<String>,
    pub subject: String,
    pub message_id: String,
    pub text: String,
    pub html: String,
    pub attachments: Vec<(String, Vec<u8>)>,
}

impl Mail {
    fn parse(raw: &[u8]) -> Mail {
        let m = MessageParser::default()
            .parse(raw)
            .expect("a parsable message");
        Mail {
            to: m
                .to()
                .map(|l| {
                    l.iter()
                        .filter_map(|a| a.address().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default(),
            subject: m.subject().unwrap_or_default().to_owned(),
            message_id: m.message_id().unwrap_or_default().to_owned(),
            text: m.body_text(0).map(|c| c.into_owned()).unwrap_or_default(),
            html: m.body_html(0).map(|c| c.into_owned()).unwrap_or_default(),
            attachments: m
                .attachments()
                .map(|a| {
                    (
                        a.attachment_name().unwrap_or_default().to_owned(),
                        a.contents().to_vec(),
                    )
                })
                .collect(),
        }
    }
}

/// Config overrides that turn the in-process worker on against `port`.
pub fn mail_env(port: u16) -> Vec<(&'static str, String)> {
    vec![
        ("GRIDLINE__WORKER__IN_PROCESS", "true".into()),
        ("GRIDLINE__WORKER__POLL_MS", "100".into()),
        ("GRIDLINE__WORKER__BACKOFF_BASE_SECS", "1".into()),
        ("GRIDLINE__WORKER__BACKOFF_MAX_SECS", "1".into()),
        ("GRIDLINE__WORKER__MAX_ATTEMPTS", "1000".into()),
        ("GRIDLINE__NOTICES__INTERVAL_SECS", "1".into()),
        ("GRIDLINE__MAIL__PORT", port.to_string()),
        ("GRIDLINE__MAIL__TIMEOUT_SECS", "3".into()),
    ]
}

pub(crate) fn by_subject<'a>(mails: &'a [Mail], needle: &str) -> Vec<&'a Mail> {
    mails
        .iter()
        .filter(|m| m.subject.contains(needle))
        .collect()
}

fn set(v: &[&str]) -> HashSet<String> {
    v.iter().map(|s| (*s).to_owned()).collect()
}

/// Each event of the loop reaches the people in the table, once, in both languages.
async fn notifications_reach_the_right_people(engine: Engine) {
    let sink = SmtpSink::start(free_port(), None);
    let app = TestApp::start_with(engine, &mail_env(sink.port)).await;
    let w = World::build(&app).await;
    let id = w.file(&app, "新厂房双回路供电接入").await;
    w.step(&app, "head_a", id, "dispatch", w.dispatch_body())
        .await;
    w.step(
        &app,
        "officer_d1",
        id,
        "return",
        json!({"reason": "overlapping_duties"}),
    )
    .await;
    w.step(&app, "head_a", id, "dispatch", w.dispatch_body())
        .await;
    w.step(&app, "officer_d1", id, "accept", json!({})).await;
    w.step(
        &app,
        "officer_d1",
        id,
        "request_extension",
        json!({"days": 2, "reason": "等待电网批复"}),
    )
    .await;
    w.step(
        &app,
        "leader_a",
        id,
        "decide_extension",
        json!({"approve": true}),
    )
    .await;
    w.step(
        &app,
        "officer_d1",
        id,
        "escalate",
        json!({"task_force_id": w.id("tf")}),
    )
    .await;
    w.step(
        &app,
        "tf_member",
        id,
        "resolve",
        json!({"resolution": "已接入双回路"}),
    )
    .await;
    w.step(
        &app,
        "liaison_a",
        id,
        "report",
        json!({"satisfaction": "unsatisfied"}),
    )
    .await;
    // dispatch ×2 (person + mailbox each), return, request, decide, escalate, resolve, reopen.
    let mails = match sink.try_wait_for(8, 30).await {
        Ok(m) => m,
        Err(got) => {
            let (_, rows) = app.get(&w.admin, "/api/v1/admin/outbox").await;
            let subjects: Vec<String> = sink.raw().iter().map(|b| Mail::parse(b).subject).collect();
            panic!("only {got} of 8 arrived: {subjects:#?}\noutbox: {rows:#}");
        }
    };
    assert_eq!(
        mails.len(),
        8,
        "{:#?}",
        mails.iter().map(|m| &m.subject).collect::<Vec<_>>()
    );

    let dispatched = by_subject(&mails, "新工单待签收");
    assert_eq!(dispatched.len(), 2);
    for m in &dispatched {
        assert_eq!(
            m.to.iter().cloned().collect::<HashSet<_>>(),
            set(&[
                "officer_d1@test.example",
                "d1@test.example",
                "tracker@test.example"
            ])
        );
    }
    let expect = [
        ("工单被退回", &["head_a@test.example"][..]),
        ("延期申请待审批", &["leader_a@test.example"]),
        ("延期申请已审批", &["officer_d1@test.example"]),
        ("工单提交专班协调", &["tf_member@test.example"]),
        (
            "工单已办结",
            &["liaison_a@test.example", "tracker@test.example"],
        ),
        (
            "企业不满意,工单重办",
            &[
                "officer_d1@test.example",
                "leader_a@test.example",
                "tracker@test.example",
            ],
        ),
    ];
    for (subject, to) in expect {
        let found = by_subject(&mails, subject);
        assert_eq!(found.len(), 1, "{subject}");
        assert_eq!(
            found[0].to.iter().cloned().collect::<HashSet<_>>(),
            set(to),
            "{subject}"
        );
    }
    for m in &mails {
        assert!(
            m.subject.contains(" / "),
            "Chinese then English: {}",
            m.subject
        );
        assert!(m.text.contains("新厂房双回路供电接入") && m.html.contains("新厂房双回路供电接入"));
        assert!(
            m.text.contains(&format!("/tickets/{id}")),
            "a link to the ticket"
        );
        assert!(m.html.contains(&format!("/tickets/{id}\"")));
        assert!(
            m.text.contains("Ticket") && m.html.contains("<small>Ticket</small>"),
            "English under Chinese"
        );
    }
    let ids: HashSet<&str> = mails.iter().map(|m| m.message_id.as_str()).collect();
    assert_eq!(ids.len(), mails.len(), "Message-IDs are unique per message");
    let returned = by_subject(&mails, "工单被退回")[0];
    assert!(
        returned.text.contains("职责交叉"),
        "the return reason is in the message"
    );
    // The event's facts are the ones the ticket page shows (one presenter for both doors):
    // a dispatch names its three-ones; an approved extension, its decision and new deadline.
    let dispatched = by_subject(&mails, "新工单待签收")[0];
    for fact in [
        "班子成员 Accountable leader",
        "测试leader_a",
        "负责人员 Responsible person",
        "测试officer_d1",
    ] {
        assert!(
            dispatched.text.contains(fact),
            "{fact}: {}",
            dispatched.text
        );
    }
    let decided = by_subject(&mails, "延期")
        .into_iter()
        .find(|m| m.text.contains("审批结果"))
        .expect("the decision mail");
    assert!(
        decided.text.contains("同意 / approved")
            && decided.text.contains("办结期限 Resolution due"),
        "{}",
        decided.text
    );

    // The outbox shows them sent; comments and signatures send nothing.
    let (_, rows) = app.get(&w.admin, "/api/v1/admin/outbox?state=sent").await;
    assert_eq!(
        rows.as_array().unwrap().len(),
        8,
        "one row per notifying event"
    );
    let (status, _) = app.get(w.token("leader_a"), "/api/v1/admin/outbox").await;
    assert_eq!(status, 403);
}

/// The mail server is down for a while: everything waits, then arrives once.
async fn outage_then_recovery(engine: Engine) {
    let port = free_port();
    let log = std::env::temp_dir().join(format!(
        "gridline-outage-{}.log",
        uuid::Uuid::new_v4().simple()
    ));
    let mut env = mail_env(port);
    env.push(("GRIDLINE_TEST_LOG", log.display().to_string()));
    env.push(("RUST_LOG", "warn".into()));
    let app = TestApp::start_with(engine, &env).await;
    let w = World::build(&app).await;
    let mut tickets = vec![];
    for n in 0..3 {
        let id = w.file(&app, &format!("停电期间的问题{n}")).await;
        w.step(&app, "head_a", id, "dispatch", w.dispatch_body())
            .await;
        w.step(&app, "tracker", id, "urge", json!({})).await;
        tickets.push(id);
    }
    // Rows are retried and wait, with the error recorded and logged.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let (_, pending) = app
        .get(&w.admin, "/api/v1/admin/outbox?state=pending")
        .await;
    let pending = pending.as_array().unwrap().clone();
    assert_eq!(pending.len(), 6);
    assert!(
        pending.iter().all(|r| r["attempts"].as_i64().unwrap() >= 1
            && r["last_error"].as_str().unwrap().contains("smtp")),
        "{pending:?}"
    );
    // Six messages, each tried several times: one warning for the outage, not one per try.
    let logged = std::fs::read_to_string(&log).unwrap();
    assert_eq!(
        logged
            .matches("the mail server cannot take messages")
            .count(),
        1,
        "{logged}"
    );
    assert!(!logged.contains("sending failed; will retry"), "{logged}");
    assert!(
        !logged.contains("officer_d1@test.example"),
        "recipients are masked in logs"
    );

    // The first ticket is signed for while its mail waits: the mail still tells of the
    // dispatch as it was (composed from the event, not from the ticket at send time).
    w.step(&app, "officer_d1", tickets[0], "accept", json!({}))
        .await;
    let sink = SmtpSink::start(port, None);
    let mails = sink.wait_for(6, 30).await;
    assert_eq!(mails.len(), 6, "every notification arrives, none twice");
    for m in by_subject(&mails, "新工单待签收") {
        assert!(m.text.contains("已派发 / dispatched"), "{}", m.text);
        assert!(!m.text.contains("已签收"), "{}", m.text);
    }
    assert_eq!(
        mails
            .iter()
            .map(|m| m.message_id.clone())
            .collect::<HashSet<_>>()
            .len(),
        6
    );
    assert_eq!(by_subject(&mails, "工单催办").len(), 3);
    let logged = std::fs::read_to_string(&log).unwrap();
    assert_eq!(
        logged.matches("the mail server answers again").count(),
        1,
        "{logged}"
    );
    let _ = std::fs::remove_file(log);
}

/// Wrong credentials: a clear error in the log, and the rows wait; nothing is dropped.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_auth_keeps_rows_waiting() {
    let sink = SmtpSink::start(free_port(), Some(("gridline", "right-password")));
    let log = std::env::temp_dir().join(format!(
        "gridline-auth-{}.log",
        uuid::Uuid::new_v4().simple()
    ));
    let mut env = mail_env(sink.port);
    env.push(("GRIDLINE__MAIL__USERNAME", "gridline".into()));
    env.push(("GRIDLINE__MAIL__PASSWORD", "wrong-password".into()));
    env.push(("GRIDLINE_TEST_LOG", log.display().to_string()));
    env.push(("RUST_LOG", "warn".into()));
    let app = TestApp::start_with(Engine::Sqlite, &env).await;
    let w = World::build(&app).await;
    let id = w.file(&app, "认证失败时的工单").await;
    w.step(&app, "head_a", id, "dispatch", w.dispatch_body())
        .await;
    let mut rows = vec![];
    for _ in 0..150 {
        let (_, r) = app.get(&w.admin, "/api/v1/admin/outbox").await;
        rows = r.as_array().unwrap().clone();
        if rows.iter().all(|r| !r["last_error"].is_null()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(sink.raw().is_empty());
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["state"], "pending");
    assert!(
        rows[0]["last_error"]
            .as_str()
            .unwrap_or_default()
            .contains("535"),
        "{}",
        rows[0]
    );
    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(
        logged.contains("535") && !logged.contains("wrong-password"),
        "{logged}"
    );
    let _ = std::fs::remove_file(log);
}

/// Dead rows are visible to admins and can be retried.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dead_letters_and_retry() {
    let port = free_port();
    let mut env = mail_env(port);
    env.retain(|(k, _)| *k != "GRIDLINE__WORKER__MAX_ATTEMPTS");
    env.push(("GRIDLINE__WORKER__MAX_ATTEMPTS", "2".into()));
    env.push(("RUST_LOG", "off".into()));
    let app = TestApp::start_with(Engine::Sqlite, &env).await;
    let w = World::build(&app).await;
    let id = w.file(&app, "终将失败的通知").await;
    w.step(&app, "head_a", id, "dispatch", w.dispatch_body())
        .await;
    let mut dead = serde_json::Value::Null;
    for _ in 0..100 {
        let (_, rows) = app.get(&w.admin, "/api/v1/admin/outbox?state=dead").await;
        if !rows.as_array().unwrap().is_empty() {
            dead = rows;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let row = &dead[0];
    assert_eq!(row["attempts"], 2, "{dead}");
    let (status, res) = app.get(&w.admin, "/api/v1/admin/outbox?state=lost").await;
    assert_eq!(
        (status.as_u16(), res["code"].as_str().unwrap()),
        (422, "unknown_state")
    );

    let sink = SmtpSink::start(port, None);
    let row_id = row["id"].as_i64().unwrap();
    let retried = app
        .post_ok(
            &w.admin,
            &format!("/api/v1/admin/outbox/{row_id}/retry"),
            json!({}),
            200,
        )
        .await;
    assert_eq!(retried["state"], "pending");
    let mails = sink.wait_for(1, 30).await;
    assert_eq!(mails.len(), 1);
    // The Message-ID comes from the row: every attempt of it carries the same one.
    assert!(
        mails[0]
            .message_id
            .starts_with(&format!("gridline.outbox.{row_id}.")),
        "{}",
        mails[0].message_id
    );
    let (status, res) = app
        .post(
            &w.admin,
            &format!("/api/v1/admin/outbox/{row_id}/retry"),
            json!({}),
        )
        .await;
    assert_eq!(
        (status.as_u16(), res["code"].as_str().unwrap()),
        (409, "not_retryable")
    );
}

/// Deadlines run on the application's clock: as a test moves it, the running server warns
/// before the response deadline, tells of it once passed, starts the resolution deadline
/// from the moment the ticket is signed (on that clock), and has the linked leader
/// supervise work overdue for two working days. Each notice once, to the people the rules
/// name, and none early.
async fn deadline_notices_follow_the_clock(engine: Engine) {
    let sink = SmtpSink::start(free_port(), None);
    let start = chrono::Utc::now();
    let clock = TestClock::at(start);
    let mut env = mail_env(sink.port);
    env.push(clock.env());
    // Tokens outlive the days the test moves through.
    env.push(("GRIDLINE__AUTH__TOKEN_TTL_SECS", (60 * 86_400).to_string()));
    let app = TestApp::start_with(engine, &env).await;
    let w = World::build(&app).await;
    let id = w.file(&app, "雨污管网改造").await;
    w.step(&app, "head_a", id, "dispatch", w.dispatch_body())
        .await;
    sink.wait_for(1, 30).await;
    let due = |t: &serde_json::Value, field: &str| {
        chrono::DateTime::parse_from_rfc3339(t[field].as_str().unwrap())
            .unwrap()
            .with_timezone(&chrono::Utc)
    };
    let t = app.ticket(&w.admin, id).await;
    let response_due = due(&t, "response_due_at");
    assert!(response_due > start);

    // Nothing is due before the warning point: two sweeps pass and no notice is written.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(sink.raw().len(), 1, "no notice before its time");

    clock.set(response_due - chrono::Duration::minutes(1));
    let mails = sink.wait_for(2, 30).await;
    let warned = by_subject(&mails, "签收期限临近");
    assert_eq!(warned.len(), 1, "one response warning");
    assert_eq!(
        warned[0].to.iter().cloned().collect::<HashSet<_>>(),
        set(&["officer_d1@test.example"]),
        "a warning goes to the responsible person"
    );
    assert!(by_subject(&mails, "超期").is_empty(), "not overdue yet");

    clock.set(response_due + chrono::Duration::minutes(1));
    let mails = sink.wait_for(3, 30).await;
    let overdue = by_subject(&mails, "工单超期未签收");
    assert_eq!(overdue.len(), 1);
    assert_eq!(
        overdue[0].to.iter().cloned().collect::<HashSet<_>>(),
        set(&[
            "officer_d1@test.example",
            "leader_a@test.example",
            "tracker@test.example"
        ]),
        "overdue: the responsible person, the accountable leader and the tracker"
    );

    // Signed on the test's clock: the resolution deadline counts from then.
    w.step(&app, "officer_d1", id, "accept", json!({})).await;
    let t = app.ticket(&w.admin, id).await;
    let resolution_due = due(&t, "resolution_due_at");
    assert!(
        resolution_due > response_due + chrono::Duration::days(5),
        "five working days (land: fifteen) from the moment signed: {resolution_due}"
    );
    let (_, history) = app
        .get(&w.admin, &format!("/api/v1/tickets/{id}/events"))
        .await;
    let accepted = history
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "accept")
        .unwrap();
    let accepted_at = due(accepted, "at");
    assert!(
        accepted_at >= response_due && accepted_at < response_due + chrono::Duration::hours(1),
        "the event is stamped with the server's clock: {accepted_at}"
    );

    // Four calendar weeks later: overdue, and past the two working days of supervision.
    clock.set(resolution_due + chrono::Duration::days(28));
    let mails = sink.wait_for(5, 30).await;
    assert_eq!(by_subject(&mails, "工单超期未办结").len(), 1);
    let supervise = by_subject(&mails, "超期工单督办提醒");
    assert_eq!(supervise.len(), 1);
    assert_eq!(
        supervise[0].to.iter().cloned().collect::<HashSet<_>>(),
        set(&["leader_a@test.example", "officer_d1@test.example"]),
        "supervision: the grid's linked leader, and the responsible person"
    );
    assert!(
        by_subject(&mails, "办结期限临近").is_empty(),
        "no warning once the deadline has passed"
    );
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(sink.raw().len(), 5, "each notice once");
}

both_engines!(
    notifications_reach_the_right_people,
    outage_then_recovery,
    deadline_notices_follow_the_clock
);
