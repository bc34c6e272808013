//! What an event adds to a ticket's story, typed once for every door that tells it: the
//! ticket page's timeline and the mail. Each door names the facts in its own way (the pages
//! by locale key, the mail in Chinese and English) and resolves the ids to names.

use chrono::{DateTime, Utc};
use gridline_domain::ticket::EventKind;
use gridline_domain::ticket::ReturnCode;
use gridline_domain::{DepartmentId, Satisfaction, TaskForceId, UserId};

/// Which fact a line states.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fact {
    Leader,
    Department,
    Person,
    Tracker,
    ResponseDue,
    ResolutionDue,
    ReturnReason,
    Remark,
    TaskForce,
    CoDepartments,
    Days,
    Decision,
    Resolution,
    Satisfaction,
    Feedback,
    ReopenCount,
    PreviousPerson,
    PreviousTracker,
    DuplicateOf,
    PauseReason,
    ResumeOn,
    HoursLeft,
    HoursPaused,
    FollowUpMethod,
    Contact,
    Cause,
    Explained,
    CoReplyDue,
    Opinion,
    UnansweredReason,
}

impl Fact {
    /// The pages' locale key.
    pub fn key(self) -> &'static str {
        match self {
            Fact::Leader => "ticket.leader",
            Fact::Department => "ticket.department",
            Fact::Person => "ticket.person",
            Fact::Tracker => "ticket.tracker",
            Fact::ResponseDue => "ticket.response_due",
            Fact::ResolutionDue => "ticket.resolution_due",
            Fact::ReturnReason => "ticket.return_reason",
            Fact::Remark => "ticket.remark",
            Fact::TaskForce => "ticket.task_force",
            Fact::CoDepartments => "ticket.co_departments",
            Fact::Days => "ticket.days",
            Fact::Decision => "ticket.decision",
            Fact::Resolution => "ticket.resolution",
            Fact::Satisfaction => "ticket.satisfaction",
            Fact::Feedback => "ticket.feedback",
            Fact::ReopenCount => "ticket.reopen_count",
            Fact::PreviousPerson => "ticket.previous_person",
            Fact::PreviousTracker => "ticket.previous_tracker",
            Fact::DuplicateOf => "ticket.duplicate_of",
            Fact::PauseReason => "ticket.pause_reason",
            Fact::ResumeOn => "ticket.resume_on",
            Fact::HoursLeft => "ticket.hours_left",
            Fact::HoursPaused => "ticket.hours_paused",
            Fact::FollowUpMethod => "ticket.follow_up_method",
            Fact::Contact => "ticket.contact",
            Fact::Cause => "ticket.cause",
            Fact::Explained => "ticket.explained",
            Fact::CoReplyDue => "ticket.co_reply_due",
            Fact::Opinion => "ticket.opinion",
            Fact::UnansweredReason => "ticket.unanswered_reason",
        }
    }

    /// The label in a message, Chinese then English.
    pub fn label(self) -> &'static str {
        match self {
            Fact::Leader => "班子成员 Accountable leader",
            Fact::Department => "责任部门 Department",
            Fact::Person => "负责人员 Responsible person",
            Fact::Tracker => "跟踪专员 Tracker",
            Fact::ResponseDue => "签收期限 Response due",
            Fact::ResolutionDue => "办结期限 Resolution due",
            Fact::ReturnReason => "退回原因 Reason",
            Fact::Remark => "说明 Note",
            Fact::TaskForce => "专班 Task force",
            Fact::CoDepartments => "协办部门 Co-handling departments",
            Fact::Days => "延期工作日 Working days",
            Fact::Decision => "审批结果 Decision",
            Fact::Resolution => "办理结果 Resolution",
            Fact::Satisfaction => "满意度 Satisfaction",
            Fact::Feedback => "企业意见 Feedback",
            Fact::ReopenCount => "重办次数 Times reopened",
            Fact::PreviousPerson => "原负责人员 Previous responsible person",
            Fact::PreviousTracker => "原跟踪专员 Previous tracker",
            Fact::DuplicateOf => "重复于 Duplicate of",
            Fact::PauseReason => "挂起原因 Reason for the pause",
            Fact::ResumeOn => "预计恢复日期 Expected to resume",
            Fact::HoursLeft => "剩余办理工时 Working hours left",
            Fact::HoursPaused => "挂起工时 Working hours paused",
            Fact::FollowUpMethod => "回访方式 How the call was made",
            Fact::Contact => "回访对象 Whom",
            Fact::Cause => "不满意原因 Cause of dissatisfaction",
            Fact::Explained => "解释办结 Closed as explained",
            Fact::CoReplyDue => "协办回复期限 Co-handling opinion due",
            Fact::Opinion => "协办意见 Co-handling opinion",
            Fact::UnansweredReason => "未等协办意见的原因 Why not waiting for co-handling opinions",
        }
    }
}

/// A fact's value, with ids left for the door to name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Text(String),
    Person(UserId),
    Department(DepartmentId),
    Departments(Vec<DepartmentId>),
    TaskForce(TaskForceId),
    Time(DateTime<Utc>),
    Number(i64),
    ReturnCode(ReturnCode),
    Satisfaction(Satisfaction),
    Decision { approved: bool, days: u32 },
    Approval(bool),
    PauseCode(gridline_domain::PauseCode),
}

/// The facts an event adds, in the order they are told.
pub fn facts(kind: &EventKind) -> Vec<(Fact, Value)> {
    use Value as V;
    let text = |s: &String| V::Text(s.clone());
    let mut out = Vec::new();
    match kind {
        EventKind::Filed | EventKind::Closed => {}
        EventKind::Dispatched {
            three_ones,
            tracker_id,
            response_due_at,
            co_department_ids,
            co_reply_due_at,
        }
        | EventKind::ForceDispatched {
            three_ones,
            tracker_id,
            response_due_at,
            co_department_ids,
            co_reply_due_at,
        } => {
            out.push((Fact::Leader, V::Person(three_ones.accountable_leader_id)));
            out.push((Fact::Department, V::Department(three_ones.department_id)));
            out.push((Fact::Person, V::Person(three_ones.responsible_person_id)));
            out.push((Fact::ResponseDue, V::Time(*response_due_at)));
            if let Some(t) = tracker_id {
                out.push((Fact::Tracker, V::Person(*t)));
            }
            co_departments(&mut out, co_department_ids, co_reply_due_at);
        }
        EventKind::Accepted { resolution_due_at } => {
            out.push((Fact::ResolutionDue, V::Time(*resolution_due_at)));
        }
        EventKind::Returned {
            reason, previous, ..
        } => {
            out.push((Fact::ReturnReason, V::ReturnCode(reason.code)));
            out.push((Fact::Department, V::Department(previous.department_id)));
            remark(&mut out, &reason.text);
        }
        EventKind::Escalated {
            task_force_id,
            co_department_ids,
            co_reply_due_at,
            note,
        } => {
            out.push((Fact::TaskForce, V::TaskForce(*task_force_id)));
            co_departments(&mut out, co_department_ids, co_reply_due_at);
            remark(&mut out, note);
        }
        EventKind::CoDepartmentsAdded {
            department_ids,
            co_reply_due_at,
        } => co_departments(&mut out, department_ids, co_reply_due_at),
        EventKind::CoReplied {
            department_id,
            opinion,
        } => {
            out.push((Fact::Department, V::Department(*department_id)));
            out.push((Fact::Opinion, text(opinion)));
        }
        EventKind::ExtensionRequested { days, reason } => {
            out.push((Fact::Days, V::Number(i64::from(*days))));
            out.push((Fact::Remark, text(reason)));
        }
        EventKind::ExtensionDecided {
            approved,
            days,
            note,
            resolution_due_at,
        } => {
            out.push((
                Fact::Decision,
                V::Decision {
                    approved: *approved,
                    days: *days,
                },
            ));
            if let Some(d) = resolution_due_at {
                out.push((Fact::ResolutionDue, V::Time(*d)));
            }
            remark(&mut out, note);
        }
        EventKind::Resolved {
            resolution,
            unanswered_reason,
        } => {
            out.push((Fact::Resolution, text(resolution)));
            if let Some(r) = unanswered_reason {
                out.push((Fact::UnansweredReason, text(r)));
            }
        }
        EventKind::FollowedUp {
            method,
            contact,
            satisfaction,
            cause,
            feedback,
            explained,
        } => {
            out.push((Fact::FollowUpMethod, V::Text(method.label_zh().to_owned())));
            out.push((Fact::Contact, text(contact)));
            out.push((Fact::Satisfaction, V::Satisfaction(*satisfaction)));
            if let Some(c) = cause {
                out.push((Fact::Cause, V::Text(c.label_zh().to_owned())));
            }
            if *explained {
                out.push((Fact::Explained, V::Text("是 / yes".to_owned())));
            }
            if let Some(f) = feedback {
                out.push((Fact::Feedback, text(f)));
            }
        }
        EventKind::Reported {
            satisfaction,
            feedback,
        } => {
            out.push((Fact::Satisfaction, V::Satisfaction(*satisfaction)));
            if let Some(f) = feedback {
                out.push((Fact::Feedback, text(f)));
            }
        }
        EventKind::Reopened {
            reopen_count,
            resolution_due_at,
        } => {
            out.push((Fact::ReopenCount, V::Number(i64::from(*reopen_count))));
            out.push((Fact::ResolutionDue, V::Time(*resolution_due_at)));
        }
        EventKind::Urged { note } | EventKind::Supervised { note } => remark(&mut out, note),
        EventKind::Commented { body } => out.push((Fact::Remark, text(body))),
        EventKind::Reassigned {
            responsible_person,
            tracker,
            reason,
        } => {
            for (h, now, before) in [
                (responsible_person, Fact::Person, Fact::PreviousPerson),
                (tracker, Fact::Tracker, Fact::PreviousTracker),
            ] {
                if let Some(h) = h {
                    out.push((now, V::Person(h.to)));
                    if let Some(from) = h.from {
                        out.push((before, V::Person(from)));
                    }
                }
            }
            out.push((Fact::Remark, text(reason)));
        }
        EventKind::MarkedDuplicate { number, note, .. } => {
            out.push((Fact::DuplicateOf, text(number)));
            remark(&mut out, note);
        }
        EventKind::PauseRequested {
            code,
            text,
            resume_on,
        } => {
            out.push((Fact::PauseReason, V::PauseCode(*code)));
            remark(&mut out, text);
            out.push((Fact::ResumeOn, V::Text(resume_on.to_string())));
        }
        EventKind::PauseDecided {
            approved,
            note,
            remaining_secs,
        } => {
            out.push((Fact::Decision, V::Approval(*approved)));
            if let Some(s) = remaining_secs {
                out.push((Fact::HoursLeft, V::Text(hours(*s))));
            }
            remark(&mut out, note);
        }
        EventKind::Resumed {
            resolution_due_at,
            paused_secs,
            note,
        } => {
            out.push((Fact::ResolutionDue, V::Time(*resolution_due_at)));
            out.push((Fact::HoursPaused, V::Text(hours(*paused_secs))));
            remark(&mut out, note);
        }
        EventKind::Withdrawn { reason }
        | EventKind::MarkedInvalid { reason }
        | EventKind::ClosedOutOfScope { reason } => {
            out.push((Fact::Remark, text(reason)));
        }
    }
    out
}

/// Working seconds as hours with one decimal.
fn hours(secs: i64) -> String {
    format!("{:.1}", secs as f64 / 3600.0)
}

fn remark(out: &mut Vec<(Fact, Value)>, note: &Option<String>) {
    if let Some(n) = note {
        out.push((Fact::Remark, Value::Text(n.clone())));
    }
}

/// The co-handling departments an event names, and by when they reply.
fn co_departments(out: &mut Vec<(Fact, Value)>, ids: &[DepartmentId], due: &Option<DateTime<Utc>>) {
    if ids.is_empty() {
        return;
    }
    out.push((Fact::CoDepartments, Value::Departments(ids.to_vec())));
    if let Some(d) = due {
        out.push((Fact::CoReplyDue, Value::Time(*d)));
    }
}
