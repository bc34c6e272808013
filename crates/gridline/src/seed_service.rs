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
    (calendar, sla): (&gridline_domain::WorkCalendar, &gridline_domain::SlaPolicy),
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
                    dispatch_due_at: Some(sla.dispatch_due(
                        calendar,
                        *category,
                        Priority::Normal,
                        at,
                    )),
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

/// Two policies with deliveries in every state: a technology-upgrade fund published twelve
/// days ago (past due: delivered with each answer — one "will apply" filed its ticket — and
/// some still pending, so overdue), and job-retention refunds published yesterday (one
/// delivered, the rest pending in time).
pub async fn policies(
    store: &Store,
    (calendar, sla): (&gridline_domain::WorkCalendar, &gridline_domain::SlaPolicy),
    grids: &[(GridId, UserId)],
    admin: UserId,
    actor_of: impl AsyncFn(UserId) -> anyhow::Result<gridline_domain::Actor>,
    now: DateTime<Utc>,
) -> anyhow::Result<usize> {
    use gridline_domain::policy::{Answer, Channel, Targeting, delivery_due};
    use gridline_store::policies::{DeliveryFilter, DeliveryRecord, NewPolicy};
    let liaison_of = |g: GridId| grids.iter().find(|(id, _)| *id == g).map(|(_, l)| *l);
    let facts = store.targeting_facts().await?;
    let day =
        |d: &str| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|e| anyhow!("{e}"));
    let specs = [
        (
            "河源高新区工业企业技术改造专项资金申报指南",
            "河源高新区经济发展局",
            "河高经发〔2026〕12号",
            "对 2026 年度完成技术改造、设备投资额 500 万元以上的规上工业企业，按设备投资额的 10% 给予补助，最高 300 万元。",
            Targeting {
                above_size: Some(true),
                ..Targeting::default()
            },
            12,
            "2026-12-20",
        ),
        (
            "失业保险稳岗返还",
            "河源市人力资源和社会保障局",
            "河人社〔2026〕8号",
            "上年度未裁员或裁员率低于规定的参保企业，返还其上年度实际缴纳失业保险费的 60%。",
            Targeting {
                clusters: vec![
                    gridline_domain::Cluster::FoodBeverageWater,
                    gridline_domain::Cluster::MachineryMoulds,
                ],
                ..Targeting::default()
            },
            1,
            "2026-12-31",
        ),
    ];
    for (n, (title, issuer, doc, summary, targeting, days_ago, apply_by)) in
        specs.into_iter().enumerate()
    {
        let at = now - Duration::days(days_ago);
        let targets: Vec<_> = targeting
            .select(&facts)
            .map_err(|e| anyhow!("{e}"))?
            .iter()
            .filter_map(|e| liaison_of(e.grid_id).map(|l| (e.id, e.grid_id, l)))
            .collect();
        let p = store
            .publish_policy(
                &NewPolicy {
                    title: title.into(),
                    issuer: issuer.into(),
                    doc_number: doc.into(),
                    summary: summary.into(),
                    link: None,
                    valid_from: day("2026-01-01")?,
                    valid_to: Some(day("2026-12-31")?),
                    apply_by: Some(day(apply_by)?),
                    targeting,
                    due_at: delivery_due(calendar, at, 5),
                    published_by: admin,
                    at,
                },
                &targets,
            )
            .await
            .with_context(|| format!("demo policy {n}"))?;
        let deliveries = store
            .deliveries(&DeliveryFilter {
                policy_id: Some(p.id),
                limit: 100,
                ..DeliveryFilter::default()
            })
            .await?;
        // The first policy: three answered, the rest late; the second: one answered.
        let answers: &[Answer] = if n == 0 {
            &[Answer::WillApply, Answer::Interested, Answer::NotRelevant]
        } else {
            &[Answer::Interested]
        };
        for (d, answer) in deliveries.iter().zip(answers) {
            let when = at + Duration::days(2);
            let help = if *answer == Answer::WillApply {
                let actor = actor_of(d.liaison_id).await?;
                Some((
                    NewTicket {
                        enterprise_id: d.enterprise_id,
                        category: Category::Policy,
                        priority: Priority::Normal,
                        title: TicketTitle::parse("技改补助申报材料辅导")
                            .map_err(|e| anyhow!("{e}"))?,
                        description: Description::parse(
                            "企业拟申报技改补助，需协助梳理设备发票、专项审计报告等申报材料。",
                        )
                        .map_err(|e| anyhow!("{e}"))?,
                        dispatch_due_at: Some(sla.dispatch_due(
                            calendar,
                            Category::Policy,
                            Priority::Normal,
                            when,
                        )),
                    },
                    file(&actor, d.grid_id, when).map_err(|e| anyhow!("{e}"))?,
                ))
            } else {
                None
            };
            store
                .record_delivery(
                    d.id,
                    &DeliveryRecord {
                        delivered_on: when.with_timezone(&ZONE).date_naive(),
                        channel: Channel::Visit,
                        contact: "企业财务负责人".into(),
                        answer: *answer,
                        note: None,
                        by: d.liaison_id,
                        at: when,
                    },
                    help.as_ref().map(|(t, e)| (t, e)),
                )
                .await?;
        }
    }
    Ok(2)
}

/// Who a demo project answers to: the accountable leader, the department, its officer.
pub struct Owners {
    pub leader: UserId,
    pub department: gridline_domain::DepartmentId,
    pub person: UserId,
}

/// Three key projects of the source's enterprises: one on track (signing and land done), one
/// late (clean land delivery past its planned day; its ticket about the land is linked), and
/// one at risk (its next milestone within two weeks, a planned-day move waiting).
pub async fn projects(
    store: &Store,
    enterprises: &[(EnterpriseId, usize)],
    grids: &[(GridId, UserId)],
    owners: [Owners; 3],
    admin: UserId,
    now: DateTime<Utc>,
) -> anyhow::Result<usize> {
    use gridline_domain::project::DEFAULT_MILESTONES;
    use gridline_domain::ticket::ThreeOnes;
    use gridline_store::projects::NewProject;
    let today = now.with_timezone(&ZONE).date_naive();
    // (enterprise, name, investment, days from today of each milestone, how many reached)
    let specs: [(usize, &str, i64, [i64; 7], usize); 3] = [
        (
            0,
            "中兴通讯河源二期智能制造基地",
            350_000,
            [-200, -120, -60, 40, 120, 300, 420],
            3,
        ),
        (
            6,
            "农夫山泉万绿湖三期饮用水项目",
            120_000,
            [-150, -90, -20, 60, 150, 330, 400],
            2,
        ),
        (
            9,
            "乔丰科技精密模具扩产项目",
            45_000,
            [-100, -40, 10, 80, 160, 260, 330],
            2,
        ),
    ];
    for (n, ((ent, name, investment, offsets, reached), o)) in
        specs.into_iter().zip(owners).enumerate()
    {
        let (enterprise, grid_idx) = enterprises[ent];
        let (grid, _) = grids[grid_idx];
        let at = now - Duration::days(210);
        let p = store
            .create_project(&NewProject {
                name: name.into(),
                enterprise_id: enterprise,
                grid_id: grid,
                investment,
                three: ThreeOnes {
                    accountable_leader_id: o.leader,
                    department_id: o.department,
                    responsible_person_id: o.person,
                },
                milestones: DEFAULT_MILESTONES
                    .iter()
                    .zip(offsets)
                    .map(|(m, d)| ((*m).to_owned(), today + Duration::days(d)))
                    .collect(),
                by: admin,
                at,
            })
            .await
            .with_context(|| format!("demo project {n}"))?;
        for m in p.milestones.iter().take(reached) {
            let on = m.planned_on + Duration::days(2);
            let when = noon(on);
            store
                .reach_milestone(p.id, m.id, on, "已完成，相关文件已归档", o.person, when)
                .await?;
        }
        if n == 2 {
            let next = &p.milestones[reached];
            store
                .propose_date(
                    p.id,
                    next.id,
                    next.planned_on + Duration::days(30),
                    "模具车间设备到货延迟",
                    o.person,
                    now - Duration::days(1),
                )
                .await?;
        }
        if n == 1 {
            // The late project's land problem is one of the demo's tickets: link it.
            let filter = gridline_store::tickets::TicketFilter {
                enterprise_id: Some(enterprise),
                limit: 1,
                ..Default::default()
            };
            let page = store
                .list_tickets(&gridline_domain::Scope::All, &filter, now)
                .await?;
            if let Some(t) = page.items.first() {
                store
                    .link_ticket(p.id, t.id.0, admin, now - Duration::days(3))
                    .await?;
            }
        }
    }
    Ok(3)
}

/// Noon of a local day, as an instant.
fn noon(day: chrono::NaiveDate) -> DateTime<Utc> {
    gridline_domain::calendar::local_instant(
        day,
        chrono::NaiveTime::from_hms_opt(12, 0, 0).unwrap_or_default(),
    )
}
