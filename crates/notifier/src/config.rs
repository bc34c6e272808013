//! The notifier's settings (the `[mail]`, `[worker]`, `[notices]` and `[digest]` sections).

use serde::Deserialize;

/// How the SMTP connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Security {
    /// Plain SMTP (a local relay or a test server).
    None,
    /// Plain connection upgraded with STARTTLS (usually port 587).
    Starttls,
    /// TLS from the first byte (usually port 465).
    Tls,
}

/// Where messages go.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Transport {
    /// To the SMTP server (production).
    #[default]
    Smtp,
    /// Each message as `NNNNNN.eml` in `mail.file_dir` (development: nothing to set up).
    File,
}

fn default_file_dir() -> String {
    "data/mail".into()
}

/// The SMTP server and the messages' sender.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailSettings {
    /// `smtp` or `file`.
    #[serde(default)]
    pub transport: Transport,
    /// For the file transport: the folder the messages are written to.
    #[serde(default = "default_file_dir")]
    pub file_dir: String,
    pub host: String,
    pub port: u16,
    pub security: Security,
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub password: String,
    /// `Name <address>`.
    pub from: String,
    /// Where the links in messages point (the pages are served there).
    pub base_url: String,
    /// The domain part of Message-IDs.
    pub message_id_domain: String,
    pub timeout_secs: u64,
}

impl std::fmt::Debug for MailSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailSettings")
            .field("transport", &self.transport)
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("username", &self.username)
            .field("password", &"***")
            .field("from", &self.from)
            .finish_non_exhaustive()
    }
}

/// The outbox worker.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkerSettings {
    /// Run the worker and the sweeper inside `gridline serve` (one machine). Turn off when
    /// `gridline worker` processes do the sending.
    pub in_process: bool,
    /// How often an idle worker looks for due rows.
    pub poll_ms: u64,
    /// Rows claimed at a time.
    pub batch: u64,
    /// Attempts before a row is dead (visible to admins, who may retry it).
    pub max_attempts: i32,
    /// Backoff after the first failure; doubles each time up to `backoff_max_secs`.
    pub backoff_base_secs: u64,
    pub backoff_max_secs: u64,
    /// How long a claimed row is held; a worker that dies lets it go after this.
    pub lease_secs: u64,
}

/// The deadline sweeper.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoticeSettings {
    pub interval_secs: u64,
    /// Warn once this share of the time to a deadline is used.
    pub warn_share: f64,
    /// Overdue this many working days: the linked leader is told (督办).
    pub supervise_after_days: u32,
}

/// The leaders' digests.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DigestSettings {
    pub enabled: bool,
    /// Local time of day digests go out (Monday for weekly, the first working day for
    /// monthly), as `HH:MM`. A value that is not a time stops the configuration from loading
    /// (it used to become 09:00 silently).
    #[serde(deserialize_with = "hh_mm")]
    pub send_at: chrono::NaiveTime,
    /// After downtime, digests whose time passed within this many days are still sent.
    pub catch_up_days: i64,
}

/// All of the notifier's settings.
#[derive(Debug, Clone, Deserialize)]
pub struct NotifierConfig {
    pub mail: MailSettings,
    pub worker: WorkerSettings,
    pub notices: NoticeSettings,
    pub digest: DigestSettings,
}

impl NotifierConfig {
    /// The deadline notice policy (also the pages' traffic lights).
    pub fn notice_policy(&self) -> gridline_domain::notice::NoticePolicy {
        gridline_domain::notice::NoticePolicy {
            warn_share: self.notices.warn_share,
            supervise_after_days: self.notices.supervise_after_days,
        }
    }
}

fn hh_mm<'de, D: serde::Deserializer<'de>>(d: D) -> Result<chrono::NaiveTime, D::Error> {
    let s = String::deserialize(d)?;
    chrono::NaiveTime::parse_from_str(&s, "%H:%M")
        .map_err(|_| serde::de::Error::custom(format!("{s:?} is not a time of day as HH:MM")))
}
