//! `make bench`: for each engine and size, seeds a fresh database, starts the release
//! `gridline serve`, drives HTTP load from this (separate) process for a fixed time per
//! case, and reports req/s with p50 and p99, memory and start-up time. Results go to
//! `bench/results/<date>-<engine>.json`. Nothing here is asserted: targets are reported.

mod register;
mod seed;
mod server;
mod table;

use server::{login, rss_mb, start_server};
use table::print_table;

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use chrono::Utc;
use clap::Parser;
use sea_orm::{ConnectionTrait, Database};
use serde::Serialize;
use serde_json::json;

#[derive(Parser)]
#[command(about = "Gridline benchmarks")]
struct Args {
    /// 10 000 tickets only, a few seconds a case.
    #[arg(long)]
    quick: bool,
    /// Engines to run: sqlite, postgres.
    #[arg(long, value_delimiter = ',', default_value = "sqlite,postgres")]
    engines: Vec<String>,
    /// Ticket counts (default 10000,100000,1000000; --quick: 10000).
    #[arg(long, value_delimiter = ',')]
    sizes: Vec<i64>,
    /// Seconds per case (default 5; --quick: 2).
    #[arg(long)]
    seconds: Option<u64>,
    /// The release binary.
    #[arg(long, default_value = "target/release/gridline")]
    binary: PathBuf,
    /// PostgreSQL server (the bench creates and drops its own database there).
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432")]
    pg: String,
}

#[derive(Debug, Clone, Serialize)]
struct CaseResult {
    case: String,
    concurrency: usize,
    requests: usize,
    errors: usize,
    req_per_s: f64,
    p50_ms: f64,
    p99_ms: f64,
}

#[derive(Debug, Serialize)]
struct SizeResult {
    tickets: i64,
    /// The rows loaded and their indexes built (`COPY` on PostgreSQL).
    seed_seconds: f64,
    /// The search index written for the loaded tickets, as an upgrade writes it (and on
    /// PostgreSQL the vacuum and statistics that follow a bulk load).
    search_index_seconds: f64,
    startup_ms: f64,
    idle_rss_mb: f64,
    /// The private part of it (the rest is the binary's code, shared and reclaimable).
    idle_rss_anon_mb: f64,
    peak_rss_mb: f64,
    cases: Vec<CaseResult>,
    digest_ms: f64,
    /// A leader's first dashboard (the month's numbers for the zone, computed), and the
    /// server's peak RSS just after it.
    first_dashboard_ms: f64,
    first_dashboard_rss_mb: f64,
    /// Importing a 10 000-row register file (CSV, all new enterprises), in one request.
    import_10k_ms: f64,
}

/// The path of the `seq`th request of a read case.
type PathFor = Box<dyn Fn(u64) -> String + Send + Sync>;

type MakeRequest = Arc<dyn Fn(&reqwest::Client, u64) -> reqwest::RequestBuilder + Send + Sync>;

async fn drive(name: &str, concurrency: usize, secs: u64, make: MakeRequest) -> CaseResult {
    // No redirects: a page that sends to the login form is an error, not a success.
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap_or_default();
    let deadline = Instant::now() + Duration::from_secs(secs);
    let mut tasks = Vec::new();
    for worker in 0..concurrency {
        let client = client.clone();
        let make = make.clone();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut errors = 0;
            let mut seq = worker as u64 * 1_000_003;
            while Instant::now() < deadline {
                seq += 1;
                let t = Instant::now();
                match make(&client, seq).send().await {
                    Ok(r) if r.status().is_success() => {
                        let _ = r.bytes().await;
                        lat.push(t.elapsed().as_micros() as u64);
                    }
                    _ => errors += 1,
                }
            }
            (lat, errors)
        }));
    }
    let mut all = Vec::new();
    let mut errors = 0;
    for t in tasks {
        if let Ok((l, e)) = t.await {
            all.extend(l);
            errors += e;
        }
    }
    all.sort_unstable();
    let pct = |p: f64| {
        all.get(((all.len() as f64 * p) as usize).min(all.len().saturating_sub(1)))
            .map_or(0.0, |v| *v as f64 / 1000.0)
    };
    CaseResult {
        case: name.into(),
        concurrency,
        requests: all.len(),
        errors,
        req_per_s: all.len() as f64 / secs as f64,
        p50_ms: pct(0.50),
        p99_ms: pct(0.99),
    }
}

async fn run_size(args: &Args, engine: &str, n: i64, secs: u64) -> anyhow::Result<SizeResult> {
    let dir = PathBuf::from("target/bench");
    std::fs::create_dir_all(&dir)?;
    let url = match engine {
        "sqlite" => {
            let path = dir.join("bench.db");
            for ext in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{ext}", path.display()));
            }
            format!("sqlite://{}?mode=rwc", path.display())
        }
        _ => {
            let admin = Database::connect(format!("{}/postgres", args.pg)).await?;
            admin
                .execute_unprepared("DROP DATABASE IF EXISTS gridline_bench WITH (FORCE)")
                .await?;
            admin
                .execute_unprepared("CREATE DATABASE gridline_bench")
                .await?;
            format!("{}/gridline_bench", args.pg)
        }
    };
    // Migrate and take a real password hash from the binary itself.
    let status = Command::new(&args.binary)
        .args([
            "user",
            "add",
            "--username",
            "hashsource",
            "--display-name",
            "h",
            "--role",
            "tracker",
        ])
        .env("GRIDLINE__DATABASE__URL", &url)
        .env("GRIDLINE_PASSWORD", "bench-password")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .status()?;
    if !status.success() {
        bail!("user add failed");
    }
    let db = Database::connect(&url).await?;
    let hash: String = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT password_hash FROM users WHERE username = 'hashsource'",
        ))
        .await?
        .context("hash")?
        .try_get("", "password_hash")?;
    db.execute_unprepared("DELETE FROM users").await?;
    let t = Instant::now();
    eprintln!("  seeding {n} tickets on {engine} ...");
    let seeded = seed::seed(&db, n, &hash).await?;
    let seed_seconds = t.elapsed().as_secs_f64();
    eprintln!("  seeded in {seed_seconds:.1}s");
    let t = Instant::now();
    // The rows went around the filing path: index them for search as an upgrade would.
    let store = gridline_store::Store::connect(&gridline_store::StoreOptions {
        url: url.clone(),
        max_connections: 2,
        acquire_timeout: Duration::from_secs(30),
    })
    .await?;
    store.reset_search_backlog().await?;
    store.index_search_backlog().await?;
    store.close().await;
    // A bulk load is followed by what autovacuum would do in time (this machine's
    // PostgreSQL runs without it): fresh statistics, which the planner reads to tell a
    // common search term from a rare one, and the visibility map set, without which an
    // index-only scan (the dashboard's live counts) visits the table for every entry.
    // Then a checkpoint, so that the load's own are over before the first case rather than
    // writing beside it: with the default `max_wal_size` (1 GB) the load started one every
    // 10 to 25 s, and the last ran on for up to a minute into the cases (PostgreSQL's log).
    // It needs a superuser or `pg_checkpoint`; without either the cases run beside it.
    if engine == "postgres" {
        db.execute_unprepared("VACUUM (ANALYZE)").await?;
        if let Err(e) = db.execute_unprepared("CHECKPOINT").await {
            eprintln!("  no checkpoint after the load: {e}");
        }
    }
    let search_index_seconds = t.elapsed().as_secs_f64();
    eprintln!("  search index written in {search_index_seconds:.1}s");

    let server = start_server(&args.binary, &url).await?;
    let pid = server.child.id();
    let base = server.base.clone();
    let client = reqwest::Client::new();
    let leader = login(&client, &base, "leader0").await?;
    let liaison = login(&client, &base, "liaison0").await?;
    // Idle: two seconds without a request (the allocator gives back what the logins'
    // hashing freed within a second; see crates/alloc).
    tokio::time::sleep(Duration::from_secs(2)).await;
    let idle_rss_mb = rss_mb(pid, "VmRSS:");
    let idle_rss_anon_mb = rss_mb(pid, "RssAnon:");

    let mut cases = Vec::new();
    let tickets = seeded.tickets.max(1) as u64;
    let depts = seeded.departments as u64;
    let ent = seeded.liaison_enterprise;
    for c in [1usize, 32] {
        let (b, tok) = (base.clone(), liaison.clone());
        let make: MakeRequest = Arc::new(move |cl, seq| {
            cl.post(format!("{b}/api/v1/tickets")).bearer_auth(&tok).json(&json!({
                "enterprise_id": ent, "category": "land", "priority": "normal",
                "title": format!("压测工单{seq}"), "description": "企业反映土地平整问题,请协调。"
            }))
        });
        cases.push(drive(&format!("create c={c}"), c, secs, make).await);
    }
    let reads: Vec<(&str, PathFor)> = vec![
        (
            "get by id",
            Box::new(move |seq| {
                format!(
                    "/api/v1/tickets/{}",
                    seq.wrapping_mul(2_654_435_761) % tickets + 1
                )
            }),
        ),
        (
            "list status+department",
            Box::new(move |seq| {
                format!(
                    "/api/v1/tickets?status=accepted&department_id={}&limit=25",
                    seq % depts + 1
                )
            }),
        ),
        (
            "list by deadline",
            Box::new(|_| "/api/v1/tickets?sort=deadline&limit=25".into()),
        ),
        (
            "overdue=true",
            Box::new(|_| "/api/v1/tickets?overdue=true&limit=25".into()),
        ),
        (
            "search q=土地",
            Box::new(|_| "/api/v1/tickets?q=%E5%9C%9F%E5%9C%B0&limit=25".into()),
        ),
        (
            // A term no ticket holds: the worst case, every row looked at.
            "search q=钨矿 (rare)",
            Box::new(|_| "/api/v1/tickets?q=%E9%92%A8%E7%9F%BF&limit=25".into()),
        ),
        // The server's floor on this machine: the ratio of a read to it is what the
        // server adds, whatever the machine.
        ("healthz", Box::new(|_| "/healthz".into())),
    ];
    let officer = login(&client, &base, "officer0").await?;
    let reads = reads
        .into_iter()
        .map(|(name, path)| (name, leader.clone(), path));
    // The read the inbox page wraps: an officer's department, own and co-handled, nearest
    // deadline first, 100 rows (the page also leaves out the closed ones).
    let inbox_read: PathFor = Box::new(|_| "/api/v1/tickets?sort=deadline&limit=100".into());
    let reads = reads.chain([("list: officer, deadline, 100", officer.clone(), inbox_read)]);
    for (name, token, path) in reads {
        let b = base.clone();
        let path = Arc::new(path);
        let make: MakeRequest =
            Arc::new(move |cl, seq| cl.get(format!("{b}{}", path(seq))).bearer_auth(&token));
        cases.push(drive(name, 32, secs, make).await);
    }
    // A leader's first dashboard of the month: the period's numbers computed over the table.
    // Its peak RSS is its own: the server's high-water mark is reset first (Linux, writing
    // 5 to `clear_refs`), after the load cases' peak has been read.
    let load_peak_rss_mb = rss_mb(pid, "VmHWM:");
    let _ = std::fs::write(format!("/proc/{pid}/clear_refs"), "5");
    let t = Instant::now();
    let first = client
        .get(format!("{base}/dashboard"))
        .header("cookie", format!("gl_session={leader}; gl_sid=bench"))
        .send()
        .await?;
    anyhow::ensure!(first.status().is_success(), "dashboard: {}", first.status());
    let _ = first.bytes().await?;
    let first_dashboard_ms = t.elapsed().as_secs_f64() * 1000.0;
    let first_dashboard_rss_mb = rss_mb(pid, "VmHWM:");
    eprintln!(
        "  first dashboard in {first_dashboard_ms:.0} ms, peak RSS {first_dashboard_rss_mb:.0} MB"
    );
    // The pages, as a browser asks for them (session cookie; the CSRF id is any value).
    let pages: Vec<(&str, String, usize, PathFor)> = vec![
        (
            "page: ticket",
            leader.clone(),
            32,
            Box::new(move |seq| {
                format!("/tickets/{}", seq.wrapping_mul(2_654_435_761) % tickets + 1)
            }),
        ),
        (
            "page: list",
            leader.clone(),
            32,
            Box::new(|_| "/tickets".into()),
        ),
        ("page: inbox", officer, 32, Box::new(|_| "/inbox".into())),
        (
            "page: dashboard",
            leader.clone(),
            4,
            Box::new(|_| "/dashboard".into()),
        ),
    ];
    for (name, token, c, path) in pages {
        let b = base.clone();
        let cookie = format!("gl_session={token}; gl_sid=bench");
        let path = Arc::new(path);
        let make: MakeRequest = Arc::new(move |cl, seq| {
            cl.get(format!("{b}{}", path(seq)))
                .header("cookie", cookie.as_str())
        });
        cases.push(drive(name, c, secs, make).await);
    }
    let peak_rss_mb = rss_mb(pid, "VmHWM:").max(load_peak_rss_mb);
    let import_10k_ms = register::import_10k(&client, &base).await?;
    eprintln!("  imported 10 000 register rows in {import_10k_ms:.0} ms");

    // One leader's (the top leader's: the whole zone) weekly digest, computed over the table.
    let store = gridline_store::Store::connect(&gridline_store::StoreOptions {
        url: url.clone(),
        max_connections: 4,
        acquire_timeout: Duration::from_secs(30),
    })
    .await?;
    let (_, actor) = store
        .actor(gridline_domain::UserId(31))
        .await?
        .context("top leader")?;
    let calendar =
        gridline_domain::WorkCalendar::new(vec![], gridline_domain::WorkingHours::default())
            .map_err(|e| anyhow::anyhow!("{e}"))?;
    let period = gridline_domain::digest::Period::week_before(Utc::now().date_naive());
    let mut times = Vec::new();
    for _ in 0..3 {
        let t = Instant::now();
        gridline_app::digest::stats_for(
            &store,
            &calendar,
            &gridline_domain::Scope::of(&actor),
            period,
        )
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    drop(server);
    // Start-up to ready on the seeded database (migrations checked, none pending).
    let startup_ms = start_server(&args.binary, &url).await?.startup_ms;
    Ok(SizeResult {
        tickets: n,
        seed_seconds,
        search_index_seconds,
        startup_ms,
        idle_rss_mb,
        idle_rss_anon_mb,
        peak_rss_mb,
        cases,
        digest_ms: times[1],
        first_dashboard_ms,
        first_dashboard_rss_mb,
        import_10k_ms,
    })
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let sizes = if !args.sizes.is_empty() {
        args.sizes.clone()
    } else if args.quick {
        vec![10_000]
    } else {
        vec![10_000, 100_000, 1_000_000]
    };
    let secs = args.seconds.unwrap_or(if args.quick { 2 } else { 5 });
    std::fs::create_dir_all("bench/results")?;
    for engine in &args.engines {
        eprintln!("{engine}:");
        let mut results = Vec::new();
        for &n in &sizes {
            results.push(run_size(&args, engine, n, secs).await?);
        }
        print_table(engine, &results);
        let cpu = std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with("model name"))
                    .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
            })
            .unwrap_or_default();
        let out = json!({
            "engine": engine,
            "date": Utc::now().to_rfc3339(),
            "machine": {"cpus": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0), "cpu": cpu},
            "seconds_per_case": secs,
            "results": results,
        });
        let path = format!(
            "bench/results/{}-{engine}.json",
            Utc::now().format("%Y-%m-%d")
        );
        std::fs::write(&path, serde_json::to_string_pretty(&out)?)?;
        eprintln!("wrote {path}");
    }
    Ok(())
}
