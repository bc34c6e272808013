//! Day two for people: edits on a version, deactivation and reactivation, password resets
//! and changes — each with its audit row in the same transaction, and each that takes a
//! person out of their post refused while they hold work someone must take over.

use chrono::{DateTime, Utc};
use gridline_domain::handover::{HeldSeat, HeldTicket, Holdings, Seat, leaves_post};
use gridline_domain::{DepartmentId, DomainError, GridId, Role, TaskForceId, TicketId, UserId};
use sea_orm::sea_query::{Expr, ExprTrait as _};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set, TransactionTrait,
};
use serde_json::{Map, Value, json};

use super::user_facts;
use crate::entity::{audit_log, departments, grids, task_forces, tickets, users};
use crate::{Store, StoreError, to_ms};

/// Who made a change, and when (for the audit log).
#[derive(Debug, Clone, Copy)]
pub struct Audit {
    /// `None`: an operator on the server's command line.
    pub actor: Option<UserId>,
    pub at: DateTime<Utc>,
}

impl From<DateTime<Utc>> for Audit {
    /// A change made on the server's command line (no signed-in user).
    fn from(at: DateTime<Utc>) -> Self {
        Self { actor: None, at }
    }
}

/// The fields of a user to change; `None` leaves one as it is.
#[derive(Debug, Clone, Default)]
pub struct UserChange {
    pub display_name: Option<String>,
    pub email: Option<Option<String>>,
    pub phone: Option<Option<String>>,
    pub role: Option<Role>,
    pub department_id: Option<Option<DepartmentId>>,
    pub grid_id: Option<Option<GridId>>,
    pub task_force_id: Option<Option<TaskForceId>>,
    pub top_leader: Option<bool>,
    pub service_centre: Option<bool>,
    pub department_head: Option<bool>,
    /// Deactivate (`false`) or reactivate (`true`).
    pub active: Option<bool>,
}

/// A user's audited fields, as the audit log keeps them.
fn user_record(u: &users::Model) -> Map<String, Value> {
    record(json!({
        "display_name": u.display_name, "email": u.email, "phone": u.phone, "role": u.role,
        "department_id": u.department_id, "grid_id": u.grid_id,
        "task_force_id": u.task_force_id, "top_leader": u.top_leader,
        "service_centre": u.service_centre, "department_head": u.department_head,
        "active": u.active,
    }))
}

/// A record's fields as a JSON object.
pub(crate) fn record(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// The fields that differ, as they were and as they are; `None` when nothing changed.
pub(crate) fn changes(
    before: &Map<String, Value>,
    after: &Map<String, Value>,
) -> Option<(Value, Value)> {
    let changed: Vec<&String> = after
        .keys()
        .filter(|k| before.get(*k) != after.get(*k))
        .collect();
    if changed.is_empty() {
        return None;
    }
    let pick = |m: &Map<String, Value>| {
        Value::Object(
            changed
                .iter()
                .map(|k| ((*k).clone(), m.get(*k).cloned().unwrap_or(Value::Null)))
                .collect(),
        )
    };
    Some((pick(before), pick(after)))
}

/// The audit action of an edit that may switch `active`.
pub(crate) fn activity(was_active: bool, is_active: bool) -> &'static str {
    match (was_active, is_active) {
        (true, false) => "deactivate",
        (false, true) => "reactivate",
        _ => "update",
    }
}

/// An administrative change to record with the command that makes it.
#[derive(Debug, Clone)]
pub struct Record {
    pub audit: Audit,
    pub object_kind: &'static str,
    pub object_id: i64,
    pub action: &'static str,
    pub before: Value,
    pub after: Value,
}

/// Appends one audit row.
pub(crate) async fn append_audit<C: ConnectionTrait>(
    db: &C,
    audit: Audit,
    object: (&str, i64),
    action: &str,
    before: Value,
    after: Value,
) -> Result<audit_log::Model, StoreError> {
    Ok(audit_log::ActiveModel {
        at: Set(to_ms(audit.at)),
        actor_id: Set(audit.actor.map(|a| a.0)),
        object_kind: Set(object.0.to_owned()),
        object_id: Set(object.1),
        action: Set(action.to_owned()),
        before: Set(before.to_string()),
        after: Set(after.to_string()),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

/// What a person holds that someone must take over.
pub(crate) async fn holdings_of<C: ConnectionTrait>(
    db: &C,
    user: UserId,
) -> Result<Holdings, StoreError> {
    let open = crate::tickets::open_statuses();
    let held = |col: tickets::Column| {
        tickets::Entity::find()
            .select_only()
            .column(tickets::Column::Id)
            .column(tickets::Column::Number)
            .filter(col.eq(user.0))
            .filter(tickets::Column::Status.is_in(open.clone()))
            .order_by_asc(tickets::Column::Id)
            .into_tuple::<(i64, String)>()
            .all(db)
    };
    let as_held = |rows: Vec<(i64, String)>| {
        rows.into_iter()
            .map(|(id, number)| HeldTicket {
                id: TicketId(id),
                number,
            })
            .collect()
    };
    let responsible = as_held(held(tickets::Column::ResponsiblePersonId).await?);
    let tracking = as_held(held(tickets::Column::TrackerId).await?);
    let mut seats = Vec::new();
    for g in grids::Entity::find()
        .filter(
            grids::Column::LinkedLeaderId
                .eq(user.0)
                .or(grids::Column::HeadId.eq(user.0))
                .or(grids::Column::LiaisonId.eq(user.0)),
        )
        .order_by_asc(grids::Column::Id)
        .all(db)
        .await?
    {
        for (holds, seat) in [
            (g.linked_leader_id == user.0, Seat::LinkedLeader),
            (g.head_id == user.0, Seat::Head),
            (g.liaison_id == user.0, Seat::Liaison),
        ] {
            if holds {
                seats.push(HeldSeat {
                    grid_id: GridId(g.id),
                    grid: g.name.clone(),
                    seat,
                });
            }
        }
    }
    Ok(Holdings {
        responsible,
        tracking,
        seats,
    })
}

impl Store {
    /// What a person holds that someone must take over before they leave their post.
    pub async fn holdings(&self, user: UserId) -> Result<Holdings, StoreError> {
        holdings_of(&self.read, user).await
    }

    /// Changes a user made on `expected_version`, in one transaction with its audit row.
    /// A change that takes them out of their post (deactivation, another role, department
    /// or grid) is refused while they hold open tickets or grid seats; deactivation and a
    /// new role refuse every token issued before.
    pub async fn update_user(
        &self,
        id: UserId,
        expected_version: i64,
        change: UserChange,
        audit: Audit,
    ) -> Result<users::Model, StoreError> {
        let txn = self.write.begin().await?;
        let before = users::Entity::find_by_id(id.0)
            .one(&txn)
            .await?
            .ok_or(StoreError::NotFound("user"))?;
        if before.version != expected_version {
            return Err(stale());
        }
        let mut after = before.clone();
        if let Some(v) = change.display_name {
            after.display_name = v;
        }
        if let Some(v) = change.email {
            after.email = v;
        }
        if let Some(v) = change.phone {
            after.phone = v;
        }
        if let Some(v) = change.role {
            after.role = v.as_str().to_owned();
        }
        if let Some(v) = change.department_id {
            after.department_id = v.map(|d| d.0);
        }
        if let Some(v) = change.grid_id {
            after.grid_id = v.map(|g| g.0);
        }
        if let Some(v) = change.task_force_id {
            after.task_force_id = v.map(|t| t.0);
        }
        if let Some(v) = change.top_leader {
            after.top_leader = v;
        }
        if let Some(v) = change.service_centre {
            after.service_centre = v;
        }
        if let Some(v) = change.department_head {
            after.department_head = v;
        }
        if let Some(v) = change.active {
            after.active = v;
        }
        let (was, will) = (user_facts(&before)?, user_facts(&after)?);
        will.check_attachments()?;
        check_exists(&txn, &before, &after).await?;
        let deactivating = before.active && !after.active;
        if leaves_post(&was, &will, deactivating) {
            let held = holdings_of(&txn, id).await?;
            if !held.is_empty() {
                return Err(DomainError::HandoverNeeded(held).into());
            }
        }
        let Some((was_fields, new_fields)) = changes(&user_record(&before), &user_record(&after))
        else {
            return Ok(before);
        };
        let revoke = deactivating || was.role != will.role;
        let mut update = users::Entity::update_many()
            .col_expr(
                users::Column::DisplayName,
                Expr::value(after.display_name.clone()),
            )
            .col_expr(users::Column::Email, Expr::value(after.email.clone()))
            .col_expr(users::Column::Phone, Expr::value(after.phone.clone()))
            .col_expr(users::Column::Role, Expr::value(after.role.clone()))
            .col_expr(
                users::Column::DepartmentId,
                Expr::value(after.department_id),
            )
            .col_expr(users::Column::GridId, Expr::value(after.grid_id))
            .col_expr(users::Column::TaskForceId, Expr::value(after.task_force_id))
            .col_expr(users::Column::TopLeader, Expr::value(after.top_leader))
            .col_expr(
                users::Column::ServiceCentre,
                Expr::value(after.service_centre),
            )
            .col_expr(
                users::Column::DepartmentHead,
                Expr::value(after.department_head),
            )
            .col_expr(users::Column::Active, Expr::value(after.active))
            .col_expr(
                users::Column::Version,
                Expr::col(users::Column::Version).add(1),
            )
            .filter(users::Column::Id.eq(id.0))
            .filter(users::Column::Version.eq(expected_version));
        if revoke {
            update = update.col_expr(
                users::Column::TokenEpoch,
                Expr::col(users::Column::TokenEpoch).add(1),
            );
        }
        if update.exec(&txn).await?.rows_affected == 0 {
            return Err(stale());
        }
        let action = activity(before.active, after.active);
        append_audit(&txn, audit, ("user", id.0), action, was_fields, new_fields).await?;
        let row = users::Entity::find_by_id(id.0)
            .one(&txn)
            .await?
            .ok_or(StoreError::NotFound("user"))?;
        txn.commit().await?;
        Ok(row)
    }

    /// Sets a password hash, refuses every older token, and records it. `must_change`: an
    /// administrator's reset (the user chooses a new one at the next sign-in).
    pub async fn change_password(
        &self,
        id: UserId,
        password_hash: String,
        must_change: bool,
        audit: Audit,
    ) -> Result<(), StoreError> {
        let txn = self.write.begin().await?;
        let done = users::Entity::update_many()
            .col_expr(users::Column::PasswordHash, Expr::value(password_hash))
            .col_expr(users::Column::MustChangePassword, Expr::value(must_change))
            .col_expr(
                users::Column::TokenEpoch,
                Expr::col(users::Column::TokenEpoch).add(1),
            )
            .col_expr(
                users::Column::Version,
                Expr::col(users::Column::Version).add(1),
            )
            .filter(users::Column::Id.eq(id.0))
            .exec(&txn)
            .await?;
        if done.rows_affected == 0 {
            return Err(StoreError::NotFound("user"));
        }
        let action = if must_change {
            "reset_password"
        } else {
            "change_password"
        };
        // The hash is never logged: the row says that it changed, and by whom.
        append_audit(&txn, audit, ("user", id.0), action, json!({}), json!({})).await?;
        txn.commit().await?;
        Ok(())
    }
}

fn stale() -> StoreError {
    StoreError::Conflict {
        code: "stale_version",
        message: "the user was changed since it was read; reload and try again / 该用户已被他人修改，请刷新后重试",
    }
}

/// The department, grid and task force a user is attached to exist (checked only when
/// they change).
async fn check_exists<C: ConnectionTrait>(
    db: &C,
    before: &users::Model,
    after: &users::Model,
) -> Result<(), StoreError> {
    if after.department_id != before.department_id
        && let Some(d) = after.department_id
        && departments::Entity::find_by_id(d).one(db).await?.is_none()
    {
        return Err(StoreError::invalid(
            "department_id",
            "unknown_department",
            "no such department / 部门不存在",
        ));
    }
    if after.grid_id != before.grid_id
        && let Some(g) = after.grid_id
        && grids::Entity::find_by_id(g).one(db).await?.is_none()
    {
        return Err(StoreError::invalid(
            "grid_id",
            "unknown_grid",
            "no such grid / 网格不存在",
        ));
    }
    if after.task_force_id != before.task_force_id
        && let Some(t) = after.task_force_id
        && task_forces::Entity::find_by_id(t).one(db).await?.is_none()
    {
        return Err(StoreError::invalid(
            "task_force_id",
            "unknown_task_force",
            "no such task force / 专班不存在",
        ));
    }
    Ok(())
}
