//! The search index (`domain::search`): written with each filed ticket, caught up after the
//! migration that created it, and read as the first filter of a search.

use gridline_domain::search;
use sea_orm::sea_query::{Expr, LikeExpr, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QuerySelect,
    Statement,
};

use crate::entity::{enterprises, tickets};
use crate::org::like_pattern;
use crate::{Store, StoreError};

/// Writes the index rows of new tickets inside the transaction that files them (one, or
/// a batch), on PostgreSQL (a GIN insert is cheap). On SQLite the filing leaves it to
/// [`Store::index_new_tickets`], which the server runs every second: FTS5 merges its
/// segments as they accumulate, and a filing that had to merge stalled for a quarter of a
/// second every fifteen filings at a million tickets (55 filings a second instead of
/// 1 100). A search reads the tickets not yet indexed by scanning them (see
/// [`Store::search_plan`]), so results never wait for the index.
pub(crate) async fn index_in(
    db: &impl ConnectionTrait,
    tickets: &[gridline_domain::Ticket],
) -> Result<(), StoreError> {
    if db.get_database_backend() != DbBackend::Postgres {
        return Ok(());
    }
    let rows: Vec<(i64, String)> = tickets
        .iter()
        .map(|t| {
            (
                t.id.0,
                search::document(&[&t.title, &t.description, &t.number]),
            )
        })
        .collect();
    index_many(db, &rows).await
}

/// Writes several index rows in one statement.
pub(super) async fn index_many(
    db: &impl ConnectionTrait,
    rows: &[(i64, String)],
) -> Result<(), StoreError> {
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
        // its ticket's row once (a contentless FTS5 table cannot replace a row).
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

/// How a search runs, decided before the list's query (see [`Store::search_plan`]).
#[derive(Debug, Clone, Default)]
pub(crate) struct SearchPlan {
    /// A rare term: the only tickets that can match (the index's answer, and on SQLite the
    /// tickets filed since the indexer last came round, which it has not read yet).
    ids: Option<Vec<i64>>,
    /// PostgreSQL, a term its statistics call common: the index words, tested per ticket or
    /// first as the planner finds cheaper.
    words: Option<Vec<String>>,
    /// The enterprises whose name holds the term: none, these, or too many to list.
    named: Named,
}

#[derive(Debug, Clone, Default)]
enum Named {
    #[default]
    Nobody,
    These(Vec<i64>),
    Many,
}

/// PostgreSQL's row estimates by query, each kept [`ESTIMATE_TTL`].
#[derive(Debug, Clone, Default)]
pub(crate) struct Estimates(
    std::sync::Arc<std::sync::Mutex<std::collections::HashMap<String, (std::time::Instant, f64)>>>,
);

const ESTIMATE_TTL: std::time::Duration = std::time::Duration::from_secs(60);

impl Estimates {
    fn get(&self, sql: &str) -> Option<f64> {
        let map = self.0.lock().ok()?;
        let (at, rows) = map.get(sql)?;
        (at.elapsed() < ESTIMATE_TTL).then_some(*rows)
    }

    fn keep(&self, sql: &str, rows: f64) {
        if let Ok(mut map) = self.0.lock() {
            if map.len() >= 1024 {
                map.clear();
            }
            map.insert(sql.to_owned(), (std::time::Instant::now(), rows));
        }
    }
}

/// How many matching enterprises are listed by id (more: matched in the query).
const NAMED_IDS: u64 = 500;

/// What a search for `q` matches: the title, description or number holds it, or the
/// enterprise's name does. With index words (a rare term) the index names the candidates
/// first, so no row is read that cannot match; the substring test then decides either way,
/// so the answer is exactly substring matching. The enterprises are resolved beforehand:
/// an OR with a subquery would keep either engine from leading with the index.
pub(super) fn condition(q: &str, plan: &SearchPlan) -> Condition {
    use tickets::Column as C;
    let p = like_pattern(q);
    let like = || LikeExpr::new(p.clone()).escape('\\');
    let mut text = Condition::any()
        .add(C::Title.like(like()))
        .add(C::Description.like(like()))
        .add(C::Number.like(like()));
    if let Some(ids) = &plan.ids {
        text = Condition::all()
            .add(C::Id.is_in(ids.iter().copied()))
            .add(text);
    } else if let Some(words) = &plan.words {
        // The words are ASCII letters only (`domain::search`): safe to inline.
        let held = format!(
            "EXISTS (SELECT 1 FROM ticket_search s WHERE s.ticket_id = tickets.id \
             AND s.terms @@ to_tsquery('simple', '{}'))",
            words.join(" & ")
        );
        text = Condition::all().add(Expr::cust(held)).add(text);
    }
    match &plan.named {
        Named::Nobody => text,
        Named::These(ids) => Condition::any()
            .add(text)
            .add(C::EnterpriseId.is_in(ids.iter().copied())),
        Named::Many => Condition::any().add(text).add(
            C::EnterpriseId.in_subquery(
                Query::select()
                    .column(enterprises::Column::Id)
                    .from(enterprises::Entity)
                    .and_where(enterprises::Column::Name.like(like()))
                    .to_owned(),
            ),
        ),
    }
}

impl Store {
    /// How the filter's search runs. A term of two characters or more goes through the
    /// index: on SQLite, whose planner has no statistics, the index's answer is counted
    /// first and leads when at most [`RARE`] tickets hold every bigram (bounded reads); on
    /// PostgreSQL its statistics' estimate decides whether the index's answer is read
    /// first, and otherwise the planner chooses. The enterprises whose name holds the term
    /// are looked up first (one bounded read): an OR with a subquery would keep either
    /// engine from leading with the index.
    pub(super) async fn search_plan(
        &self,
        filter: &super::TicketFilter,
    ) -> Result<Option<SearchPlan>, StoreError> {
        let Some(q) = &filter.q else {
            return Ok(None);
        };
        let backend = self.backend();
        let mut plan = SearchPlan::default();
        if let Some(words) = search::query(q.as_str()) {
            if backend == DbBackend::Postgres {
                // PostgreSQL: when its statistics call the term rare, the index's answer is
                // read first (bounded) and leads; otherwise the bigrams are probed per
                // ticket as the list is walked. Left to itself, the planner walked the whole
                // list for a term no ticket holds (p99 120 ms at 10k and 1M); counting the
                // index's answer for every term (as on SQLite) cost a common term a whole
                // GIN bitmap (1 342 → 504/s at 100k). The estimate costs a plan, no rows, and
                // is kept a minute per term.
                let tsquery = format!("to_tsquery('simple', '{}')", words.join(" & "));
                let estimate = self
                    .estimated_rows(&format!(
                        "SELECT ticket_id FROM ticket_search WHERE terms @@ {tsquery}"
                    ))
                    .await?;
                if estimate <= RARE as f64 {
                    let ids = self
                        .ids(format!(
                            "SELECT ticket_id AS id FROM ticket_search \
                             WHERE terms @@ {tsquery} LIMIT {}",
                            RARE + 1
                        ))
                        .await?;
                    if ids.len() as u64 <= RARE {
                        plan.ids = Some(ids);
                    }
                }
                if plan.ids.is_none() {
                    plan.words = Some(words);
                }
                return Ok(Some(self.name_lookup(q, plan).await?));
            }
            // SQLite: first how many tickets hold every bigram, counted inside SQLite up to
            // one over the bound (2 001 rowids handed over one by one cost a common term
            // 4 ms); the ids only when the term is rare, and a rare term then leads with
            // them. A common term is tested per ticket as the list is walked, which finds
            // a page within a few rows. FTS5 streams its lists forward and stops (asked
            // newest first, it loaded a common term's whole list to reverse it).
            let matching = format!(
                "SELECT rowid AS id FROM ticket_search WHERE ticket_search MATCH '{}' \
                 LIMIT {}",
                words.join(" "),
                RARE + 1
            );
            let held: i64 = self
                .read
                .query_one_raw(Statement::from_string(
                    backend,
                    format!("SELECT count(*) AS n FROM ({matching}) AS m"),
                ))
                .await?
                .map(|r| r.try_get("", "n"))
                .transpose()?
                .unwrap_or(0);
            if held as u64 <= RARE {
                // With the tickets not indexed yet (an OR with their id range instead led
                // SQLite to walk the whole list testing each row), read before the index,
                // so a batch the indexer commits in between is in the index.
                let tail: Vec<i64> = tickets::Entity::find()
                    .select_only()
                    .column(tickets::Column::Id)
                    .filter(Expr::cust(
                        "id > (SELECT indexed_through FROM ticket_search_backlog WHERE id = 1)",
                    ))
                    .limit(RARE + 1)
                    .into_tuple()
                    .all(&self.read)
                    .await?;
                let ids = self.ids(matching).await?;
                if ((ids.len() + tail.len()) as u64) <= RARE {
                    plan.ids = Some(ids.into_iter().chain(tail).collect());
                }
            }
        }
        Ok(Some(self.name_lookup(q, plan).await?))
    }

    /// The `id` column of `sql`'s rows.
    async fn ids(&self, sql: String) -> Result<Vec<i64>, StoreError> {
        self.read
            .query_all_raw(Statement::from_string(self.backend(), sql))
            .await?
            .iter()
            .map(|r| Ok(r.try_get("", "id")?))
            .collect()
    }

    /// PostgreSQL's estimate of the rows `sql` returns (`EXPLAIN`: planned, not run).
    async fn estimated_rows(&self, sql: &str) -> Result<f64, StoreError> {
        if let Some(rows) = self.estimates.get(sql) {
            return Ok(rows);
        }
        let plan: Option<serde_json::Value> = self
            .read
            .query_one_raw(Statement::from_string(
                DbBackend::Postgres,
                format!("EXPLAIN (FORMAT JSON) {sql}"),
            ))
            .await?
            .map(|r| r.try_get("", "QUERY PLAN"))
            .transpose()?;
        let rows = plan
            .as_ref()
            .and_then(|p| p.get(0)?.get("Plan")?.get("Plan Rows")?.as_f64())
            .unwrap_or(f64::MAX);
        self.estimates.keep(sql, rows);
        Ok(rows)
    }

    /// The enterprises whose name holds the term (one bounded read).
    async fn name_lookup(
        &self,
        q: &gridline_domain::text::SearchText,
        mut plan: SearchPlan,
    ) -> Result<SearchPlan, StoreError> {
        let named: Vec<i64> = name_select(self.backend(), q.as_str())
            .limit(NAMED_IDS + 1)
            .into_tuple()
            .all(&self.read)
            .await?;
        plan.named = match named.len() as u64 {
            0 => Named::Nobody,
            n if n <= NAMED_IDS => Named::These(named),
            _ => Named::Many,
        };
        Ok(plan)
    }
}

/// The enterprises whose name holds `q` (as `LIKE` matches it). On PostgreSQL a name holding
/// the term holds each of its bigrams: the GIN index on the names' bigrams (migration
/// m20261207_000001) finds those, and `LIKE` checks them. Without it every name was
/// scanned: 1.6 ms of a 2 ms search at 15 000 enterprises.
pub(crate) fn name_select(backend: DbBackend, q: &str) -> sea_orm::Select<enterprises::Entity> {
    let select = enterprises::Entity::find()
        .select_only()
        .column(enterprises::Column::Id)
        .filter(enterprises::Column::Name.like(LikeExpr::new(like_pattern(q)).escape('\\')));
    if backend == DbBackend::Postgres && q.chars().nth(1).is_some() {
        select.filter(Expr::cust_with_values(
            "gridline_bigrams(name) @> gridline_bigrams($1)",
            [q],
        ))
    } else {
        select
    }
}
