//! The store tests' harness: a fresh database on either engine, and a small zone.

#![allow(dead_code, reason = "each test file uses part of it")]

use std::time::Duration;

use chrono::Utc;
use gridline_domain::{Cluster, CreditCode, Role, TaskForceId, UserId};
use gridline_store::org::{NewEnterprise, NewGrid, NewUser};
use gridline_store::{Store, StoreOptions};
use sea_orm::{ConnectionTrait, Database};

pub struct Db {
    pub store: Store,
    pub url: String,
    cleanup: Option<String>,
    _dir: Option<std::path::PathBuf>,
}

pub fn admin_url() -> String {
    std::env::var("GRIDLINE_TEST_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

pub async fn open(pg: bool) -> Db {
    let tag = uuid::Uuid::new_v4().simple().to_string();
    let (url, cleanup, dir) = if pg {
        let name = format!("gridline_store_{tag}");
        let admin = Database::connect(admin_url()).await.unwrap();
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await
            .unwrap();
        let base = admin_url();
        let root = base.rsplit_once('/').unwrap().0.to_owned();
        (format!("{root}/{name}"), Some(name), None)
    } else {
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
            let admin = Database::connect(admin_url()).await.unwrap();
            admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .await
                .unwrap();
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
