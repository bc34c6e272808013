//! Hotspots (未诉先办): where problems cluster in a period — by category, grid and industry
//! cluster — and the enterprises that keep having them, so the office acts before the next
//! complaint.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::Period;
use crate::ids::{EnterpriseId, GridId};
use crate::kinds::{Category, Closure};
use crate::org::Cluster;
use crate::ticket::Ticket;

/// How many rows each hotspot table keeps.
pub const HOTSPOT_ROWS: usize = 10;

/// Tickets filed in the period for one category, grid and industry cluster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HotspotCell {
    pub category: Category,
    pub grid_id: GridId,
    /// `None`: the enterprise's cluster is not known.
    pub cluster: Option<Cluster>,
    pub count: u32,
}

/// An enterprise that filed more than one problem in the period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepeatEnterprise {
    pub enterprise_id: EnterpriseId,
    pub count: u32,
    /// Its problems' categories, each once.
    pub categories: Vec<Category>,
}

/// The period's hotspots: the busiest (category, grid, cluster) cells with at least two
/// tickets, and the enterprises with repeat problems, most first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hotspots {
    pub cells: Vec<HotspotCell>,
    pub repeats: Vec<RepeatEnterprise>,
}

/// The hotspots of the tickets filed in `period`. Duplicates and invalid requests are the
/// same problem again or no problem: they are not counted.
pub fn hotspots<'a>(
    period: Period,
    tickets: impl IntoIterator<Item = &'a Ticket>,
    cluster_of: &dyn Fn(EnterpriseId) -> Option<Cluster>,
) -> Hotspots {
    let (start, end) = period.range();
    let filed = tickets.into_iter().filter(|t| {
        t.created_at >= start
            && t.created_at < end
            && !matches!(t.closure, Some(Closure::Duplicate | Closure::Invalid))
    });
    let mut cells: BTreeMap<(Category, GridId, Option<Cluster>), u32> = BTreeMap::new();
    let mut by_enterprise: BTreeMap<EnterpriseId, (u32, Vec<Category>)> = BTreeMap::new();
    for t in filed {
        let cluster = cluster_of(t.enterprise_id);
        *cells.entry((t.category, t.grid_id, cluster)).or_default() += 1;
        let e = by_enterprise.entry(t.enterprise_id).or_default();
        e.0 += 1;
        if !e.1.contains(&t.category) {
            e.1.push(t.category);
        }
    }
    let mut cells: Vec<HotspotCell> = cells
        .into_iter()
        .filter(|(_, n)| *n >= 2)
        .map(|((category, grid_id, cluster), count)| HotspotCell {
            category,
            grid_id,
            cluster,
            count,
        })
        .collect();
    cells.sort_by_key(|c| std::cmp::Reverse(c.count));
    cells.truncate(HOTSPOT_ROWS);
    let mut repeats: Vec<RepeatEnterprise> = by_enterprise
        .into_iter()
        .filter(|(_, (n, _))| *n >= 2)
        .map(|(enterprise_id, (count, categories))| RepeatEnterprise {
            enterprise_id,
            count,
            categories,
        })
        .collect();
    repeats.sort_by_key(|r| std::cmp::Reverse(r.count));
    repeats.truncate(HOTSPOT_ROWS);
    Hotspots { cells, repeats }
}
