//! The process's allocator: mimalloc, which is faster than glibc's malloc under many threads,
//! set up so an idle server holds little memory.
//!
//! What matters at idle, each measured (idle RSS after the first logins: 90 MB with
//! mimalloc's defaults, 40 MB with these until the fourteenth pass of issue 15, of which
//! 15 MB private, and 26-31 MB since, of which 5-9 MB private; the rest is the binary's
//! code):
//! - no transparent huge pages (the `no_thp` feature, so it holds from the first allocation,
//!   which happens before `main`): the first arena was committed at once in 2 MiB pages,
//!   each kept whole while any byte of it was in use;
//! - arenas committed on demand ([`configure`]); freed memory purged at once during
//!   start-up, where 10 MB that start-up freed otherwise stayed resident, and 10 ms after
//!   it is freed once the server serves ([`serving`]);
//! - a purge of what has been freed run every second by the server ([`purge_freed`]):
//!   mimalloc purges only when some thread next allocates, and a login's blocking thread,
//!   which freed argon2's 19 MiB, then sits idle, as may the whole server. That purge is
//!   forced and its thread set up for mimalloc first: until the fourteenth pass of issue
//!   15 it was neither, and did nothing;
//! - what C code frees given back ([`release_freed_c_memory`]): SQLite allocates through
//!   glibc's malloc, which keeps freed memory in its per-thread heaps whenever a block still
//!   in use lies above it.

use libmimalloc_sys::{mi_option_set, mi_option_t};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_arena_eager_commit` in mimalloc 3's `mi_option_e` (`include/mimalloc.h`).
const ARENA_EAGER_COMMIT: mi_option_t = 4;
/// `mi_option_purge_delay`, in milliseconds (mimalloc 3's default: 1 000).
const PURGE_DELAY: mi_option_t = 15;
/// Freed memory is purged this long after it was freed (milliseconds).
const PURGE_AFTER_MS: i64 = 10;

/// Sets the allocator's options: arenas committed on demand (the default commits them
/// whole on systems that overcommit), and freed memory purged at once until [`serving`]
/// sets the delay a server runs with. Purged memory is decommitted by default, and huge
/// pages are off from the build (`no_thp`). Call it first thing in `main`, before other
/// threads start.
///
/// Start-up builds much that it drops (the OpenAPI document's structures, the routes,
/// templates): with a delay, mimalloc handed those freed pages, still resident, to the
/// next allocations, each of which then used a little of a page that stayed resident
/// whole, and a server started 11.7 MB into its arena where it starts 3.9 MB with freed
/// memory purged at once (fourteenth pass of issue 15).
pub fn configure() {
    // SAFETY: `mi_option_set` takes any option of the enum and any value; it only stores
    // the value, which the allocator reads when it next reserves memory.
    #[allow(unsafe_code)]
    unsafe {
        mi_option_set(ARENA_EAGER_COMMIT, 0);
    }
    set_purge_delay(0);
}

/// Sets the delay a server runs with: freed memory purged 10 ms after it was freed rather
/// than a second (mimalloc's default) or at once. A server calls it when start-up is done,
/// before the first request; a one-shot command, whose idle memory does not matter, at
/// once. `MIMALLOC_PURGE_DELAY` in the environment overrides both delays.
///
/// At once (the third pass of issue 15) kept a leader's first dashboard at 1M tickets at
/// 229 MB rather than 287 MB with the default second, but every request then faulted its
/// buffers' pages back in and the purges' TLB shootdowns hit every core: 10 ms served the
/// officer's 100-row list 50-70% faster, the ticket page 35% and the list and inbox pages
/// 30% (`bench/results/2026-12-07-issue15-purge-ab.txt`). A request's buffers are reused
/// within that time; what a finished computation or an idle thread leaves is purged by the
/// next [`purge_freed`].
pub fn serving() {
    set_purge_delay(PURGE_AFTER_MS);
}

/// The purge delay in milliseconds, unless `MIMALLOC_PURGE_DELAY` in the environment sets it.
fn set_purge_delay(ms: i64) {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
        return;
    }
    // SAFETY: as in `configure`. The allocator reads the delay each time it frees or purges
    // a range, as one aligned word, so setting it while other threads run changes only
    // when their next ranges are purged.
    #[allow(unsafe_code)]
    unsafe {
        mi_option_set(PURGE_DELAY, ms as _);
    }
}

/// Purges the memory given back to the allocator's arenas, whichever thread freed it
/// (`mi_collect`, forced, which also collects the calling thread's own free lists). The
/// allocator would only do it when some thread next allocates, so a server that goes
/// quiet would keep what its last requests freed (a login's 19 MiB of argon2 among it).
/// The binary calls it every second ([`purge_every_second`]). Forced, it also purges what
/// was freed less than the delay ago: once a second, not on every request, which is what
/// the delay spares requests.
pub fn purge_freed() {
    // SAFETY: `mi_thread_init` and `mi_collect` may be called from any thread at any time;
    // the first returns at once on a thread already set up.
    #[allow(unsafe_code)]
    unsafe {
        // `mi_collect` does nothing on a thread whose heap mimalloc has not set up, and the
        // server's purge thread never allocates.
        libmimalloc_sys::mi_thread_init();
        // Forced: what is due is purged whether or not mimalloc's own clock for delayed
        // purges says so. Unforced, whether due ranges were purged depended on that clock:
        // adding one unrelated test to this crate's tests made every purge test fail.
        libmimalloc_sys::mi_collect(true);
    }
}

/// Starts a thread that runs [`purge_freed`] every second for the life of the process.
pub fn purge_every_second() {
    // If the thread cannot start, the process works as before and keeps more memory.
    let _ = std::thread::Builder::new()
        .name("purge-freed".into())
        .spawn(|| {
            loop {
                std::thread::sleep(std::time::Duration::from_secs(1));
                purge_freed();
            }
        });
}

/// Gives back to the system the memory C code has freed but glibc's malloc still holds
/// (`malloc_trim`). SQLite's page caches live there: the search indexer widens the writer's
/// cache for a round and shrinks it after, and glibc kept the freed pages, because the
/// writer's later allocations sit above them in its heap (60-70 MB after a burst of
/// filings at a million tickets). It walks glibc's heaps, so call it after such a release,
/// not per request. Elsewhere than on glibc it does nothing.
pub fn release_freed_c_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `malloc_trim` takes any padding and only returns free memory to the system;
    // no block in use moves.
    #[allow(unsafe_code)]
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// This process's private resident memory, in KiB.
    fn rss_anon_kib() -> u64 {
        std::fs::read_to_string("/proc/self/status")
            .unwrap_or_default()
            .lines()
            .find_map(|l| l.strip_prefix("RssAnon:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    }

    /// The private resident memory (KiB) with `make`'s value held on a thread of its own,
    /// and after that thread dropped it and sat idle while the purge delay passed and
    /// [`purge_freed`] ran on this thread, as the server's does.
    fn resident_around_drop<T>(make: impl FnOnce() -> T + Send + 'static) -> (u64, u64) {
        resident_around_drop_purged_by(make, purge_freed)
    }

    /// About 25 MiB in small blocks, as a digest's rows.
    #[allow(clippy::vec_box, reason = "many separate small blocks, as rows are")]
    fn small_blocks() -> Vec<Box<[u8; 256]>> {
        (0..100_000).map(|i| Box::new([i as u8; 256])).collect()
    }

    /// Fails unless most of the [`small_blocks`], freed, left the resident set.
    fn assert_small_blocks_left(held: u64, after: u64) {
        assert!(
            held >= after + (15 << 10),
            "25 MiB freed, resident {held} KiB before and {after} KiB after"
        );
    }

    /// As [`resident_around_drop`], with `purge` run in place of [`purge_freed`].
    #[allow(clippy::expect_used, reason = "tests fail loudly")]
    fn resident_around_drop_purged_by<T>(
        make: impl FnOnce() -> T + Send + 'static,
        purge: impl FnOnce(),
    ) -> (u64, u64) {
        use std::sync::mpsc::channel;
        let (held_tx, held_rx) = channel();
        let (end_tx, end_rx) = channel::<()>();
        let idle = std::thread::spawn(move || {
            let value = make();
            std::hint::black_box(&value);
            let held = rss_anon_kib();
            drop(value);
            held_tx.send(held).expect("the test waits");
            // Idle, as a login's blocking thread after the hash, until the test is done.
            let _ = end_rx.recv();
        });
        let held = held_rx.recv().expect("the value was made");
        std::thread::sleep(std::time::Duration::from_millis(4 * PURGE_AFTER_MS as u64));
        purge();
        let after = rss_anon_kib();
        drop(end_tx);
        idle.join().expect("the idle thread");
        (held, after)
    }

    #[test]
    fn a_freed_hashing_buffer_goes_back_to_the_system() {
        configure();
        serving();
        // As argon2 does: a large buffer, every page written, then freed on a thread that
        // then idles.
        let (held, after) = resident_around_drop(|| {
            let mut buffer = vec![0u8; 24 << 20];
            for i in (0..buffer.len()).step_by(4096) {
                buffer[i] = 1;
            }
            buffer
        });
        assert!(
            held >= after + (20 << 10),
            "24 MiB freed, resident {held} KiB before and {after} KiB after"
        );
    }

    /// As the search indexer does: a SQLite connection on a thread of its own fills a wide
    /// page cache, then narrows it (SQLite frees the pages) and goes on working.
    #[test]
    #[allow(clippy::expect_used, reason = "tests fail loudly")]
    fn what_sqlite_frees_goes_back_to_the_system() {
        let (held, narrowed, released) = std::thread::spawn(|| {
            let path = std::env::temp_dir().join(format!("alloc-{}.db", std::process::id()));
            let _ = std::fs::remove_file(&path);
            let db = rusqlite::Connection::open(&path).expect("open");
            db.execute_batch(
                "PRAGMA cache_size = -131072; CREATE TABLE t (v BLOB); BEGIN; \
                 WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 40000) \
                 INSERT INTO t SELECT randomblob(1000) FROM n; COMMIT; \
                 SELECT count(*) FROM t WHERE length(v) > 0;",
            )
            .expect("fill the cache");
            let held = rss_anon_kib();
            db.execute_batch(
                "PRAGMA cache_size = -2000; CREATE TABLE after (v); INSERT INTO after VALUES (1);",
            )
            .expect("narrow the cache, and go on");
            let narrowed = rss_anon_kib();
            release_freed_c_memory();
            let released = rss_anon_kib();
            drop(db);
            let _ = std::fs::remove_file(&path);
            (held, narrowed, released)
        })
        .join()
        .expect("the connection's thread");
        assert!(
            narrowed >= released + (20 << 10),
            "SQLite's cache narrowed from about 40 MiB: resident {held} KiB with it, \
             {narrowed} KiB after narrowing, {released} KiB after the release"
        );
    }

    /// The server's purge runs on a thread of its own that never allocates; `mi_collect`
    /// does nothing on a thread whose heap mimalloc has not set up.
    #[test]
    #[allow(clippy::expect_used, reason = "tests fail loudly")]
    fn a_purge_from_a_thread_that_never_allocated_gives_freed_memory_back() {
        configure();
        serving();
        let (held, after) = resident_around_drop_purged_by(small_blocks, || {
            std::thread::Builder::new()
                .spawn(purge_freed)
                .expect("a thread")
                .join()
                .expect("the purge");
        });
        assert_small_blocks_left(held, after);
    }

    /// Before [`serving`], as during start-up, freed memory leaves with no purge called.
    #[test]
    fn what_start_up_frees_leaves_at_once() {
        configure();
        let (held, after) = resident_around_drop_purged_by(small_blocks, || {});
        assert_small_blocks_left(held, after);
    }

    #[test]
    fn freed_small_blocks_leave_after_the_delay() {
        configure();
        serving();
        // As a digest's rows: many small blocks, then all freed, and the thread idles.
        let (held, after) = resident_around_drop(small_blocks);
        assert_small_blocks_left(held, after);
    }
}
