//! Reading the audit log (rows are only appended, by the commands that change things).

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::entity::audit_log;
use crate::{Store, StoreError};

/// Which audit rows to read, newest first.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Rows about one kind of object (`user`, `grid` …), optionally one of them.
    pub object_kind: Option<String>,
    pub object_id: Option<i64>,
    /// Rows of changes one person made.
    pub actor_id: Option<i64>,
    /// Rows older than this id (the next page).
    pub before_id: Option<i64>,
    pub limit: u64,
}

impl Store {
    /// Audit rows, newest first.
    pub async fn audit(&self, f: &AuditFilter) -> Result<Vec<audit_log::Model>, StoreError> {
        use audit_log::Column as A;
        let mut q = audit_log::Entity::find();
        if let Some(k) = &f.object_kind {
            q = q.filter(A::ObjectKind.eq(k.as_str()));
        }
        if let Some(id) = f.object_id {
            q = q.filter(A::ObjectId.eq(id));
        }
        if let Some(a) = f.actor_id {
            q = q.filter(A::ActorId.eq(a));
        }
        if let Some(b) = f.before_id {
            q = q.filter(A::Id.lt(b));
        }
        Ok(q.order_by_desc(A::Id)
            .limit(f.limit.max(1))
            .all(&self.read)
            .await?)
    }
}
