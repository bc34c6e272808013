//! The leaders' dashboard (驾驶舱): cards, the department ranking, the trend, the overdue
//! list with a supervise (督办) button, and extension requests to decide. The period numbers
//! are the digest's own ([`gridline_app::digest::stats_for`], drawn by `gridline-report`), so
//! the page and the mail agree.

use axum::extract::{Query, State};
use axum::response::Response;
use chrono::Datelike;
use gridline_app::AppState;
use gridline_app::digest::period_stats;
use gridline_app::tickets::{self, Sort, TicketFilter};
use gridline_domain::calendar::ZONE;
use gridline_domain::digest::Period;
use gridline_domain::ticket::available_actions;
use gridline_domain::{ActionKind, GridId, Role, Scope};
use gridline_report::trend_svg;
use serde::{Deserialize, Serialize};

use crate::pages::{opt, opt_id};
use crate::render::{PageError, page};
use crate::session::Viewer;
use crate::view::{Directory, rows};

#[derive(Debug, Default, Deserialize, Serialize)]
pub struct DashQuery {
    period: Option<String>,
    grid: Option<String>,
}

/// The periods offered: this and last month, this and last week.
pub(crate) fn periods(today: chrono::NaiveDate) -> Vec<Period> {
    let this_week = today.iso_week();
    vec![
        Period::Month {
            year: today.year(),
            month: today.month(),
        },
        Period::month_before(today),
        Period::Week {
            year: this_week.year(),
            week: this_week.week(),
        },
        Period::week_before(today),
    ]
}

/// Makes the SVG scale with the page.
fn responsive(svg: String) -> String {
    svg.replacen(
        "<svg width=\"640\" height=\"220\"",
        "<svg viewBox=\"0 0 640 220\" role=\"img\"",
        1,
    )
}

/// `GET /dashboard?period=2026-11&grid=3`.
pub async fn show(
    State(state): State<AppState>,
    v: Viewer,
    Query(q): Query<DashQuery>,
) -> Result<Response, PageError> {
    v.require(&[Role::Leader, Role::Admin])?;
    let dir = Directory::load(&state).await?;
    let mine = Scope::of(&v.auth.actor);
    let grid = opt_id(&q.grid)?;
    let scope = match grid {
        Some(g) if mine.covers_grid(GridId(g)) => Scope::Grids(vec![GridId(g)]),
        Some(_) => return Err(PageError::not_found()),
        None => mine.clone(),
    };
    let now = state.now();
    let offered = periods(now.with_timezone(&ZONE).date_naive());
    let period = match opt(&q.period) {
        // Only periods near today: the cost of a page must not be set by the number typed.
        Some(p) => Period::parse_recent(p, now.with_timezone(&ZONE).date_naive())
            .ok_or_else(PageError::bad_request)?,
        None => offered[0],
    };
    let count = |f: TicketFilter| {
        let (state, scope) = (&state, &scope);
        async move { tickets::count_in(state, scope, &f).await }
    };
    // The period's numbers and the live counts at once (on separate connections).
    let (stats, open_now, overdue_now) = futures::try_join!(
        period_stats(&state, &scope, period),
        count(TicketFilter {
            open_only: true,
            ..TicketFilter::default()
        }),
        count(TicketFilter {
            overdue: true,
            ..TicketFilter::default()
        })
    )?;
    // The first 20 of a list, nearest deadline first.
    let first = |f: TicketFilter| {
        let (state, scope) = (&state, &scope);
        async move {
            let f = TicketFilter {
                sort: Sort::Deadline,
                limit: 20,
                ..f
            };
            tickets::list_in(state, scope, &f).await.map(|p| p.items)
        }
    };
    let overdue = first(TicketFilter {
        overdue: true,
        ..TicketFilter::default()
    })
    .await?;
    let pending = first(TicketFilter {
        pending_extension: true,
        ..TicketFilter::default()
    })
    .await?;
    let may = |t: &gridline_domain::Ticket, a: ActionKind| {
        available_actions(t, &v.auth.actor).contains(&a)
    };
    let overdue_rows: Vec<_> = rows(&state, &dir, &overdue)
        .await?
        .into_iter()
        .zip(overdue.iter())
        .map(|(r, t)| serde_json::json!({"r": r, "supervise": may(t, ActionKind::Supervise)}))
        .collect();
    let pending_rows: Vec<_> = rows(&state, &dir, &pending)
        .await?
        .into_iter()
        .zip(pending.iter())
        .map(|(r, t)| {
            serde_json::json!({
                "r": r,
                "reason": t.pending_extension.as_ref().map(|p| p.reason.clone()),
                "decide": may(t, ActionKind::DecideExtension),
            })
        })
        .collect();
    let ranking: Vec<_> = stats
        .ranking
        .iter()
        .map(|l| {
            serde_json::json!({
                "name": dir.department(Some(l.department_id.0)),
                "signed": l.signed,
                "signing_rate": l.signing_rate,
                "resolved": l.resolved,
                "resolution_rate": l.resolution_rate,
                "overdue": l.overdue,
                "returns": l.returns,
                "reopenings": l.reopenings,
                "paused_hours": format!("{:.1}", l.paused_hours),
                "co_late": gridline_report::co_late(l),
            })
        })
        .collect();
    let coverage =
        gridline_app::visits::coverage(&state, &scope, None, now.with_timezone(&ZONE).date_naive())
            .await?;
    let (delivery_lines, _) = gridline_app::policies::stats(&state, &v.auth, None).await?;
    let delivery_lines: Vec<_> = delivery_lines
        .into_iter()
        .filter(|(g, _)| scope.covers_grid(*g))
        .collect();
    let (project_grids, project_depts) =
        gridline_app::projects::summary(&state, &v.auth.actor, gridline_app::visits::today(&state))
            .await?;
    let project_grids: Vec<_> = project_grids
        .into_iter()
        .filter(|(g, _)| scope.covers_grid(*g))
        .collect();
    let late_projects: Vec<_> = crate::pages::projects::rows(&state, &v, &dir)
        .await?
        .into_iter()
        .filter(|r| r["standing"] == "late" || r["standing"] == "at_risk")
        .filter(|r| {
            r["grid_id"]
                .as_i64()
                .is_some_and(|g| scope.covers_grid(GridId(g)))
        })
        .take(20)
        .collect();
    let enterprises = gridline_app::org::enterprise_names(
        &state,
        stats.hotspots.repeats.iter().map(|r| r.enterprise_id.0),
    )
    .await?;
    let (hot_cells, hot_repeats) =
        gridline_report::hotspot_rows(&stats.hotspots, &|g| dir.grid(g), &|e| {
            enterprises.get(&e).cloned().unwrap_or_default()
        });
    // The period's scores as they stand (published bulletins are frozen; these are live).
    let scores = gridline_domain::appraisal::scores(&stats, &state.appraisal);
    let (red, black) =
        gridline_domain::appraisal::red_and_black(&scores, state.appraisal.list_size);
    let scores: Vec<_> = scores
        .iter()
        .map(|s| {
            serde_json::json!({
                "name": dir.department(Some(s.department_id.0)),
                "score": format!("{:.1}", s.score),
                "list": if red.contains(&s.department_id) { "red" } else if black.contains(&s.department_id) { "black" } else { "" },
                "indicators": s.indicators.iter().map(|i| format!("{} {:.1}/{:.0}", i.indicator.label_zh(), i.points, i.weight)).collect::<Vec<_>>().join(" · "),
            })
        })
        .collect();
    let people = crate::pages::workload::people_rows(&dir, &stats.people, 50);
    let back = format!(
        "/dashboard?period={period}{}",
        grid.map(|g| format!("&grid={g}")).unwrap_or_default()
    );
    Ok(page(
        "dashboard.html",
        &v.ctx("/dashboard"),
        serde_json::json!({
            "people": people,
            "scores": scores,
            "hot_cells": hot_cells,
            "hot_repeats": hot_repeats,
            "period": period.to_string(),
            "periods": offered.iter().map(ToString::to_string).collect::<Vec<_>>(),
            "grid": grid,
            "grids": dir.grids_in(&mine),
            "cards": {
                "open": open_now,
                "overdue": overdue_now,
                "filed": stats.filed,
                "resolved": stats.resolved,
                "signing_rate": stats.signing_rate,
                "resolution_rate": stats.resolution_rate,
                "satisfaction_rate": stats.satisfaction_rate,
                "returns": stats.returns,
                "duplicates": stats.duplicates,
                "withdrawn": stats.withdrawn,
                "invalid": stats.invalid,
            },
            "ranking": ranking,
            "coverage": crate::pages::visits::coverage_rows(&dir, &coverage),
            "deliveries": crate::pages::policies::grid_stats(&dir, &delivery_lines),
            "summary": crate::pages::projects::summary_rows(&dir, &project_grids, &project_depts),
            "late_projects": late_projects,
            "trend": responsive(trend_svg(&stats)),
            "overdue": overdue_rows,
            "pending": pending_rows,
            "back": back,
        }),
    ))
}
