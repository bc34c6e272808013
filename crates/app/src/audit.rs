//! The organisation's audit log: who changed what, when, before and after (admins only).
//! Rows are written by the commands that make the changes, in their transactions; nothing
//! here or anywhere else edits or deletes one.

use gridline_store::audit::AuditFilter;
use gridline_store::entity::audit_log;
use gridline_store::{StoreError, from_ms};
use serde::Serialize;

use crate::auth::Caller;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// Kinds of object the log speaks of.
pub const OBJECT_KINDS: [&str; 6] = [
    "user",
    "grid",
    "department",
    "task_force",
    "enterprise",
    "chat_webhook",
];

/// One administrative change.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = AuditEntry))]
pub struct AuditEntry {
    pub id: i64,
    pub at: chrono::DateTime<chrono::Utc>,
    /// Who made it; `null` for an operator on the server's command line.
    pub actor_id: Option<i64>,
    /// user | grid | department | task_force | enterprise
    pub object_kind: String,
    pub object_id: i64,
    /// create | update | deactivate | reactivate | reset_password | change_password | …
    pub action: String,
    /// The fields changed, as they were.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub before: serde_json::Value,
    /// The same fields, as they became.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub after: serde_json::Value,
}

impl TryFrom<audit_log::Model> for AuditEntry {
    type Error = StoreError;

    fn try_from(r: audit_log::Model) -> Result<Self, Self::Error> {
        let json = |s: &str| {
            serde_json::from_str(s)
                .map_err(|e| StoreError::Corrupt(format!("audit row {}: {e}", r.id)))
        };
        Ok(Self {
            id: r.id,
            at: from_ms(r.at)?,
            actor_id: r.actor_id,
            before: json(&r.before)?,
            after: json(&r.after)?,
            object_kind: r.object_kind,
            object_id: r.object_id,
            action: r.action,
        })
    }
}

/// Which changes to list.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    pub object_kind: Option<String>,
    pub object_id: Option<i64>,
    pub actor_id: Option<i64>,
    /// Older than this id (the next page).
    pub before: Option<i64>,
    /// At most this many (1–500; default 100).
    pub limit: Option<u64>,
}

/// Changes, newest first (admins only).
pub async fn list(state: &AppState, caller: &Caller, q: AuditQuery) -> AppResult<Vec<AuditEntry>> {
    caller.require_admin()?;
    if let Some(k) = &q.object_kind
        && !OBJECT_KINDS.contains(&k.as_str())
    {
        return Err(AppError::invalid(
            "object_kind",
            "unknown_object_kind",
            "object_kind is one of user, grid, department, task_force, enterprise, chat_webhook",
        ));
    }
    let limit = q.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(AppError::invalid(
            "limit",
            "out_of_range",
            "limit is 1 to 500 / 条数须在 1 至 500 之间",
        ));
    }
    let rows = state
        .store
        .audit(&AuditFilter {
            object_kind: q.object_kind,
            object_id: q.object_id,
            actor_id: q.actor_id,
            before_id: q.before,
            limit,
        })
        .await?;
    Ok(rows
        .into_iter()
        .map(AuditEntry::try_from)
        .collect::<Result<Vec<_>, _>>()?)
}
