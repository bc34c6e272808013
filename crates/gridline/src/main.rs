//! `gridline`: the composition root. Reads config, wires store, rules and API together.
//!
//! anyhow is used here and only here: errors end at this binary.

mod config;
mod seed;
mod server;

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, bail};
use chrono::{Datelike, NaiveDate, Utc};
use clap::{Args, Parser, Subcommand};
use gridline_app::auth::{ActorCache, AuthKeys, HashCost, LoginLimits};
use gridline_app::{AppState, SystemClock, Uploads};
use gridline_domain::calendar::ZONE;
use gridline_domain::digest::Period;
use gridline_domain::text::{Email, Name, NewPassword, Username};
use gridline_domain::{DepartmentId, GridId, Role, TaskForceId, UserId, WorkCalendar};
use gridline_notifier::{Notifier, SmtpMailer, Templates};
use gridline_store::Store;
use gridline_store::org::NewUser;
use tracing_subscriber::EnvFilter;

use crate::config::Config;

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

#[derive(Subcommand)]
enum DigestCommand {
    /// Renders one leader's digest as HTML on standard output, without sending or recording.
    Preview {
        #[arg(long)]
        leader: i64,
        /// `2026-W48` (ISO week) or `2026-11` (month).
        #[arg(long)]
        period: String,
    },
    /// Queues the digest of a period for every leader who has not had it, then sends.
    Send {
        #[arg(long)]
        period: String,
        /// Show who would get what, and send nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Creates a user. The password is read from GRIDLINE_PASSWORD or standard input.
    Add(UserAdd),
    /// Resets a user's password (read like `add`'s) and signs them out everywhere: every
    /// token and page session issued before is refused.
    SetPassword {
        #[arg(long)]
        username: String,
    },
}

#[derive(Args)]
struct UserAdd {
    #[arg(long)]
    username: String,
    #[arg(long)]
    display_name: String,
    /// admin | dispatcher | liaison | department_officer | task_force_member | tracker | leader
    #[arg(long)]
    role: String,
    #[arg(long)]
    email: Option<String>,
    #[arg(long)]
    department_id: Option<i64>,
    #[arg(long)]
    grid_id: Option<i64>,
    #[arg(long)]
    task_force_id: Option<i64>,
    /// A top leader sees the whole zone.
    #[arg(long)]
    top_leader: bool,
    /// A dispatcher of the service centre dispatches for every grid.
    #[arg(long)]
    service_centre: bool,
}

#[derive(Subcommand)]
enum CalendarCommand {
    /// Lists a year's statutory days off and make-up working days.
    Show { year: i32 },
    /// Prints the resolution deadline of a ticket accepted on DATE with a DAYS target.
    Due { date: NaiveDate, days: u32 },
}

fn init_tracing() {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn,sea_orm_migration=warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    init_tracing();
    let cli = Cli::parse();
    let config = Config::load(&cli.config_dir, &cli.environment)?;
    match cli.command {
        Command::Serve { demo } => serve(config, demo).await,
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
                now.unwrap_or_else(Utc::now),
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

async fn notifier(config: &Config, store: Store) -> anyhow::Result<Arc<Notifier>> {
    let settings = config.notifier();
    let mailer =
        SmtpMailer::new(&settings.mail).map_err(|e| anyhow::anyhow!("mail settings: {e}"))?;
    Ok(Arc::new(Notifier {
        store,
        mailer: Arc::new(mailer),
        templates: Templates::new()?,
        calendar: Arc::new(config.calendar()?),
        config: settings,
        now: Arc::new(Utc::now),
    }))
}

async fn worker(config: Config) -> anyhow::Result<()> {
    config.check_production()?;
    let store = open_store(&config).await?;
    store.migrate().await.context("applying migrations")?;
    let n = notifier(&config, store.clone()).await?;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let tasks = n.spawn(stopped);
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

async fn digest(config: Config, command: DigestCommand) -> anyhow::Result<()> {
    let store = open_store(&config).await?;
    store.migrate().await?;
    let n = notifier(&config, store.clone()).await?;
    let parse = |p: &str| {
        Period::parse(p).with_context(|| format!("period {p:?}: expected 2026-W48 or 2026-11"))
    };
    match command {
        DigestCommand::Preview { leader, period } => {
            let d = gridline_notifier::digest::build(
                &n.store,
                &n.templates,
                &n.calendar,
                &n.config.mail.base_url,
                UserId(leader),
                parse(&period)?,
            )
            .await?
            .with_context(|| format!("user {leader} is not an active leader"))?;
            print!("{}", d.html);
        }
        DigestCommand::Send { period, dry_run } => {
            let period = parse(&period)?;
            if dry_run {
                for leader in store
                    .users(Some(Role::Leader))
                    .await?
                    .into_iter()
                    .filter(|u| u.active)
                {
                    let d = gridline_notifier::digest::build(
                        &n.store,
                        &n.templates,
                        &n.calendar,
                        &n.config.mail.base_url,
                        UserId(leader.id),
                        period,
                    )
                    .await?;
                    if let Some(d) = d {
                        println!(
                            "would send to {} <{}>: {} (filed {}, resolved {}, overdue {}; {} bytes of xlsx)",
                            d.leader.display_name,
                            d.leader.email.as_deref().unwrap_or("no address"),
                            d.subject,
                            d.stats.filed,
                            d.stats.resolved,
                            d.stats.overdue_at_end,
                            d.xlsx.bytes.len()
                        );
                    }
                }
                return Ok(());
            }
            let queued = n.enqueue_digests(period).await?;
            println!(
                "queued {queued} digest(s) for {period} (leaders who already had it are skipped)"
            );
            let report = n.drain().await?;
            println!(
                "outbox drained: sent {} message(s) (these digests and anything else waiting), failed {} (will retry), dead {}, skipped {}",
                report.sent, report.failed, report.dead, report.skipped
            );
        }
    }
    store.close().await;
    Ok(())
}

async fn open_store(config: &Config) -> anyhow::Result<Store> {
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

fn auth_keys(config: &Config) -> anyhow::Result<AuthKeys> {
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
    let calendar = config.calendar()?;
    let this_year = Utc::now().with_timezone(&ZONE).year();
    if !calendar.covers(this_year) {
        tracing::warn!(
            year = this_year,
            "no official calendar for this year: only weekends are days off until calendars/{this_year}.toml is added"
        );
    }
    let store = open_store(&config).await?;
    store.migrate().await.context("applying migrations")?;
    let auth = Arc::new(auth_keys(&config)?);
    if demo
        && let Some(report) =
            seed::demo(&store, &auth, &calendar, &config.settings.sla, Utc::now()).await?
    {
        println!("{report}");
    }
    let state = AppState {
        store: store.clone(),
        auth,
        calendar: Arc::new(calendar),
        sla: Arc::new(config.settings.sla.clone()),
        clock: Arc::new(SystemClock),
        actors: Arc::new(ActorCache::new(std::time::Duration::from_secs(
            config.settings.auth.actor_cache_secs,
        ))),
        notice: config.notifier().notice_policy(),
        uploads: Arc::new(Uploads::new(
            config.settings.server.max_concurrent_uploads,
            std::time::Duration::from_secs(config.settings.server.upload_wait_secs),
        )),
    };
    let listener = tokio::net::TcpListener::bind(&config.settings.server.addr)
        .await
        .with_context(|| format!("binding {}", config.settings.server.addr))?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let background = if config.settings.worker.in_process {
        notifier(&config, store.clone()).await?.spawn(stopped)
    } else {
        vec![]
    };
    tracing::info!(%addr, env = %config.env, ready_in_ms = started.elapsed().as_millis(), in_process_worker = !background.is_empty(), "serving");
    // Tests and scripts read this line to find the port.
    println!("gridline listening on http://{addr}");
    std::io::stdout().flush()?;
    axum::serve(
        listener,
        server::router(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
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

async fn add_user(config: Config, args: UserAdd) -> anyhow::Result<()> {
    let role = Role::parse(&args.role).with_context(|| format!("unknown role {}", args.role))?;
    let username = Username::parse(&args.username)?;
    let display_name = Name::parse(&args.display_name)?;
    let email = args.email.as_deref().map(Email::parse).transpose()?;
    let password = read_password()?;
    let store = open_store(&config).await?;
    store.migrate().await?;
    let auth = auth_keys(&config)?;
    let hash = auth
        .hash_password(password.expose())
        .map_err(|e| anyhow::anyhow!(e))?;
    let user = store
        .create_user(
            NewUser {
                username: username.as_str().to_owned(),
                display_name: display_name.into_inner(),
                password_hash: hash,
                role,
                email: email.map(|e| e.as_str().to_owned()),
                department_id: args.department_id.map(DepartmentId),
                grid_id: args.grid_id.map(GridId),
                task_force_id: args.task_force_id.map(TaskForceId),
                top_leader: args.top_leader,
                service_centre: args.service_centre,
            },
            Utc::now(),
        )
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    println!(
        "created user {} ({}) with id {}",
        user.username, user.role, user.id
    );
    Ok(())
}

/// A new password from GRIDLINE_PASSWORD or standard input, checked by the password rules.
fn read_password() -> anyhow::Result<NewPassword> {
    let password = match std::env::var("GRIDLINE_PASSWORD") {
        Ok(p) => p,
        Err(_) => {
            eprintln!("password (read from standard input):");
            let mut line = String::new();
            std::io::stdin().read_line(&mut line)?;
            line.trim_end_matches(['\r', '\n']).to_owned()
        }
    };
    Ok(NewPassword::parse(&password)?)
}

async fn set_password(config: Config, username: &str) -> anyhow::Result<()> {
    let password = read_password()?;
    let store = open_store(&config).await?;
    store.migrate().await?;
    let user = store
        .user_by_username(username)
        .await?
        .with_context(|| format!("no user {username}"))?;
    let hash = auth_keys(&config)?
        .hash_password(password.expose())
        .map_err(|e| anyhow::anyhow!(e))?;
    store.set_password(UserId(user.id), hash).await?;
    println!("password of {username} reset; every earlier session of theirs is signed out");
    Ok(())
}

fn calendar(cal: &WorkCalendar, command: CalendarCommand) -> anyhow::Result<()> {
    match command {
        CalendarCommand::Show { year } => {
            if !cal.covers(year) {
                bail!(
                    "no calendar for {year}: add calendars/{year}.toml from the State Council's notice; loaded years: {:?}",
                    cal.years().collect::<Vec<_>>()
                );
            }
            println!("{year} 法定节假日 / statutory days off:");
            for d in cal.off_days(year) {
                println!("  {d} {}", weekday_zh(d));
            }
            println!("{year} 调休上班 / make-up working days:");
            for d in cal.makeup_days(year) {
                println!("  {d} {}", weekday_zh(d));
            }
            let working = NaiveDate::from_ymd_opt(year, 1, 1)
                .map(|start| {
                    start
                        .iter_days()
                        .take_while(|d| d.year() == year)
                        .filter(|d| cal.is_working_day(*d))
                        .count()
                })
                .unwrap_or(0);
            println!("{year} 工作日合计 / working days in all: {working}");
            Ok(())
        }
        CalendarCommand::Due { date, days } => {
            if days == 0 {
                bail!("the target must be at least 1 working day");
            }
            let accepted = gridline_domain::calendar::local_instant(date, cal.hours().start);
            let due = cal.resolution_due(accepted, days).with_timezone(&ZONE);
            println!(
                "accepted {date}, {days} working day(s): due {} {} (Asia/Shanghai)",
                due.format("%Y-%m-%d %H:%M"),
                weekday_zh(due.date_naive())
            );
            Ok(())
        }
    }
}

fn weekday_zh(d: NaiveDate) -> &'static str {
    ["周一", "周二", "周三", "周四", "周五", "周六", "周日"]
        [d.weekday().num_days_from_monday() as usize]
}
