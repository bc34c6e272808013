//! The sweeper: has the application write the deadline notices and the digests that have
//! fallen due (each once, however many sweepers run).

use gridline_app::AppResult;
use gridline_app::mail::{self, SweepReport};
use gridline_domain::digest::Period;

use crate::Notifier;

impl Notifier {
    /// Writes the deadline notices and digests due now.
    pub async fn sweep_once(&self) -> AppResult<SweepReport> {
        let report = mail::sweep(&self.app, self.digest_schedule()).await?;
        metrics::counter!("sweeper_runs_total").increment(1);
        metrics::counter!("notices_queued_total").increment(report.notices as u64);
        metrics::counter!("digests_queued_total").increment(report.digests as u64);
        Ok(report)
    }

    /// Queues the digest of `period` for every active leader (once per leader and period).
    pub async fn enqueue_digests(&self, period: Period) -> AppResult<usize> {
        mail::enqueue_digests(&self.app, period).await
    }
}
