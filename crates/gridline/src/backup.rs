//! `gridline backup` and `gridline restore`: a consistent copy of the SQLite database taken
//! while the server serves, and its restoration into an empty database.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, anyhow, bail};

use crate::config::Config;

/// The SQLite file a `sqlite://` URL names, if it names one.
fn sqlite_path(url: &str) -> Option<PathBuf> {
    url.strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .map(|p| PathBuf::from(p.split('?').next().unwrap_or(p)))
}

/// `gridline backup FILE`.
pub async fn backup(config: &Config, file: &Path) -> anyhow::Result<()> {
    if sqlite_path(&config.store_options().url).is_none() {
        bail!(
            "gridline backup copies SQLite databases; back up PostgreSQL with pg_dump -Fc (see README, Operations)"
        );
    }
    if file.exists() {
        bail!(
            "{} exists: a backup is written to a new file",
            file.display()
        );
    }
    let store = crate::open_store(config).await?;
    store
        .backup_sqlite(file)
        .await
        .map_err(|e| anyhow!("backing up to {}: {e}", file.display()))?;
    let size = std::fs::metadata(file).map(|m| m.len()).unwrap_or(0);
    println!("backup written: {} ({} KB)", file.display(), size / 1024);
    Ok(())
}

/// `gridline restore FILE`.
pub async fn restore(config: &Config, file: &Path) -> anyhow::Result<()> {
    let Some(target) = sqlite_path(&config.store_options().url) else {
        bail!(
            "gridline restore restores SQLite backups; restore PostgreSQL with pg_restore (see README, Operations)"
        );
    };
    if !file.is_file() {
        bail!("{} is not a file", file.display());
    }
    // Only into an empty database: never over someone's data.
    if target.exists() {
        let existing = crate::open_store(config).await?;
        let users = existing.users(None).await.unwrap_or_default();
        existing.close().await;
        if !users.is_empty() {
            bail!(
                "{} holds data ({} users): restore goes into an empty database; move it aside first",
                target.display(),
                users.len()
            );
        }
        for suffix in ["", "-wal", "-shm"] {
            let p = PathBuf::from(format!("{}{suffix}", target.display()));
            if p.exists() {
                std::fs::remove_file(&p).with_context(|| format!("removing {}", p.display()))?;
            }
        }
    }
    if let Some(parent) = target.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    // `gridline backup` wrote a self-contained file (VACUUM INTO): a copy is the restore.
    std::fs::copy(file, &target)
        .with_context(|| format!("copying {} to {}", file.display(), target.display()))?;
    let store = crate::open_store(config).await?;
    let applied = store.applied_migrations().await.unwrap_or_default();
    if applied.is_empty() {
        store.close().await;
        let _ = std::fs::remove_file(&target);
        bail!(
            "{} is not a Gridline backup (no migrations)",
            file.display()
        );
    }
    store.migrate().await.context("applying migrations")?;
    let users = store.users(None).await?.len();
    println!(
        "restored {} into {} ({users} users); migrations applied",
        file.display(),
        target.display()
    );
    Ok(())
}
