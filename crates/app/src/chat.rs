//! Group-chat robots (群机器人): administrators add a 企业微信, 钉钉 or 飞书 robot to a
//! department, grid or task force; the worker turns the configured events into one outbox
//! row per robot of the ticket's groups, and delivers them like mail (retried with backoff,
//! dead after the attempts, or at once when the platform refuses the robot for good).

use gridline_domain::TicketId;
use gridline_domain::chat::{
    ChatEvent, ChatOwner, Platform, check_label, check_secret, check_url, mask_url,
};
use gridline_store::chat::NewWebhook;
use gridline_store::entity::chat_webhooks;
use gridline_store::outbox::NewOutbox;
use serde::{Deserialize, Serialize};

use crate::auth::Caller;
use crate::directory::Directory;
use crate::error::{AppError, AppResult};
use crate::mail::Due;
use crate::state::AppState;

/// The outbox kind of a chat message.
pub const KIND: &str = "chat";

/// `[chat]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChatSettings {
    /// What goes to chat (default: dispatched, overdue, escalated, supervised, digest).
    #[serde(default = "default_events")]
    pub events: Vec<ChatEvent>,
    /// The hosts a robot's URL may name: the platforms' own. A URL elsewhere is refused, so
    /// the worker never posts into the zone's own network on an administrator's say-so.
    #[serde(default = "default_hosts")]
    pub allowed_hosts: Vec<String>,
    /// How long one post may take.
    #[serde(default = "default_timeout")]
    pub timeout_secs: u64,
}

fn default_events() -> Vec<ChatEvent> {
    ChatEvent::DEFAULT.to_vec()
}

fn default_hosts() -> Vec<String> {
    [
        "qyapi.weixin.qq.com",
        "oapi.dingtalk.com",
        "open.feishu.cn",
        "open.larksuite.com",
    ]
    .map(String::from)
    .to_vec()
}

fn default_timeout() -> u64 {
    10
}

impl Default for ChatSettings {
    fn default() -> Self {
        Self {
            events: default_events(),
            allowed_hosts: default_hosts(),
            timeout_secs: default_timeout(),
        }
    }
}

/// A robot to add.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = CreateChatWebhook))]
#[serde(deny_unknown_fields)]
pub struct WebhookInput {
    /// `department`, `grid` or `task_force`.
    pub owner_kind: String,
    pub owner_id: i64,
    /// `wecom` (企业微信), `dingtalk` (钉钉) or `feishu` (飞书).
    pub platform: String,
    /// The robot's webhook address as the platform gives it (with its key or token).
    pub url: String,
    /// 钉钉 and 飞书: the signing secret when the robot is set to sign (加签).
    #[serde(default)]
    pub secret: Option<String>,
    /// The group's name, for the administrators.
    pub label: String,
}

/// A robot as shown: its address masked, its secret never.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = ChatWebhook))]
pub struct Webhook {
    pub id: i64,
    pub owner_kind: String,
    pub owner_id: i64,
    /// The department's, grid's or task force's name.
    pub owner_name: String,
    pub platform: String,
    /// The address with its key or token cut to the last four characters.
    pub url_masked: String,
    /// Whether a signing secret is set.
    pub signed: bool,
    pub label: String,
    pub active: bool,
}

fn owner_name(dir: &Directory, owner: ChatOwner) -> String {
    match owner {
        ChatOwner::Department(d) => dir.department(Some(d.0)),
        ChatOwner::Grid(g) => dir.grid(g.0),
        ChatOwner::TaskForce(t) => dir.task_force(Some(t.0)),
    }
}

fn shown(dir: &Directory, w: chat_webhooks::Model) -> Webhook {
    let owner = ChatOwner::parse(&w.owner_kind, w.owner_id);
    Webhook {
        id: w.id,
        owner_name: owner.map(|o| owner_name(dir, o)).unwrap_or_default(),
        owner_kind: w.owner_kind,
        owner_id: w.owner_id,
        platform: w.platform,
        url_masked: mask_url(&w.url),
        signed: w.secret.is_some(),
        label: w.label,
        active: w.active,
    }
}

/// Adds a robot (administrators).
pub async fn add(state: &AppState, caller: &Caller, input: WebhookInput) -> AppResult<Webhook> {
    caller.require_admin()?;
    let platform = Platform::parse(input.platform.trim()).ok_or_else(|| {
        AppError::invalid(
            "platform",
            "unknown_platform",
            "wecom, dingtalk or feishu / 平台应为企业微信、钉钉或飞书",
        )
    })?;
    let owner = ChatOwner::parse(input.owner_kind.trim(), input.owner_id);
    let dir = Directory::load(state).await?;
    let owner = owner
        .filter(|o| !owner_name(&dir, *o).is_empty())
        .ok_or_else(|| {
            AppError::invalid(
                "owner_id",
                "unknown_owner",
                "no such department, grid or task force / 部门、网格或专班不存在",
            )
        })?;
    let url = input.url.trim().to_owned();
    check_url(&url, &state.chat.allowed_hosts)?;
    let secret = input
        .secret
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty());
    check_secret(platform, secret.as_deref())?;
    let label = input.label.trim().to_owned();
    check_label(&label)?;
    let row = state
        .store
        .add_webhook(
            NewWebhook {
                owner,
                platform: platform.as_str().to_owned(),
                url,
                secret,
                label,
            },
            crate::people::audit(state, caller),
        )
        .await?;
    Ok(shown(&dir, row))
}

/// Every robot (administrators).
pub async fn list(state: &AppState, caller: &Caller) -> AppResult<Vec<Webhook>> {
    caller.require_admin()?;
    let dir = Directory::load(state).await?;
    Ok(state
        .store
        .webhooks()
        .await?
        .into_iter()
        .map(|w| shown(&dir, w))
        .collect())
}

/// Removes a robot (administrators); messages still queued for it are skipped.
pub async fn remove(state: &AppState, caller: &Caller, id: i64) -> AppResult<()> {
    caller.require_admin()?;
    state
        .store
        .remove_webhook(id, crate::people::audit(state, caller))
        .await?;
    Ok(())
}

/// Whether rows of this kind go to chat.
pub fn wanted(state: &AppState, kind: &str) -> bool {
    ChatEvent::of_kind(kind).is_some_and(|e| state.chat.events.contains(&e))
}

/// The robots of the row's groups that have not had this message yet, each with the key
/// that makes it once, and the row's ticket (for the text): a ticket's message goes to its
/// grid, department and task force ([`ChatOwner::of_ticket`]); a digest goes to every
/// robot, once per period (however many leaders' digests there are). Without any robot the
/// ticket is not even read: most rows pass here.
pub async fn targets(
    state: &AppState,
    row: &Due,
) -> AppResult<(Option<gridline_domain::Ticket>, Vec<(i64, String)>)> {
    let hooks = state.store.active_webhooks().await?;
    if hooks.is_empty() {
        return Ok((None, vec![]));
    }
    let ticket = match row.ticket_id {
        Some(id) => Some(state.store.ticket(TicketId(id)).await?),
        None => None,
    };
    let owners = match (&ticket, row.kind.as_str()) {
        (Some(t), _) => Some(ChatOwner::of_ticket(t)),
        (None, "digest") => None,
        // Nothing else without a ticket goes to chat.
        (None, _) => return Ok((None, vec![])),
    };
    let period = serde_json::from_str::<serde_json::Value>(&row.payload)
        .ok()
        .and_then(|p| p.get("period").and_then(|v| v.as_str()).map(str::to_owned));
    let keyed: Vec<(i64, String)> = hooks
        .iter()
        .filter(|h| {
            owners.as_ref().is_none_or(|o| {
                ChatOwner::parse(&h.owner_kind, h.owner_id).is_some_and(|h| o.contains(&h))
            })
        })
        .map(|h| {
            let key = match &period {
                Some(p) if row.kind == "digest" => format!("chat:digest:{p}:{}", h.id),
                _ => format!("chat:{}:{}", row.id, h.id),
            };
            (h.id, key)
        })
        .collect();
    let keys: Vec<String> = keyed.iter().map(|(_, k)| k.clone()).collect();
    let done = state.store.existing_dedupe_keys(&keys).await?;
    let targets = keyed
        .into_iter()
        .filter(|(_, k)| !done.contains(k))
        .collect();
    Ok((ticket, targets))
}

/// Queues `text` for these robots (from [`targets`]).
pub async fn enqueue(
    state: &AppState,
    row: &Due,
    targets: Vec<(i64, String)>,
    text: &str,
) -> AppResult<usize> {
    let rows = targets
        .into_iter()
        .map(|(hook, key)| NewOutbox {
            kind: KIND.to_owned(),
            ticket_id: row.ticket_id.map(TicketId),
            dedupe_key: key,
            payload: serde_json::json!({"webhook_id": hook, "text": text}),
        })
        .collect();
    Ok(state.store.enqueue_all(rows, state.now()).await?)
}

/// A chat row ready to post.
#[derive(Debug, Clone)]
pub struct ChatDelivery {
    pub webhook_id: i64,
    pub platform: Platform,
    pub url: String,
    pub secret: Option<String>,
    pub text: String,
}

/// The robot and text of a chat row; `None` when the robot was removed.
pub async fn delivery(state: &AppState, row: &Due) -> AppResult<Option<ChatDelivery>> {
    let p: serde_json::Value = serde_json::from_str(&row.payload)
        .map_err(|e| AppError::internal(&format!("chat row {}: {e}", row.id)))?;
    let (Some(id), Some(text)) = (
        p.get("webhook_id").and_then(|v| v.as_i64()),
        p.get("text").and_then(|v| v.as_str()),
    ) else {
        return Err(AppError::internal(&format!("chat row {}: payload", row.id)));
    };
    let Some(hook) = state.store.webhook(id).await?.filter(|h| h.active) else {
        return Ok(None);
    };
    let platform = Platform::parse(&hook.platform)
        .ok_or_else(|| AppError::internal(&format!("stored platform {}", hook.platform)))?;
    Ok(Some(ChatDelivery {
        webhook_id: hook.id,
        platform,
        url: hook.url,
        secret: hook.secret,
        text: text.to_owned(),
    }))
}
