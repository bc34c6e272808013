//! Users, departments, task forces, grids and enterprises.

use gridline_domain::text::SearchText;
use gridline_domain::{
    Cluster, CreditCode, DepartmentId, GridId, Role, TaskForceId, UserFacts, UserId,
};
use sea_orm::sea_query::{Expr, ExprTrait as _, LikeExpr};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set, TransactionTrait,
};

use crate::entity::{departments, enterprises, grids, task_forces, users};
use crate::{Store, StoreError, to_ms};

mod accounts;
pub mod people;
pub mod register;
pub mod structure;

use people::{Audit, append_audit};

/// The audit row of a creation: no "before", the new record "after".
async fn created<C: sea_orm::ConnectionTrait>(
    db: &C,
    audit: Audit,
    object: (&str, i64),
    after: serde_json::Value,
) -> Result<(), StoreError> {
    append_audit(db, audit, object, "create", serde_json::json!({}), after).await?;
    Ok(())
}

/// A grid's seats and who holds them.
pub(crate) fn grid_seats(g: &grids::Model) -> [(&'static str, i64); 4] {
    [
        ("linked_leader", g.linked_leader_id),
        ("head", g.head_id),
        ("task_force", g.task_force_id),
        ("liaison", g.liaison_id),
    ]
}

/// A user to create. The password is already hashed.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub role: Role,
    pub email: Option<String>,
    pub department_id: Option<DepartmentId>,
    pub grid_id: Option<GridId>,
    pub task_force_id: Option<TaskForceId>,
    pub top_leader: bool,
    /// A dispatcher of the service centre (every grid).
    pub service_centre: bool,
    /// The head of the officer's department.
    pub department_head: bool,
}

/// A grid to create, with its five-ones.
#[derive(Debug, Clone)]
pub struct NewGrid {
    pub name: String,
    pub linked_leader_id: UserId,
    pub head_id: UserId,
    pub task_force_id: TaskForceId,
    pub liaison_id: UserId,
    pub team: String,
}

/// An enterprise to create.
#[derive(Debug, Clone)]
pub struct NewEnterprise {
    pub name: String,
    pub credit_code: CreditCode,
    pub cluster: Cluster,
    pub grid_id: GridId,
    pub above_size: bool,
}

/// Filters for the enterprise list.
#[derive(Debug, Clone, Default)]
pub struct EnterpriseFilter {
    pub grid_id: Option<GridId>,
    /// Substring of the name, or a prefix of the credit code.
    pub q: Option<SearchText>,
    pub cluster: Option<Cluster>,
    pub above_size: Option<bool>,
    /// Deactivated ones too (the register); otherwise only active ones (the filing picker).
    pub include_inactive: bool,
    /// Only ids after this one (the next page).
    pub after_id: Option<i64>,
}

/// The role stored for a user, read back.
pub fn user_facts(u: &users::Model) -> Result<UserFacts, StoreError> {
    Ok(UserFacts {
        id: UserId(u.id),
        role: Role::parse(&u.role)
            .ok_or_else(|| StoreError::Corrupt(format!("role {}", u.role)))?,
        department_id: u.department_id.map(DepartmentId),
        grid_id: u.grid_id.map(GridId),
        task_force_id: u.task_force_id.map(TaskForceId),
        top_leader: u.top_leader,
        service_centre: u.service_centre,
        department_head: u.department_head,
    })
}

/// A LIKE pattern for "contains `q`", with `%`, `_` and `\` escaped (use `ESCAPE '\'`).
pub(crate) fn like_pattern(q: &str) -> String {
    format!("%{}%", like_escape(q))
}

/// A LIKE pattern for "starts with `q`", escaped the same way.
pub(crate) fn like_prefix(q: &str) -> String {
    format!("{}%", like_escape(q))
}

fn like_escape(q: &str) -> String {
    let mut out = String::with_capacity(q.len() + 2);
    for c in q.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

impl Store {
    /// Creates a department.
    pub async fn create_department(
        &self,
        name: String,
        email: Option<String>,
        audit: impl Into<Audit>,
    ) -> Result<departments::Model, StoreError> {
        let audit = audit.into();
        let txn = self.write.begin().await?;
        let row = departments::ActiveModel {
            name: Set(name),
            email: Set(email),
            created_at: Set(to_ms(audit.at)),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        let after = serde_json::json!({"name": row.name, "email": row.email});
        created(&txn, audit, ("department", row.id), after).await?;
        txn.commit().await?;
        Ok(row)
    }

    /// All departments, by name.
    pub async fn departments(&self) -> Result<Vec<departments::Model>, StoreError> {
        Ok(departments::Entity::find()
            .order_by_asc(departments::Column::Id)
            .all(&self.read)
            .await?)
    }

    /// One department.
    pub async fn department(&self, id: DepartmentId) -> Result<departments::Model, StoreError> {
        departments::Entity::find_by_id(id.0)
            .one(&self.read)
            .await?
            .ok_or(StoreError::NotFound("department"))
    }

    /// Checks every id names a department.
    pub async fn check_departments(
        &self,
        ids: &[DepartmentId],
        field: &'static str,
    ) -> Result<(), StoreError> {
        let raw: Vec<i64> = ids.iter().map(|d| d.0).collect();
        let found = departments::Entity::find()
            .filter(departments::Column::Id.is_in(raw.clone()))
            .filter(departments::Column::Active.eq(true))
            .count(&self.read)
            .await?;
        let mut unique = raw;
        unique.sort_unstable();
        unique.dedup();
        if found != unique.len() as u64 {
            return Err(StoreError::invalid(
                field,
                "unknown_department",
                "no such active department / 部门不存在或已停用",
            ));
        }
        Ok(())
    }

    /// Creates a task force.
    pub async fn create_task_force(
        &self,
        name: String,
        description: String,
        audit: impl Into<Audit>,
    ) -> Result<task_forces::Model, StoreError> {
        let audit = audit.into();
        let txn = self.write.begin().await?;
        let row = task_forces::ActiveModel {
            name: Set(name),
            description: Set(description),
            created_at: Set(to_ms(audit.at)),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        created(
            &txn,
            audit,
            ("task_force", row.id),
            serde_json::json!({"name": row.name}),
        )
        .await?;
        txn.commit().await?;
        Ok(row)
    }

    /// All task forces.
    pub async fn task_forces(&self) -> Result<Vec<task_forces::Model>, StoreError> {
        Ok(task_forces::Entity::find()
            .order_by_asc(task_forces::Column::Id)
            .all(&self.read)
            .await?)
    }

    /// One task force.
    pub async fn task_force(&self, id: TaskForceId) -> Result<task_forces::Model, StoreError> {
        task_forces::Entity::find_by_id(id.0)
            .one(&self.read)
            .await?
            .ok_or(StoreError::NotFound("task force"))
    }

    /// Creates a grid; the caller has checked the five-ones with the rules.
    pub async fn create_grid(
        &self,
        new: NewGrid,
        audit: impl Into<Audit>,
    ) -> Result<grids::Model, StoreError> {
        let audit = audit.into();
        let now = audit.at;
        self.task_force(new.task_force_id).await.map_err(|e| {
            e.missing_is_invalid(
                "task_force_id",
                "unknown_task_force",
                "no such task force / 专班不存在",
            )
        })?;
        let txn = self.write.begin().await?;
        let grid = grids::ActiveModel {
            name: Set(new.name),
            linked_leader_id: Set(new.linked_leader_id.0),
            head_id: Set(new.head_id.0),
            task_force_id: Set(new.task_force_id.0),
            liaison_id: Set(new.liaison_id.0),
            team: Set(new.team),
            created_at: Set(to_ms(now)),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        // The grid head dispatches, and the liaison files, for this grid.
        users::Entity::update_many()
            .col_expr(users::Column::GridId, Expr::value(grid.id))
            .col_expr(
                users::Column::Version,
                Expr::col(users::Column::Version).add(1),
            )
            .filter(users::Column::Id.is_in([new.head_id.0, new.liaison_id.0]))
            .exec(&txn)
            .await?;
        for (seat, holder) in grid_seats(&grid) {
            structure::seat_taken(&txn, grid.id, seat, holder, now).await?;
        }
        let after = serde_json::json!({
            "name": grid.name, "linked_leader_id": grid.linked_leader_id, "head_id": grid.head_id,
            "task_force_id": grid.task_force_id, "liaison_id": grid.liaison_id, "team": grid.team,
        });
        created(&txn, audit, ("grid", grid.id), after).await?;
        txn.commit().await?;
        Ok(grid)
    }

    /// All grids.
    pub async fn grids(&self) -> Result<Vec<grids::Model>, StoreError> {
        Ok(grids::Entity::find()
            .order_by_asc(grids::Column::Id)
            .all(&self.read)
            .await?)
    }

    /// One grid.
    pub async fn grid(&self, id: GridId) -> Result<grids::Model, StoreError> {
        grids::Entity::find_by_id(id.0)
            .one(&self.read)
            .await?
            .ok_or(StoreError::NotFound("grid"))
    }

    /// Creates an enterprise.
    pub async fn create_enterprise(
        &self,
        new: NewEnterprise,
        audit: impl Into<Audit>,
    ) -> Result<enterprises::Model, StoreError> {
        let audit = audit.into();
        self.grid(new.grid_id).await.map_err(|e| {
            e.missing_is_invalid("grid_id", "unknown_grid", "no such grid / 网格不存在")
        })?;
        let txn = self.write.begin().await?;
        let row = enterprises::ActiveModel {
            name: Set(new.name),
            credit_code: Set(new.credit_code.as_str().to_owned()),
            cluster: Set(new.cluster.as_str().to_owned()),
            grid_id: Set(new.grid_id.0),
            above_size: Set(new.above_size),
            created_at: Set(to_ms(audit.at)),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        let after = serde_json::json!({"name": row.name, "credit_code": row.credit_code, "grid_id": row.grid_id});
        created(&txn, audit, ("enterprise", row.id), after).await?;
        txn.commit().await?;
        Ok(row)
    }

    /// Enterprises matching a filter, at most `limit`.
    pub async fn enterprises(
        &self,
        filter: &EnterpriseFilter,
        limit: u64,
    ) -> Result<Vec<enterprises::Model>, StoreError> {
        let mut q = enterprises::Entity::find().order_by_asc(enterprises::Column::Id);
        if let Some(g) = filter.grid_id {
            q = q.filter(enterprises::Column::GridId.eq(g.0));
        }
        if let Some(c) = filter.cluster {
            q = q.filter(enterprises::Column::Cluster.eq(c.as_str()));
        }
        if let Some(a) = filter.above_size {
            q = q.filter(enterprises::Column::AboveSize.eq(a));
        }
        if !filter.include_inactive {
            q = q.filter(enterprises::Column::Active.eq(true));
        }
        if let Some(after) = filter.after_id {
            q = q.filter(enterprises::Column::Id.gt(after));
        }
        if let Some(text) = &filter.q {
            let text = text.as_str();
            // Both patterns escaped: `%` or `_` typed into the search is a character, not a
            // wildcard that lists every enterprise.
            q =
                q.filter(
                    Condition::any()
                        .add(
                            enterprises::Column::Name
                                .like(LikeExpr::new(like_pattern(text)).escape('\\')),
                        )
                        .add(enterprises::Column::CreditCode.like(
                            LikeExpr::new(like_prefix(&text.to_ascii_uppercase())).escape('\\'),
                        )),
                );
        }
        Ok(q.limit(limit).all(&self.read).await?)
    }

    /// The enterprises with these ids (missing ones are left out).
    pub async fn enterprises_by_ids(
        &self,
        ids: &[i64],
    ) -> Result<Vec<enterprises::Model>, StoreError> {
        if ids.is_empty() {
            return Ok(vec![]);
        }
        let select =
            enterprises::Entity::find().filter(enterprises::Column::Id.is_in(ids.iter().copied()));
        self.read_models(select).await
    }

    /// One enterprise.
    pub async fn enterprise(
        &self,
        id: gridline_domain::EnterpriseId,
    ) -> Result<enterprises::Model, StoreError> {
        static SQL: crate::kept::Kept = crate::kept::Kept::new();
        let backend = self.read.get_database_backend();
        let stmt = SQL.statement(
            backend,
            || enterprises::Entity::find_by_id(0),
            [id.0.into()],
        );
        self.read_kept::<enterprises::Model>(stmt)
            .await?
            .pop()
            .ok_or(StoreError::NotFound("enterprise"))
    }
}

impl Store {
    /// Active members of a task force.
    pub async fn task_force_members(
        &self,
        id: TaskForceId,
    ) -> Result<Vec<users::Model>, StoreError> {
        Ok(users::Entity::find()
            .filter(users::Column::TaskForceId.eq(id.0))
            .filter(users::Column::Active.eq(true))
            .order_by_asc(users::Column::Id)
            .all(&self.read)
            .await?)
    }
}

/// A marker of the organisation tables: the newest id of each, and of the audit log. Rows
/// are added (a new grid is also what changes users' grids) or changed by an edit that
/// appends its audit row in the same transaction, so an unchanged marker means unchanged
/// names, addresses and five-ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OrgVersion(pub [i64; 5]);

impl Store {
    /// The organisation's [`OrgVersion`], in one statement.
    pub async fn org_version(&self) -> Result<OrgVersion, StoreError> {
        use sea_orm::{ConnectionTrait, Statement};
        let backend = self.read.get_database_backend();
        let sql = "SELECT (SELECT MAX(id) FROM departments) AS d, (SELECT MAX(id) FROM task_forces) AS t, \
                   (SELECT MAX(id) FROM users) AS u, (SELECT MAX(id) FROM grids) AS g, \
                   (SELECT MAX(id) FROM audit_log) AS a";
        let stmt = Statement::from_string(backend, sql);
        type Row = (
            Option<i64>,
            Option<i64>,
            Option<i64>,
            Option<i64>,
            Option<i64>,
        );
        if let Some(rows) = self.direct_sql_as::<Row>(&stmt) {
            let (d, t, u, g, a) = rows?
                .pop()
                .ok_or_else(|| StoreError::Corrupt("org version returned nothing".into()))?;
            return Ok(OrgVersion([d, t, u, g, a].map(|v| v.unwrap_or(0))));
        }
        let row = self
            .read
            .query_one_raw(stmt)
            .await?
            .ok_or_else(|| StoreError::Corrupt("org version returned nothing".into()))?;
        let mut v = [0i64; 5];
        for (i, col) in ["d", "t", "u", "g", "a"].iter().enumerate() {
            v[i] = row.try_get::<Option<i64>>("", col)?.unwrap_or(0);
        }
        Ok(OrgVersion(v))
    }
}
