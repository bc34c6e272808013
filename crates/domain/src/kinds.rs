//! The closed loop's vocabularies: states, actions, categories, priorities, satisfaction,
//! return reasons. Stable names for the API and the database, Chinese labels for people.
//! Every other module of the rules speaks these; none of them needs `ticket` for it.

use serde::{Deserialize, Serialize};

macro_rules! string_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $s:literal / $zh:literal),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vdoc])* $variant),* }

        impl $name {
            /// Every value.
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            /// The stable name used in the API and the database.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $s),* }
            }

            /// The Chinese label shown to users.
            pub fn label_zh(self) -> &'static str {
                match self { $($name::$variant => $zh),* }
            }

            /// Parses [`Self::as_str`]'s output.
            pub fn parse(s: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.as_str() == s)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

string_enum! {
    /// Where a ticket is in the closed loop.
    Status {
        Submitted = "submitted" / "已登记",
        /// 退单审核: returned once too often; the service centre arbitrates.
        Arbitration = "arbitration" / "退单审核",
        Dispatched = "dispatched" / "已派发",
        Accepted = "accepted" / "已签收",
        Escalated = "escalated" / "专班协调",
        /// 挂起: waiting for the enterprise or a third party; the resolution clock stops.
        Paused = "paused" / "挂起",
        Resolved = "resolved" / "已办结",
        Reported = "reported" / "已反馈",
        Closed = "closed" / "已归档",
    }
}

impl Status {
    /// Still being worked: not yet resolved.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            Status::Submitted
                | Status::Arbitration
                | Status::Dispatched
                | Status::Accepted
                | Status::Escalated
                | Status::Paused
        )
    }
}

string_enum! {
    /// How urgent a ticket is; the deadlines depend on it.
    Priority {
        Low = "low" / "低",
        Normal = "normal" / "普通",
        High = "high" / "高",
        Urgent = "urgent" / "紧急",
    }
}

string_enum! {
    /// What kind of problem the enterprise has.
    Category {
        Land = "land" / "用地",
        Utilities = "utilities" / "水电气",
        Permits = "permits" / "报批报建",
        Hiring = "hiring" / "用工",
        Finance = "finance" / "融资",
        Policy = "policy" / "政策",
        Other = "other" / "其他",
    }
}

string_enum! {
    /// The enterprise's verdict on the outcome.
    Satisfaction {
        Satisfied = "satisfied" / "满意",
        BasicallySatisfied = "basically_satisfied" / "基本满意",
        Unsatisfied = "unsatisfied" / "不满意",
    }
}

string_enum! {
    /// Every action, including those only the system takes (`close`, `reopen`).
    ActionKind {
        File = "file" / "登记",
        Dispatch = "dispatch" / "派发",
        Accept = "accept" / "签收",
        Return = "return" / "退回",
        Escalate = "escalate" / "提交专班",
        AddCoDepartments = "add_co_departments" / "增加协办部门",
        CoReply = "co_reply" / "协办回复",
        RequestExtension = "request_extension" / "申请延期",
        DecideExtension = "decide_extension" / "审批延期",
        Resolve = "resolve" / "办结",
        Report = "report" / "反馈",
        Close = "close" / "归档",
        Reopen = "reopen" / "重办",
        Urge = "urge" / "催办",
        Supervise = "supervise" / "督办",
        Comment = "comment" / "评论",
        Reassign = "reassign" / "改派",
        MarkDuplicate = "mark_duplicate" / "标记重复件",
        Withdraw = "withdraw" / "撤回",
        MarkInvalid = "mark_invalid" / "标记无效件",
        RequestPause = "request_pause" / "申请挂起",
        DecidePause = "decide_pause" / "审批挂起",
        Resume = "resume" / "恢复办理",
        ForceDispatch = "force_dispatch" / "强制派单",
        CloseOutOfScope = "close_out_of_scope" / "非本区事项办结",
        FollowUp = "follow_up" / "回访",
    }
}

string_enum! {
    /// How a follow-up call reached the enterprise (回访方式).
    FollowUpMethod {
        Phone = "phone" / "电话",
        Visit = "visit" / "上门",
        Sms = "sms" / "短信",
        Wechat = "wechat" / "微信",
    }
}

string_enum! {
    /// Why an enterprise is unsatisfied, as the follow-up call judged it (不满意原因).
    DissatisfactionCause {
        /// The department did not do what it could: the ticket is reopened.
        Subjective = "subjective" / "主观原因（办理不到位）",
        /// Beyond the department's power (policy limits, the enterprise's own conditions):
        /// explained and closed (解释办结).
        Objective = "objective" / "客观原因（政策限制等）",
    }
}

string_enum! {
    /// Why a department asks to pause a ticket (挂起原因).
    PauseCode {
        WaitingEnterprise = "waiting_enterprise" / "等待企业补充材料或决策",
        WaitingThirdParty = "waiting_third_party" / "等待第三方（上级部门、水电气等单位）",
        AwaitingPolicy = "awaiting_policy" / "等待政策出台或调整",
        Other = "other" / "其他",
    }
}

string_enum! {
    /// How a ticket ended without the whole loop: it is closed, counted apart, and left out
    /// of the departments' figures.
    Closure {
        /// 重复件: the same problem as another ticket, which carries it.
        Duplicate = "duplicate" / "重复件",
        /// 撤回: withdrawn by the liaison at the enterprise's request.
        Withdrawn = "withdrawn" / "已撤回",
        /// 无效件: not a problem the zone can take up.
        Invalid = "invalid" / "无效件",
        /// 非本区事项: arbitration found it is not the zone's business.
        OutOfScope = "out_of_scope" / "非本区事项",
    }
}

string_enum! {
    /// Why a department returns a ticket (退回原因).
    ReturnCode {
        WrongTerritory = "wrong_territory" / "非本辖区",
        UnclearOwnership = "unclear_ownership" / "职责不清",
        OverlappingDuties = "overlapping_duties" / "职责交叉",
        Other = "other" / "其他",
    }
}
