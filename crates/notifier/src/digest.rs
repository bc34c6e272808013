//! The leaders' digest: numbers from `domain::digest`, rendered as HTML and text with a trend
//! chart (SVG) and the same tables as an .xlsx workbook.

use std::collections::HashMap;

use chrono::Duration;
use gridline_domain::digest::{DigestStats, Period};
use gridline_domain::{DepartmentId, Role, Scope, UserId, WorkCalendar};
use gridline_report::{OverdueRow, RankRow, TrendRow, pct, summary, trend_svg, workbook};
use gridline_store::Store;
use gridline_store::entity::users;
use minijinja::Value;

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
    let stats = gridline_app::digest::stats_for(store, calendar, &scope, period).await?;
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
