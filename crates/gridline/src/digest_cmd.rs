//! `gridline digest …`: preview a leader's digest, or send a period's by hand.

use anyhow::Context;
use clap::Subcommand;
use gridline_app::mail::Prepared;
use gridline_domain::UserId;
use gridline_domain::digest::Period;

use crate::config::Config;
use crate::{app_state, notifier, open_store};

#[derive(Subcommand)]
pub enum DigestCommand {
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

pub async fn digest(config: Config, command: DigestCommand) -> anyhow::Result<()> {
    let store = open_store(&config).await?;
    store.migrate().await?;
    let n = notifier(&config, app_state(&config, store.clone())?)?;
    let parse = |p: &str| {
        Period::parse(p).with_context(|| format!("period {p:?}: expected 2026-W48 or 2026-11"))
    };
    match command {
        DigestCommand::Preview { leader, period } => {
            let Prepared::Ready(d) = gridline_notifier::digest::build(
                &n.app,
                &n.templates,
                &n.config.mail.base_url,
                UserId(leader),
                parse(&period)?,
            )
            .await?
            else {
                anyhow::bail!("user {leader} is not an active leader");
            };
            print!("{}", d.html);
        }
        DigestCommand::Send { period, dry_run } => {
            let period = parse(&period)?;
            if dry_run {
                for leader in gridline_app::mail::active_leaders(&n.app).await? {
                    let d = gridline_notifier::digest::build(
                        &n.app,
                        &n.templates,
                        &n.config.mail.base_url,
                        UserId(leader.id),
                        period,
                    )
                    .await?;
                    if let Prepared::Ready(d) = d {
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
