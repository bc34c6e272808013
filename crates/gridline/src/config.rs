//! Settings: `config/default.toml`, then `config/<env>.toml`, then `GRIDLINE__SECTION__KEY`
//! environment variables.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use chrono::NaiveTime;
use figment::Figment;
use figment::providers::{Env, Format, Toml};
use gridline_domain::{CalendarYear, SlaPolicy, WorkCalendar, WorkingHours};
use gridline_store::StoreOptions;
use serde::Deserialize;

/// The secret in `default.toml`; production refuses it.
pub const DEFAULT_JWT_SECRET: &str = "gridline-development-secret-do-not-use-in-production";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub server: Server,
    pub database: DatabaseSettings,
    pub auth: AuthSettings,
    pub calendar: CalendarSettings,
    pub sla: SlaPolicy,
    pub mail: gridline_notifier::config::MailSettings,
    pub worker: gridline_notifier::config::WorkerSettings,
    pub notices: gridline_notifier::config::NoticeSettings,
    pub digest: gridline_notifier::config::DigestSettings,
    pub clock: ClockSettings,
    /// How often each enterprise class is to be visited (coverage targets).
    pub visits: gridline_domain::visit::VisitTargets,
    /// Who publishes policies and how long a delivery may take.
    pub policies: gridline_domain::policy::PolicySettings,
    /// How departments are scored and what the bulletin names (考核, 通报).
    #[serde(default)]
    pub appraisal: gridline_domain::appraisal::AppraisalPolicy,
    /// Group-chat robots: which events, which hosts (企业微信, 钉钉, 飞书).
    #[serde(default)]
    pub chat: gridline_app::chat::ChatSettings,
    /// The log's format.
    #[serde(default)]
    pub log: LogSettings,
    /// `/metrics`.
    #[serde(default)]
    pub metrics: MetricsSettings,
}

/// `[metrics]`.
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricsSettings {
    /// When set, `/metrics` answers whoever presents it as a bearer token (and only them);
    /// when empty, loopback callers only.
    #[serde(default)]
    pub token: String,
    /// Where `gridline worker` serves its own `/metrics` (the outbox it sends, the sweeper,
    /// its pool), e.g. `127.0.0.1:9464`; empty: it serves none.
    #[serde(default)]
    pub worker_listen: String,
}

impl std::fmt::Debug for MetricsSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MetricsSettings")
            .field("token", &if self.token.is_empty() { "" } else { "***" })
            .field("worker_listen", &self.worker_listen)
            .finish()
    }
}

/// `[log]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogSettings {
    #[serde(default)]
    pub format: LogFormat,
}

/// `text` (for people) or `json` (one object per line, for a log collector).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClockSettings {
    /// Development and tests only: a file that sets the time (see `clock.rs`).
    pub file: String,
}

/// An hour: the worker retries with backoff up to an hour, so older means it is stuck.
const fn default_ready_outbox_max_age_secs() -> u64 {
    3600
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Server {
    pub addr: String,
    /// `/readyz` fails when a message has waited in the outbox longer than this (0: never).
    #[serde(default = "default_ready_outbox_max_age_secs")]
    pub ready_outbox_max_age_secs: u64,
    /// Filing forms whose files are read at once; more wait (up to a time limit, then 503).
    pub max_concurrent_uploads: usize,
    /// Seconds a filing form waits for its turn before it is answered 503.
    pub upload_wait_secs: u64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSettings {
    pub url: String,
    pub max_connections: u32,
    pub acquire_timeout_secs: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthSettings {
    pub jwt_secret: String,
    pub token_ttl_secs: i64,
    pub argon2_m_cost: u32,
    pub argon2_t_cost: u32,
    pub argon2_p_cost: u32,
    pub login_per_account_per_minute: u32,
    pub login_per_address_per_minute: u32,
    /// Seconds an authenticated caller's role and scope are reused without a lookup.
    pub actor_cache_secs: u64,
}

impl std::fmt::Debug for AuthSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthSettings")
            .field("jwt_secret", &"***")
            .field("token_ttl_secs", &self.token_ttl_secs)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalendarSettings {
    pub dir: PathBuf,
    pub workday_start: String,
    pub workday_end: String,
}

/// The loaded settings and where they came from.
pub struct Config {
    pub env: String,
    pub dir: PathBuf,
    pub settings: Settings,
}

impl Config {
    /// Loads the layers from `dir` for environment `env`.
    pub fn load(dir: &Path, env: &str) -> anyhow::Result<Config> {
        let default = dir.join("default.toml");
        if !default.exists() {
            bail!(
                "{} not found: run from the project folder or pass --config-dir",
                default.display()
            );
        }
        let settings: Settings = Figment::new()
            .merge(Toml::file(&default))
            .merge(Toml::file(dir.join(format!("{env}.toml"))))
            .merge(Env::prefixed("GRIDLINE__").split("__"))
            .extract()
            .context("reading the configuration")?;
        settings
            .sla
            .validate()
            .map_err(|e| anyhow::anyhow!("config: {e}"))?;
        settings
            .appraisal
            .validate()
            .map_err(|e| anyhow::anyhow!("config: {e}"))?;
        Ok(Config {
            env: env.to_owned(),
            dir: dir.to_owned(),
            settings,
        })
    }

    /// Whether this is a developer's or the tests' environment (the only ones where the
    /// development secret may sign tokens).
    pub fn is_development(&self) -> bool {
        matches!(self.env.as_str(), "development" | "test")
    }

    /// Refuses the demo zone in production: its users share a published password.
    pub fn check_demo_allowed(&self) -> anyhow::Result<()> {
        if self.env == "production" {
            bail!(
                "refusing to seed the demo zone in production: its accounts share the published demo password"
            );
        }
        Ok(())
    }

    /// Refuses settings that must not reach production.
    pub fn check_production(&self) -> anyhow::Result<()> {
        let secret = &self.settings.auth.jwt_secret;
        if secret == DEFAULT_JWT_SECRET {
            if !self.is_development() {
                bail!(
                    "refusing to start in the {} environment with the default JWT secret (the development one): set GRIDLINE__AUTH__JWT_SECRET (only the development and test environments may use it)",
                    self.env
                );
            }
            // Expected on a developer's machine (`make run` starts without a warning), and
            // refused everywhere else: said, not warned.
            tracing::info!(
                env = %self.env,
                "signing tokens with the development JWT secret: fine on a developer's machine, never on a server others reach"
            );
        }
        if self.env == "production" {
            if secret.len() < 32 {
                bail!("the JWT secret must be at least 32 bytes in production");
            }
            let mail = &self.settings.mail;
            if mail.transport != gridline_notifier::config::Transport::Smtp
                || mail.host.trim().is_empty()
                || mail.from.ends_with("@gridline.example>")
            {
                bail!(
                    "refusing to start in production without a real SMTP server: set GRIDLINE__MAIL__HOST and GRIDLINE__MAIL__FROM (see README, Mail)"
                );
            }
        }
        Ok(())
    }

    /// The time source: the system clock, or in development and tests the clock file.
    pub fn clock(&self) -> anyhow::Result<std::sync::Arc<dyn gridline_app::Clock>> {
        let file = self.settings.clock.file.trim();
        if file.is_empty() {
            return Ok(std::sync::Arc::new(gridline_app::SystemClock));
        }
        if !self.is_development() {
            bail!(
                "clock.file moves time for tests; the {} environment runs on the system clock",
                self.env
            );
        }
        tracing::warn!(file, "time is set by a clock file (tests)");
        Ok(std::sync::Arc::new(crate::clock::FileClock::open(
            file.into(),
        )?))
    }

    /// How to reach the database.
    pub fn store_options(&self) -> StoreOptions {
        let db = &self.settings.database;
        StoreOptions {
            url: db.url.clone(),
            max_connections: db.max_connections,
            acquire_timeout: Duration::from_secs(db.acquire_timeout_secs),
        }
    }

    /// The notifier's settings.
    pub fn notifier(&self) -> gridline_notifier::NotifierConfig {
        let s = &self.settings;
        gridline_notifier::NotifierConfig {
            mail: s.mail.clone(),
            worker: s.worker.clone(),
            notices: s.notices.clone(),
            digest: s.digest.clone(),
        }
    }

    /// The folder of the calendar files.
    pub fn calendar_dir(&self) -> PathBuf {
        self.dir.join(&self.settings.calendar.dir)
    }

    /// Loads every `YYYY.toml` in the calendar folder.
    pub fn calendar(&self) -> anyhow::Result<WorkCalendar> {
        let c = &self.settings.calendar;
        let parse = |s: &str, what: &str| {
            NaiveTime::parse_from_str(s, "%H:%M")
                .with_context(|| format!("calendar.{what} must be HH:MM, got {s}"))
        };
        let hours = WorkingHours {
            start: parse(&c.workday_start, "workday_start")?,
            end: parse(&c.workday_end, "workday_end")?,
        };
        load_calendar(&self.calendar_dir(), hours)
    }
}

/// Reads and checks the calendar files of a folder.
pub fn load_calendar(dir: &Path, hours: WorkingHours) -> anyhow::Result<WorkCalendar> {
    let mut years = Vec::new();
    let entries = std::fs::read_dir(dir)
        .with_context(|| format!("reading calendars in {}", dir.display()))?;
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    paths.sort();
    for path in paths {
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        let year: CalendarYear =
            toml::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
        if stem != year.year.to_string() {
            bail!("{} declares year {}", path.display(), year.year);
        }
        years.push(year);
    }
    WorkCalendar::new(years, hours).map_err(|e| anyhow::anyhow!("calendar: {e}"))
}
