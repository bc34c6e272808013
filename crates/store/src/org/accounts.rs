//! Users: accounts, their sign-in epochs, and the rules' view of a user (the actor).

use gridline_domain::{Actor, GridId, Role, UserFacts, UserId};
use sea_orm::sea_query::{Expr, ExprTrait as _};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
    TransactionTrait,
};

use super::{NewUser, user_facts};
use crate::entity::{grids, users};
use crate::{Store, StoreError, to_ms};

impl Store {
    /// Creates a user after checking their attachments exist and fit the role.
    pub async fn create_user(
        &self,
        new: NewUser,
        audit: impl Into<super::people::Audit>,
    ) -> Result<users::Model, StoreError> {
        let audit = audit.into();
        let now = audit.at;
        let facts = UserFacts {
            id: UserId(0),
            role: new.role,
            department_id: new.department_id,
            grid_id: new.grid_id,
            task_force_id: new.task_force_id,
            top_leader: new.top_leader,
            service_centre: new.service_centre,
            department_head: new.department_head,
        };
        facts.check_attachments()?;
        if let Some(d) = new.department_id {
            self.department(d).await.map_err(|e| {
                e.missing_is_invalid(
                    "department_id",
                    "unknown_department",
                    "no such department / 部门不存在",
                )
            })?;
        }
        if let Some(t) = new.task_force_id {
            self.task_force(t).await.map_err(|e| {
                e.missing_is_invalid(
                    "task_force_id",
                    "unknown_task_force",
                    "no such task force / 专班不存在",
                )
            })?;
        }
        if let Some(g) = new.grid_id {
            self.grid(g).await.map_err(|e| {
                e.missing_is_invalid("grid_id", "unknown_grid", "no such grid / 网格不存在")
            })?;
        }
        let row = users::ActiveModel {
            username: Set(new.username),
            display_name: Set(new.display_name),
            password_hash: Set(new.password_hash),
            role: Set(new.role.as_str().to_owned()),
            email: Set(new.email),
            department_id: Set(new.department_id.map(|d| d.0)),
            grid_id: Set(new.grid_id.map(|g| g.0)),
            task_force_id: Set(new.task_force_id.map(|t| t.0)),
            top_leader: Set(new.top_leader),
            service_centre: Set(new.service_centre),
            department_head: Set(new.department_head),
            token_epoch: Set(0),
            active: Set(true),
            created_at: Set(to_ms(now)),
            ..Default::default()
        };
        let txn = self.write.begin().await?;
        let row = row.insert(&txn).await?;
        let after = serde_json::json!({
            "username": row.username, "display_name": row.display_name, "role": row.role,
            "department_id": row.department_id, "task_force_id": row.task_force_id,
        });
        super::created(&txn, audit, ("user", row.id), after).await?;
        txn.commit().await?;
        Ok(row)
    }

    /// All users, optionally of one role.
    pub async fn users(&self, role: Option<Role>) -> Result<Vec<users::Model>, StoreError> {
        let mut q = users::Entity::find().order_by_asc(users::Column::Id);
        if let Some(r) = role {
            q = q.filter(users::Column::Role.eq(r.as_str()));
        }
        Ok(q.all(&self.read).await?)
    }

    /// One user.
    pub async fn user(&self, id: UserId) -> Result<users::Model, StoreError> {
        users::Entity::find_by_id(id.0)
            .one(&self.read)
            .await?
            .ok_or(StoreError::NotFound("user"))
    }

    /// A user by login name.
    pub async fn user_by_username(
        &self,
        username: &str,
    ) -> Result<Option<users::Model>, StoreError> {
        Ok(users::Entity::find()
            .filter(users::Column::Username.eq(username))
            .one(&self.read)
            .await?)
    }

    /// Signs a user out everywhere: every token issued before carries an older epoch and is
    /// refused (see `token_epoch`).
    pub async fn revoke_tokens(&self, id: UserId) -> Result<(), StoreError> {
        self.bump_epoch(id, None).await
    }

    /// Sets a new password hash and, in the same statement, refuses every older token.
    pub async fn set_password(&self, id: UserId, password_hash: String) -> Result<(), StoreError> {
        self.bump_epoch(id, Some(password_hash)).await
    }

    async fn bump_epoch(&self, id: UserId, hash: Option<String>) -> Result<(), StoreError> {
        let mut update = users::Entity::update_many()
            .col_expr(
                users::Column::TokenEpoch,
                Expr::col(users::Column::TokenEpoch).add(1),
            )
            .filter(users::Column::Id.eq(id.0));
        if let Some(h) = hash {
            update = update.col_expr(users::Column::PasswordHash, Expr::value(h));
        }
        match update.exec(&self.write).await?.rows_affected {
            0 => Err(StoreError::NotFound("user")),
            _ => Ok(()),
        }
    }

    /// The rules' view of a user, for a field of a command (an unknown id is a 422 on it).
    pub async fn user_facts_for(
        &self,
        id: UserId,
        field: &'static str,
    ) -> Result<UserFacts, StoreError> {
        match self.user(id).await {
            Ok(u) if u.active => user_facts(&u),
            Ok(_) | Err(StoreError::NotFound(_)) => Err(StoreError::invalid(
                field,
                "unknown_user",
                "no such active user / 用户不存在或已停用",
            )),
            Err(e) => Err(e),
        }
    }

    /// The acting user with what their scope needs; `None` if unknown or deactivated.
    pub async fn actor(&self, id: UserId) -> Result<Option<(users::Model, Actor)>, StoreError> {
        let Some(u) = users::Entity::find_by_id(id.0).one(&self.read).await? else {
            return Ok(None);
        };
        if !u.active {
            return Ok(None);
        }
        let facts = user_facts(&u)?;
        let linked_grids = if facts.role == Role::Leader {
            grids::Entity::find()
                .select_only()
                .column(grids::Column::Id)
                .filter(grids::Column::LinkedLeaderId.eq(u.id))
                .into_tuple::<i64>()
                .all(&self.read)
                .await?
                .into_iter()
                .map(GridId)
                .collect()
        } else {
            vec![]
        };
        Ok(Some((
            u,
            Actor {
                user: facts,
                linked_grids,
            },
        )))
    }
}
