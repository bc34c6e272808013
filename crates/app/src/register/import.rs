//! Importing the register: every row checked against the rules and the register, a dry
//! run, an all-or-nothing commit, and the pages' staged check (kept an hour under a token).

use std::collections::HashMap;

use gridline_domain::GridId;
use gridline_domain::register::{RegisterRow, check, columns};
use gridline_report::{Cell, table_workbook};
use gridline_store::entity::enterprises;
use serde::Serialize;

use super::{read, zone_keeper};
use crate::auth::Caller;
use crate::error::{AppError, AppResult};
use crate::people::audit;
use crate::state::AppState;

/// One row's outcome in an import report.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = ImportRow))]
pub struct RowReport {
    /// The line in the file (the header is line 1).
    pub line: usize,
    pub credit_code: String,
    pub name: String,
    /// new | update | unchanged | invalid
    pub outcome: &'static str,
    /// What is wrong (invalid rows): field, stable code, message in Chinese then English.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub problems: Vec<gridline_domain::register::Problem>,
}

/// How many rows of each outcome.
#[derive(Debug, Clone, Copy, Default, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = ImportCounts))]
pub struct Counts {
    pub new: usize,
    pub update: usize,
    pub unchanged: usize,
    pub invalid: usize,
}

/// What an import found, and whether it was written.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = ImportReport))]
pub struct ImportReport {
    /// Written (all rows), or not (a dry run, or a file with invalid rows: none written).
    pub committed: bool,
    /// For the pages: confirm this checked file without sending it again.
    pub token: Option<String>,
    pub counts: Counts,
    /// Every row, in file order.
    pub rows: Vec<RowReport>,
}

/// What to write: the new rows, and the changed ones with the record they change.
struct Plan {
    new: Vec<RegisterRow>,
    changed: Vec<(enterprises::Model, RegisterRow)>,
}

fn same(e: &enterprises::Model, r: &RegisterRow) -> bool {
    e.name == r.name
        && e.cluster == r.cluster.as_str()
        && e.above_size == r.above_size
        && e.grid_id == r.grid_id.0
        && e.address == r.address
        && e.contact_person == r.contact_person
        && e.contact_phone == r.contact_phone
}

/// Checks a file's rows against the rules and the register.
async fn plan(state: &AppState, rows: &[Vec<String>]) -> AppResult<(ImportReport, Plan)> {
    let at = columns(&rows[0]).map_err(|p| AppError::invalid("file", &p.code, p.message))?;
    let grids: HashMap<String, GridId> = state
        .store
        .grids()
        .await?
        .into_iter()
        .map(|g| (g.name, GridId(g.id)))
        .collect();
    let mut register: HashMap<String, enterprises::Model> = state
        .store
        .register()
        .await?
        .into_iter()
        .map(|e| (e.credit_code.clone(), e))
        .collect();
    let mut counts = Counts::default();
    let mut report = Vec::with_capacity(rows.len() - 1);
    let mut plan = Plan {
        new: vec![],
        changed: vec![],
    };
    for c in check(&rows[1..], &at, &grids) {
        let outcome = match c.row {
            Err(problems) => {
                counts.invalid += 1;
                report.push(RowReport {
                    line: c.line,
                    credit_code: c.credit_code,
                    name: c.name,
                    outcome: "invalid",
                    problems,
                });
                continue;
            }
            Ok(row) => match register.remove(row.credit_code.as_str()) {
                None => {
                    counts.new += 1;
                    plan.new.push(row);
                    "new"
                }
                Some(e) if same(&e, &row) => {
                    counts.unchanged += 1;
                    "unchanged"
                }
                Some(e) => {
                    counts.update += 1;
                    plan.changed.push((e, row));
                    "update"
                }
            },
        };
        report.push(RowReport {
            line: c.line,
            credit_code: c.credit_code,
            name: c.name,
            outcome,
            problems: vec![],
        });
    }
    Ok((
        ImportReport {
            committed: false,
            token: None,
            counts,
            rows: report,
        },
        plan,
    ))
}

async fn write(
    state: &AppState,
    caller: &Caller,
    mut report: ImportReport,
    plan: Plan,
) -> AppResult<ImportReport> {
    if report.counts.invalid > 0 {
        return Ok(report);
    }
    let done = state
        .store
        .import_register(&plan.new, &plan.changed, audit(state, caller))
        .await?;
    tracing::info!(
        created = done.created,
        updated = done.updated,
        "register imported"
    );
    report.committed = true;
    Ok(report)
}

/// Checks a file and reports every row; writes nothing.
pub async fn dry_run(state: &AppState, caller: &Caller, bytes: &[u8]) -> AppResult<ImportReport> {
    zone_keeper(caller)?;
    let _turn = state.uploads.turn().await?;
    let rows = read::rows(bytes)?;
    Ok(plan(state, &rows).await?.0)
}

/// Imports a file: every row is added or updated (matched by credit code), or — if any row
/// is invalid — none is, and the report says why (`committed: false`).
pub async fn import(state: &AppState, caller: &Caller, bytes: &[u8]) -> AppResult<ImportReport> {
    zone_keeper(caller)?;
    let _turn = state.uploads.turn().await?;
    let rows = read::rows(bytes)?;
    let (report, plan) = plan(state, &rows).await?;
    write(state, caller, report, plan).await
}

/// How long a checked file waits for its confirmation.
const STAGED_FOR: chrono::Duration = chrono::Duration::hours(1);

/// A dry run whose file is kept (an hour) under a token: to download every row's outcome,
/// and — when no row is invalid — to confirm the import without sending the file again.
pub async fn stage(state: &AppState, caller: &Caller, bytes: &[u8]) -> AppResult<ImportReport> {
    zone_keeper(caller)?;
    let _turn = state.uploads.turn().await?;
    let rows = read::rows(bytes)?;
    let (mut report, _) = plan(state, &rows).await?;
    let token = uuid::Uuid::new_v4().simple().to_string();
    let body = serde_json::to_string(&rows).map_err(|e| AppError::internal(&e))?;
    state
        .store
        .stage_import(&token, caller.user.id, body, state.now())
        .await?;
    report.token = Some(token);
    Ok(report)
}

fn expired() -> AppError {
    AppError::conflict(
        "import_expired",
        "this check has expired or was already imported; upload the file again / 校验结果已过期或已导入，请重新上传",
    )
}

/// Every row's outcome of a staged file, as a workbook (line, name, credit code, outcome,
/// problems), in Chinese (`zh`) or English.
pub async fn staged_report(
    state: &AppState,
    caller: &Caller,
    token: &str,
    zh: bool,
) -> AppResult<Vec<u8>> {
    zone_keeper(caller)?;
    let body = state
        .store
        .peek_import(token, caller.user.id, state.now() - STAGED_FOR)
        .await?
        .ok_or_else(expired)?;
    let rows: Vec<Vec<String>> = serde_json::from_str(&body).map_err(|e| AppError::internal(&e))?;
    let (report, _) = plan(state, &rows).await?;
    let heads: Vec<String> = if zh {
        ["行", "企业名称", "统一社会信用代码", "结果", "问题"]
    } else {
        ["Line", "Enterprise", "Credit code", "Outcome", "Problems"]
    }
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    let outcome = |o: &str| -> &'static str {
        match (o, zh) {
            ("new", true) => "新增",
            ("update", true) => "更新",
            ("unchanged", true) => "无变化",
            ("invalid", true) => "有误",
            ("new", false) => "new",
            ("update", false) => "update",
            ("unchanged", false) => "unchanged",
            _ => "invalid",
        }
    };
    let half = |m: &str| -> String {
        let mut parts = m.splitn(2, " / ");
        let (a, b) = (parts.next().unwrap_or(m), parts.next().unwrap_or(m));
        if zh { a } else { b }.to_owned()
    };
    let cells: Vec<Vec<Cell>> = report
        .rows
        .iter()
        .map(|r| {
            vec![
                Cell::Number(r.line as f64),
                Cell::Text(r.name.clone()),
                Cell::Text(r.credit_code.clone()),
                Cell::Text(outcome(r.outcome).to_owned()),
                Cell::Text(
                    r.problems
                        .iter()
                        .map(|p| half(&p.message))
                        .collect::<Vec<_>>()
                        .join("; "),
                ),
            ]
        })
        .collect();
    table_workbook(&heads, &cells, &[(1, 32.0), (2, 24.0), (4, 60.0)])
        .map_err(|e| AppError::internal(&e))
}

/// Imports a staged file (checked again against the register as it is now).
pub async fn commit_staged(
    state: &AppState,
    caller: &Caller,
    token: &str,
) -> AppResult<ImportReport> {
    zone_keeper(caller)?;
    let body = state
        .store
        .take_import(token, caller.user.id, state.now() - STAGED_FOR)
        .await?
        .ok_or_else(expired)?;
    let rows: Vec<Vec<String>> = serde_json::from_str(&body).map_err(|e| AppError::internal(&e))?;
    let (report, plan) = plan(state, &rows).await?;
    write(state, caller, report, plan).await
}
