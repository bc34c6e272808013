//! The organisation as the doors show it: read models of the rows.

use gridline_store::entity::{departments, enterprises, grids, task_forces};
use gridline_store::{StoreError, from_ms};
use serde::Serialize;

/// A department (责任部门).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = DepartmentDto))]
pub struct Department {
    pub id: i64,
    pub name: String,
    /// The department's shared mailbox.
    pub email: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// The version an edit names (`expected_version`).
    pub version: i64,
    /// Deactivated departments take no new tickets; their history stays.
    pub active: bool,
}

impl TryFrom<departments::Model> for Department {
    type Error = StoreError;

    fn try_from(d: departments::Model) -> Result<Self, Self::Error> {
        Ok(Self {
            id: d.id,
            name: d.name,
            email: d.email,
            created_at: from_ms(d.created_at)?,
            version: d.version,
            active: d.active,
        })
    }
}

/// A task force (专班).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = TaskForceDto))]
pub struct TaskForce {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// The version an edit names (`expected_version`).
    pub version: i64,
    pub active: bool,
}

impl TryFrom<task_forces::Model> for TaskForce {
    type Error = StoreError;

    fn try_from(t: task_forces::Model) -> Result<Self, Self::Error> {
        Ok(Self {
            id: t.id,
            name: t.name,
            description: t.description,
            created_at: from_ms(t.created_at)?,
            version: t.version,
            active: t.active,
        })
    }
}

/// A grid and its five-ones.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = GridDto))]
pub struct Grid {
    pub id: i64,
    pub name: String,
    /// 网格挂钩领导
    pub linked_leader_id: i64,
    /// 网格负责人 (dispatches the grid's tickets)
    pub head_id: i64,
    /// 网格服务专班
    pub task_force_id: i64,
    /// 联络员
    pub liaison_id: i64,
    /// 一支队伍
    pub team: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// The version an edit names (`expected_version`).
    pub version: i64,
}

impl TryFrom<grids::Model> for Grid {
    type Error = StoreError;

    fn try_from(g: grids::Model) -> Result<Self, Self::Error> {
        Ok(Self {
            id: g.id,
            name: g.name,
            linked_leader_id: g.linked_leader_id,
            head_id: g.head_id,
            task_force_id: g.task_force_id,
            liaison_id: g.liaison_id,
            team: g.team,
            created_at: from_ms(g.created_at)?,
            version: g.version,
        })
    }
}

/// An enterprise (企业).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = EnterpriseDto))]
pub struct Enterprise {
    pub id: i64,
    pub name: String,
    /// 统一社会信用代码 (GB 32100-2015).
    pub credit_code: String,
    /// electronic_information | food_beverage_water | machinery_moulds | other
    pub cluster: String,
    pub grid_id: i64,
    /// 规上企业: above designated size.
    pub above_size: bool,
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// The version an edit names (`expected_version`).
    pub version: i64,
    /// Deactivated (moved away, closed): no new tickets; its tickets stay.
    pub active: bool,
    pub address: Option<String>,
    pub contact_person: Option<String>,
    pub contact_phone: Option<String>,
}

impl TryFrom<enterprises::Model> for Enterprise {
    type Error = StoreError;

    fn try_from(e: enterprises::Model) -> Result<Self, Self::Error> {
        Ok(Self {
            id: e.id,
            name: e.name,
            credit_code: e.credit_code,
            cluster: e.cluster,
            grid_id: e.grid_id,
            above_size: e.above_size,
            created_at: from_ms(e.created_at)?,
            version: e.version,
            active: e.active,
            address: e.address,
            contact_person: e.contact_person,
            contact_phone: e.contact_phone,
        })
    }
}
