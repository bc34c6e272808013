//! The visits as an .xlsx workbook.

use gridline_report::{Cell, table_workbook};

use super::{ListQuery, list};
use crate::auth::Caller;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// The most rows an export holds.
pub const EXPORT_MAX: u64 = 10_000;

/// The visits the caller may see in `[from, to]` as an .xlsx workbook (bilingual headers,
/// names resolved), at most [`EXPORT_MAX`] rows.
pub async fn export(state: &AppState, caller: &Caller, q: &ListQuery) -> AppResult<Vec<u8>> {
    let mut rows = Vec::new();
    let mut after = None;
    while (rows.len() as u64) < EXPORT_MAX {
        let page = list(
            state,
            caller,
            &ListQuery {
                after,
                limit: 500,
                ..q.clone()
            },
        )
        .await?;
        let Some(last) = page.last() else { break };
        after = Some((last.visited_on, last.id));
        rows.extend(page);
    }
    rows.truncate(EXPORT_MAX as usize);
    let dir = crate::directory::Directory::load(state).await?;
    let names = crate::org::enterprise_names(state, rows.iter().map(|v| v.enterprise_id.0)).await?;
    let name = |id: i64| names.get(&id).cloned().unwrap_or_default();
    let heads: Vec<String> = [
        "走访日期 Date",
        "企业 Enterprise",
        "网格 Grid",
        "方式 Mode",
        "接待人员 People met",
        "话题 Topics",
        "走访情况 Notes",
        "登记人 Recorded by",
        "关联工单 Tickets",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    let cells: Vec<Vec<Cell>> = rows
        .iter()
        .map(|v| {
            let mut topics: Vec<String> =
                v.topics.iter().map(|t| t.label_zh().to_owned()).collect();
            topics.extend(v.topic_note.clone());
            vec![
                Cell::Text(v.visited_on.format("%Y-%m-%d").to_string()),
                Cell::Text(name(v.enterprise_id.0)),
                Cell::Text(dir.grid(v.grid_id.0)),
                Cell::Text(v.mode.label_zh().to_owned()),
                Cell::Text(v.people_met.clone()),
                Cell::Text(topics.join("、")),
                Cell::Text(v.notes.clone()),
                Cell::Text(dir.user(Some(v.recorded_by.0))),
                Cell::Number(v.ticket_ids.len() as f64),
            ]
        })
        .collect();
    table_workbook(
        &heads,
        &cells,
        &[(1, 32.0), (4, 20.0), (5, 24.0), (6, 48.0)],
    )
    .map_err(|e| AppError::internal(&e))
}
