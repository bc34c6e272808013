//! The store tests' harness: a fresh database on either engine, and a small zone.

#![allow(dead_code, reason = "each test file uses part of it")]

use std::time::Duration;

use chrono::{DateTime, Utc};
use gridline_domain::{
    Category, Cluster, CreditCode, EnterpriseId, GridId, Priority, Role, Status, TaskForceId,
    Ticket, TicketId, UserId,
};
use gridline_store::entity::tickets;
use gridline_store::org::{NewEnterprise, NewGrid, NewUser};
use gridline_store::{Store, StoreOptions};
use sea_orm::{Database, Set};

pub struct Db {
    pub store: Store,
    pub url: String,
    cleanup: Option<String>,
    _dir: Option<std::path::PathBuf>,
}

#[path = "../../src/test_db.rs"]
mod test_db;

pub async fn open(pg: bool) -> Db {
    let (url, cleanup, dir) = if pg {
        let (url, name) = test_db::create("gridline_store").await;
        (url, Some(name), None)
    } else {
        let tag = uuid::Uuid::new_v4().simple().to_string();
        let dir = std::env::temp_dir().join(format!("gridline-store-{tag}"));
        std::fs::create_dir_all(&dir).unwrap();
        (
            format!("sqlite://{}/t.db?mode=rwc", dir.display()),
            None,
            Some(dir),
        )
    };
    let store = Store::connect(&StoreOptions {
        url: url.clone(),
        max_connections: 4,
        acquire_timeout: Duration::from_secs(5),
    })
    .await
    .unwrap();
    store.migrate().await.unwrap();
    Db {
        store,
        url,
        cleanup,
        _dir: dir,
    }
}

impl Db {
    pub async fn close(self) {
        self.store.close().await;
        if let Some(name) = self.cleanup {
            test_db::remove(&name).await;
        }
        if let Some(dir) = self._dir {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

pub fn user(username: &str, role: Role) -> NewUser {
    NewUser {
        username: username.into(),
        display_name: username.into(),
        password_hash: "x".into(),
        role,
        email: None,
        department_id: None,
        grid_id: None,
        task_force_id: None,
        top_leader: false,
        service_centre: false,
        department_head: false,
    }
}

/// A grid with its five-ones and one enterprise.
pub struct Zone {
    pub leader: UserId,
    pub head: UserId,
    pub liaison: UserId,
    pub grid: gridline_domain::GridId,
    pub enterprise: gridline_domain::EnterpriseId,
}

pub async fn zone(s: &Store, now: chrono::DateTime<Utc>) -> Zone {
    let tf = TaskForceId(
        s.create_task_force("专班".into(), String::new(), now)
            .await
            .unwrap()
            .id,
    );
    let mut ids = vec![];
    for (name, role) in [
        ("leader", Role::Leader),
        ("head", Role::Dispatcher),
        ("liaison", Role::Liaison),
    ] {
        ids.push(UserId(
            s.create_user(user(name, role), now).await.unwrap().id,
        ));
    }
    let grid = NewGrid {
        name: "A".into(),
        linked_leader_id: ids[0],
        head_id: ids[1],
        task_force_id: tf,
        liaison_id: ids[2],
        team: "队".into(),
    };
    let grid = gridline_domain::GridId(s.create_grid(grid, now).await.unwrap().id);
    let enterprise = NewEnterprise {
        name: "企业".into(),
        credit_code: CreditCode::complete("91441600MA4UH0001").unwrap(),
        cluster: Cluster::Other,
        grid_id: grid,
        above_size: false,
    };
    let enterprise =
        gridline_domain::EnterpriseId(s.create_enterprise(enterprise, now).await.unwrap().id);
    Zone {
        leader: ids[0],
        head: ids[1],
        liaison: ids[2],
        grid,
        enterprise,
    }
}

/// A ticket just filed (nothing else set), to be changed and written with [`ticket_row`].
pub fn ticket(
    id: i64,
    grid: GridId,
    enterprise: EnterpriseId,
    filed_by: UserId,
    created: DateTime<Utc>,
) -> Ticket {
    Ticket {
        id: TicketId(id),
        number: format!("P-{id:06}"),
        status: Status::Submitted,
        enterprise_id: enterprise,
        grid_id: grid,
        category: Category::Land,
        priority: Priority::Normal,
        title: format!("工单{id}"),
        description: String::new(),
        filed_by,
        accountable_leader_id: None,
        department_id: None,
        responsible_person_id: None,
        tracker_id: None,
        task_force_id: None,
        co_handlers: vec![],
        queued_at: None,
        dispatch_due_at: None,
        response_due_at: None,
        resolution_due_at: None,
        dispatched_at: None,
        accepted_at: None,
        resolved_at: None,
        closed_at: None,
        reopen_count: 0,
        return_count: 0,
        satisfaction: None,
        last_return: None,
        pending_extension: None,
        pending_pause: None,
        pause: None,
        forced_department: None,
        closure: None,
        duplicate_of: None,
        version: 1,
        created_at: created,
        updated_at: created,
    }
}

/// The row of `t`, written around the store (the tests choose every column).
pub fn ticket_row(t: &Ticket) -> tickets::ActiveModel {
    let ms = |d: Option<DateTime<Utc>>| d.map(|d| d.timestamp_millis());
    tickets::ActiveModel {
        id: Set(t.id.0),
        number: Set(t.number.clone()),
        status: Set(t.status.as_str().to_owned()),
        enterprise_id: Set(t.enterprise_id.0),
        grid_id: Set(t.grid_id.0),
        category: Set(t.category.as_str().to_owned()),
        priority: Set(t.priority.as_str().to_owned()),
        title: Set(t.title.clone()),
        description: Set(t.description.clone()),
        filed_by: Set(t.filed_by.0),
        accountable_leader_id: Set(t.accountable_leader_id.map(|u| u.0)),
        department_id: Set(t.department_id.map(|d| d.0)),
        responsible_person_id: Set(t.responsible_person_id.map(|u| u.0)),
        tracker_id: Set(None),
        task_force_id: Set(None),
        queued_at: Set(ms(t.queued_at)),
        dispatch_due_at: Set(ms(t.dispatch_due_at)),
        response_due_at: Set(ms(t.response_due_at)),
        resolution_due_at: Set(ms(t.resolution_due_at)),
        next_due_at: Set(ms(t.next_due_at())),
        dispatched_at: Set(ms(t.dispatched_at)),
        accepted_at: Set(ms(t.accepted_at)),
        resolved_at: Set(ms(t.resolved_at)),
        closed_at: Set(ms(t.closed_at)),
        reopen_count: Set(0),
        return_count: Set(0),
        satisfaction: Set(t.satisfaction.map(|s| s.as_str().to_owned())),
        last_return: Set(None),
        pending_extension: Set(None),
        pending_pause: Set(None),
        pause: Set(t.pause.as_ref().map(|p| serde_json::to_string(p).unwrap())),
        forced_department_id: Set(None),
        closure: Set(t.closure.map(|c| c.as_str().to_owned())),
        duplicate_of: Set(None),
        version: Set(1),
        created_at: Set(t.created_at.timestamp_millis()),
        updated_at: Set(t.updated_at.timestamp_millis()),
        idempotency_key: Set(None),
        idempotency_hash: Set(None),
    }
}

/// What a property test runs on: its own runtime (proptest's cases are synchronous), a
/// fresh database with a zone, a raw connection to write rows around the store, and a
/// fixed time.
pub struct Setup {
    pub rt: tokio::runtime::Runtime,
    pub db: Db,
    pub now: DateTime<Utc>,
    pub z: Zone,
    pub raw: sea_orm::DatabaseConnection,
}

pub fn setup(pg: bool) -> Setup {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let db = rt.block_on(open(pg));
    let now = DateTime::parse_from_rfc3339("2026-03-02T08:00:00+08:00")
        .unwrap()
        .to_utc();
    let z = rt.block_on(zone(&db.store, now));
    let raw = rt.block_on(Database::connect(db.url.as_str())).unwrap();
    Setup {
        rt,
        db,
        now,
        z,
        raw,
    }
}

/// Writes many rows around the store, a few hundred per statement.
pub async fn insert_all<A>(raw: &sea_orm::DatabaseConnection, rows: &[A])
where
    A: sea_orm::ActiveModelTrait + Clone + Send,
{
    use sea_orm::EntityTrait;
    for chunk in rows.chunks(400) {
        A::Entity::insert_many(chunk.to_vec())
            .exec(raw)
            .await
            .unwrap();
    }
}
