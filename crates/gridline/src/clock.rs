//! The time source the binary gives the application: the system clock, or — in development
//! and tests — a clock a file sets, so a test can move a running server days ahead.

use std::path::PathBuf;
use std::time::SystemTime;

use anyhow::Context;
use chrono::{DateTime, Utc};
use gridline_app::Clock;

/// Time as a file says: the instant written in it, plus the time since it was written.
#[derive(Debug)]
pub struct FileClock {
    path: PathBuf,
}

impl FileClock {
    /// A clock read from `path`, which must hold an instant now.
    pub fn open(path: PathBuf) -> anyhow::Result<Self> {
        let clock = Self { path };
        clock
            .read()
            .with_context(|| format!("the clock file {}", clock.path.display()))?;
        Ok(clock)
    }

    fn read(&self) -> anyhow::Result<DateTime<Utc>> {
        let text = std::fs::read_to_string(&self.path)?;
        let written = std::fs::metadata(&self.path)?.modified()?;
        let set = DateTime::parse_from_rfc3339(text.trim())
            .with_context(|| format!("{:?} is not an RFC 3339 instant", text.trim()))?
            .with_timezone(&Utc);
        let since = SystemTime::now()
            .duration_since(written)
            .unwrap_or_default();
        Ok(set + chrono::Duration::from_std(since)?)
    }
}

impl Clock for FileClock {
    fn now(&self) -> DateTime<Utc> {
        match self.read() {
            Ok(t) => t,
            Err(e) => {
                // The file was readable at start; a test rewriting it can be caught between
                // truncation and write. The system time is the one answer left.
                tracing::warn!(error = %e, path = %self.path.display(), "clock file unreadable; using the system time");
                Utc::now()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests fail loudly")]

    use super::*;

    #[test]
    fn the_file_sets_the_time_and_time_runs_on() {
        let dir = std::env::temp_dir().join(format!("gridline-clock-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("now");
        std::fs::write(&path, "2031-03-02T08:00:00Z\n").unwrap();
        let clock = FileClock::open(path.clone()).unwrap();
        let set = DateTime::parse_from_rfc3339("2031-03-02T08:00:00Z").unwrap();
        let a = clock.now();
        assert!(a >= set && a < set + chrono::Duration::seconds(5), "{a}");
        std::thread::sleep(std::time::Duration::from_millis(20));
        assert!(clock.now() > a, "time runs on from the instant written");
        std::fs::write(&path, "2031-03-12T08:00:00Z").unwrap();
        assert!(clock.now() >= set + chrono::Duration::days(10));
        std::fs::write(&path, "yesterday").unwrap();
        assert!(
            FileClock::open(path).is_err(),
            "a file that is not an instant is refused"
        );
        std::fs::remove_dir_all(dir).unwrap();
    }
}
