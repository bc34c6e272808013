//! The organisation: roles, the acting user, grids with their five-ones, industry clusters.

use serde::{Deserialize, Serialize};

use crate::error::DomainError;
use crate::ids::{DepartmentId, GridId, TaskForceId, UserId};

/// What a user does in the zone. Each user has exactly one role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 系统管理员: manages users, grids, departments, task forces, calendars.
    Admin,
    /// 调度员 (grid head or the service centre): dispatches tickets.
    Dispatcher,
    /// 联络员: files enterprises' problems and reports outcomes back.
    Liaison,
    /// 部门经办人: signs for, returns, works and resolves the department's tickets.
    DepartmentOfficer,
    /// 专班成员: works escalated tickets.
    TaskForceMember,
    /// 服务跟踪专员: follows tickets and urges.
    Tracker,
    /// 领导: approves extensions, supervises, receives digests.
    Leader,
}

impl Role {
    /// Every role, in display order.
    pub const ALL: [Role; 7] = [
        Role::Admin,
        Role::Dispatcher,
        Role::Liaison,
        Role::DepartmentOfficer,
        Role::TaskForceMember,
        Role::Tracker,
        Role::Leader,
    ];

    /// The stable name used in tokens, the database and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Dispatcher => "dispatcher",
            Role::Liaison => "liaison",
            Role::DepartmentOfficer => "department_officer",
            Role::TaskForceMember => "task_force_member",
            Role::Tracker => "tracker",
            Role::Leader => "leader",
        }
    }

    /// Parses [`Role::as_str`]'s output.
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// The Chinese name shown to users.
    pub fn label_zh(self) -> &'static str {
        match self {
            Role::Admin => "系统管理员",
            Role::Dispatcher => "调度员",
            Role::Liaison => "联络员",
            Role::DepartmentOfficer => "部门经办人",
            Role::TaskForceMember => "专班成员",
            Role::Tracker => "服务跟踪专员",
            Role::Leader => "领导",
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The facts about a user that the rules need: role and attachments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserFacts {
    pub id: UserId,
    pub role: Role,
    pub department_id: Option<DepartmentId>,
    pub grid_id: Option<GridId>,
    pub task_force_id: Option<TaskForceId>,
    /// A top leader (主要领导) sees the whole zone.
    pub top_leader: bool,
    /// A dispatcher of the service centre (服务中心) dispatches for every grid. Never implied
    /// by a missing grid: a dispatcher with neither sees nothing.
    pub service_centre: bool,
    /// The head of a department (部门负责人): an officer who also sees the department's
    /// per-person workload.
    pub department_head: bool,
}

impl UserFacts {
    /// Checks that a user's attachments fit their role: an officer belongs to a department,
    /// a task force member to a task force. (Liaisons and grid heads are attached to their
    /// grid when the grid names them in its five-ones; until then they see no tickets.)
    pub fn check_attachments(&self) -> Result<(), DomainError> {
        match self.role {
            Role::DepartmentOfficer if self.department_id.is_none() => Err(DomainError::invalid(
                "department_id",
                "required_for_role",
                "a department officer needs a department / 部门经办人必须属于一个部门",
            )),
            Role::TaskForceMember if self.task_force_id.is_none() => Err(DomainError::invalid(
                "task_force_id",
                "required_for_role",
                "a task force member needs a task force / 专班成员必须属于一个专班",
            )),
            _ if self.top_leader && self.role != Role::Leader => Err(DomainError::invalid(
                "top_leader",
                "leaders_only",
                "only a leader can be a top leader / 只有领导可设为主要领导",
            )),
            _ if self.service_centre && self.role != Role::Dispatcher => Err(DomainError::invalid(
                "service_centre",
                "dispatchers_only",
                "only a dispatcher can belong to the service centre / 只有调度员可设为服务中心调度",
            )),
            _ if self.department_head && self.role != Role::DepartmentOfficer => {
                Err(DomainError::invalid(
                    "department_head",
                    "officers_only",
                    "only a department officer can head a department / 只有部门经办人可设为部门负责人",
                ))
            }
            _ => Ok(()),
        }
    }
}

/// The user performing a command, with what their scope depends on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user: UserFacts,
    /// Grids whose linked leader (网格挂钩领导) this user is.
    pub linked_grids: Vec<GridId>,
}

impl Actor {
    /// The actor's id.
    pub fn id(&self) -> UserId {
        self.user.id
    }

    /// The actor's role.
    pub fn role(&self) -> Role {
        self.user.role
    }
}

/// An enterprise's industry cluster (产业集群).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cluster {
    /// 电子信息
    ElectronicInformation,
    /// 食品饮料和水经济
    FoodBeverageWater,
    /// 机械与模具
    MachineryMoulds,
    /// 其他
    Other,
}

impl Cluster {
    /// Every cluster.
    pub const ALL: [Cluster; 4] = [
        Cluster::ElectronicInformation,
        Cluster::FoodBeverageWater,
        Cluster::MachineryMoulds,
        Cluster::Other,
    ];

    /// The stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Cluster::ElectronicInformation => "electronic_information",
            Cluster::FoodBeverageWater => "food_beverage_water",
            Cluster::MachineryMoulds => "machinery_moulds",
            Cluster::Other => "other",
        }
    }

    /// Parses [`Cluster::as_str`]'s output.
    pub fn parse(s: &str) -> Option<Cluster> {
        Cluster::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// The Chinese name.
    pub fn label_zh(self) -> &'static str {
        match self {
            Cluster::ElectronicInformation => "电子信息",
            Cluster::FoodBeverageWater => "食品饮料和水经济",
            Cluster::MachineryMoulds => "机械与模具",
            Cluster::Other => "其他",
        }
    }

    /// The stable name or the Chinese one, as a register file may hold either.
    pub fn parse_either(s: &str) -> Option<Cluster> {
        let s = s.trim();
        Cluster::ALL
            .into_iter()
            .find(|c| c.as_str() == s || c.label_zh() == s)
    }
}

/// The five-ones (五个一) of a grid, every one required.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FiveOnes {
    /// 网格挂钩领导
    pub linked_leader: UserFacts,
    /// 网格负责人 (dispatches the grid's tickets)
    pub head: UserFacts,
    /// 网格服务专班
    pub task_force_id: TaskForceId,
    /// 联络员
    pub liaison: UserFacts,
    /// 一支队伍: the name of the grid's service team.
    pub team: String,
}

impl FiveOnes {
    /// Checks each of the five holds the right role.
    pub fn check(&self) -> Result<(), DomainError> {
        let want = [
            (
                &self.linked_leader,
                Role::Leader,
                "linked_leader_id",
                "领导",
            ),
            (&self.head, Role::Dispatcher, "head_id", "调度员"),
            (&self.liaison, Role::Liaison, "liaison_id", "联络员"),
        ];
        for (user, role, field, zh) in want {
            if user.role != role {
                return Err(DomainError::invalid(
                    field,
                    "wrong_role",
                    format!("user {} must be a {role} / 该用户必须是{zh}", user.id),
                ));
            }
        }
        if self.team.trim().is_empty() {
            return Err(DomainError::invalid(
                "team",
                "empty",
                "the grid's team needs a name / 一支队伍不能为空",
            ));
        }
        Ok(())
    }
}
