//! The search index (`domain::search`): written with each filed ticket, caught up after the
//! migration that created it, and read as the first filter of a search.

use gridline_domain::search;
use sea_orm::sea_query::{Expr, LikeExpr, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Statement, TransactionTrait,
};

use crate::entity::{enterprises, tickets};
use crate::org::like_pattern;
use crate::{Store, StoreError};

/// How many old tickets one catch-up transaction indexes.
const BATCH: u64 = 2_000;

/// Writes the index row of one ticket (inside the transaction that files it).
pub(crate) async fn index_in(
    db: &impl ConnectionTrait,
    id: i64,
    fields: &[&str],
) -> Result<(), StoreError> {
    index_many(db, &[(id, search::document(fields))]).await
}

/// Writes several index rows in one statement.
async fn index_many(db: &impl ConnectionTrait, rows: &[(i64, String)]) -> Result<(), StoreError> {
    if rows.is_empty() {
        return Ok(());
    }
    let backend = db.get_database_backend();
    let tuples = |f: fn(usize) -> String| (0..rows.len()).map(f).collect::<Vec<_>>().join(", ");
    let sql = match backend {
        // A row indexed again (after `reset_search_backlog`) is replaced.
        DbBackend::Postgres => format!(
            "INSERT INTO ticket_search (ticket_id, terms) VALUES {} \
             ON CONFLICT (ticket_id) DO UPDATE SET terms = EXCLUDED.terms",
            tuples(|i| format!("(${}, to_tsvector('simple', ${}))", 2 * i + 1, 2 * i + 2))
        ),
        // New rows only: the catch-up resumes after what it committed, and a filing writes
        // its ticket's row once (a delete first cost contentless FTS5 a tombstone per row).
        _ => format!(
            "INSERT INTO ticket_search (rowid, terms) VALUES {}",
            tuples(|_| "(?, ?)".to_owned())
        ),
    };
    let values: Vec<sea_orm::Value> = rows
        .iter()
        .flat_map(|(id, terms)| [(*id).into(), terms.clone().into()])
        .collect();
    db.execute_raw(Statement::from_sql_and_values(backend, sql, values))
        .await?;
    Ok(())
}

/// Above this many candidates a term is common: the newest-first walk of the list finds a
/// page of matches within a few rows, while reading every candidate to sort them would
/// cost more than the walk.
const RARE: u64 = 2_000;

/// What a search for `q` matches: the title, description or number holds it, or the
/// enterprise's name does. With `words` (a rare term, see [`Store::search_words`]) the
/// index names the candidates first, so no row is read that cannot match; the substring
/// test then decides either way, so the answer is exactly substring matching.
pub(super) fn condition(backend: DbBackend, q: &str, words: Option<&[String]>) -> Condition {
    use tickets::Column as C;
    let p = like_pattern(q);
    let like = || LikeExpr::new(p.clone()).escape('\\');
    let text = Condition::any()
        .add(C::Title.like(like()))
        .add(C::Description.like(like()))
        .add(C::Number.like(like()));
    let named = C::EnterpriseId.in_subquery(
        Query::select()
            .column(enterprises::Column::Id)
            .from(enterprises::Entity)
            .and_where(enterprises::Column::Name.like(like()))
            .to_owned(),
    );
    let Some(words) = words else {
        return Condition::any().add(text).add(named);
    };
    let candidates = format!("tickets.id IN ({})", candidates(backend, words));
    Condition::any()
        .add(Condition::all().add(Expr::cust(candidates)).add(text))
        .add(named)
}

/// The index's candidates for `words`, as SQL (the words are ASCII letters only:
/// `domain::search`; safe to inline).
fn candidates(backend: DbBackend, words: &[String]) -> String {
    match backend {
        DbBackend::Postgres => format!(
            "SELECT ticket_id FROM ticket_search WHERE terms @@ to_tsquery('simple', '{}')",
            words.join(" & ")
        ),
        _ => format!(
            "SELECT rowid FROM ticket_search WHERE ticket_search MATCH '{}'",
            words.join(" ")
        ),
    }
}

impl Store {
    /// The index words of the filter's search when the index should lead: a term of two
    /// characters or more that at most [`RARE`] tickets hold every bigram of (one bounded
    /// index read tells). `None`: no search, or a term the list's own order finds faster.
    pub(super) async fn search_words(
        &self,
        filter: &super::TicketFilter,
    ) -> Result<Option<Vec<String>>, StoreError> {
        let Some(words) = filter.q.as_ref().and_then(|q| search::query(q.as_str())) else {
            return Ok(None);
        };
        let backend = self.backend();
        let sql = format!(
            "SELECT COUNT(*) AS n FROM ({} LIMIT {}) AS c",
            candidates(backend, &words),
            RARE + 1
        );
        let n: i64 = self
            .read
            .query_one_raw(Statement::from_string(backend, sql))
            .await?
            .map(|r| r.try_get("", "n"))
            .transpose()?
            .unwrap_or(0);
        Ok((u64::try_from(n).unwrap_or(0) <= RARE).then_some(words))
    }

    /// Indexes the tickets filed before the search index existed, a batch per transaction,
    /// resuming where the last run stopped. Returns how many it indexed.
    pub async fn index_search_backlog(&self) -> Result<u64, StoreError> {
        use tickets::Column as C;
        let backend = self.backend();
        let mut done = 0;
        loop {
            let txn = self.write.begin().await?;
            // Take the row's write lock first: two processes starting at once index each
            // batch once (the second waits, then sees the first's progress).
            txn.execute_raw(Statement::from_string(
                backend,
                "UPDATE ticket_search_backlog SET indexed_through = indexed_through WHERE id = 1",
            ))
            .await?;
            let Some(state) = txn
                .query_one_raw(Statement::from_string(
                    backend,
                    "SELECT indexed_through, target FROM ticket_search_backlog WHERE id = 1",
                ))
                .await?
            else {
                return Ok(done);
            };
            let (from, target): (i64, i64) = (
                state.try_get("", "indexed_through")?,
                state.try_get("", "target")?,
            );
            if from >= target {
                return Ok(done);
            }
            let rows: Vec<(i64, String, String, String)> = tickets::Entity::find()
                .select_only()
                .columns([C::Id, C::Title, C::Description, C::Number])
                .filter(C::Id.gt(from))
                .filter(C::Id.lte(target))
                .order_by_asc(C::Id)
                .limit(BATCH)
                .into_tuple()
                .all(&txn)
                .await?;
            let through = rows.last().map_or(target, |r| r.0);
            let docs: Vec<(i64, String)> = rows
                .iter()
                .map(|(id, title, description, number)| {
                    (*id, search::document(&[title, description, number]))
                })
                .collect();
            index_many(&txn, &docs).await?;
            txn.execute_raw(Statement::from_sql_and_values(
                backend,
                match backend {
                    DbBackend::Postgres => {
                        "UPDATE ticket_search_backlog SET indexed_through = $1 WHERE id = 1"
                    }
                    _ => "UPDATE ticket_search_backlog SET indexed_through = ? WHERE id = 1",
                },
                [through.into()],
            ))
            .await?;
            txn.commit().await?;
            done += rows.len() as u64;
        }
    }

    /// Marks every ticket so far as not yet indexed, for rows written around the filing
    /// path that have no index row (the benchmark's bulk seeding);
    /// [`Self::index_search_backlog`] then indexes them.
    pub async fn reset_search_backlog(&self) -> Result<(), StoreError> {
        let backend = self.backend();
        self.write
            .execute_raw(Statement::from_string(
                backend,
                "UPDATE ticket_search_backlog SET indexed_through = 0, \
                 target = (SELECT COALESCE(MAX(id), 0) FROM tickets) WHERE id = 1",
            ))
            .await?;
        Ok(())
    }
}
