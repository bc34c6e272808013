//! The server under test: started from the release binary, ready when `/readyz` says so,
//! killed when dropped; its memory read from `/proc`.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde_json::json;

pub(crate) fn rss_mb(pid: u32, field: &str) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with(field)).and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|v| v.parse::<f64>().ok())
            })
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

pub(crate) struct Server {
    pub(crate) child: Child,
    pub(crate) base: String,
    pub(crate) startup_ms: f64,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) async fn start_server(bin: &PathBuf, url: &str) -> anyhow::Result<Server> {
    let started = Instant::now();
    let mut child = Command::new(bin)
        .arg("serve")
        .env("GRIDLINE__DATABASE__URL", url)
        .env("GRIDLINE__SERVER__ADDR", "127.0.0.1:0")
        .env("GRIDLINE__WORKER__IN_PROCESS", "false")
        .env("GRIDLINE__DATABASE__MAX_CONNECTIONS", "16")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .context("starting the release binary (make bench builds it)")?;
    let stdout = child.stdout.take().context("stdout")?;
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line)?;
    let base = line
        .trim()
        .strip_prefix("gridline listening on ")
        .context("server did not start")?
        .to_owned();
    let client = reqwest::Client::new();
    loop {
        if client
            .get(format!("{base}/readyz"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            break;
        }
        if started.elapsed() > Duration::from_secs(60) {
            bail!("server not ready");
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    Ok(Server {
        child,
        base,
        startup_ms: started.elapsed().as_secs_f64() * 1000.0,
    })
}

pub(crate) async fn login(
    client: &reqwest::Client,
    base: &str,
    user: &str,
) -> anyhow::Result<String> {
    let r: serde_json::Value = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"username": user, "password": "bench-password"}))
        .send()
        .await?
        .json()
        .await?;
    r["access_token"]
        .as_str()
        .map(str::to_owned)
        .with_context(|| format!("login {user}: {r}"))
}
