//! Day two for people: an administrator edits, deactivates and reactivates users and resets
//! passwords; everyone changes their own password. Every change is one transaction with its
//! audit row; a change that takes someone out of their post waits until what they hold is
//! handed over; deactivation, a new role and any password change refuse older tokens.

use gridline_domain::handover::Holdings;
use gridline_domain::text::{Email, Name, NewPassword, Phone};
use gridline_domain::{DepartmentId, GridId, Role, TaskForceId, UserId};
use gridline_store::org::people::{Audit, UserChange};
use serde::Deserialize;

use crate::auth::Caller;
use crate::directory::Person;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// What to change of a user. Fields left out stay as they are; `null` clears the optional
/// ones (email, phone, department, grid, task force).
#[derive(Debug, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = UpdateUser))]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    /// The `version` the change was made on; a stale one is refused (409 `stale_version`).
    pub expected_version: i64,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default, deserialize_with = "crate::input::double")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub email: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::input::double")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub phone: Option<Option<String>>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, example = "department_officer"))]
    pub role: Option<Role>,
    #[serde(default, deserialize_with = "crate::input::double")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub department_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "crate::input::double")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub grid_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "crate::input::double")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub task_force_id: Option<Option<i64>>,
    #[serde(default)]
    pub top_leader: Option<bool>,
    #[serde(default)]
    pub service_centre: Option<bool>,
    #[serde(default)]
    pub department_head: Option<bool>,
}

/// The version a deactivation or reactivation was decided on.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = VersionBody))]
#[serde(deny_unknown_fields)]
pub struct Versioned {
    pub expected_version: i64,
}

pub(crate) fn audit(state: &AppState, caller: &Caller) -> Audit {
    Audit {
        actor: Some(UserId(caller.user.id)),
        at: state.now(),
    }
}

/// An optional text field: trimmed; empty clears it.
fn optional<T>(
    v: Option<Option<String>>,
    parse: impl Fn(&str) -> Result<T, gridline_domain::DomainError>,
    keep: impl Fn(T) -> String,
) -> AppResult<Option<Option<String>>> {
    Ok(match v {
        None => None,
        Some(None) => Some(None),
        Some(Some(s)) if s.trim().is_empty() => Some(None),
        Some(Some(s)) => Some(Some(keep(parse(&s)?))),
    })
}

/// After a change to people: cached callers and names are stale in this process (other
/// processes see the change within `auth.actor_cache_secs` and at the next directory read).
fn changed(state: &AppState) {
    state.actors.clear();
}

/// Edits a user (admins only).
pub async fn edit_user(
    state: &AppState,
    caller: &Caller,
    id: UserId,
    patch: UserPatch,
) -> AppResult<Person> {
    caller.require_admin()?;
    let display_name = patch
        .display_name
        .as_deref()
        .map(|n| Name::parse(n).map_err(|e| AppError::on_field(e, "display_name")))
        .transpose()?
        .map(Name::into_inner);
    let change = UserChange {
        display_name,
        email: optional(patch.email, Email::parse, |e| e.as_str().to_owned())?,
        phone: optional(patch.phone, Phone::parse, |p| p.as_str().to_owned())?,
        role: patch.role,
        department_id: patch.department_id.map(|d| d.map(DepartmentId)),
        grid_id: patch.grid_id.map(|g| g.map(GridId)),
        task_force_id: patch.task_force_id.map(|t| t.map(TaskForceId)),
        top_leader: patch.top_leader,
        service_centre: patch.service_centre,
        department_head: patch.department_head,
        active: None,
    };
    if id.0 == caller.user.id && change.role.is_some_and(|r| r != Role::Admin) {
        return Err(AppError::conflict(
            "own_role",
            "an administrator cannot take away their own role / 管理员不能取消自己的管理员角色",
        ));
    }
    let row = state
        .store
        .update_user(id, patch.expected_version, change, audit(state, caller))
        .await?;
    // What the rules know of them (department, grid, flags) changed: this process reads it
    // afresh; others within `auth.actor_cache_secs`.
    state.actors.forget(id.0);
    changed(state);
    Ok(Person::try_from(row)?)
}

/// Deactivates (`active: false`) or reactivates a user (admins only). A deactivated user
/// cannot sign in and every token of theirs is refused; their name stays in the history.
pub async fn set_active(
    state: &AppState,
    caller: &Caller,
    id: UserId,
    expected_version: i64,
    active: bool,
) -> AppResult<Person> {
    caller.require_admin()?;
    if !active && id.0 == caller.user.id {
        return Err(AppError::conflict(
            "own_account",
            "an administrator cannot deactivate their own account / 管理员不能停用自己的账号",
        ));
    }
    let change = UserChange {
        active: Some(active),
        ..UserChange::default()
    };
    let row = state
        .store
        .update_user(id, expected_version, change, audit(state, caller))
        .await?;
    changed(state);
    Ok(Person::try_from(row)?)
}

/// What a person holds that must be handed over before they leave their post (admins).
pub async fn holdings(state: &AppState, caller: &Caller, id: UserId) -> AppResult<Holdings> {
    caller.require_admin()?;
    state.store.user(id).await?;
    Ok(state.store.holdings(id).await?)
}

async fn hash(state: &AppState, password: NewPassword) -> AppResult<String> {
    let auth = state.auth.clone();
    tokio::task::spawn_blocking(move || auth.hash_password(password.expose()))
        .await
        .map_err(|e| AppError::internal(&e))?
        .map_err(|e| AppError::internal(&e))
}

/// An administrator sets a temporary password: the user is signed out everywhere and
/// chooses a new one at their next sign-in.
pub async fn reset_password(
    state: &AppState,
    caller: &Caller,
    id: UserId,
    temporary: &str,
) -> AppResult<()> {
    caller.require_admin()?;
    let password = NewPassword::parse(temporary)?;
    let hash = hash(state, password).await?;
    state
        .store
        .change_password(id, hash, true, audit(state, caller))
        .await?;
    state.actors.forget(id.0);
    Ok(())
}

/// Anyone changes their own password, proving the current one. Every older token and page
/// session of theirs is refused; the door issues a fresh one. Returns the new token.
pub async fn change_own_password(
    state: &AppState,
    caller: &Caller,
    current: String,
    new: &str,
) -> AppResult<String> {
    let id = UserId(caller.user.id);
    let user = state.store.user(id).await?;
    let auth = state.auth.clone();
    let stored = user.password_hash.clone();
    let given = current.clone();
    let ok = tokio::task::spawn_blocking(move || auth.verify_password(&given, Some(&stored)))
        .await
        .map_err(|e| AppError::internal(&e))?;
    if !ok {
        return Err(AppError::invalid(
            "current_password",
            "wrong_password",
            "the current password is wrong / 当前密码不正确",
        ));
    }
    if current == new {
        return Err(AppError::invalid(
            "new_password",
            "unchanged",
            "choose a password other than the current one / 新密码不能与当前密码相同",
        ));
    }
    let password = NewPassword::parse(new).map_err(|e| AppError::on_field(e, "new_password"))?;
    let hash = hash(state, password).await?;
    state
        .store
        .change_password(id, hash, false, audit(state, caller))
        .await?;
    state.actors.forget(id.0);
    let fresh = state.store.user(id).await?;
    let role = Role::parse(&fresh.role)
        .ok_or_else(|| AppError::internal(&format!("stored role {}", fresh.role)))?;
    state.auth.issue(id, role, fresh.token_epoch, state.now())
}

/// What a bulk handover did.
#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = HandoverReport))]
pub struct HandedOver {
    /// The tickets whose responsible person is now the colleague.
    pub responsible: Vec<i64>,
    /// The tickets the colleague now tracks.
    pub tracking: Vec<i64>,
}

/// Hands every open ticket `from` holds — as responsible person or as tracker — to `to`, one
/// reassign event per ticket, all or nothing (admins only; each ticket is still decided by
/// the rules: the colleague must be an officer of the ticket's department, or a tracker).
pub async fn hand_over(
    state: &AppState,
    caller: &Caller,
    from: UserId,
    to: UserId,
    reason: &str,
) -> AppResult<HandedOver> {
    use gridline_domain::text::Remark;
    use gridline_domain::ticket::execute;
    use gridline_domain::{Command, Context};
    caller.require_admin()?;
    if from == to {
        return Err(AppError::invalid(
            "to_user_id",
            "same_person",
            "hand over to someone else / 请选择另一位同事",
        ));
    }
    let reason = Remark::parse(reason).map_err(|e| AppError::on_field(e, "reason"))?;
    state.store.user(from).await?;
    let colleague = state.store.user_facts_for(to, "to_user_id").await?;
    let held = state.store.holdings(from).await?;
    let mut report = HandedOver {
        responsible: vec![],
        tracking: vec![],
    };
    let now = state.now();
    let actor = caller.actor.clone();
    for (tickets, as_person) in [(&held.responsible, true), (&held.tracking, false)] {
        if tickets.is_empty() {
            continue;
        }
        let ids: Vec<_> = tickets.iter().map(|t| t.id).collect();
        let command = Command::Reassign {
            person: as_person.then(|| colleague.clone()),
            tracker: (!as_person).then(|| colleague.clone()),
            reason: reason.clone(),
        };
        let field = if as_person {
            "responsible_person_id"
        } else {
            "tracker_id"
        };
        let record = gridline_store::org::people::Record {
            audit: audit(state, caller),
            object_kind: "user",
            object_id: from.0,
            action: "hand_over",
            before: serde_json::json!({}),
            after: serde_json::json!({
                "to_user_id": to.0,
                field: tickets.iter().map(|t| t.number.clone()).collect::<Vec<_>>(),
                "reason": reason.as_str(),
            }),
        };
        let decide = |t: &gridline_domain::Ticket| {
            let ctx = Context {
                now,
                calendar: &state.calendar,
                sla: state.sla.targets(t.category, t.priority),
                expected_version: t.version,
            };
            execute(t, &actor, &command, &ctx)
        };
        let done = state
            .store
            .transition_all(&ids, decide, Some(record))
            .await
            .map_err(|(id, e)| {
                let number = tickets
                    .iter()
                    .find(|t| t.id == id)
                    .map(|t| t.number.clone())
                    .unwrap_or_default();
                match AppError::from(e) {
                    e if e.kind() == crate::ErrorKind::Invalid => AppError::invalid(
                        "to_user_id",
                        e.code(),
                        format!("{number}: {}", e.message()),
                    ),
                    e => e,
                }
            })?;
        let list = if as_person {
            &mut report.responsible
        } else {
            &mut report.tracking
        };
        list.extend(done.iter().map(|(t, _)| t.id.0));
        tracing::info!(
            from = from.0,
            to = to.0,
            tickets = done.len(),
            field,
            "handed over"
        );
    }
    Ok(report)
}
