//! The bulletin (通报) as pages and mail show it: the scores with each indicator's points, the
//! red and black lists, and the tickets named for chronic lateness. Names are resolved by the
//! caller; the numbers are the published bulletin's, never recomputed.

use gridline_domain::appraisal::Bulletin;
use gridline_domain::calendar::ZONE;
use serde::Serialize;

use crate::{Row, summary};

/// One department's line.
#[derive(Debug, Clone, Serialize)]
pub struct ScoreRow {
    pub rank: usize,
    pub name: String,
    /// One decimal.
    pub score: String,
    /// (indicator's Chinese name, its value as a percentage or "—", points of its weight).
    pub indicators: Vec<(String, String, String)>,
    /// "red", "black" or "".
    pub list: &'static str,
}

/// A ticket named for chronic lateness.
#[derive(Debug, Clone, Serialize)]
pub struct NamedRow {
    pub number: String,
    pub title: String,
    pub department: String,
    pub person: String,
    pub leader: String,
    pub days: i64,
}

/// The bulletin, ready to render.
#[derive(Debug, Clone, Serialize)]
pub struct BulletinView {
    pub period: String,
    pub published_at: String,
    pub publisher: String,
    pub summary: Vec<Row>,
    pub scores: Vec<ScoreRow>,
    /// The indicators in column order, with their weights.
    pub columns: Vec<(String, String)>,
    pub red: Vec<String>,
    pub black: Vec<String>,
    pub named: Vec<NamedRow>,
    pub named_threshold_days: i64,
}

/// Builds the view of `b`, naming departments and people with `dept` and `user`.
pub fn view(
    b: &Bulletin,
    dept: &dyn Fn(i64) -> String,
    user: &dyn Fn(Option<i64>) -> String,
) -> BulletinView {
    let list_of = |d| {
        if b.red.contains(&d) {
            "red"
        } else if b.black.contains(&d) {
            "black"
        } else {
            ""
        }
    };
    let columns = b
        .scores
        .first()
        .map(|s| {
            s.indicators
                .iter()
                .map(|i| {
                    (
                        i.indicator.label_zh().to_owned(),
                        format!("{:.0}", i.weight),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    BulletinView {
        period: b.period.clone(),
        published_at: b
            .published_at
            .with_timezone(&ZONE)
            .format("%Y-%m-%d %H:%M")
            .to_string(),
        publisher: user(Some(b.published_by.0)),
        summary: summary(&b.stats),
        columns,
        scores: b
            .scores
            .iter()
            .enumerate()
            .map(|(i, s)| ScoreRow {
                rank: i + 1,
                name: dept(s.department_id.0),
                score: format!("{:.1}", s.score),
                indicators: s
                    .indicators
                    .iter()
                    .map(|x| {
                        (
                            x.indicator.label_zh().to_owned(),
                            crate::pct(x.value),
                            format!("{:.1}", x.points),
                        )
                    })
                    .collect(),
                list: list_of(s.department_id),
            })
            .collect(),
        red: b.red.iter().map(|d| dept(d.0)).collect(),
        black: b.black.iter().map(|d| dept(d.0)).collect(),
        named: b
            .named
            .iter()
            .map(|o| NamedRow {
                number: o.number.clone(),
                title: o.title.clone(),
                department: o.department_id.map(|d| dept(d.0)).unwrap_or_default(),
                person: user(o.responsible_person_id.map(|u| u.0)),
                leader: user(o.accountable_leader_id.map(|u| u.0)),
                days: o.days_overdue,
            })
            .collect(),
        named_threshold_days: b.named_threshold_days,
    }
}
