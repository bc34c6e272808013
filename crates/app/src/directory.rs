//! The organisation's names (departments, task forces, grids, people) as the pages show
//! them: loaded once, kept in [`AppState`] until the organisation changes.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use gridline_domain::notice::Recipient;
use gridline_domain::{Scope, Ticket};
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
    /// Heads their department (部门负责人).
    pub department_head: bool,
    pub active: bool,
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// Shown like the email: to administrators and to the person themselves.
    pub phone: Option<String>,
    /// The version an edit names (`expected_version`).
    pub version: i64,
    /// An administrator reset the password: the person chooses a new one before anything else.
    pub must_change_password: bool,
}

impl Person {
    /// The person as `viewer` may see them: addresses are for administrators (who manage
    /// them) and for the person themselves, not a directory for everyone signed in.
    pub fn seen_by(mut self, viewer: &crate::Caller) -> Self {
        let person = gridline_domain::UserId(self.id);
        if !gridline_domain::permission::sees_address_of(&viewer.actor, person) {
            self.email = None;
            self.phone = None;
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
            department_head: u.department_head,
            active: u.active,
            created_at: gridline_store::from_ms(u.created_at)?,
            phone: u.phone,
            version: u.version,
            must_change_password: u.must_change_password,
        })
    }
}

/// Names of the organisation, loaded once per page (a zone has hundreds of these, not
/// millions).
#[derive(Debug)]
pub struct Directory {
    pub departments: Vec<(i64, String)>,
    pub task_forces: Vec<(i64, String)>,
    pub grids: Vec<crate::org::Grid>,
    /// Everyone, as the pages list them (no password hashes).
    pub users: Vec<Person>,
    dept: HashMap<i64, String>,
    dept_email: HashMap<i64, String>,
    user: HashMap<i64, String>,
    person: HashMap<i64, usize>,
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
        let rows = s.departments().await?;
        let dept_email: HashMap<i64, String> = rows
            .iter()
            .filter_map(|d| Some((d.id, d.email.clone().filter(|e| !e.is_empty())?)))
            .collect();
        let departments: Vec<(i64, String)> = rows.into_iter().map(|d| (d.id, d.name)).collect();
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
            dept_email,
            person: users.iter().enumerate().map(|(i, u)| (u.id, i)).collect(),
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

    /// A person by id.
    pub fn person(&self, id: i64) -> Option<&Person> {
        self.person.get(&id).map(|&i| &self.users[i])
    }

    /// (name, address) of each of a ticket's recipients who has an address and is active,
    /// without repeats, in the order asked; `co` are the co-handling departments the message
    /// is about ([`Recipient::CoDepartments`]).
    pub fn addresses(
        &self,
        t: &Ticket,
        who: &[Recipient],
        co: &[gridline_domain::DepartmentId],
    ) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::new();
        let mut push = |name: &str, email: Option<&str>| {
            if let Some(e) = email.filter(|e| !e.is_empty())
                && !out.iter().any(|(_, a)| a == e)
            {
                out.push((name.to_owned(), e.to_owned()));
            }
        };
        let grid = self.grids.iter().find(|g| g.id == t.grid_id.0);
        let people = |id: Option<i64>, push: &mut dyn FnMut(&str, Option<&str>)| {
            if let Some(p) = id.and_then(|i| self.person(i)).filter(|p| p.active) {
                push(&p.display_name, p.email.as_deref());
            }
        };
        for r in who {
            match r {
                Recipient::ResponsiblePerson => {
                    people(t.responsible_person_id.map(|u| u.0), &mut push)
                }
                Recipient::AccountableLeader => {
                    people(t.accountable_leader_id.map(|u| u.0), &mut push)
                }
                Recipient::LinkedLeader => people(grid.map(|g| g.linked_leader_id), &mut push),
                Recipient::GridDispatcher => people(grid.map(|g| g.head_id), &mut push),
                Recipient::GridLiaison => people(grid.map(|g| g.liaison_id), &mut push),
                Recipient::Tracker => people(t.tracker_id.map(|u| u.0), &mut push),
                Recipient::TaskForceMembers => {
                    if let Some(tf) = t.task_force_id {
                        for p in self.users.iter().filter(|u| u.task_force_id == Some(tf.0)) {
                            people(Some(p.id), &mut push);
                        }
                    }
                }
                Recipient::ServiceCentre => {
                    for p in self.users.iter().filter(|u| u.service_centre) {
                        people(Some(p.id), &mut push);
                    }
                }
                // Each co-handling department's mailbox and active officers.
                Recipient::CoDepartments => {
                    for c in co {
                        let d = c.0;
                        push(
                            &self.department(Some(d)),
                            self.dept_email.get(&d).map(String::as_str),
                        );
                        for p in self.users.iter().filter(|u| {
                            u.department_id == Some(d)
                                && u.role == gridline_domain::Role::DepartmentOfficer.as_str()
                        }) {
                            people(Some(p.id), &mut push);
                        }
                    }
                }
                Recipient::DepartmentMailbox => {
                    if let Some(d) = t.department_id {
                        push(
                            &self.department(Some(d.0)),
                            self.dept_email.get(&d.0).map(String::as_str),
                        );
                    }
                }
            }
        }
        out
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
