//! The demo zone (`gridline seed --demo`, `gridline serve --demo`): the grids, departments,
//! task forces and enterprises named in the source interview, a user for each role, and
//! tickets in every state, pushed through the same rules and store as the API uses.

use std::fmt::Write as _;

use anyhow::{Context as _, anyhow};
use chrono::{DateTime, Duration, Utc};
use gridline_app::auth::AuthKeys;
use gridline_domain::attachment::NewAttachment;
use gridline_domain::text::{Description, Remark, TicketTitle};
use gridline_domain::ticket::{
    DispatchOrder, DuplicateTarget, NewTicket, ReturnCode, execute, file,
};
use gridline_domain::{
    Actor, Category, Cluster, Command, Context, CreditCode, DepartmentId, EnterpriseId, GridId,
    Priority, ReturnReason, Role, Satisfaction, SlaPolicy, TaskForceId, TicketId, UserId,
    WorkCalendar,
};
use gridline_store::Store;
use gridline_store::org::{NewEnterprise, NewGrid, NewUser};

/// The one password of every demo user. It exists only here.
pub const DEMO_PASSWORD: &str = "gridline-demo";

/// The demo ticket that carries attachments, and what it carries.
const WITH_ATTACHMENTS: &str = "三期项目用地净地交付";
const SITE_PHOTO: &[u8] = include_bytes!("demo/site-photo.png");
const INSPECTION: &[u8] = include_bytes!("demo/inspection.pdf");

struct Seeder<'a> {
    store: &'a Store,
    hash: String,
    now: DateTime<Utc>,
    calendar: &'a WorkCalendar,
    sla: &'a SlaPolicy,
    accounts: Vec<(String, String, Role)>,
}

impl Seeder<'_> {
    async fn user(
        &mut self,
        username: &str,
        name: &str,
        role: Role,
        attach: (Option<DepartmentId>, Option<GridId>, Option<TaskForceId>),
        // A top leader, the service centre's dispatcher, or a department's head.
        zone_wide: bool,
    ) -> anyhow::Result<UserId> {
        let u = self
            .store
            .create_user(
                NewUser {
                    username: username.into(),
                    display_name: name.into(),
                    password_hash: self.hash.clone(),
                    role,
                    email: Some(format!("{username}@gridline.example")),
                    department_id: attach.0,
                    grid_id: attach.1,
                    task_force_id: attach.2,
                    top_leader: zone_wide && role == Role::Leader,
                    service_centre: zone_wide && role == Role::Dispatcher,
                    department_head: zone_wide && role == Role::DepartmentOfficer,
                },
                self.now,
            )
            .await
            .map_err(|e| anyhow!("user {username}: {e}"))?;
        self.accounts.push((username.into(), name.into(), role));
        Ok(UserId(u.id))
    }

    async fn actor(&self, id: UserId) -> anyhow::Result<Actor> {
        self.store
            .actor(id)
            .await?
            .map(|(_, a)| a)
            .ok_or_else(|| anyhow!("demo user {id} vanished"))
    }

    async fn act(
        &self,
        ticket: TicketId,
        who: UserId,
        cmd: Command,
        at: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        let actor = self.actor(who).await?;
        let (calendar, sla) = (self.calendar, self.sla);
        self.store
            .transition(ticket, move |t| {
                let ctx = Context {
                    now: at,
                    calendar,
                    sla: sla.targets(t.category, t.priority),
                    expected_version: t.version,
                };
                execute(t, &actor, &cmd, &ctx)
            })
            .await
            .map_err(|e| anyhow!("demo ticket {ticket}: {e}"))?;
        Ok(())
    }
}

fn remark(s: &str) -> anyhow::Result<Remark> {
    Remark::parse(s).map_err(|e| anyhow!("{e}"))
}

/// Seeds the demo zone unless users exist. Returns what to print, or `None` if skipped.
pub async fn demo(
    store: &Store,
    auth: &AuthKeys,
    calendar: &WorkCalendar,
    sla: &SlaPolicy,
    now: DateTime<Utc>,
) -> anyhow::Result<Option<String>> {
    if !store.users(None).await?.is_empty() {
        return Ok(None);
    }
    let hash = auth.hash_password(DEMO_PASSWORD).map_err(|e| anyhow!(e))?;
    let mut s = Seeder {
        store,
        hash,
        now,
        calendar,
        sla,
        accounts: vec![],
    };
    let none = (None, None, None);
    let admin = s
        .user("admin", "系统管理员", Role::Admin, none, false)
        .await?;

    // The three standing task forces named in the source.
    let mut standing = vec![];
    for (name, desc) in [
        (
            "净地交付专班",
            "Clean land delivery: 土地征收、场地平整与净地交付",
        ),
        (
            "水电气专班",
            "Water, power and gas: 供水、供电、供气报装与保障",
        ),
        (
            "报批报建专班",
            "Approvals and construction permits: 审批“绿色通道”,拿地即开工",
        ),
    ] {
        standing.push(TaskForceId(
            store
                .create_task_force(name.into(), desc.into(), now)
                .await?
                .id,
        ));
    }

    let mut depts = vec![];
    for (name, mail) in [
        ("经济发展局", "econ"),
        ("自然资源分局", "land"),
        ("规划建设局", "build"),
        ("行政审批局", "permits"),
        ("人力资源和社会保障局", "hr"),
        ("财政金融局", "finance"),
        ("供电服务中心", "power"),
        ("水务燃气服务中心", "water"),
    ] {
        depts.push(DepartmentId(
            store
                .create_department(name.into(), Some(format!("{mail}@gridline.example")), now)
                .await?
                .id,
        ));
    }
    let [econ, land, build, permits, hr, finance, power, water] = depts[..] else {
        return Err(anyhow!("departments"));
    };

    // Leaders: the party secretary sees the zone; three deputies are grid leaders.
    let top = s.user("leader", "骆书记", Role::Leader, none, true).await?;
    let leaders = [
        s.user("leader.chen", "陈主任", Role::Leader, none, false)
            .await?,
        s.user("leader.wang", "王副主任", Role::Leader, none, false)
            .await?,
        s.user("leader.li", "李副主任", Role::Leader, none, false)
            .await?,
    ];
    s.user("dispatcher", "服务中心调度员", Role::Dispatcher, none, true)
        .await?;
    let tracker = s
        .user("tracker", "赵跟踪专员", Role::Tracker, none, false)
        .await?;
    let mut officers = std::collections::HashMap::new();
    for (user, name, d) in [
        ("officer.econ", "刘经发", econ),
        ("officer.land", "黄自然", land),
        ("officer.build", "吴规建", build),
        ("officer.permits", "郑审批", permits),
        ("officer.hr", "孙人社", hr),
        ("officer.finance", "钱财金", finance),
        ("officer.power", "周供电", power),
        ("officer.water", "何水务", water),
    ] {
        let id = s
            .user(
                user,
                name,
                Role::DepartmentOfficer,
                (Some(d), None, None),
                // Two heads, so the demo shows the department's workload page.
                matches!(user, "officer.econ" | "officer.permits"),
            )
            .await?;
        officers.insert(d, id);
    }
    let officer = |d: DepartmentId| officers.get(&d).copied().ok_or_else(|| anyhow!("officer"));
    let mut tf_members = vec![];
    for (i, (user, name)) in [
        ("tf.land", "净地专班 林工"),
        ("tf.utilities", "水电气专班 高工"),
        ("tf.permits", "报批专班 马工"),
    ]
    .into_iter()
    .enumerate()
    {
        tf_members.push(
            s.user(
                user,
                name,
                Role::TaskForceMember,
                (None, None, Some(standing[i])),
                false,
            )
            .await?,
        );
    }

    // Grids named after the zone's areas, each with its five-ones.
    let mut grids = vec![];
    for (i, (gname, key, head, liaison)) in [
        ("深河产业城A区网格", "a", "张网格长", "陈联络员"),
        ("深河产业城B区网格", "b", "杨网格长", "许联络员"),
        ("模具城片区网格", "c", "朱网格长", "邓联络员"),
        ("水经济产业园网格", "d", "罗网格长", "冯联络员"),
    ]
    .into_iter()
    .enumerate()
    {
        let head_id = s
            .user(
                &format!("dispatcher.{key}"),
                head,
                Role::Dispatcher,
                none,
                false,
            )
            .await?;
        let liaison_id = s
            .user(
                &format!("liaison.{key}"),
                liaison,
                Role::Liaison,
                none,
                false,
            )
            .await?;
        let grid_tf = TaskForceId(
            store
                .create_task_force(
                    format!("{gname}服务专班"),
                    "网格服务专班 / the grid's service task force".into(),
                    now,
                )
                .await?
                .id,
        );
        let grid = store
            .create_grid(
                NewGrid {
                    name: gname.into(),
                    linked_leader_id: leaders[i % leaders.len()],
                    head_id,
                    task_force_id: grid_tf,
                    liaison_id,
                    team: format!("{gname}企业服务队"),
                },
                now,
            )
            .await?;
        grids.push((GridId(grid.id), liaison_id));
    }

    // Enterprises from the interview; codes are plausible (Heyuan's division 441600) and valid.
    let list: [(&str, Cluster, usize, bool); 14] = [
        (
            "中兴通讯(河源)有限公司",
            Cluster::ElectronicInformation,
            0,
            true,
        ),
        (
            "河源卓翼科技有限公司",
            Cluster::ElectronicInformation,
            0,
            true,
        ),
        (
            "优利德科技(河源)有限公司",
            Cluster::ElectronicInformation,
            0,
            true,
        ),
        (
            "河源星系源电子有限公司",
            Cluster::ElectronicInformation,
            1,
            false,
        ),
        (
            "华冠电子(河源)有限公司",
            Cluster::ElectronicInformation,
            1,
            true,
        ),
        (
            "微浦技术(河源)有限公司",
            Cluster::ElectronicInformation,
            1,
            false,
        ),
        (
            "农夫山泉广东万绿湖有限公司",
            Cluster::FoodBeverageWater,
            3,
            true,
        ),
        (
            "今麦郎饮品(河源)有限公司",
            Cluster::FoodBeverageWater,
            3,
            true,
        ),
        (
            "河源百家鲜食品有限公司",
            Cluster::FoodBeverageWater,
            3,
            false,
        ),
        ("乔丰科技(河源)有限公司", Cluster::MachineryMoulds, 2, false),
        ("河源华益盛模具有限公司", Cluster::MachineryMoulds, 2, false),
        ("河源金三维精密有限公司", Cluster::MachineryMoulds, 2, false),
        (
            "昌硕科技(河源)有限公司",
            Cluster::ElectronicInformation,
            1,
            true,
        ),
        ("禾望电气(河源)有限公司", Cluster::Other, 0, false),
    ];
    let mut enterprises = vec![];
    for (i, (name, cluster, grid, above)) in list.into_iter().enumerate() {
        let code = CreditCode::complete(&format!("91441600MA4UH{i:04}"))
            .map_err(|e| anyhow!("demo code: {e}"))?;
        let e = store
            .create_enterprise(
                NewEnterprise {
                    name: name.into(),
                    credit_code: code,
                    cluster,
                    grid_id: grids[grid].0,
                    above_size: above,
                },
                // On the register since the summer, so an unvisited one is overdue.
                now - Duration::days(150),
            )
            .await?;
        enterprises.push((EnterpriseId(e.id), grid));
    }

    // Tickets in every state. `ago(d)` backdates a step so some deadlines have passed.
    let ago = |days: i64, hours: i64| now - Duration::days(days) - Duration::hours(hours);
    struct Demo {
        enterprise: usize,
        category: Category,
        priority: Priority,
        title: &'static str,
        description: &'static str,
        dept: DepartmentId,
        steps: &'static [&'static str],
        age: i64,
    }
    let demos = [
        Demo {
            enterprise: 0,
            category: Category::Utilities,
            priority: Priority::High,
            title: "新厂房双回路供电接入",
            description: "二期厂房投产在即,需要10kV双回路供电接入,请协调供电部门尽快出具方案。",
            dept: power,
            steps: &[],
            age: 0,
        },
        Demo {
            enterprise: 1,
            category: Category::Hiring,
            priority: Priority::Normal,
            title: "旺季普工缺口约300人",
            description: "订单增加,四季度普工缺口约300人,希望人社部门组织专场招聘会。",
            dept: hr,
            steps: &["dispatch"],
            age: 0,
        },
        Demo {
            enterprise: 6,
            category: Category::Land,
            priority: Priority::Urgent,
            title: "三期项目用地净地交付",
            description: "农夫山泉三期项目用地仍有两处青苗未清表,影响动工。",
            dept: land,
            steps: &["dispatch", "accept", "escalate"],
            age: 6,
        },
        Demo {
            enterprise: 7,
            category: Category::Permits,
            priority: Priority::Normal,
            title: "饮品项目施工许可办理",
            description: "今麦郎饮品项目已拿地,申请办理施工许可,希望走绿色通道。",
            dept: permits,
            steps: &["dispatch", "accept"],
            age: 12,
        },
        Demo {
            enterprise: 9,
            category: Category::Finance,
            priority: Priority::Normal,
            title: "设备技改贴息申报",
            description: "乔丰科技拟申报设备技改贴息,咨询申报条件与材料。",
            dept: finance,
            steps: &["dispatch", "accept", "resolve"],
            age: 3,
        },
        Demo {
            enterprise: 2,
            category: Category::Policy,
            priority: Priority::Low,
            title: "高新技术企业认定政策咨询",
            description: "企业希望了解高新技术企业认定的最新政策及奖补标准。",
            dept: econ,
            steps: &["dispatch", "accept", "resolve", "report_satisfied"],
            age: 8,
        },
        Demo {
            enterprise: 10,
            category: Category::Utilities,
            priority: Priority::Normal,
            title: "天然气管道接驳",
            description: "模具热处理车间需要接入天然气,管道尚未到厂区红线。",
            dept: water,
            steps: &["dispatch", "accept", "resolve", "report_unsatisfied"],
            age: 9,
        },
        Demo {
            enterprise: 3,
            category: Category::Other,
            priority: Priority::Normal,
            title: "厂区道路路灯不亮",
            description: "星系源厂区外市政道路路灯已两周不亮,夜班员工通行不便。",
            dept: econ,
            steps: &["dispatch", "return"],
            age: 1,
        },
        Demo {
            enterprise: 12,
            category: Category::Permits,
            priority: Priority::High,
            title: "厂房消防验收预约",
            description: "昌硕新厂房需要尽快完成消防验收,以便设备进场。",
            dept: build,
            // 主办/协办: two co-handling departments; one has given its opinion.
            steps: &["dispatch_co", "accept", "co_reply"],
            age: 3,
        },
        Demo {
            enterprise: 8,
            category: Category::Utilities,
            priority: Priority::Normal,
            title: "生产用水水压不足",
            description: "百家鲜二期生产线高峰期水压不足,影响清洗工序。",
            dept: water,
            steps: &["dispatch", "accept", "request_extension"],
            age: 5,
        },
        // Ending without the loop: a duplicate of the land ticket above, a request the
        // enterprise withdrew while the department worked it, and one that is not the zone's.
        Demo {
            enterprise: 6,
            category: Category::Land,
            priority: Priority::Normal,
            title: "三期用地青苗未清表",
            description: "三期项目用地两处青苗仍未清表(与“三期项目用地净地交付”为同一问题)。",
            dept: land,
            steps: &["mark_duplicate"],
            age: 4,
        },
        Demo {
            enterprise: 1,
            category: Category::Hiring,
            priority: Priority::Normal,
            title: "招聘会场地协调",
            description: "希望协调园区会堂作为专场招聘会场地。",
            dept: hr,
            steps: &["dispatch", "accept", "withdraw"],
            age: 2,
        },
        Demo {
            enterprise: 3,
            category: Category::Other,
            priority: Priority::Low,
            title: "员工个人社保转移咨询",
            description: "一名员工咨询个人社保关系转移,非企业诉求。",
            dept: econ,
            steps: &["mark_invalid"],
            age: 1,
        },
    ];
    // Last month's work, for its published bulletin (通报): one resolved to the enterprise's
    // satisfaction, one still open long past its deadline (named in the bulletin).
    let today = now
        .with_timezone(&gridline_domain::calendar::ZONE)
        .date_naive();
    let last_month = gridline_domain::digest::Period::month_before(today);
    let mid_last_month = today
        .signed_duration_since(last_month.first_day() + Duration::days(9))
        .num_days();
    let demos: Vec<Demo> = demos
        .into_iter()
        .chain([
            Demo {
                enterprise: 9,
                category: Category::Policy,
                priority: Priority::Normal,
                title: "研发费用加计扣除政策辅导",
                description: "企业希望税务和经发部门上门辅导研发费用加计扣除申报。",
                dept: econ,
                steps: &["dispatch", "accept", "resolve", "report_satisfied"],
                age: mid_last_month,
            },
            Demo {
                enterprise: 13,
                category: Category::Utilities,
                priority: Priority::Normal,
                title: "厂区雨污分流管网改造",
                description: "厂区雨污管网混接，环保督查要求限期整改，需水务部门技术支持。",
                dept: water,
                steps: &["dispatch", "accept"],
                age: mid_last_month,
            },
        ])
        .collect();
    // Handling as a 12345 centre runs it: a pause waiting for the enterprise, a ticket
    // returned twice and waiting for the service centre's arbitration, a follow-up call that
    // closed a ticket as explained.
    let demos: Vec<Demo> = demos
        .into_iter()
        .chain([
            Demo {
                enterprise: 4,
                category: Category::Permits,
                priority: Priority::Normal,
                title: "环评批复后办理施工许可",
                description: "企业环评报告正在补充,待批复后办理施工许可。",
                dept: permits,
                steps: &["dispatch", "accept", "request_pause", "decide_pause"],
                age: 4,
            },
            Demo {
                enterprise: 5,
                category: Category::Other,
                priority: Priority::Normal,
                title: "园区外道路积水",
                description: "雨天园区外道路积水严重,货车无法通行。",
                dept: build,
                steps: &["dispatch", "return", "dispatch", "return"],
                age: 2,
            },
            Demo {
                enterprise: 11,
                category: Category::Finance,
                priority: Priority::Normal,
                title: "申请贴息额度提高",
                description: "企业希望技改贴息额度由 100 万元提高到 300 万元。",
                dept: finance,
                steps: &["dispatch", "accept", "resolve", "follow_up_objective"],
                age: 6,
            },
        ])
        .collect();
    let mut filed_ids: std::collections::HashMap<&str, TicketId> = Default::default();
    for (n, d) in demos.iter().enumerate() {
        let (enterprise, grid_idx) = enterprises[d.enterprise];
        let (grid, liaison) = grids[grid_idx];
        let start = ago(d.age, 2);
        let filed = file(&s.actor(liaison).await?, grid, start).map_err(|e| anyhow!("{e}"))?;
        // One ticket carries what a liaison brings back from a visit: a photo and a record.
        let files = if d.title == WITH_ATTACHMENTS {
            vec![
                NewAttachment::parse("现场照片.png", SITE_PHOTO.to_vec()),
                NewAttachment::parse("现场核查记录.pdf", INSPECTION.to_vec()),
            ]
            .into_iter()
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| anyhow!("{e}"))?
        } else {
            vec![]
        };
        let ticket = store
            .create_ticket(
                NewTicket {
                    enterprise_id: enterprise,
                    category: d.category,
                    priority: d.priority,
                    title: TicketTitle::parse(d.title).map_err(|e| anyhow!("{e}"))?,
                    description: Description::parse(d.description).map_err(|e| anyhow!("{e}"))?,
                    dispatch_due_at: Some(
                        sla.dispatch_due(calendar, d.category, d.priority, start),
                    ),
                },
                grid,
                filed,
                None,
                &files,
                None,
            )
            .await
            .with_context(|| format!("demo ticket {n}"))?;
        let id = match ticket {
            gridline_store::tickets::Created::New(t)
            | gridline_store::tickets::Created::Replayed(t) => t.id,
        };
        filed_ids.insert(d.title, id);
        let grid_row = store.grid(grid).await?;
        let head = UserId(grid_row.head_id);
        let person = officer(d.dept)?;
        let mut at = start + Duration::hours(1);
        for step in d.steps {
            let cmd = match *step {
                "dispatch" | "dispatch_co" => Command::Dispatch(DispatchOrder {
                    leader: store
                        .user_facts_for(UserId(grid_row.linked_leader_id), "leader")
                        .await?,
                    department_id: d.dept,
                    person: store.user_facts_for(person, "person").await?,
                    tracker: Some(store.user_facts_for(tracker, "tracker").await?),
                    co_department_ids: if *step == "dispatch_co" {
                        vec![permits, power]
                    } else {
                        vec![]
                    },
                }),
                "co_reply" => Command::CoReply(remark(
                    "施工许可资料齐全,消防设计审查已通过,可同步预约验收",
                )?),
                "accept" => Command::Accept,
                "return" => Command::Return {
                    reason: ReturnReason::parse(
                        ReturnCode::WrongTerritory,
                        Some("市政路灯属城管局管辖,非本部门职责"),
                    )
                    .map_err(|e| anyhow!("{e}"))?,
                    arbitration_after: sla.arbitration_after_returns,
                },
                "escalate" => Command::Escalate {
                    task_force_id: standing[0],
                    co_department_ids: vec![build],
                    note: Some(remark("涉及征地与规划,提请净地交付专班协调")?),
                },
                "resolve" => Command::Resolve {
                    resolution: remark("已与企业对接,问题已解决。")?,
                    unanswered_reason: None,
                },
                "request_extension" => Command::RequestExtension {
                    days: 5,
                    reason: remark("需新建加压泵站,施工周期较长")?,
                },
                "report_satisfied" => Command::Report {
                    satisfaction: Satisfaction::Satisfied,
                    feedback: Some(remark("企业表示满意")?),
                },
                "report_unsatisfied" => Command::Report {
                    satisfaction: Satisfaction::Unsatisfied,
                    feedback: Some(remark("管道仍未接通,企业不满意")?),
                },
                "mark_duplicate" => {
                    let original = store.ticket(filed_ids["三期项目用地净地交付"]).await?;
                    Command::MarkDuplicate {
                        of: DuplicateTarget {
                            id: original.id,
                            number: original.number,
                            grid_id: original.grid_id,
                            closure: original.closure,
                        },
                        note: Some(remark("与净地交付工单为同一问题,由专班一并协调")?),
                    }
                }
                "request_pause" => Command::RequestPause {
                    code: gridline_domain::PauseCode::WaitingEnterprise,
                    text: Some(remark("企业补充环评报告,预计两周")?),
                    resume_on: (at + Duration::days(14))
                        .with_timezone(&gridline_domain::calendar::ZONE)
                        .date_naive(),
                },
                "decide_pause" => Command::DecidePause {
                    approve: true,
                    note: Some(remark("同意挂起,到期跟进")?),
                },
                "follow_up_objective" => Command::FollowUp(gridline_domain::ticket::FollowUpCall {
                    method: gridline_domain::ticket::FollowUpMethod::Phone,
                    contact: remark("企业财务总监")?,
                    satisfaction: Satisfaction::Unsatisfied,
                    cause: Some(gridline_domain::ticket::DissatisfactionCause::Objective),
                    feedback: Some(remark("贴息上限由市级政策规定,已向企业解释")?),
                    objective_closes: sla.follow_up_objective_closes,
                }),
                "withdraw" => Command::Withdraw(remark("企业已自行落实场地,撤回诉求")?),
                "mark_invalid" => Command::MarkInvalid(remark("个人事项,已告知向社保窗口咨询")?),
                other => return Err(anyhow!("unknown demo step {other}")),
            };
            let who = match *step {
                "dispatch" | "dispatch_co" | "mark_duplicate" | "mark_invalid" | "decide_pause" => {
                    head
                }
                "co_reply" => officer(permits)?,
                "follow_up_objective" => tracker,
                "report_satisfied" | "report_unsatisfied" | "withdraw" => liaison,
                _ => person,
            };
            s.act(id, who, cmd, at).await?;
            at += Duration::hours(3);
        }
        if d.steps.contains(&"escalate") {
            s.act(
                id,
                tf_members[0],
                Command::Comment(remark("专班已现场踏勘,正在协调清表")?),
                at,
            )
            .await?;
        }
    }

    let visits = crate::seed_service::visits(
        store,
        (calendar, sla),
        &enterprises,
        &grids,
        async |u| s.actor(u).await,
        now,
    )
    .await?;
    let policies = crate::seed_service::policies(
        store,
        (calendar, sla),
        &grids,
        admin,
        async |u| s.actor(u).await,
        now,
    )
    .await?;
    let owners = |leader: UserId, department: DepartmentId| -> anyhow::Result<_> {
        Ok(crate::seed_service::Owners {
            leader,
            department,
            person: officer(department)?,
        })
    };
    let projects = crate::seed_service::projects(
        store,
        &enterprises,
        &grids,
        [
            owners(leaders[0], build)?,
            owners(leaders[1], land)?,
            owners(leaders[2], econ)?,
        ],
        admin,
        now,
    )
    .await?;
    // Last month's bulletin, published (frozen) as the office would on the first days of
    // this month.
    let stats =
        gridline_app::digest::stats_for(store, calendar, &gridline_domain::Scope::All, last_month)
            .await?;
    let bulletin = gridline_domain::appraisal::compose(
        last_month.to_string(),
        stats,
        &gridline_domain::appraisal::AppraisalPolicy::default(),
        2,
        now,
        top,
    );
    store
        .publish_bulletin(
            &bulletin.period,
            now,
            top.0,
            serde_json::to_string(&bulletin)?,
            gridline_store::outbox::NewOutbox {
                kind: gridline_app::appraisal::MAIL_KIND.into(),
                ticket_id: None,
                dedupe_key: format!("bulletin:{}", bulletin.period),
                payload: serde_json::json!({ "period": bulletin.period }),
            },
        )
        .await?;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "demo zone seeded: 4 grids, 8 departments, 7 task forces, 14 enterprises, {} tickets, {visits} visits, {policies} policies, {projects} key projects",
        demos.len() + 2
    );
    let _ = writeln!(out, "demo users (password for all: {DEMO_PASSWORD}):");
    for (user, name, role) in &s.accounts {
        let _ = writeln!(out, "  {user:<18} {:<19} {name}", role.as_str());
    }
    Ok(Some(out))
}
