//! The key projects the caller sees as an .xlsx workbook: one row per milestone.

use gridline_report::{Cell, table_workbook};

use super::{facts, list, standing};
use crate::auth::Caller;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// The projects the caller sees, a row per milestone (bilingual headers, names resolved).
pub async fn export(state: &AppState, caller: &Caller) -> AppResult<Vec<u8>> {
    let projects = list(state, caller).await?;
    let dir = crate::directory::Directory::load(state).await?;
    let names =
        crate::org::enterprise_names(state, projects.iter().map(|p| p.enterprise_id.0)).await?;
    let today = crate::visits::today(state);
    let heads: Vec<String> = [
        "项目 Project",
        "企业 Enterprise",
        "网格 Grid",
        "投资额（万元）Investment",
        "班子成员 Leader",
        "责任部门 Department",
        "负责人员 Person",
        "项目状态 Standing",
        "节点 Milestone",
        "计划日期 Planned",
        "完成日期 Reached",
        "节点状态 Milestone standing",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    let mut rows = Vec::new();
    for p in &projects {
        let project_standing = standing(state, p).label_zh();
        for (m, f) in p.milestones.iter().zip(facts(p)) {
            rows.push(vec![
                Cell::Text(p.name.clone()),
                Cell::Text(names.get(&p.enterprise_id.0).cloned().unwrap_or_default()),
                Cell::Text(dir.grid(p.grid_id.0)),
                Cell::Number(p.investment as f64),
                Cell::Text(dir.user(Some(p.three.accountable_leader_id.0))),
                Cell::Text(dir.department(Some(p.three.department_id.0))),
                Cell::Text(dir.user(Some(p.three.responsible_person_id.0))),
                Cell::Text(project_standing.to_owned()),
                Cell::Text(m.name.clone()),
                Cell::Text(m.planned_on.to_string()),
                m.reached_on
                    .map_or(Cell::Empty, |d| Cell::Text(d.to_string())),
                Cell::Text(
                    gridline_domain::project::milestone_standing(&f, today)
                        .label_zh()
                        .to_owned(),
                ),
            ]);
        }
    }
    table_workbook(&heads, &rows, &[(0, 32.0), (1, 28.0), (8, 14.0)])
        .map_err(|e| AppError::internal(&e))
}
