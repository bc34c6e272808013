//! The bundled SQLite is built as `.cargo/config.toml` asks (`LIBSQLITE3_FLAGS`): without
//! STAT4 and without memory statistics. Both were measured costs: with STAT4 a cached
//! statement was planned again whenever a bound value changed, once `ANALYZE` had run; with
//! memory statistics every allocation of every connection took one process-wide mutex.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

use rusqlite::{Connection, StatementStatus};

fn compile_options(c: &Connection) -> Vec<String> {
    let mut st = c.prepare("PRAGMA compile_options").expect("pragma");
    st.query_map([], |r| r.get::<_, String>(0))
        .expect("options")
        .collect::<Result<_, _>>()
        .expect("options")
}

#[test]
fn sqlite_is_built_without_stat4_and_memstatus() {
    let c = Connection::open_in_memory().expect("open");
    let opts = compile_options(&c);
    assert!(
        opts.iter().any(|o| o == "ENABLE_FTS5"),
        "the bundled build's own options are listed: {opts:?}"
    );
    assert!(
        !opts.iter().any(|o| o.starts_with("ENABLE_STAT4")),
        "STAT4 is off: {opts:?}"
    );
    assert!(
        opts.iter().any(|o| o == "DEFAULT_MEMSTATUS=0"),
        "memory statistics are off: {opts:?}"
    );
}

/// What the build option is for: a statement kept prepared (as the direct readers and sqlx
/// keep theirs) and run with one value after another is planned once, statistics or not.
#[test]
fn a_kept_statement_is_not_planned_again_for_each_value() {
    let c = Connection::open_in_memory().expect("open");
    c.execute_batch(
        "CREATE TABLE events (id INTEGER PRIMARY KEY, ticket_id INTEGER NOT NULL, action TEXT);
         CREATE INDEX idx_events_ticket ON events (ticket_id);",
    )
    .expect("schema");
    // Skewed, as a year of history is: a few tickets with many events, most with a couple.
    let tx = c.unchecked_transaction().expect("tx");
    for i in 0..20_000i64 {
        let ticket = if i % 4 == 0 { i % 7 } else { i / 2 };
        tx.execute(
            "INSERT INTO events (ticket_id, action) VALUES (?1, 'comment')",
            [ticket],
        )
        .expect("insert");
    }
    tx.commit().expect("commit");
    c.execute_batch("ANALYZE").expect("analyze");
    let mut st = c
        .prepare("SELECT id, action FROM events WHERE ticket_id = ?1 ORDER BY id")
        .expect("prepare");
    let mut seen = 0;
    for ticket in 0..50i64 {
        seen += st
            .query_map([ticket], |r| r.get::<_, i64>(0))
            .expect("query")
            .count();
    }
    assert!(seen > 0, "the reads found events");
    assert_eq!(
        st.get_status(StatementStatus::RePrepare),
        0,
        "planned again for new values"
    );
}
