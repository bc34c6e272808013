//! Possible duplicates (疑似重复件): tickets of the last [`DUPLICATE_WINDOW_DAYS`] days of the
//! same enterprise, or of the same category and grid with a similar title.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use super::Ticket;
use crate::ids::{EnterpriseId, GridId, TicketId};
use crate::kinds::Category;

/// How far back a possible duplicate is looked for, in days.
pub const DUPLICATE_WINDOW_DAYS: i64 = 30;

/// Titles at least this similar ([`title_similarity`]) are suggested within a category
/// and grid.
const SIMILAR_TITLES: f64 = 0.5;

/// At most this many suggestions.
const MAX_SUGGESTIONS: usize = 5;

/// What is being filed (or the ticket being looked at), to compare others with.
#[derive(Debug, Clone, Copy)]
pub struct Candidate<'a> {
    /// The ticket itself when it exists (never its own duplicate).
    pub id: Option<TicketId>,
    pub enterprise_id: EnterpriseId,
    pub grid_id: GridId,
    pub category: Option<Category>,
    pub title: &'a str,
}

/// One suggestion, most similar first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Suggestion {
    pub ticket_id: TicketId,
    pub same_enterprise: bool,
    /// [`title_similarity`] of the titles, in [0, 1].
    pub similarity: f64,
}

/// The characters of a title that carry meaning: letters and digits, lower-cased.
fn letters(s: &str) -> Vec<char> {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

fn bigrams(s: &str) -> BTreeSet<(char, char)> {
    let c = letters(s);
    match c.len() {
        0 => BTreeSet::new(),
        1 => BTreeSet::from([(c[0], '\0')]),
        _ => c.windows(2).map(|w| (w[0], w[1])).collect(),
    }
}

/// How alike two titles are, in [0, 1]: the Dice coefficient of their character pairs
/// (Chinese titles have no spaces to split words at; pairs of characters are how such text
/// is usually compared). Punctuation, spaces and case do not count.
pub fn title_similarity(a: &str, b: &str) -> f64 {
    let (x, y) = (bigrams(a), bigrams(b));
    if x.is_empty() || y.is_empty() {
        return 0.0;
    }
    let common = x.intersection(&y).count();
    2.0 * common as f64 / (x.len() + y.len()) as f64
}

/// The tickets among `recent` that may be the same problem as `c`, most likely first: filed
/// within [`DUPLICATE_WINDOW_DAYS`] before `now`, not `c` itself, not ended without the loop
/// themselves, and either of the same enterprise or of the same category and grid with a
/// similar title.
pub fn possible_duplicates(
    c: &Candidate<'_>,
    recent: &[Ticket],
    now: DateTime<Utc>,
) -> Vec<Suggestion> {
    let since = now - Duration::days(DUPLICATE_WINDOW_DAYS);
    let mut out: Vec<Suggestion> = recent
        .iter()
        .filter(|t| Some(t.id) != c.id && t.closure.is_none() && t.created_at >= since)
        .filter_map(|t| {
            let same_enterprise = t.enterprise_id == c.enterprise_id;
            let similarity = title_similarity(c.title, &t.title);
            let alike = c.category == Some(t.category)
                && t.grid_id == c.grid_id
                && similarity >= SIMILAR_TITLES;
            (same_enterprise || alike).then_some(Suggestion {
                ticket_id: t.id,
                same_enterprise,
                similarity,
            })
        })
        .collect();
    out.sort_by(|a, b| {
        b.similarity
            .total_cmp(&a.similarity)
            .then(b.same_enterprise.cmp(&a.same_enterprise))
            .then(b.ticket_id.cmp(&a.ticket_id))
    });
    out.truncate(MAX_SUGGESTIONS);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn similar_titles() {
        assert_eq!(title_similarity("用地指标不足", "用地指标不足"), 1.0);
        assert!(title_similarity("厂房用地指标不足", "用地指标不足！") >= 0.7);
        assert!(title_similarity("用地指标不足", "招工难") < 0.1);
        assert_eq!(title_similarity("", "招工难"), 0.0);
        assert_eq!(title_similarity("Power  cut", "power-cut"), 1.0);
    }
}
