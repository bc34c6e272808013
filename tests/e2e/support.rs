//! The harness: a fresh database per test (a SQLite file, or a PostgreSQL database that is
//! dropped afterwards), the real `gridline` binary started on port 0, and typed helpers.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};

/// The JWT secret the test servers use, so tests can forge tokens.
pub const TEST_SECRET: &str = "test-secret-0123456789abcdef0123456789abcdef";
/// Password of every user the tests create.
pub const PASSWORD: &str = "correct horse battery";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

pub fn pg_admin_url() -> String {
    std::env::var("GRIDLINE_TEST_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// A database that exists for one test.
pub struct TestDb {
    pub url: String,
    pg_name: Option<String>,
    dir: Option<PathBuf>,
}

impl TestDb {
    pub async fn new(engine: Engine) -> TestDb {
        let tag = uuid::Uuid::new_v4().simple().to_string();
        match engine {
            Engine::Sqlite => {
                let dir = std::env::temp_dir().join(format!("gridline-test-{tag}"));
                std::fs::create_dir_all(&dir).unwrap();
                TestDb {
                    url: format!("sqlite://{}/gridline.db?mode=rwc", dir.display()),
                    pg_name: None,
                    dir: Some(dir),
                }
            }
            Engine::Postgres => {
                let name = format!("gridline_test_{tag}");
                let admin = Database::connect(pg_admin_url())
                    .await
                    .expect("PostgreSQL must run at 127.0.0.1:5432 (see README)");
                admin
                    .execute_unprepared(&format!("CREATE DATABASE {name}"))
                    .await
                    .unwrap();
                let _ = admin.close().await;
                let base = pg_admin_url();
                let root = base.rsplit_once('/').map(|(r, _)| r).unwrap_or(&base);
                TestDb {
                    url: format!("{root}/{name}"),
                    pg_name: Some(name),
                    dir: None,
                }
            }
        }
    }
}

impl TestDb {
    /// A SQLite database in `dir` (which the caller owns and removes).
    pub fn sqlite_in(dir: &std::path::Path) -> TestDb {
        TestDb {
            url: format!("sqlite://{}/gridline.db?mode=rwc", dir.display()),
            pg_name: None,
            dir: None,
        }
    }

    /// The same database for a second process; dropping this one leaves it in place.
    pub fn shared(&self) -> TestDb {
        TestDb {
            url: self.url.clone(),
            pg_name: None,
            dir: None,
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(dir) = self.dir.take() {
            let _ = std::fs::remove_dir_all(dir);
        }
        if let Some(name) = self.pg_name.take() {
            // Drop runs outside any runtime: use a thread with its own.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(async {
                    if let Ok(admin) = Database::connect(pg_admin_url()).await {
                        let _ = admin
                            .execute_unprepared(&format!(
                                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                            ))
                            .await;
                        let _ = admin.close().await;
                    }
                });
            })
            .join();
        }
    }
}

pub fn workspace_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A `gridline` command against the test database and config.
pub fn gridline(db: &TestDb) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_gridline"));
    cmd.env("GRIDLINE_CONFIG_DIR", workspace_dir().join("config"))
        .env("GRIDLINE_ENV", "test")
        .env("GRIDLINE__DATABASE__URL", &db.url)
        .env("GRIDLINE__SERVER__ADDR", "127.0.0.1:0")
        .env("GRIDLINE__AUTH__JWT_SECRET", TEST_SECRET)
        .env("RUST_LOG", "warn");
    cmd
}

/// Runs a `gridline` subcommand to completion, returning stdout; panics on failure.
pub fn run(db: &TestDb, args: &[&str], envs: &[(&str, &str)]) -> String {
    let mut cmd = gridline(db);
    cmd.args(args);
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let out = cmd.stdin(Stdio::null()).output().unwrap();
    assert!(
        out.status.success(),
        "gridline {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// A running server.
pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub engine: Engine,
    child: Option<Child>,
    pub db: TestDb,
}

impl TestApp {
    /// A fresh database with one admin (`admin` / [`PASSWORD`]) and a server on it.
    pub async fn start(engine: Engine) -> TestApp {
        Self::start_with(engine, &[]).await
    }

    /// Like [`TestApp::start`], with extra environment (config overrides).
    pub async fn start_with(engine: Engine, envs: &[(&str, String)]) -> TestApp {
        Self::start_on(engine, TestDb::new(engine).await, envs).await
    }

    /// Like [`TestApp::start_with`], on a database the caller made (empty).
    pub async fn start_on(engine: Engine, db: TestDb, envs: &[(&str, String)]) -> TestApp {
        run(
            &db,
            &[
                "user",
                "add",
                "--username",
                "admin",
                "--display-name",
                "管理员",
                "--role",
                "admin",
            ],
            &[("GRIDLINE_PASSWORD", PASSWORD)],
        );
        Self::serve_with(engine, db, envs).await
    }

    /// Starts `gridline serve` on an existing database.
    pub async fn serve(engine: Engine, db: TestDb) -> TestApp {
        Self::serve_with(engine, db, &[]).await
    }

    /// Starts `gridline serve` with extra environment. `GRIDLINE_TEST_LOG` names a file that
    /// receives the server's log instead of the test's standard error.
    pub async fn serve_with(engine: Engine, db: TestDb, envs: &[(&str, String)]) -> TestApp {
        let mut cmd = gridline(&db);
        cmd.arg("serve")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        for (k, v) in envs {
            if *k == "GRIDLINE_TEST_LOG" {
                cmd.stderr(std::fs::File::create(v).unwrap());
            } else {
                cmd.env(k, v);
            }
        }
        let mut child = cmd.spawn().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(addr) = line.strip_prefix("gridline listening on ") {
                    let _ = tx.send(addr.to_owned());
                }
            }
        });
        let base = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("gridline serve did not start");
        TestApp {
            base,
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .unwrap(),
            engine,
            child: Some(child),
            db,
        }
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, Child::id)
    }

    /// SIGKILL, keeping the database for a restart.
    pub fn kill(&mut self) {
        if let Some(c) = self.child.as_mut() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Waits for the server to exit by itself; its exit code.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<i32> {
        let deadline = std::time::Instant::now() + timeout;
        while std::time::Instant::now() < deadline {
            if let Some(c) = self.child.as_mut()
                && let Ok(Some(status)) = c.try_wait()
            {
                self.child = None;
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    /// Stops the server (SIGKILL) and hands back the database.
    pub fn stop(mut self) -> TestDb {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
        std::mem::replace(
            &mut self.db,
            TestDb {
                url: String::new(),
                pg_name: None,
                dir: None,
            },
        )
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn login(&self, username: &str) -> String {
        self.login_with(username, PASSWORD).await
    }

    /// A token for `username` with another password (the demo's, say).
    pub async fn login_with(&self, username: &str, password: &str) -> String {
        let (status, body) = self
            .call(
                reqwest::Method::POST,
                "/api/v1/auth/login",
                None,
                Some(json!({"username": username, "password": password})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "login {username}: {body}");
        assert_eq!(body["token_type"], "Bearer");
        body["access_token"].as_str().unwrap().to_owned()
    }

    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = self.client.request(method, self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.unwrap();
        let status = res.status();
        let text = res.text().await.unwrap();
        let value = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        (status, value)
    }

    pub async fn get(&self, token: &str, path: &str) -> (StatusCode, Value) {
        self.call(reqwest::Method::GET, path, Some(token), None)
            .await
    }

    pub async fn post(&self, token: &str, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(reqwest::Method::POST, path, Some(token), Some(body))
            .await
    }

    /// POSTs and insists on `expected`, returning the body.
    pub async fn post_ok(&self, token: &str, path: &str, body: Value, expected: u16) -> Value {
        let (status, value) = self.post(token, path, body).await;
        assert_eq!(status.as_u16(), expected, "POST {path}: {value}");
        value
    }

    /// Takes an action and returns (status, body).
    pub async fn act(
        &self,
        token: &str,
        ticket: i64,
        action: &str,
        body: Value,
    ) -> (StatusCode, Value) {
        self.post(
            token,
            &format!("/api/v1/tickets/{ticket}/actions/{action}"),
            body,
        )
        .await
    }

    pub async fn ticket(&self, token: &str, id: i64) -> Value {
        let (status, body) = self.get(token, &format!("/api/v1/tickets/{id}")).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// Runs an async test body on both engines (one #[tokio::test] per engine).
#[macro_export]
macro_rules! both_engines {
    ($($name:ident),* $(,)?) => {
        mod sqlite { $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name($crate::support::Engine::Sqlite).await }
        )* }
        mod postgres { $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name($crate::support::Engine::Postgres).await }
        )* }
    };
}

/// The time a test server runs on: a clock file (`clock.file`, development and tests only)
/// holding an instant; the server's time is that instant plus the time since it was
/// written. Moving it moves the server, its worker and its sweeper.
pub struct TestClock {
    dir: PathBuf,
    path: PathBuf,
}

impl TestClock {
    /// A clock set to `at`.
    pub fn at(at: chrono::DateTime<chrono::Utc>) -> TestClock {
        static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("gridline-clock-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let clock = TestClock {
            path: dir.join("now"),
            dir,
        };
        clock.set(at);
        clock
    }

    /// Moves the time to `at` (written whole, then renamed, so no reader sees half a file).
    pub fn set(&self, at: chrono::DateTime<chrono::Utc>) {
        let tmp = self.dir.join("now.tmp");
        std::fs::write(&tmp, at.to_rfc3339()).unwrap();
        std::fs::rename(&tmp, &self.path).unwrap();
    }

    /// The setting that puts a `gridline` process on this clock.
    pub fn env(&self) -> (&'static str, String) {
        ("GRIDLINE__CLOCK__FILE", self.path.display().to_string())
    }
}

impl Drop for TestClock {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// An instant field of an API answer (`"2026-11-30T05:00:00Z"`).
pub fn instant(v: &serde_json::Value, field: &str) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(v[field].as_str().unwrap())
        .unwrap()
        .with_timezone(&chrono::Utc)
}
