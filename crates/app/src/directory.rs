//! The organisation's names (departments, task forces, grids, people) as the pages show
//! them: loaded once, kept in [`AppState`] until the organisation changes.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use gridline_domain::Scope;
use gridline_store::entity::users;
use gridline_store::org::OrgVersion;

use crate::error::AppResult;
use crate::state::AppState;

/// A user as shown (never the password hash).
#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = UserDto))]
pub struct Person {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    /// admin | dispatcher | liaison | department_officer | task_force_member | tracker | leader
    pub role: String,
    /// Shown to administrators and to the user themselves; `null` for everyone else.
    pub email: Option<String>,
    pub department_id: Option<i64>,
    pub grid_id: Option<i64>,
    pub task_force_id: Option<i64>,
    pub top_leader: bool,
    /// A dispatcher of the service centre: dispatches for every grid.
    pub service_centre: bool,
    pub active: bool,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

impl Person {
    /// The person as `viewer` may see them: addresses are for administrators (who manage
    /// them) and for the person themselves, not a directory for everyone signed in.
    pub fn seen_by(mut self, viewer: &crate::Caller) -> Self {
        let person = gridline_domain::UserId(self.id);
        if !gridline_domain::permission::sees_address_of(&viewer.actor, person) {
            self.email = None;
        }
        self
    }
}

impl TryFrom<users::Model> for Person {
    type Error = gridline_store::StoreError;

    fn try_from(u: users::Model) -> Result<Self, Self::Error> {
        Ok(Self {
            id: u.id,
            username: u.username,
            display_name: u.display_name,
            role: u.role,
            email: u.email,
            department_id: u.department_id,
            grid_id: u.grid_id,
            task_force_id: u.task_force_id,
            top_leader: u.top_leader,
            service_centre: u.service_centre,
            active: u.active,
            created_at: gridline_store::from_ms(u.created_at)?,
        })
    }
}

/// Names of the organisation, loaded once per page (a zone has hundreds of these, not
/// millions).
pub struct Directory {
    pub departments: Vec<(i64, String)>,
    pub task_forces: Vec<(i64, String)>,
    pub grids: Vec<crate::org::Grid>,
    /// Everyone, as the pages list them (no password hashes).
    pub users: Vec<Person>,
    dept: HashMap<i64, String>,
    user: HashMap<i64, String>,
    grid: HashMap<i64, String>,
    tf: HashMap<i64, String>,
}

/// How long a loaded directory is trusted even when the marker has not moved (a change
/// made straight in the database, say).
const DIRECTORY_TTL: Duration = Duration::from_secs(60);

/// The loaded directory with the marker it was loaded under (in `AppState`).
pub type DirectoryCache = Mutex<Option<(OrgVersion, Instant, Arc<Directory>)>>;

impl Directory {
    /// The directory, reloaded only when the organisation changed (one small query tells)
    /// or the copy is a minute old: every page needs names, and on SQLite each row costs a
    /// thread hop.
    pub async fn load(state: &AppState) -> AppResult<Arc<Directory>> {
        let cache = &state.directory;
        let version = state.store.org_version().await?;
        if let Ok(c) = cache.lock()
            && let Some((v, at, dir)) = c.as_ref()
            && *v == version
            && at.elapsed() < DIRECTORY_TTL
        {
            return Ok(dir.clone());
        }
        let dir = Arc::new(Self::read(state).await?);
        if let Ok(mut c) = cache.lock() {
            *c = Some((version, Instant::now(), dir.clone()));
        }
        Ok(dir)
    }

    async fn read(state: &AppState) -> AppResult<Directory> {
        let s = &state.store;
        let departments: Vec<(i64, String)> = s
            .departments()
            .await?
            .into_iter()
            .map(|d| (d.id, d.name))
            .collect();
        let task_forces: Vec<(i64, String)> = s
            .task_forces()
            .await?
            .into_iter()
            .map(|d| (d.id, d.name))
            .collect();
        let grids = crate::org::grids(state).await?;
        let users = s
            .users(None)
            .await?
            .into_iter()
            .map(Person::try_from)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Directory {
            dept: departments.iter().cloned().collect(),
            tf: task_forces.iter().cloned().collect(),
            grid: grids.iter().map(|g| (g.id, g.name.clone())).collect(),
            user: users
                .iter()
                .map(|u| (u.id, u.display_name.clone()))
                .collect(),
            departments,
            task_forces,
            grids,
            users,
        })
    }

    pub fn department(&self, id: Option<i64>) -> String {
        id.and_then(|i| self.dept.get(&i).cloned())
            .unwrap_or_default()
    }

    pub fn user(&self, id: Option<i64>) -> String {
        id.and_then(|i| self.user.get(&i).cloned())
            .unwrap_or_default()
    }

    pub fn grid(&self, id: i64) -> String {
        self.grid.get(&id).cloned().unwrap_or_default()
    }

    pub fn task_force(&self, id: Option<i64>) -> String {
        id.and_then(|i| self.tf.get(&i).cloned())
            .unwrap_or_default()
    }

    /// The grids a scope covers (all of them for zone-wide scopes).
    pub fn grids_in(&self, scope: &Scope) -> Vec<(i64, String)> {
        self.grids
            .iter()
            .filter(|g| scope.covers_grid(gridline_domain::GridId(g.id)))
            .map(|g| (g.id, g.name.clone()))
            .collect()
    }
}
