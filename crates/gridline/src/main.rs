//! `gridline`: the composition root. Reads config, wires store, rules and API together.
//!
//! anyhow is used here and only here: errors end at this binary.

mod backup;
mod calendar_cmd;
mod clock;
mod config;
mod digest_cmd;
mod metrics;
mod seed;
mod seed_service;
mod server;
mod users;

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use chrono::{Datelike, Utc};
use clap::{Parser, Subcommand};
use gridline_app::auth::{ActorCache, AuthKeys, HashCost, LoginLimits};
use gridline_app::{AppState, Uploads};
use gridline_domain::calendar::ZONE;
use gridline_notifier::{Notifier, SmtpMailer, Templates};
use gridline_store::Store;
use tracing_subscriber::EnvFilter;

use crate::calendar_cmd::{CalendarCommand, calendar};
use crate::config::Config;
use crate::digest_cmd::{DigestCommand, digest};
use crate::users::{UserCommand, add_user, set_password};

#[derive(Parser)]
#[command(
    name = "gridline",
    version,
    about = "Gridline 网格通: enterprise-service ticketing"
)]
struct Cli {
    /// Folder holding default.toml, <env>.toml and calendars/.
    #[arg(
        long,
        env = "GRIDLINE_CONFIG_DIR",
        default_value = "config",
        global = true
    )]
    config_dir: PathBuf,
    /// Which environment's settings to layer on default.toml.
    #[arg(
        long = "env",
        env = "GRIDLINE_ENV",
        default_value = "development",
        global = true
    )]
    environment: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Applies pending migrations, then serves the API.
    Serve {
        /// Seed the demo zone if the database is empty.
        #[arg(long)]
        demo: bool,
    },
    /// Applies pending migrations and exits.
    Migrate,
    /// Copies the SQLite database to FILE while the server keeps serving (PostgreSQL: use
    /// pg_dump; see README, Operations).
    Backup {
        /// Where the copy goes (must not exist).
        file: std::path::PathBuf,
    },
    /// Restores a backup made by `gridline backup` into the configured SQLite database,
    /// which must be empty (no users), then applies pending migrations.
    Restore {
        /// The backup.
        file: std::path::PathBuf,
    },
    /// Manages users.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Fills the database.
    Seed {
        /// The demo zone: grids, departments, task forces, enterprises, a user per role,
        /// tickets in every state. Prints the demo password.
        #[arg(long, required = true)]
        demo: bool,
        /// Pretend it is this instant (RFC 3339) while seeding, for a reproducible demo.
        #[arg(long)]
        now: Option<chrono::DateTime<Utc>>,
    },
    /// Checks the working-day calendar.
    Calendar {
        #[command(subcommand)]
        command: CalendarCommand,
    },
    /// Runs the outbox worker and the deadline sweeper without serving HTTP (one per machine
    /// when several machines share a PostgreSQL database).
    Worker,
    /// Leaders' digests.
    Digest {
        #[command(subcommand)]
        command: DigestCommand,
    },
}

/// The log: text for people (the default), or one JSON object per line for a collector
/// (`[log] format = "json"`).
fn init_tracing(format: config::LogFormat) {
    // The access log (a line per request) goes to a collector, not to a person's terminal.
    let default = match format {
        config::LogFormat::Text => {
            "info,gridline::access=warn,sqlx=warn,sea_orm=warn,sea_orm_migration=warn"
        }
        config::LogFormat::Json => "info,sqlx=warn,sea_orm=warn,sea_orm_migration=warn",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        config::LogFormat::Text => builder.init(),
        config::LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .init(),
    }
}

fn main() -> anyhow::Result<()> {
    // The allocator's settings first, before the runtime's threads (see crates/alloc).
    gridline_alloc::configure();
    gridline_alloc::purge_every_second();
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(run())
}

async fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    // A long-running process purges start-up's garbage at once and switches to the delay
    // when it is ready (see crates/alloc); a one-shot command's idle memory does not
    // matter, so it runs with the delay from the start.
    if !matches!(cli.command, Command::Serve { .. } | Command::Worker) {
        gridline_alloc::serving();
    }
    let config = Config::load(&cli.config_dir, &cli.environment)?;
    init_tracing(config.settings.log.format);
    match cli.command {
        Command::Serve { demo } => serve(config, demo).await,
        Command::Backup { file } => crate::backup::backup(&config, &file).await,
        Command::Restore { file } => crate::backup::restore(&config, &file).await,
        Command::Migrate => {
            let store = open_store(&config).await?;
            store.migrate().await?;
            println!(
                "migrations applied: {}",
                store.applied_migrations().await?.join(", ")
            );
            Ok(())
        }
        Command::User {
            command: UserCommand::Add(args),
        } => add_user(config, args).await,
        Command::User {
            command: UserCommand::SetPassword { username },
        } => set_password(config, &username).await,
        Command::Seed { now, .. } => {
            config.check_demo_allowed()?;
            let store = open_store(&config).await?;
            store.migrate().await?;
            let auth = auth_keys(&config)?;
            match seed::demo(
                &store,
                &auth,
                &config.calendar()?,
                &config.settings.sla,
                match now {
                    Some(at) => at,
                    None => config.clock()?.now(),
                },
            )
            .await?
            {
                Some(report) => print!("{report}"),
                None => println!("the demo zone is already there; nothing done"),
            }
            Ok(())
        }
        Command::Calendar { command } => calendar(&config.calendar()?, command),
        Command::Worker => worker(config).await,
        Command::Digest { command } => digest(config, command).await,
    }
}

/// The application over `store`, as configured: what every door and command runs on.
pub(crate) fn app_state(config: &Config, store: Store) -> anyhow::Result<AppState> {
    Ok(AppState {
        store,
        auth: Arc::new(auth_keys(config)?),
        calendar: Arc::new(config.calendar()?),
        sla: Arc::new(config.settings.sla.clone()),
        clock: config.clock()?,
        actors: Arc::new(ActorCache::new(std::time::Duration::from_secs(
            config.settings.auth.actor_cache_secs,
        ))),
        notice: config.notifier().notice_policy(),
        uploads: Arc::new(Uploads::new(
            config.settings.server.max_concurrent_uploads,
            std::time::Duration::from_secs(config.settings.server.upload_wait_secs),
        )),
        directory: Arc::default(),
        digests: Arc::default(),
        visits: config.settings.visits,
        policies: Arc::new(config.settings.policies.clone()),
        appraisal: Arc::new(config.settings.appraisal.clone()),
        chat: Arc::new(config.settings.chat.clone()),
        ready_outbox_max_age: match config.settings.server.ready_outbox_max_age_secs {
            0 => None,
            secs => Some(chrono::Duration::seconds(
                i64::try_from(secs).unwrap_or(i64::MAX),
            )),
        },
    })
}

/// The mail door over the application.
pub(crate) fn notifier(config: &Config, app: AppState) -> anyhow::Result<Arc<Notifier>> {
    let settings = config.notifier();
    let mailer: Arc<dyn gridline_notifier::mailer::Mailer> = match settings.mail.transport {
        gridline_notifier::config::Transport::Smtp => Arc::new(
            SmtpMailer::new(&settings.mail).map_err(|e| anyhow::anyhow!("mail settings: {e}"))?,
        ),
        gridline_notifier::config::Transport::File => Arc::new(
            gridline_notifier::mailer::FileMailer::new(&settings.mail)
                .map_err(|e| anyhow::anyhow!("mail settings: {e}"))?,
        ),
    };
    Ok(Arc::new(Notifier {
        app,
        mailer,
        templates: Templates::new()?,
        config: settings,
        outage: Default::default(),
        chat_outage: Default::default(),
    }))
}

async fn worker(config: Config) -> anyhow::Result<()> {
    config.check_production()?;
    metrics::install(&config.settings.metrics.token)?;
    let store = open_store(&config).await?;
    store.migrate().await.context("applying migrations")?;
    let state = app_state(&config, store.clone())?;
    let n = notifier(&config, state.clone())?;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let mut tasks = n.spawn(stopped.clone());
    let listen = config.settings.metrics.worker_listen.trim();
    if !listen.is_empty() {
        tasks.push(metrics::serve_worker(listen, state, stopped).await?);
    }
    gridline_alloc::serving();
    tracing::info!("worker running");
    println!("gridline worker running");
    std::io::stdout().flush()?;
    shutdown_signal().await;
    let _ = stop.send(true);
    for t in tasks {
        let _ = t.await;
    }
    store.close().await;
    Ok(())
}

pub(crate) async fn open_store(config: &Config) -> anyhow::Result<Store> {
    let opts = config.store_options();
    if let Some(path) = opts
        .url
        .strip_prefix("sqlite://")
        .map(|p| p.split('?').next().unwrap_or(p))
        && let Some(parent) = std::path::Path::new(path).parent()
        && !parent.as_os_str().is_empty()
    {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating {}", parent.display()))?;
    }
    Store::connect(&opts)
        .await
        .with_context(|| "connecting to the database")
}

pub(crate) fn auth_keys(config: &Config) -> anyhow::Result<AuthKeys> {
    let a = &config.settings.auth;
    AuthKeys::new(
        a.jwt_secret.as_bytes(),
        a.token_ttl_secs,
        HashCost {
            m_cost: a.argon2_m_cost,
            t_cost: a.argon2_t_cost,
            p_cost: a.argon2_p_cost,
        },
        LoginLimits {
            per_account_per_minute: a.login_per_account_per_minute,
            per_address_per_minute: a.login_per_address_per_minute,
        },
    )
    .map_err(|e| anyhow::anyhow!("auth settings: {e}"))
}

async fn serve(config: Config, demo: bool) -> anyhow::Result<()> {
    config.check_production()?;
    if demo {
        config.check_demo_allowed()?;
    }
    let started = std::time::Instant::now();
    metrics::install(&config.settings.metrics.token)?;
    let store = open_store(&config).await?;
    store.migrate().await.context("applying migrations")?;
    // The migration's catch-up of the search index, if it had one, widened SQLite's cache.
    release_sqlite_memory().await;
    let state = app_state(&config, store.clone())?;
    let this_year = state.now().with_timezone(&ZONE).year();
    if !state.calendar.covers(this_year) {
        tracing::warn!(
            year = this_year,
            "no official calendar for this year: only weekends are days off until calendars/{this_year}.toml is added"
        );
    }
    if demo
        && let Some(report) = seed::demo(
            &store,
            &state.auth,
            &state.calendar,
            &config.settings.sla,
            state.now(),
        )
        .await?
    {
        println!("{report}");
    }
    let listener = tokio::net::TcpListener::bind(&config.settings.server.addr)
        .await
        .with_context(|| format!("binding {}", config.settings.server.addr))?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let mut background = if config.settings.worker.in_process {
        notifier(&config, state.clone())?.spawn(stopped.clone())
    } else {
        vec![]
    };
    background.push(search_indexer(store.clone(), stopped));
    tracing::info!(%addr, env = %config.env, ready_in_ms = started.elapsed().as_millis(), in_process_worker = config.settings.worker.in_process, "serving");
    let app = server::router(state);
    // Start-up's garbage is purged as it is freed; requests run with the purge delayed.
    gridline_alloc::serving();
    // Tests and scripts read this line to find the port.
    println!("gridline listening on http://{addr}");
    std::io::stdout().flush()?;
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await?;
    // Requests in flight are done; let the worker finish the batch in hand.
    let _ = stop.send(true);
    for task in background {
        let _ = task.await;
    }
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// Gives back the page cache SQLite widened to index and freed after: glibc's malloc,
/// which SQLite uses, would keep it (see `gridline_alloc::release_freed_c_memory`).
async fn release_sqlite_memory() {
    let _ = tokio::task::spawn_blocking(gridline_alloc::release_freed_c_memory).await;
}

/// Indexes newly filed tickets for search every second (on SQLite the filing leaves it
/// here; on PostgreSQL there is nothing left and each round is one read), then gives back
/// what a round that indexed freed.
fn search_indexer(
    store: gridline_store::Store,
    mut stop: tokio::sync::watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            match store.index_new_tickets().await {
                Ok(0) => {}
                Ok(_) => release_sqlite_memory().await,
                Err(e) => tracing::warn!(error = %e, "search indexer: database error; retrying"),
            }
            tokio::select! {
                _ = tokio::time::sleep(std::time::Duration::from_secs(1)) => {}
                _ = stop.changed() => {}
            }
            if *stop.borrow() {
                break;
            }
        }
    })
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
