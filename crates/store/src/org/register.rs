//! The enterprise register: edits on a version, deactivation, and imports that add and
//! update many enterprises in one transaction, each change with its audit row.

use chrono::{DateTime, Utc};
use gridline_domain::register::RegisterRow;
use gridline_domain::{Cluster, EnterpriseId, GridId};
use sea_orm::sea_query::{Expr, ExprTrait as _};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
    TransactionTrait,
};
use serde_json::{Map, Value, json};

use super::people::{Audit, activity, append_audit, changes, record};
use crate::entity::{audit_log, enterprises, grids, staged_imports};
use crate::{Store, StoreError, to_ms};

/// What to change of an enterprise (`None`: unchanged; `Some(None)` clears).
#[derive(Debug, Clone, Default)]
pub struct EnterpriseChange {
    pub name: Option<String>,
    pub cluster: Option<Cluster>,
    pub above_size: Option<bool>,
    pub grid_id: Option<GridId>,
    pub address: Option<Option<String>>,
    pub contact_person: Option<Option<String>>,
    pub contact_phone: Option<Option<String>>,
    pub active: Option<bool>,
}

/// An enterprise's audited fields.
fn fields(e: &enterprises::Model) -> Map<String, Value> {
    record(json!({
        "name": e.name, "cluster": e.cluster, "above_size": e.above_size, "grid_id": e.grid_id,
        "address": e.address, "contact_person": e.contact_person,
        "contact_phone": e.contact_phone, "active": e.active,
    }))
}

fn apply_row(e: &mut enterprises::Model, r: &RegisterRow) {
    e.name = r.name.clone();
    e.cluster = r.cluster.as_str().to_owned();
    e.above_size = r.above_size;
    e.grid_id = r.grid_id.0;
    e.address = r.address.clone();
    e.contact_person = r.contact_person.clone();
    e.contact_phone = r.contact_phone.clone();
}

/// Writes an enterprise's fields, on its version.
async fn write<C: ConnectionTrait>(
    db: &C,
    e: &enterprises::Model,
    expected_version: i64,
) -> Result<bool, StoreError> {
    use enterprises::Column as E;
    let done = enterprises::Entity::update_many()
        .col_expr(E::Name, Expr::value(e.name.clone()))
        .col_expr(E::Cluster, Expr::value(e.cluster.clone()))
        .col_expr(E::AboveSize, Expr::value(e.above_size))
        .col_expr(E::GridId, Expr::value(e.grid_id))
        .col_expr(E::Address, Expr::value(e.address.clone()))
        .col_expr(E::ContactPerson, Expr::value(e.contact_person.clone()))
        .col_expr(E::ContactPhone, Expr::value(e.contact_phone.clone()))
        .col_expr(E::Active, Expr::value(e.active))
        .col_expr(E::Version, Expr::col(E::Version).add(1))
        .filter(E::Id.eq(e.id))
        .filter(E::Version.eq(expected_version))
        .exec(db)
        .await?;
    Ok(done.rows_affected == 1)
}

fn stale() -> StoreError {
    StoreError::Conflict {
        code: "stale_version",
        message: "the enterprise was changed since it was read; reload and try again / 该企业已被他人修改，请刷新后重试",
    }
}

/// What an import did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Imported {
    pub created: usize,
    pub updated: usize,
}

impl Store {
    /// Every enterprise, active or not (the register an import is compared with).
    pub async fn register(&self) -> Result<Vec<enterprises::Model>, StoreError> {
        Ok(enterprises::Entity::find()
            .order_by_asc(enterprises::Column::Id)
            .all(&self.read)
            .await?)
    }

    /// Changes an enterprise made on `expected_version`. Deactivating keeps its tickets.
    pub async fn update_enterprise(
        &self,
        id: EnterpriseId,
        expected_version: i64,
        change: EnterpriseChange,
        audit: Audit,
    ) -> Result<enterprises::Model, StoreError> {
        let txn = self.write.begin().await?;
        let before = enterprises::Entity::find_by_id(id.0)
            .one(&txn)
            .await?
            .ok_or(StoreError::NotFound("enterprise"))?;
        if before.version != expected_version {
            return Err(stale());
        }
        let mut after = before.clone();
        if let Some(v) = change.name {
            after.name = v;
        }
        if let Some(v) = change.cluster {
            after.cluster = v.as_str().to_owned();
        }
        if let Some(v) = change.above_size {
            after.above_size = v;
        }
        if let Some(v) = change.grid_id {
            if grids::Entity::find_by_id(v.0).one(&txn).await?.is_none() {
                return Err(StoreError::invalid(
                    "grid_id",
                    "unknown_grid",
                    "no such grid / 网格不存在",
                ));
            }
            after.grid_id = v.0;
        }
        if let Some(v) = change.address {
            after.address = v;
        }
        if let Some(v) = change.contact_person {
            after.contact_person = v;
        }
        if let Some(v) = change.contact_phone {
            after.contact_phone = v;
        }
        if let Some(v) = change.active {
            after.active = v;
        }
        let Some((b, a)) = changes(&fields(&before), &fields(&after)) else {
            return Ok(before);
        };
        if !write(&txn, &after, expected_version).await? {
            return Err(stale());
        }
        let action = activity(before.active, after.active);
        append_audit(&txn, audit, ("enterprise", id.0), action, b, a).await?;
        txn.commit().await?;
        after.version += 1;
        Ok(after)
    }

    /// Adds `new` enterprises and updates `changed` ones (matched by credit code beforehand,
    /// each with the version it was read at), in one transaction with an audit row for each.
    /// A row changed meanwhile fails the whole import (409), so nothing is half-written.
    pub async fn import_register(
        &self,
        new: &[RegisterRow],
        changed: &[(enterprises::Model, RegisterRow)],
        audit: Audit,
    ) -> Result<Imported, StoreError> {
        let txn = self.write.begin().await?;
        let at = to_ms(audit.at);
        let mut rows_audit = Vec::with_capacity(new.len() + changed.len());
        for chunk in new.chunks(500) {
            let models: Vec<enterprises::ActiveModel> = chunk
                .iter()
                .map(|r| enterprises::ActiveModel {
                    name: Set(r.name.clone()),
                    credit_code: Set(r.credit_code.as_str().to_owned()),
                    cluster: Set(r.cluster.as_str().to_owned()),
                    grid_id: Set(r.grid_id.0),
                    above_size: Set(r.above_size),
                    created_at: Set(at),
                    address: Set(r.address.clone()),
                    contact_person: Set(r.contact_person.clone()),
                    contact_phone: Set(r.contact_phone.clone()),
                    ..Default::default()
                })
                .collect();
            enterprises::Entity::insert_many(models).exec(&txn).await?;
        }
        if !new.is_empty() {
            // The new rows' ids, for their audit rows.
            let codes: Vec<String> = new
                .iter()
                .map(|r| r.credit_code.as_str().to_owned())
                .collect();
            for chunk in codes.chunks(500) {
                for e in enterprises::Entity::find()
                    .filter(enterprises::Column::CreditCode.is_in(chunk.to_vec()))
                    .all(&txn)
                    .await?
                {
                    rows_audit.push((e.id, "create", json!({}), Value::Object(fields(&e))));
                }
            }
        }
        for (before, row) in changed {
            let mut after = before.clone();
            apply_row(&mut after, row);
            let Some((b, a)) = changes(&fields(before), &fields(&after)) else {
                continue;
            };
            if !write(&txn, &after, before.version).await? {
                return Err(stale());
            }
            rows_audit.push((before.id, "update", b, a));
        }
        let updated = rows_audit.iter().filter(|r| r.1 == "update").count();
        for chunk in rows_audit.chunks(500) {
            let models: Vec<audit_log::ActiveModel> = chunk
                .iter()
                .map(|(id, action, b, a)| audit_log::ActiveModel {
                    at: Set(at),
                    actor_id: Set(audit.actor.map(|u| u.0)),
                    object_kind: Set("enterprise".into()),
                    object_id: Set(*id),
                    action: Set((*action).to_owned()),
                    before: Set(b.to_string()),
                    after: Set(a.to_string()),
                    ..Default::default()
                })
                .collect();
            audit_log::Entity::insert_many(models).exec(&txn).await?;
        }
        txn.commit().await?;
        Ok(Imported {
            created: new.len(),
            updated,
        })
    }

    /// Keeps a checked file's rows for its importer.
    pub async fn stage_import(
        &self,
        token: &str,
        actor: i64,
        body: String,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        staged_imports::ActiveModel {
            token: Set(token.to_owned()),
            actor_id: Set(actor),
            created_at: Set(to_ms(at)),
            body: Set(body),
        }
        .insert(&self.write)
        .await?;
        Ok(())
    }

    /// Takes a staged file back (once): only its importer's, and not older than `since`.
    /// Expired rows are dropped on the way.
    pub async fn take_import(
        &self,
        token: &str,
        actor: i64,
        since: DateTime<Utc>,
    ) -> Result<Option<String>, StoreError> {
        use staged_imports::Column as S;
        staged_imports::Entity::delete_many()
            .filter(S::CreatedAt.lt(to_ms(since)))
            .exec(&self.write)
            .await?;
        let Some(row) = staged_imports::Entity::find_by_id(token.to_owned())
            .filter(S::ActorId.eq(actor))
            .one(&self.write)
            .await?
        else {
            return Ok(None);
        };
        let gone = staged_imports::Entity::delete_many()
            .filter(S::Token.eq(token))
            .exec(&self.write)
            .await?;
        // Two confirmations at once: only the one that deleted it goes on.
        Ok((gone.rows_affected == 1).then_some(row.body))
    }

    /// Reads a staged file without taking it (its importer's, not older than `since`).
    pub async fn peek_import(
        &self,
        token: &str,
        actor: i64,
        since: DateTime<Utc>,
    ) -> Result<Option<String>, StoreError> {
        use staged_imports::Column as S;
        Ok(staged_imports::Entity::find_by_id(token.to_owned())
            .filter(S::ActorId.eq(actor))
            .filter(S::CreatedAt.gte(to_ms(since)))
            .one(&self.read)
            .await?
            .map(|r| r.body))
    }
}
