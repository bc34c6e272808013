//! The demo's service work beside its tickets: visits over the last two months (one of them
//! files a problem as a linked ticket), with some enterprises left unvisited so the liaison's
//! home and the coverage figures show what is overdue.

use anyhow::{Context, anyhow};
use chrono::{DateTime, Duration, Utc};
use gridline_domain::calendar::ZONE;
use gridline_domain::text::{Description, TicketTitle};
use gridline_domain::ticket::{NewTicket, file};
use gridline_domain::visit::{Topic, VisitMode};
use gridline_domain::{Category, EnterpriseId, GridId, Priority, UserId};
use gridline_store::Store;
use gridline_store::visits::{FoundProblem, NewVisit};

/// (enterprise index, days ago, mode, topics, people met, notes, problem found)
type DemoVisit = (
    usize,
    i64,
    VisitMode,
    &'static [Topic],
    &'static str,
    &'static str,
    Option<(Category, &'static str, &'static str)>,
);

const VISITS: &[DemoVisit] = &[
    (
        0,
        3,
        VisitMode::OnSite,
        &[Topic::Operations, Topic::Hiring],
        "人事部 陈经理",
        "订单饱满，四季度满产；春节前需招普工约 200 人。",
        None,
    ),
    (
        1,
        9,
        VisitMode::OnSite,
        &[Topic::Utilities],
        "厂务部 刘工",
        "新产线试产，用电负荷接近上限。",
        Some((
            Category::Utilities,
            "新产线用电负荷接近上限，需扩容",
            "新产线投产后最大负荷将超出现有 2500kVA 容量，申请增容至 4000kVA。",
        )),
    ),
    (
        6,
        12,
        VisitMode::Phone,
        &[Topic::Policy],
        "财务部 黄主管",
        "咨询技改补贴申报条件，已告知申报时间。",
        None,
    ),
    (
        7,
        20,
        VisitMode::Meeting,
        &[Topic::Operations, Topic::Finance],
        "总经理 王总",
        "季度座谈：经营平稳，关注流动资金贷款续贷。",
        None,
    ),
    (
        9,
        35,
        VisitMode::OnSite,
        &[Topic::Safety],
        "安环部 李主任",
        "安全生产检查配合良好，无诉求。",
        None,
    ),
    (
        2,
        40,
        VisitMode::Video,
        &[Topic::Permits],
        "项目部 张经理",
        "二期报建资料准备中，暂无问题。",
        None,
    ),
];

/// Records the demo's visits. `enterprises` are (id, index of its grid); `grids` are (grid,
/// its liaison).
pub async fn visits(
    store: &Store,
    enterprises: &[(EnterpriseId, usize)],
    grids: &[(GridId, UserId)],
    actor_of: impl AsyncFn(UserId) -> anyhow::Result<gridline_domain::Actor>,
    now: DateTime<Utc>,
) -> anyhow::Result<usize> {
    for (n, (ent, days, mode, topics, people, notes, problem)) in VISITS.iter().enumerate() {
        let (enterprise, grid_idx) = enterprises[*ent];
        let (grid, liaison) = grids[grid_idx];
        let at = now - Duration::days(*days);
        let actor = actor_of(liaison).await?;
        let problems = match problem {
            Some((category, title, description)) => vec![FoundProblem {
                ticket: NewTicket {
                    enterprise_id: enterprise,
                    category: *category,
                    priority: Priority::Normal,
                    title: TicketTitle::parse(title).map_err(|e| anyhow!("{e}"))?,
                    description: Description::parse(description).map_err(|e| anyhow!("{e}"))?,
                },
                filed: file(&actor, grid, at).map_err(|e| anyhow!("{e}"))?,
            }],
            None => vec![],
        };
        store
            .record_visit(
                &NewVisit {
                    enterprise_id: enterprise,
                    grid_id: grid,
                    visited_on: at.with_timezone(&ZONE).date_naive(),
                    mode: *mode,
                    people_met: (*people).to_owned(),
                    topics: topics.to_vec(),
                    topic_note: None,
                    notes: (*notes).to_owned(),
                    recorded_by: liaison,
                    at,
                },
                &[],
                &problems,
                None,
            )
            .await
            .with_context(|| format!("demo visit {n}"))?;
    }
    Ok(VISITS.len())
}
