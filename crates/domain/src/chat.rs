//! Group-chat robots (群机器人): the second channel beside mail. A webhook belongs to a
//! department, a grid or a task force; which outbox kinds go to chat is configured by
//! [`ChatEvent`]; a ticket's message goes to the robots of its responsible department, its
//! grid and its task force.

use serde::{Deserialize, Serialize};

use crate::error::DomainError;
use crate::ids::{DepartmentId, GridId, TaskForceId};

/// The platforms, each with its documented payload and signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Platform {
    /// 企业微信群机器人: the key is in the URL; no signature.
    Wecom,
    /// 钉钉自定义机器人: `timestamp` and `sign` (HMAC-SHA256 of "timestamp\nsecret" keyed
    /// by the secret, Base64, URL-encoded) in the query.
    Dingtalk,
    /// 飞书自定义机器人: `timestamp` and `sign` (HMAC-SHA256 keyed by "timestamp\nsecret"
    /// over nothing, Base64) in the body.
    Feishu,
}

impl Platform {
    pub const ALL: [Platform; 3] = [Platform::Wecom, Platform::Dingtalk, Platform::Feishu];

    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Wecom => "wecom",
            Platform::Dingtalk => "dingtalk",
            Platform::Feishu => "feishu",
        }
    }

    pub fn parse(s: &str) -> Option<Platform> {
        Platform::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// Whether the platform signs with a secret (optional there: a robot may rely on
    /// keywords or addresses instead).
    pub fn signs(self) -> bool {
        matches!(self, Platform::Dingtalk | Platform::Feishu)
    }
}

/// Whose group a robot speaks in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChatOwner {
    Department(DepartmentId),
    Grid(GridId),
    TaskForce(TaskForceId),
}

impl ChatOwner {
    pub fn kind(self) -> &'static str {
        match self {
            ChatOwner::Department(_) => "department",
            ChatOwner::Grid(_) => "grid",
            ChatOwner::TaskForce(_) => "task_force",
        }
    }

    pub fn id(self) -> i64 {
        match self {
            ChatOwner::Department(d) => d.0,
            ChatOwner::Grid(g) => g.0,
            ChatOwner::TaskForce(t) => t.0,
        }
    }

    pub fn parse(kind: &str, id: i64) -> Option<ChatOwner> {
        match kind {
            "department" => Some(ChatOwner::Department(DepartmentId(id))),
            "grid" => Some(ChatOwner::Grid(GridId(id))),
            "task_force" => Some(ChatOwner::TaskForce(TaskForceId(id))),
            _ => None,
        }
    }

    /// The groups that hear of a ticket: its responsible department, its grid, its task
    /// force.
    pub fn of_ticket(t: &crate::Ticket) -> Vec<ChatOwner> {
        let mut out = vec![ChatOwner::Grid(t.grid_id)];
        out.extend(t.department_id.map(ChatOwner::Department));
        out.extend(t.task_force_id.map(ChatOwner::TaskForce));
        out
    }
}

/// What may be sent to chat (`[chat] events`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChatEvent {
    /// 派单 (and a forced dispatch).
    Dispatched,
    /// A deadline passed: dispatch, signing or resolution (超期).
    Overdue,
    /// 升级到专班.
    Escalated,
    /// 督办, and the notice that asks the leader to supervise.
    Supervised,
    /// The week's digest summary (周报摘要), once per period and group.
    Digest,
}

impl ChatEvent {
    /// The default selection.
    pub const DEFAULT: [ChatEvent; 5] = [
        ChatEvent::Dispatched,
        ChatEvent::Overdue,
        ChatEvent::Escalated,
        ChatEvent::Supervised,
        ChatEvent::Digest,
    ];

    /// The chat event an outbox row of `kind` is, if any.
    pub fn of_kind(kind: &str) -> Option<ChatEvent> {
        Some(match kind {
            "dispatch" | "force_dispatch" => ChatEvent::Dispatched,
            "dispatch_overdue" | "response_overdue" | "resolution_overdue" => ChatEvent::Overdue,
            "escalate" => ChatEvent::Escalated,
            "supervise" | "resolution_supervise" => ChatEvent::Supervised,
            "digest" => ChatEvent::Digest,
            _ => return None,
        })
    }
}

/// How a platform answered a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChatAnswer {
    Ok,
    /// Too many messages: try again later (retried with backoff like mail).
    RateLimited(String),
    /// Will never work as configured — a wrong signature, key or robot: dead at once, for
    /// an administrator to mend the webhook and retry.
    Refused(String),
    /// Anything else the platform or the network said: retried.
    Failed(String),
}

/// Reads a platform's answer (its documented error codes): 企业微信 `errcode` (45009 rate
/// limit; 93000 invalid key), 钉钉 `errcode` (130101 sending too fast; 310000 signature,
/// keyword or address refused; 300001 invalid token), 飞书 `code` (9499 and 11232 rate
/// limit; 19021 signature, 19022 address, 19024 keyword refused).
pub fn read_answer(platform: Platform, http_status: u16, body: &str) -> ChatAnswer {
    let v: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
    let field = if platform == Platform::Feishu {
        // 飞书 answers `code` (and `StatusCode` in older bots).
        v.get("code").or_else(|| v.get("StatusCode"))
    } else {
        v.get("errcode")
    };
    let code = field.and_then(serde_json::Value::as_i64);
    let message = format!(
        "{} HTTP {http_status}: {}",
        platform.as_str(),
        body.chars().take(200).collect::<String>()
    );
    if http_status == 429 {
        return ChatAnswer::RateLimited(message);
    }
    match (platform, code) {
        (_, Some(0)) if (200..300).contains(&http_status) => ChatAnswer::Ok,
        (Platform::Wecom, Some(45009))
        | (Platform::Dingtalk, Some(130101))
        | (Platform::Feishu, Some(9499 | 11232)) => ChatAnswer::RateLimited(message),
        (Platform::Wecom, Some(93000))
        | (Platform::Dingtalk, Some(310000 | 300001))
        | (Platform::Feishu, Some(19021 | 19022 | 19024)) => ChatAnswer::Refused(message),
        _ => ChatAnswer::Failed(message),
    }
}

/// A secret is needed to sign, and must be printable ASCII (the platforms issue them so).
pub fn check_secret(platform: Platform, secret: Option<&str>) -> Result<(), DomainError> {
    match secret {
        Some(s) if !platform.signs() && !s.is_empty() => Err(DomainError::invalid(
            "secret",
            "unsigned_platform",
            "企业微信 robots are not signed: leave the secret empty / 企业微信机器人无需密钥",
        )),
        Some(s) if s.len() > 200 || !s.bytes().all(|b| b.is_ascii_graphic()) => {
            Err(DomainError::invalid(
                "secret",
                "invalid_secret",
                "a secret is up to 200 printable ASCII characters / 密钥应为不超过 200 个可打印 ASCII 字符",
            ))
        }
        _ => Ok(()),
    }
}

/// A robot's address with everything after the host's path cut to its last four
/// characters: enough to tell two robots apart, not enough to post to them (what pages, the
/// API and the audit log show; the key or token stays in the database).
pub fn mask_url(url: &str) -> String {
    let Ok(u) = url::Url::parse(url) else {
        return "…".into();
    };
    let chars: Vec<char> = url.chars().collect();
    let tail: String = chars[chars.len().saturating_sub(4)..].iter().collect();
    let path = u.path().rsplit_once('/').map_or("", |(dir, _)| dir);
    format!(
        "{}://{}{path}/…{tail}",
        u.scheme(),
        u.host_str().unwrap_or_default()
    )
}

/// A robot's address must be the platform's (or a listed host), over HTTPS — plain HTTP
/// only to this machine (a local relay, or the tests' server) — without credentials or a
/// fragment: the worker posts nowhere an administrator merely typed.
pub fn check_url(url: &str, allowed: &[String]) -> Result<(), DomainError> {
    let u = url::Url::parse(url.trim())
        .ok()
        .filter(|_| url.len() <= 1000)
        .ok_or_else(|| {
            DomainError::invalid(
                "url",
                "invalid_url",
                "not a webhook address / 不是有效的机器人地址",
            )
        })?;
    let host = u.host_str().unwrap_or_default().to_ascii_lowercase();
    let loopback = matches!(host.as_str(), "127.0.0.1" | "localhost" | "[::1]");
    if !(u.scheme() == "https" || (u.scheme() == "http" && loopback))
        || !u.username().is_empty()
        || u.password().is_some()
        || u.fragment().is_some()
    {
        return Err(DomainError::invalid(
            "url",
            "invalid_url",
            "a webhook address is https:// without a user, password or fragment / 机器人地址须为 https:// 且不含用户名、密码或 # 片段",
        ));
    }
    if !allowed.iter().any(|h| h.eq_ignore_ascii_case(&host)) {
        return Err(DomainError::invalid(
            "url",
            "host_not_allowed",
            "the address is not one of the chat platforms' (chat.allowed_hosts) / 地址不属于允许的聊天平台",
        ));
    }
    Ok(())
}

/// A robot's name: 1 to 60 printable characters.
pub fn check_label(label: &str) -> Result<(), DomainError> {
    if label.is_empty() || label.chars().count() > 60 {
        return Err(DomainError::invalid(
            "label",
            "invalid_label",
            "a name of 1 to 60 characters / 名称应为 1 至 60 个字符",
        ));
    }
    crate::text::refuse_control_characters("label", label, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_read_per_platform() {
        use ChatAnswer::*;
        let ok = |p, b| read_answer(p, 200, b);
        assert_eq!(ok(Platform::Wecom, r#"{"errcode":0,"errmsg":"ok"}"#), Ok);
        assert!(matches!(
            ok(Platform::Wecom, r#"{"errcode":45009}"#),
            RateLimited(_)
        ));
        assert!(matches!(
            ok(Platform::Dingtalk, r#"{"errcode":130101}"#),
            RateLimited(_)
        ));
        assert!(matches!(
            ok(Platform::Dingtalk, r#"{"errcode":310000}"#),
            Refused(_)
        ));
        assert_eq!(ok(Platform::Feishu, r#"{"code":0,"msg":"success"}"#), Ok);
        assert!(matches!(
            ok(Platform::Feishu, r#"{"code":19021}"#),
            Refused(_)
        ));
        assert!(matches!(
            ok(Platform::Feishu, r#"{"code":11232}"#),
            RateLimited(_)
        ));
        assert!(matches!(
            read_answer(Platform::Feishu, 500, "oops"),
            Failed(_)
        ));
        assert!(matches!(
            read_answer(Platform::Wecom, 429, ""),
            RateLimited(_)
        ));
        // A success code on an error status is not a success.
        assert!(matches!(
            read_answer(Platform::Wecom, 502, r#"{"errcode":0}"#),
            Failed(_)
        ));
    }

    #[test]
    fn kinds_map_to_events() {
        assert_eq!(ChatEvent::of_kind("dispatch"), Some(ChatEvent::Dispatched));
        assert_eq!(
            ChatEvent::of_kind("resolution_overdue"),
            Some(ChatEvent::Overdue)
        );
        assert_eq!(
            ChatEvent::of_kind("resolution_supervise"),
            Some(ChatEvent::Supervised)
        );
        assert_eq!(ChatEvent::of_kind("accept"), None);
        assert_eq!(ChatEvent::of_kind("resolution_warning"), None);
    }

    #[test]
    fn addresses_are_the_platforms_and_shown_masked() {
        let allowed = vec!["oapi.dingtalk.com".to_owned(), "127.0.0.1".to_owned()];
        let code = |u: &str| match check_url(u, &allowed) {
            Err(DomainError::Invalid { code, .. }) => Some(code),
            _ => None,
        };
        assert!(
            check_url(
                "https://oapi.dingtalk.com/robot/send?access_token=x",
                &allowed
            )
            .is_ok()
        );
        assert!(check_url("http://127.0.0.1:9/hook", &allowed).is_ok());
        for bad in [
            "http://oapi.dingtalk.com/robot/send",
            "https://u:p@oapi.dingtalk.com/robot/send",
            "https://oapi.dingtalk.com/robot/send#x",
            "not a url",
        ] {
            assert!(
                code(bad).is_some_and(|e| e.contains("invalid_url")),
                "{bad}"
            );
        }
        assert_eq!(code("https://intranet.example/x"), Some("host_not_allowed"));
        assert_eq!(
            mask_url("https://oapi.dingtalk.com/robot/send?access_token=abcdef123456"),
            "https://oapi.dingtalk.com/robot/…3456"
        );
    }

    #[test]
    fn secrets_fit_the_platform() {
        assert!(check_secret(Platform::Wecom, Some("x")).is_err());
        assert!(check_secret(Platform::Wecom, None).is_ok());
        assert!(check_secret(Platform::Dingtalk, Some("SEC1234abcd")).is_ok());
        assert!(check_secret(Platform::Feishu, Some("有中文")).is_err());
    }
}
