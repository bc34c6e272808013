//! Recently authenticated callers.

use gridline_domain::Actor;

use crate::directory::Person;

/// Recently loaded callers, so a burst of requests costs one lookup, not one per request.
/// Entries live `ttl`; organisation writes in this process clear it at once (another process
/// sees a change within `ttl`).
pub struct ActorCache {
    ttl: std::time::Duration,
    map: std::sync::RwLock<std::collections::HashMap<i64, (std::time::Instant, Known)>>,
}

/// A caller as cached: who they are, the token epoch they are at, and the rules' view.
#[derive(Debug, Clone)]
pub(super) struct Known {
    pub(super) person: Person,
    pub(super) epoch: i64,
    pub(super) actor: Actor,
}

impl ActorCache {
    /// A cache whose entries live `ttl` (zero: no caching).
    pub fn new(ttl: std::time::Duration) -> Self {
        Self {
            ttl,
            map: std::sync::RwLock::default(),
        }
    }

    pub(super) fn get(&self, id: i64) -> Option<Known> {
        let map = self.map.read().ok()?;
        let (at, known) = map.get(&id)?;
        (at.elapsed() < self.ttl).then(|| known.clone())
    }

    pub(super) fn put(&self, id: i64, known: &Known) {
        if self.ttl.is_zero() {
            return;
        }
        if let Ok(mut map) = self.map.write() {
            if map.len() > 10_000 {
                map.clear();
            }
            map.insert(id, (std::time::Instant::now(), known.clone()));
        }
    }

    /// Forgets one user (after they signed out or their password changed), so this process
    /// refuses their older tokens at once; other processes do within the entries' `ttl`.
    pub fn forget(&self, id: i64) {
        if let Ok(mut map) = self.map.write() {
            map.remove(&id);
        }
    }

    /// Forgets everyone (after users or grids change).
    pub fn clear(&self) {
        if let Ok(mut map) = self.map.write() {
            map.clear();
        }
    }
}
