//! The leaders' digest: numbers from `domain::digest`, rendered as HTML and text with a trend
//! chart (SVG) and the same tables as an .xlsx workbook.

use std::collections::HashMap;

use chrono::Duration;
use gridline_domain::digest::{DigestStats, EventFact, Period, compute};
use gridline_domain::{ActionKind, DepartmentId, Role, Satisfaction, Scope, UserId, WorkCalendar};
use gridline_store::Store;
use gridline_store::entity::users;
use minijinja::Value;
use plotters::prelude::*;
use rust_xlsxwriter::{Format, Workbook};
use serde::Serialize;

use crate::compose::{ComposeError, Directory, local_time};
use crate::mailer::Attachment;
use crate::templates::Templates;

/// A rendered digest.
pub struct DigestContent {
    pub leader: users::Model,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub xlsx: Attachment,
    pub stats: DigestStats,
}

#[derive(Serialize)]
struct Row {
    label: &'static str,
    value: String,
}

#[derive(Serialize)]
struct RankRow {
    name: String,
    signed: u32,
    signing_rate: String,
    resolved: u32,
    resolution_rate: String,
    overdue: u32,
    returns: u32,
    reopenings: u32,
}

#[derive(Serialize)]
struct OverdueRow {
    number: String,
    title: String,
    leader: String,
    department: String,
    person: String,
    due: String,
    days: i64,
    link: String,
}

#[derive(Serialize)]
struct TrendRow {
    day: String,
    filed: u32,
    resolved: u32,
}

fn pct(r: Option<f64>) -> String {
    r.map_or_else(|| "—".into(), |r| format!("{:.1}%", r * 100.0))
}

fn summary(s: &DigestStats) -> Vec<Row> {
    vec![
        Row {
            label: "新登记 Filed",
            value: s.filed.to_string(),
        },
        Row {
            label: "办结 Resolved",
            value: s.resolved.to_string(),
        },
        Row {
            label: "归档 Closed",
            value: s.closed.to_string(),
        },
        Row {
            label: "期末在办 Open at end",
            value: s.open_at_end.to_string(),
        },
        Row {
            label: "期末超期 Overdue at end",
            value: s.overdue_at_end.to_string(),
        },
        Row {
            label: "按时签收率 On-time signing",
            value: format!(
                "{} ({}/{})",
                pct(s.signing_rate),
                s.signed_on_time,
                s.signed
            ),
        },
        Row {
            label: "按时办结率 On-time resolution",
            value: pct(s.resolution_rate),
        },
        Row {
            label: "平均办结工作日 Avg working days to resolve",
            value: s
                .avg_working_days_to_resolve
                .map_or_else(|| "—".into(), |d| format!("{d:.1}")),
        },
        Row {
            label: "满意 Satisfied",
            value: s.satisfied.to_string(),
        },
        Row {
            label: "基本满意 Basically satisfied",
            value: s.basically_satisfied.to_string(),
        },
        Row {
            label: "不满意 Unsatisfied",
            value: s.unsatisfied.to_string(),
        },
        Row {
            label: "满意率 Satisfaction rate",
            value: pct(s.satisfaction_rate),
        },
        Row {
            label: "退回 Returns",
            value: s.returns.to_string(),
        },
        Row {
            label: "重办 Reopenings",
            value: s.reopenings.to_string(),
        },
    ]
}

/// A small line chart of filed and resolved per day, as an SVG document.
pub fn trend_svg(s: &DigestStats) -> String {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (640, 220)).into_drawing_area();
        let _ = root.fill(&WHITE);
        let n = s.trend.len().max(1);
        let top = s
            .trend
            .iter()
            .map(|p| p.filed.max(p.resolved))
            .max()
            .unwrap_or(0)
            .max(1);
        let chart = ChartBuilder::on(&root)
            .margin(10)
            .x_label_area_size(24)
            .y_label_area_size(32)
            .build_cartesian_2d(0..n as i32 - 1, 0..top as i32 + 1);
        if let Ok(mut chart) = chart {
            let labels: Vec<String> = s
                .trend
                .iter()
                .map(|p| p.day.format("%m-%d").to_string())
                .collect();
            let _ = chart
                .configure_mesh()
                .x_labels(n.min(10))
                .x_label_formatter(&|i| labels.get(*i as usize).cloned().unwrap_or_default())
                .y_labels(5)
                .draw();
            let filed = s
                .trend
                .iter()
                .enumerate()
                .map(|(i, p)| (i as i32, p.filed as i32));
            let resolved = s
                .trend
                .iter()
                .enumerate()
                .map(|(i, p)| (i as i32, p.resolved as i32));
            let blue = RGBColor(31, 111, 235);
            let green = RGBColor(46, 160, 67);
            let _ = chart
                .draw_series(LineSeries::new(filed, blue.stroke_width(2)))
                .map(|s| {
                    s.label("filed")
                        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], blue))
                });
            let _ = chart
                .draw_series(LineSeries::new(resolved, green.stroke_width(2)))
                .map(|s| {
                    s.label("resolved")
                        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], green))
                });
            let _ = chart.configure_series_labels().border_style(BLACK).draw();
        }
        let _ = root.present();
    }
    svg
}

/// The digest's tables as a workbook.
fn workbook(
    period: Period,
    s: &DigestStats,
    ranking: &[RankRow],
    overdue: &[OverdueRow],
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let sheet = wb.add_worksheet().set_name("概览 Summary")?;
    sheet.write_string_with_format(0, 0, format!("{period}"), &bold)?;
    for (i, r) in summary(s).iter().enumerate() {
        sheet.write_string(i as u32 + 1, 0, r.label)?;
        sheet.write_string(i as u32 + 1, 1, &r.value)?;
    }
    sheet.set_column_width(0, 36)?;

    let sheet = wb.add_worksheet().set_name("部门排名 Ranking")?;
    let head = [
        "名次 Rank",
        "部门 Department",
        "签收 Signed",
        "按时签收率 On-time signing",
        "办结 Resolved",
        "按时办结率 On-time resolution",
        "超期 Overdue",
        "退回 Returns",
        "重办 Reopened",
    ];
    for (c, h) in head.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    for (i, r) in ranking.iter().enumerate() {
        let row = i as u32 + 1;
        sheet.write_number(row, 0, (i + 1) as f64)?;
        sheet.write_string(row, 1, &r.name)?;
        sheet.write_number(row, 2, f64::from(r.signed))?;
        sheet.write_string(row, 3, &r.signing_rate)?;
        sheet.write_number(row, 4, f64::from(r.resolved))?;
        sheet.write_string(row, 5, &r.resolution_rate)?;
        sheet.write_number(row, 6, f64::from(r.overdue))?;
        sheet.write_number(row, 7, f64::from(r.returns))?;
        sheet.write_number(row, 8, f64::from(r.reopenings))?;
    }
    sheet.set_column_width(1, 24)?;

    let sheet = wb.add_worksheet().set_name("超期清单 Overdue")?;
    let head = [
        "工单 Ticket",
        "标题 Title",
        "班子成员 Leader",
        "责任部门 Department",
        "负责人员 Person",
        "期限 Due",
        "超期工作日 Days overdue",
    ];
    for (c, h) in head.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    for (i, o) in overdue.iter().enumerate() {
        let row = i as u32 + 1;
        for (c, v) in [
            &o.number,
            &o.title,
            &o.leader,
            &o.department,
            &o.person,
            &o.due,
        ]
        .iter()
        .enumerate()
        {
            sheet.write_string(row, c as u16, v.as_str())?;
        }
        sheet.write_number(row, 6, o.days as f64)?;
    }

    let sheet = wb.add_worksheet().set_name("趋势 Trend")?;
    for (c, h) in ["日期 Day", "登记 Filed", "办结 Resolved"]
        .iter()
        .enumerate()
    {
        sheet.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    for (i, p) in s.trend.iter().enumerate() {
        let row = i as u32 + 1;
        sheet.write_string(row, 0, p.day.to_string())?;
        sheet.write_number(row, 1, f64::from(p.filed))?;
        sheet.write_number(row, 2, f64::from(p.resolved))?;
    }
    wb.save_to_buffer()
}

/// The numbers of one leader's digest.
pub async fn stats_for(
    store: &Store,
    calendar: &WorkCalendar,
    scope: &Scope,
    period: Period,
) -> Result<DigestStats, ComposeError> {
    let (start, end) = period.range();
    let tickets = store.digest_tickets(scope, start, end).await?;
    let events: Vec<EventFact> = store
        .digest_events(scope, start, end)
        .await?
        .into_iter()
        .filter_map(|e| {
            Some(EventFact {
                ticket_id: e.ticket_id,
                action: ActionKind::parse(&e.action)?,
                at: e.at,
                satisfaction: e
                    .payload
                    .get("satisfaction")
                    .and_then(|s| s.as_str())
                    .and_then(Satisfaction::parse),
                department_id: e
                    .payload
                    .get("previous")
                    .and_then(|p| p.get("department_id"))
                    .and_then(|d| d.as_i64())
                    .map(DepartmentId),
            })
        })
        .collect();
    Ok(compute(period, &tickets, &events, calendar))
}

/// Renders one leader's digest for a period. `None` if the user is not an active leader.
pub async fn build(
    store: &Store,
    templates: &Templates,
    calendar: &WorkCalendar,
    base_url: &str,
    leader: UserId,
    period: Period,
) -> Result<Option<DigestContent>, ComposeError> {
    let Some((user, actor)) = store.actor(leader).await? else {
        return Ok(None);
    };
    if actor.role() != Role::Leader {
        return Ok(None);
    }
    let scope = Scope::of(&actor);
    let stats = stats_for(store, calendar, &scope, period).await?;
    let dir = Directory { store };
    let departments: HashMap<i64, String> = store
        .departments()
        .await?
        .into_iter()
        .map(|d| (d.id, d.name))
        .collect();
    let dept_name = |d: Option<DepartmentId>| {
        d.and_then(|d| departments.get(&d.0).cloned())
            .unwrap_or_else(|| "—".into())
    };
    let ranking: Vec<RankRow> = stats
        .ranking
        .iter()
        .map(|l| RankRow {
            name: dept_name(Some(l.department_id)),
            signed: l.signed,
            signing_rate: pct(l.signing_rate),
            resolved: l.resolved,
            resolution_rate: pct(l.resolution_rate),
            overdue: l.overdue,
            returns: l.returns,
            reopenings: l.reopenings,
        })
        .collect();
    let base = base_url.trim_end_matches('/');
    let mut overdue = Vec::new();
    for o in &stats.overdue {
        overdue.push(OverdueRow {
            number: o.number.clone(),
            title: o.title.clone(),
            leader: dir
                .user_name(o.accountable_leader_id)
                .await?
                .unwrap_or_else(|| "—".into()),
            department: dept_name(o.department_id),
            person: dir
                .user_name(o.responsible_person_id)
                .await?
                .unwrap_or_else(|| "—".into()),
            due: local_time(o.due_at),
            days: o.days_overdue,
            link: format!("{base}/tickets/{}", o.ticket_id),
        });
    }
    let grid_names: Vec<String> = if user.top_leader {
        vec![]
    } else {
        let grids = store.grids().await?;
        actor
            .linked_grids
            .iter()
            .filter_map(|g| grids.iter().find(|x| x.id == g.0).map(|x| x.name.clone()))
            .collect()
    };
    let scope_label = if user.top_leader {
        "全区 / whole zone".to_owned()
    } else if grid_names.is_empty() {
        "负责的工单 / tickets you are accountable for".to_owned()
    } else {
        format!(
            "{} 及负责的工单 / linked grids and tickets you are accountable for",
            grid_names.join("、")
        )
    };
    let (cadence_zh, cadence_en) = match period {
        Period::Week { .. } => ("周报", "Weekly"),
        Period::Month { .. } => ("月报", "Monthly"),
    };
    let attachment = format!("gridline-digest-{period}.xlsx");
    let chart_svg = trend_svg(&stats);
    let trend: Vec<TrendRow> = stats
        .trend
        .iter()
        .map(|p| TrendRow {
            day: p.day.format("%m-%d").to_string(),
            filed: p.filed,
            resolved: p.resolved,
        })
        .collect();
    let ctx = Value::from_serialize(serde_json::json!({
        "leader": user.display_name,
        "period": period.to_string(),
        "start": period.first_day().to_string(),
        "end": (period.end_day() - Duration::days(1)).to_string(),
        "scope": scope_label,
        "cadence_zh": cadence_zh,
        "cadence_en": cadence_en,
        "summary": summary(&stats),
        "ranking": ranking,
        "overdue": overdue,
        "trend": trend,
        "chart_svg": chart_svg,
        "attachment": attachment,
        "link": base,
    }));
    let bytes = workbook(period, &stats, &ranking, &overdue)
        .map_err(|e| ComposeError::Payload(format!("xlsx: {e}")))?;
    Ok(Some(DigestContent {
        subject: templates
            .render("digest/subject.txt", &ctx)?
            .trim()
            .to_owned(),
        text: templates.render("digest/body.txt", &ctx)?,
        html: templates.render("digest/body.html", &ctx)?,
        xlsx: Attachment {
            filename: attachment,
            content_type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                .into(),
            bytes,
        },
        leader: user,
        stats,
    }))
}

/// The dedupe key of a leader's digest for a period: it is sent once.
pub fn dedupe_key(period: Period, leader: UserId) -> String {
    format!("digest:{period}:{leader}")
}
