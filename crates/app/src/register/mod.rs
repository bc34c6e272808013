//! The enterprise register (企业名录): edits and deactivation by administrators and
//! dispatchers (a grid's head for their grid's enterprises), imports from .xlsx and .csv
//! with a dry run first, and exports with the same columns, so an export imports back.

mod import;
pub mod read;

pub use import::{
    Counts, ImportReport, RowReport, commit_staged, dry_run, import, stage, staged_report,
};

use std::collections::HashMap;

use gridline_domain::permission::{imports_register, register_scope};
use gridline_domain::register::COLUMNS;
use gridline_domain::text::{Name, Phone};
use gridline_domain::{Cluster, EnterpriseId, GridId, Scope};
use gridline_report::{Cell, table_workbook};
use gridline_store::org::EnterpriseFilter;
use gridline_store::org::register::EnterpriseChange;
use serde::Deserialize;

use crate::auth::Caller;
use crate::error::{AppError, AppResult};
use crate::org::Enterprise;
use crate::people::audit;
use crate::state::AppState;

/// The register the caller keeps (the rule: `domain::permission::register_scope`).
pub(crate) fn keeper(caller: &Caller) -> AppResult<Scope> {
    register_scope(&caller.actor).ok_or_else(|| {
        AppError::forbidden(
            "register_keepers_only",
            "only administrators and dispatchers keep the enterprise register / 仅管理员和调度员可维护企业名录",
        )
    })
}

/// Refuses callers who may not import (`domain::permission::imports_register`).
pub(crate) fn zone_keeper(caller: &Caller) -> AppResult<()> {
    keeper(caller)?;
    if imports_register(&caller.actor) {
        Ok(())
    } else {
        Err(AppError::forbidden(
            "zone_keepers_only",
            "imports are for administrators and the service centre / 仅管理员和服务中心可导入名录",
        ))
    }
}

/// What to change of an enterprise (fields left out stay; `null` clears the optional ones).
#[derive(Debug, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = UpdateEnterprise))]
#[serde(deny_unknown_fields)]
pub struct EnterprisePatch {
    pub expected_version: i64,
    #[serde(default)]
    pub name: Option<String>,
    /// electronic_information | food_beverage_water | machinery_moulds | other
    #[serde(default)]
    pub cluster: Option<String>,
    #[serde(default)]
    pub above_size: Option<bool>,
    #[serde(default)]
    pub grid_id: Option<i64>,
    #[serde(default, deserialize_with = "crate::input::double")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub address: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::input::double")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub contact_person: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::input::double")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub contact_phone: Option<Option<String>>,
    /// `false`: moved away or closed (its tickets stay); `true`: back.
    #[serde(default)]
    pub active: Option<bool>,
}

fn text_field(
    v: Option<Option<String>>,
    field: &'static str,
    phone: bool,
) -> AppResult<Option<Option<String>>> {
    Ok(match v {
        None => None,
        Some(None) => Some(None),
        Some(Some(s)) if s.trim().is_empty() => Some(None),
        Some(Some(s)) if phone => Some(Some(Phone::parse(&s)?.as_str().to_owned())),
        Some(Some(s)) => Some(Some(
            gridline_domain::text::Remark::parse(&s)
                .map_err(|e| AppError::on_field(e, field))?
                .as_str()
                .to_owned(),
        )),
    })
}

/// Edits an enterprise: administrators and the service centre anywhere, a grid's head for
/// their grid's enterprises (and only into a grid of theirs).
pub async fn edit_enterprise(
    state: &AppState,
    caller: &Caller,
    id: EnterpriseId,
    patch: EnterprisePatch,
) -> AppResult<Enterprise> {
    let scope = keeper(caller)?;
    let now = state.store.enterprise(id).await?;
    if !scope.covers_grid(GridId(now.grid_id)) {
        return Err(AppError::not_found("enterprise"));
    }
    if let Some(g) = patch.grid_id
        && !scope.covers_grid(GridId(g))
    {
        return Err(AppError::invalid(
            "grid_id",
            "unknown_grid",
            "no such grid / 网格不存在",
        ));
    }
    let change = EnterpriseChange {
        name: patch
            .name
            .as_deref()
            .map(|n| Name::parse(n).map_err(|e| AppError::on_field(e, "name")))
            .transpose()?
            .map(Name::into_inner),
        cluster: crate::org::cluster_param(patch.cluster.as_deref())?,
        above_size: patch.above_size,
        grid_id: patch.grid_id.map(GridId),
        address: text_field(patch.address, "address", false)?,
        contact_person: text_field(patch.contact_person, "contact_person", false)?,
        contact_phone: text_field(patch.contact_phone, "contact_phone", true)
            .map_err(|e| AppError::invalid("contact_phone", e.code(), e.message().to_owned()))?,
        active: patch.active,
    };
    let row = state
        .store
        .update_enterprise(id, patch.expected_version, change, audit(state, caller))
        .await?;
    Ok(Enterprise::try_from(row)?)
}

/// The columns' headers, in Chinese (the template's).
pub(crate) fn headers() -> Vec<String> {
    COLUMNS.iter().map(|(_, zh, _)| (*zh).to_owned()).collect()
}

/// The import template: the headers and one example row.
pub fn template() -> AppResult<Vec<u8>> {
    let example = [
        "示例企业有限公司",
        "91441600MA4T00001X",
        "（网格名称）",
        "电子信息",
        "是",
        "高新区科技大道 1 号",
        "张三",
        "0762-3333333",
    ];
    table_workbook(
        &headers(),
        &[example
            .iter()
            .map(|s| Cell::Text((*s).to_owned()))
            .collect()],
        &[(0, 32.0), (1, 24.0), (5, 32.0)],
    )
    .map_err(|e| AppError::internal(&e))
}

/// Enterprises matching a filter, in the caller's grids (the register page and its export).
pub async fn list(
    state: &AppState,
    caller: &Caller,
    filter: &EnterpriseFilter,
    limit: u64,
) -> AppResult<Vec<Enterprise>> {
    let scope = keeper(caller)?;
    let mut filter = filter.clone();
    if scope != Scope::All {
        let Scope::Grids(mine) = &scope else {
            return Ok(vec![]);
        };
        match filter.grid_id {
            Some(g) if !mine.contains(&g) => return Ok(vec![]),
            Some(_) => {}
            None => filter.grid_id = mine.first().copied(),
        }
    }
    crate::org::enterprises(state, &filter, limit).await
}

/// The register as a workbook with the import's columns (so it imports back).
pub async fn export(
    state: &AppState,
    caller: &Caller,
    filter: &EnterpriseFilter,
) -> AppResult<Vec<u8>> {
    let grid_names: HashMap<i64, String> = state
        .store
        .grids()
        .await?
        .into_iter()
        .map(|g| (g.id, g.name))
        .collect();
    let mut rows = Vec::new();
    let mut page = filter.clone();
    loop {
        let batch = list(state, caller, &page, 500).await?;
        let Some(last) = batch.last() else { break };
        page.after_id = Some(last.id);
        for e in &batch {
            let cluster: &str = match Cluster::parse(&e.cluster) {
                Some(c) => c.label_zh(),
                None => &e.cluster,
            };
            rows.push(
                [
                    e.name.as_str(),
                    e.credit_code.as_str(),
                    grid_names.get(&e.grid_id).map_or("", String::as_str),
                    cluster,
                    if e.above_size { "是" } else { "否" },
                    e.address.as_deref().unwrap_or_default(),
                    e.contact_person.as_deref().unwrap_or_default(),
                    e.contact_phone.as_deref().unwrap_or_default(),
                ]
                .iter()
                .map(|s| Cell::Text((*s).to_owned()))
                .collect::<Vec<_>>(),
            );
        }
        if batch.len() < 500 {
            break;
        }
    }
    table_workbook(&headers(), &rows, &[(0, 32.0), (1, 24.0), (5, 32.0)])
        .map_err(|e| AppError::internal(&e))
}
