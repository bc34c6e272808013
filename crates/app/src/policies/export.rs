//! A policy's deliveries as an .xlsx workbook.

use gridline_report::{Cell, table_workbook};

use super::{DeliveryQuery, deliveries, get};
use crate::auth::Caller;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// A policy's deliveries the caller sees, as .xlsx (bilingual headers, names resolved).
pub async fn export(state: &AppState, caller: &Caller, policy: i64) -> AppResult<Vec<u8>> {
    get(state, policy).await?;
    let mut rows = Vec::new();
    let mut after_id = None;
    loop {
        let page = deliveries(
            state,
            caller,
            &DeliveryQuery {
                policy_id: Some(policy),
                after_id,
                limit: 500,
                ..DeliveryQuery::default()
            },
        )
        .await?;
        let Some(last) = page.last() else { break };
        after_id = Some(last.id);
        rows.extend(page);
    }
    let dir = crate::directory::Directory::load(state).await?;
    let names = crate::org::enterprise_names(state, rows.iter().map(|d| d.enterprise_id.0)).await?;
    let now = state.now();
    let heads: Vec<String> = [
        "企业 Enterprise",
        "网格 Grid",
        "联络员 Liaison",
        "期限 Due",
        "送达日期 Delivered",
        "方式 Channel",
        "对接人 Contact",
        "反馈 Answer",
        "逾期 Overdue",
        "工单 Ticket",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    let cells: Vec<Vec<Cell>> = rows
        .iter()
        .map(|d| {
            let text = |s: Option<String>| s.map_or(Cell::Empty, Cell::Text);
            vec![
                Cell::Text(names.get(&d.enterprise_id.0).cloned().unwrap_or_default()),
                Cell::Text(dir.grid(d.grid_id.0)),
                Cell::Text(dir.user(Some(d.liaison_id.0))),
                Cell::Text(
                    d.due_at
                        .with_timezone(&gridline_domain::calendar::ZONE)
                        .format("%Y-%m-%d")
                        .to_string(),
                ),
                text(d.delivered_on.map(|x| x.to_string())),
                text(d.channel.map(|c| c.label_zh().to_owned())),
                text(d.contact.clone()),
                text(d.answer.map(|a| a.label_zh().to_owned())),
                Cell::Text(
                    if d.delivered_on.is_none() && now > d.due_at {
                        "是"
                    } else {
                        ""
                    }
                    .to_owned(),
                ),
                d.ticket_id.map_or(Cell::Empty, |t| Cell::Number(t as f64)),
            ]
        })
        .collect();
    table_workbook(&heads, &cells, &[(0, 32.0), (6, 20.0)]).map_err(|e| AppError::internal(&e))
}
