//! Tables, charts and workbooks the leaders see: the digest's summary, ranking, overdue
//! list and trend, drawn once for the dashboard and the mail alike. Pure presentation: the
//! numbers come from the application layer (`gridline_app::digest`).

pub mod bulletin;

use gridline_domain::digest::{DigestStats, Period};
use plotters::prelude::*;
use rust_xlsxwriter::{Format, Workbook};
use serde::Serialize;

/// A summary line.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub label: &'static str,
    pub value: String,
}

/// A department in the ranking (names resolved by the caller).
#[derive(Debug, Clone, Serialize)]
pub struct RankRow {
    pub name: String,
    pub signed: u32,
    pub signing_rate: String,
    pub resolved: u32,
    pub resolution_rate: String,
    pub overdue: u32,
    pub returns: u32,
    pub reopenings: u32,
    /// Working hours its tickets spent paused (挂起), one decimal.
    pub paused_hours: String,
    /// Co-handling opinions late of those owed in the period (逾期协办), "late/owed".
    pub co_late: String,
}

/// "late/owed" co-handling opinions of a ranking line.
pub fn co_late(l: &gridline_domain::digest::DepartmentLine) -> String {
    format!("{}/{}", l.co_replies_late, l.co_replies)
}

/// An overdue ticket with its three-ones, as listed.
#[derive(Debug, Clone, Serialize)]
pub struct OverdueRow {
    pub number: String,
    pub title: String,
    pub leader: String,
    pub department: String,
    pub person: String,
    pub due: String,
    pub days: i64,
    pub link: String,
}

/// A day of the trend.
#[derive(Debug, Clone, Serialize)]
pub struct TrendRow {
    pub day: String,
    pub filed: u32,
    pub resolved: u32,
}

/// A rate as a percentage with one decimal, or a dash when there is none.
pub fn pct(r: Option<f64>) -> String {
    r.map_or_else(|| "—".into(), |r| format!("{:.1}%", r * 100.0))
}

/// The summary table's rows: label (Chinese, English) and value.
pub fn summary(s: &DigestStats) -> Vec<Row> {
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
            label: "按时派单率 On-time dispatch",
            value: format!(
                "{} ({}/{})",
                pct(s.dispatch_rate),
                s.dispatched_on_time,
                s.dispatched
            ),
        },
        Row {
            label: "期末派单超期 Waiting past the dispatch deadline at end",
            value: s.dispatch_overdue_at_end.to_string(),
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
        // Counted apart: none of these is in a department's figures.
        Row {
            label: "重复件 Duplicates",
            value: s.duplicates.to_string(),
        },
        Row {
            label: "撤回 Withdrawn",
            value: s.withdrawn.to_string(),
        },
        Row {
            label: "无效件 Invalid",
            value: s.invalid.to_string(),
        },
        Row {
            label: "非本区事项 Not the zone's business",
            value: s.out_of_scope.to_string(),
        },
        Row {
            label: "退单审核裁定 Arbitrations decided",
            value: s.arbitrations.to_string(),
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
pub fn workbook(
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
        "挂起工时 Hours paused",
        "协办逾期/应回复 Late/owed co-handling opinions",
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
        sheet.write_string(row, 9, &r.paused_hours)?;
        sheet.write_string(row, 10, &r.co_late)?;
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

/// A cell of a plain table.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Text, written as text (never as a formula).
    Text(String),
    /// A number.
    Number(f64),
    /// Nothing.
    Empty,
}

/// One sheet: a bold header row, then the rows; `widths` sets column widths.
pub fn table_workbook(
    headers: &[String],
    rows: &[Vec<Cell>],
    widths: &[(u16, f64)],
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let sheet = wb.add_worksheet();
    for (c, h) in headers.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, h, &bold)?;
    }
    for (i, row) in rows.iter().enumerate() {
        let n = i as u32 + 1;
        for (c, cell) in row.iter().enumerate() {
            match cell {
                Cell::Text(t) => {
                    sheet.write_string(n, c as u16, t)?;
                }
                Cell::Number(x) => {
                    sheet.write_number(n, c as u16, *x)?;
                }
                Cell::Empty => {}
            }
        }
    }
    for (c, w) in widths {
        sheet.set_column_width(*c, *w)?;
    }
    wb.save_to_buffer()
}

/// A hotspot cell as listed (names resolved by the caller).
#[derive(Debug, Clone, Serialize)]
pub struct HotspotRow {
    pub category: &'static str,
    pub grid: String,
    pub cluster: &'static str,
    pub count: u32,
}

/// An enterprise with repeat problems as listed.
#[derive(Debug, Clone, Serialize)]
pub struct RepeatRow {
    pub enterprise: String,
    pub count: u32,
    pub categories: String,
}

/// The hotspot tables (未诉先办) of a period's numbers.
pub fn hotspot_rows(
    h: &gridline_domain::digest::Hotspots,
    grid: &dyn Fn(i64) -> String,
    enterprise: &dyn Fn(i64) -> String,
) -> (Vec<HotspotRow>, Vec<RepeatRow>) {
    (
        h.cells
            .iter()
            .map(|c| HotspotRow {
                category: c.category.label_zh(),
                grid: grid(c.grid_id.0),
                cluster: c.cluster.map_or("—", |x| x.label_zh()),
                count: c.count,
            })
            .collect(),
        h.repeats
            .iter()
            .map(|r| RepeatRow {
                enterprise: enterprise(r.enterprise_id.0),
                count: r.count,
                categories: r
                    .categories
                    .iter()
                    .map(|c| c.label_zh())
                    .collect::<Vec<_>>()
                    .join("、"),
            })
            .collect(),
    )
}
