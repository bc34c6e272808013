//! The leaders' digest: numbers from `domain::digest`, rendered as HTML and text with a trend
//! chart (SVG) and the same tables as an .xlsx workbook.

use chrono::Duration;
use gridline_app::AppState;
use gridline_app::directory::Person;
use gridline_app::mail::{Prepared, leader_digest};
use gridline_domain::UserId;
use gridline_domain::digest::{DigestStats, Period};
use gridline_report::{OverdueRow, RankRow, TrendRow, pct, summary, trend_svg, workbook};
use minijinja::Value;

use crate::compose::{ComposeError, local_time};
use crate::mailer::Attachment;
use crate::templates::Templates;

/// A rendered digest.
pub struct DigestContent {
    pub leader: Person,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub xlsx: Attachment,
    pub stats: std::sync::Arc<DigestStats>,
}

/// Renders one leader's digest for a period; nothing to send if the user is not an active
/// leader.
pub async fn build(
    app: &AppState,
    templates: &Templates,
    base_url: &str,
    leader: UserId,
    period: Period,
) -> Result<Prepared<DigestContent>, ComposeError> {
    let Some(d) = leader_digest(app, leader, period).await? else {
        return Ok(Prepared::NoRecipients(
            "not an active leader / 非在职领导".into(),
        ));
    };
    let (stats, names, user) = (&d.stats, &d.names, &d.leader);
    let name = |n: String| if n.is_empty() { "—".to_owned() } else { n };
    let ranking: Vec<RankRow> = stats
        .ranking
        .iter()
        .map(|l| RankRow {
            name: name(names.department(Some(l.department_id.0))),
            signed: l.signed,
            signing_rate: pct(l.signing_rate),
            resolved: l.resolved,
            resolution_rate: pct(l.resolution_rate),
            overdue: l.overdue,
            returns: l.returns,
            reopenings: l.reopenings,
            paused_hours: format!("{:.1}", l.paused_hours),
            co_late: gridline_report::co_late(l),
        })
        .collect();
    let base = base_url.trim_end_matches('/');
    let overdue: Vec<OverdueRow> = stats
        .overdue
        .iter()
        .map(|o| OverdueRow {
            number: o.number.clone(),
            title: o.title.clone(),
            leader: name(names.user(o.accountable_leader_id.map(|u| u.0))),
            department: name(names.department(o.department_id.map(|d| d.0))),
            person: name(names.user(o.responsible_person_id.map(|u| u.0))),
            due: local_time(o.due_at),
            days: o.days_overdue,
            link: format!("{base}/tickets/{}", o.ticket_id),
        })
        .collect();
    let scope_label = if user.top_leader {
        "全区 / whole zone".to_owned()
    } else if d.grids.is_empty() {
        "负责的工单 / tickets you are accountable for".to_owned()
    } else {
        format!(
            "{} 及负责的工单 / linked grids and tickets you are accountable for",
            d.grids.join("、")
        )
    };
    let (cadence_zh, cadence_en) = match period {
        Period::Week { .. } => ("周报", "Weekly"),
        Period::Month { .. } => ("月报", "Monthly"),
    };
    let attachment = format!("gridline-digest-{period}.xlsx");
    let chart_svg = trend_svg(stats);
    let trend: Vec<TrendRow> = stats
        .trend
        .iter()
        .map(|p| TrendRow {
            day: p.day.format("%m-%d").to_string(),
            filed: p.filed,
            resolved: p.resolved,
        })
        .collect();
    let coverage: Vec<_> = d
        .coverage
        .iter()
        .map(|c| {
            serde_json::json!({
                "grid": name(names.grid(c.grid_id.0)),
                "due": c.due,
                "visited": c.visited,
                "overdue": c.overdue,
                "rate": pct(c.rate()),
            })
        })
        .collect();
    let deliveries: Vec<_> = d
        .deliveries
        .iter()
        .map(|(g, s)| {
            serde_json::json!({
                "grid": name(names.grid(g.0)),
                "targeted": s.targeted,
                "delivered": s.delivered,
                "rate": pct(s.rate()),
                "interested": s.interested,
                "will_apply": s.will_apply,
                "overdue": s.overdue,
            })
        })
        .collect();
    let standing = |n: String, c: &gridline_app::projects::StandingCounts| serde_json::json!({"name": name(n), "on_track": c.on_track, "at_risk": c.at_risk, "late": c.late, "done": c.done});
    let projects = serde_json::json!({
        "grids": d.projects.0.iter().map(|(g, c)| standing(names.grid(g.0), c)).collect::<Vec<_>>(),
        "departments": d.projects.1.iter().map(|(x, c)| standing(names.department(Some(x.0)), c)).collect::<Vec<_>>(),
    });
    let enterprises = gridline_app::org::enterprise_names(
        app,
        stats.hotspots.repeats.iter().map(|r| r.enterprise_id.0),
    )
    .await?;
    let (hot_cells, hot_repeats) =
        gridline_report::hotspot_rows(&stats.hotspots, &|g| names.grid(g), &|e| {
            enterprises.get(&e).cloned().unwrap_or_default()
        });
    let ctx = Value::from_serialize(serde_json::json!({
        "hot_cells": hot_cells,
        "hot_repeats": hot_repeats,
        "leader": user.display_name,
        "period": period.to_string(),
        "start": period.first_day().to_string(),
        "end": (period.end_day() - Duration::days(1)).to_string(),
        "scope": scope_label,
        "cadence_zh": cadence_zh,
        "cadence_en": cadence_en,
        "summary": summary(stats),
        "ranking": ranking,
        "overdue": overdue,
        "trend": trend,
        "coverage": coverage,
        "deliveries": deliveries,
        "projects": projects,
        "chart_svg": chart_svg,
        "attachment": attachment,
        "link": base,
    }));
    let bytes = workbook(period, stats, &ranking, &overdue)
        .map_err(|e| gridline_app::mail::PrepareError::Payload(format!("xlsx: {e}")))?;
    Ok(Prepared::Ready(DigestContent {
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
        leader: d.leader.clone(),
        stats: d.stats.clone(),
    }))
}
