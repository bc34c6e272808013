//! Appraisal (考核) and the circulated bulletin (通报): each department's score for a period
//! from weighted indicators, the red and black lists (红黑榜), and the tickets named for
//! chronic lateness. Pure: the numbers come from the digest's aggregation
//! ([`crate::digest::compute`]); nothing here reads a clock or a database.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::digest::{DepartmentLine, DigestStats, OverdueLine};
use crate::ids::{DepartmentId, UserId};

string_enum! {
    /// What a department is measured on; each is a share in [0, 1], higher is better.
    Indicator {
        /// Signed within the response deadline, of those signed.
        Signing = "signing" / "按时签收率",
        /// Resolved within the resolution deadline, of those resolved.
        Resolution = "resolution" / "按时办结率",
        /// Satisfied or basically satisfied, of the verdicts recorded.
        Satisfaction = "satisfaction" / "满意率",
        /// Not returned, of the tickets it signed or returned.
        Returns = "returns" / "未退回率",
        /// Not reopened, of those resolved.
        Reopenings = "reopenings" / "未重办率",
        /// Not overdue at the period's end, of those resolved on time or overdue.
        Overdue = "overdue" / "未超期率",
        /// Co-handling opinions given on time, of those owed.
        CoReplies = "co_replies" / "协办按时回复率",
    }
}

/// How departments are scored and what the bulletin names (config `[appraisal]`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppraisalPolicy {
    /// Points per indicator; they add up to 100.
    pub weights: BTreeMap<Indicator, f64>,
    /// How many departments the red list and the black list each name.
    #[serde(default = "default_list_size")]
    pub list_size: usize,
    /// A ticket overdue this many working days beyond the day supervision (督办) starts is
    /// named in the bulletin (通报).
    #[serde(default = "default_named_after_days")]
    pub named_after_days: u32,
}

const fn default_list_size() -> usize {
    3
}

const fn default_named_after_days() -> u32 {
    5
}

impl Default for AppraisalPolicy {
    fn default() -> Self {
        let weights = [
            (Indicator::Signing, 15.0),
            (Indicator::Resolution, 30.0),
            (Indicator::Satisfaction, 25.0),
            (Indicator::Returns, 10.0),
            (Indicator::Reopenings, 10.0),
            (Indicator::Overdue, 5.0),
            (Indicator::CoReplies, 5.0),
        ];
        Self {
            weights: weights.into_iter().collect(),
            list_size: default_list_size(),
            named_after_days: default_named_after_days(),
        }
    }
}

impl AppraisalPolicy {
    /// Every weight is finite and not negative, and together they make 100 points.
    pub fn validate(&self) -> Result<(), String> {
        if self.weights.values().any(|w| !w.is_finite() || *w < 0.0) {
            return Err("appraisal.weights: each weight is a number of points, 0 or more".into());
        }
        let total: f64 = self.weights.values().sum();
        if (total - 100.0).abs() > 1e-6 {
            return Err(format!(
                "appraisal.weights: the weights add up to {total}, not 100"
            ));
        }
        Ok(())
    }
}

/// One indicator of one department's score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndicatorScore {
    pub indicator: Indicator,
    /// The share achieved; `None` when the department had nothing this indicator measures
    /// (it then earns the indicator's full points: nothing went wrong).
    pub value: Option<f64>,
    pub weight: f64,
    /// `weight × value` (or the weight, when not applicable).
    pub points: f64,
}

/// A department's score for a period: the sum of its indicators' points (0–100).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DepartmentScore {
    pub department_id: DepartmentId,
    pub indicators: Vec<IndicatorScore>,
    pub score: f64,
    /// Whether the department had any work in the period (only those are listed red or black).
    pub active: bool,
}

fn share(good: u32, whole: u32) -> Option<f64> {
    (whole > 0).then(|| f64::from(good.min(whole)) / f64::from(whole))
}

/// The value of one indicator for a department's line.
pub fn indicator_value(i: Indicator, l: &DepartmentLine) -> Option<f64> {
    match i {
        Indicator::Signing => share(l.signed_on_time, l.signed),
        Indicator::Resolution => share(l.resolved_on_time, l.resolved),
        Indicator::Satisfaction => share(
            l.satisfied + l.basically_satisfied,
            l.satisfied + l.basically_satisfied + l.unsatisfied,
        ),
        Indicator::Returns => share(l.signed, l.signed + l.returns),
        Indicator::Reopenings => share(l.resolved.saturating_sub(l.reopenings), l.resolved),
        Indicator::Overdue => share(l.resolved_on_time, l.resolved_on_time + l.overdue),
        Indicator::CoReplies => share(
            l.co_replies - l.co_replies_late.min(l.co_replies),
            l.co_replies,
        ),
    }
}

/// Scores one department.
pub fn score(l: &DepartmentLine, policy: &AppraisalPolicy) -> DepartmentScore {
    let indicators: Vec<IndicatorScore> = policy
        .weights
        .iter()
        .map(|(&indicator, &weight)| {
            let value = indicator_value(indicator, l);
            IndicatorScore {
                indicator,
                value,
                weight,
                points: weight * value.unwrap_or(1.0),
            }
        })
        .collect();
    DepartmentScore {
        department_id: l.department_id,
        score: indicators.iter().map(|i| i.points).sum(),
        indicators,
        active: l.signed + l.resolved + l.returns + l.overdue + l.co_replies > 0,
    }
}

/// Every department of the period's ranking, best score first (ties by id).
pub fn scores(stats: &DigestStats, policy: &AppraisalPolicy) -> Vec<DepartmentScore> {
    let mut out: Vec<DepartmentScore> = stats.ranking.iter().map(|l| score(l, policy)).collect();
    out.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(a.department_id.cmp(&b.department_id))
    });
    out
}

/// The red list (红榜: the best `n` active departments) and the black list (黑榜: the worst
/// `n` active ones, worst first), never naming a department on both.
pub fn red_and_black(
    scores: &[DepartmentScore],
    n: usize,
) -> (Vec<DepartmentId>, Vec<DepartmentId>) {
    let active: Vec<&DepartmentScore> = scores.iter().filter(|s| s.active).collect();
    let red: Vec<DepartmentId> = active.iter().take(n).map(|s| s.department_id).collect();
    let black: Vec<DepartmentId> = active
        .iter()
        .rev()
        .filter(|s| !red.contains(&s.department_id))
        .take(n)
        .map(|s| s.department_id)
        .collect();
    (red, black)
}

/// The overdue tickets named for chronic lateness (通报): overdue at the period's end by at
/// least the supervision threshold plus `named_after_days` working days.
pub fn named_late(
    stats: &DigestStats,
    supervise_after_days: u32,
    policy: &AppraisalPolicy,
) -> Vec<OverdueLine> {
    let threshold = i64::from(supervise_after_days) + i64::from(policy.named_after_days);
    stats
        .overdue
        .iter()
        .filter(|o| o.days_overdue >= threshold)
        .cloned()
        .collect()
}

/// A bulletin is published once its period has ended (its numbers are final then).
pub fn check_publishable(
    period: crate::digest::Period,
    now: DateTime<Utc>,
) -> Result<(), crate::error::DomainError> {
    if period.range().1 > now {
        return Err(crate::error::DomainError::invalid(
            "period",
            "period_not_ended",
            "a bulletin is published once its period has ended / 期间结束后方可发布通报",
        ));
    }
    Ok(())
}

/// A published bulletin (通报): frozen when published; what it says never changes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bulletin {
    /// `2026-11` or `2026-W47`.
    pub period: String,
    pub published_at: DateTime<Utc>,
    pub published_by: UserId,
    pub stats: DigestStats,
    pub scores: Vec<DepartmentScore>,
    pub red: Vec<DepartmentId>,
    pub black: Vec<DepartmentId>,
    /// Tickets named for chronic lateness, and the threshold in working days overdue.
    pub named: Vec<OverdueLine>,
    pub named_threshold_days: i64,
}

/// Composes the bulletin of a period from its numbers.
pub fn compose(
    period: String,
    stats: DigestStats,
    policy: &AppraisalPolicy,
    supervise_after_days: u32,
    published_at: DateTime<Utc>,
    published_by: UserId,
) -> Bulletin {
    let scores = scores(&stats, policy);
    let (red, black) = red_and_black(&scores, policy.list_size);
    let named = named_late(&stats, supervise_after_days, policy);
    Bulletin {
        period,
        published_at,
        published_by,
        red,
        black,
        named,
        named_threshold_days: i64::from(supervise_after_days) + i64::from(policy.named_after_days),
        scores,
        stats,
    }
}
