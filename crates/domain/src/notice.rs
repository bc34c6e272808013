//! Who is told what by mail: recipients of each event, and the deadline notices a ticket
//! is due (warnings before a deadline, notices once it has passed, supervision after N
//! working days overdue). The notifier turns these into messages; the rules are here.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::calendar::WorkCalendar;
use crate::kinds::{ActionKind, Status};
use crate::ticket::Ticket;

/// A person or mailbox, named by their relation to the ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Recipient {
    /// 负责人员
    ResponsiblePerson,
    /// The responsible department's shared mailbox.
    DepartmentMailbox,
    /// 班子成员
    AccountableLeader,
    /// 网格挂钩领导
    LinkedLeader,
    /// The grid head who dispatches the grid's tickets.
    GridDispatcher,
    /// Every member of the ticket's task force.
    TaskForceMembers,
    /// 联络员 of the grid.
    GridLiaison,
    /// The ticket's service tracking commissioner (跟踪专员).
    Tracker,
    /// The zone's service centre's dispatchers (a ticket returned into arbitration, 退单审核).
    ServiceCentre,
    /// The co-handling departments (协办) a message is about: those an event names, or those
    /// whose opinion is overdue. Each department's mailbox and officers.
    CoDepartments,
}

/// Who hears of an event. Empty: nobody is mailed (the history still has it).
pub fn event_recipients(action: ActionKind) -> &'static [Recipient] {
    use Recipient::*;
    match action {
        // The tracker follows the ticket: told when it is dispatched, resolved or reopened.
        // Co-handling departments hear they are asked for an opinion (协办), and the
        // responsible person hears each opinion.
        ActionKind::Dispatch => &[ResponsiblePerson, DepartmentMailbox, Tracker, CoDepartments],
        ActionKind::ForceDispatch => &[ResponsiblePerson, DepartmentMailbox, CoDepartments],
        ActionKind::Return => &[GridDispatcher],
        ActionKind::Escalate => &[TaskForceMembers, CoDepartments],
        ActionKind::AddCoDepartments => &[CoDepartments],
        ActionKind::CoReply => &[ResponsiblePerson],
        ActionKind::RequestExtension => &[AccountableLeader],
        ActionKind::DecideExtension => &[ResponsiblePerson],
        ActionKind::Resolve => &[GridLiaison, Tracker],
        ActionKind::Reopen => &[ResponsiblePerson, AccountableLeader, Tracker],
        // Pressing a ticket is pointless if the person pressed does not hear of it.
        ActionKind::Urge | ActionKind::Supervise => &[ResponsiblePerson],
        // The people who now hold it (the mail goes to the ticket's current holders).
        ActionKind::Reassign => &[ResponsiblePerson, Tracker],
        // 挂起: those who may decide hear of the request; the department of the decision; the
        // tracker of the resumption.
        ActionKind::RequestPause => &[AccountableLeader, GridDispatcher],
        ActionKind::DecidePause => &[ResponsiblePerson],
        ActionKind::Resume => &[ResponsiblePerson, Tracker],
        // The liaison hears the verdict the follow-up call recorded.
        ActionKind::FollowUp => &[GridLiaison],
        // The liaison files for the enterprise and tells it what became of its request.
        ActionKind::MarkDuplicate | ActionKind::MarkInvalid => &[GridLiaison],
        // Whoever was working it stops.
        ActionKind::Withdraw => &[ResponsiblePerson, Tracker],
        _ => &[],
    }
}

/// Who hears of an event as it was recorded: a return that sent the ticket to arbitration
/// (退单审核) is the service centre's to decide, not the grid's queue.
pub fn recipients_of(kind: &crate::ticket::EventKind, to: Status) -> &'static [Recipient] {
    if matches!(kind, crate::ticket::EventKind::Returned { .. }) && to == Status::Arbitration {
        return &[Recipient::ServiceCentre];
    }
    event_recipients(kind.action())
}

/// The co-handling departments a message is about ([`Recipient::CoDepartments`]): those an
/// event names, or for an overdue-opinion notice those whose opinion due then is awaited.
pub fn co_departments_told(
    t: &Ticket,
    event: Option<&crate::ticket::EventKind>,
    notice: Option<DeadlineNotice>,
) -> Vec<crate::ids::DepartmentId> {
    match (event, notice) {
        (Some(e), _) => e.named_co_departments().to_vec(),
        (None, Some(n)) if n.kind == NoticeKind::CoReplyOverdue => t
            .outstanding_co_replies()
            .filter(|c| c.reply_due_at == Some(n.due_at))
            .map(|c| c.department_id)
            .collect(),
        _ => vec![],
    }
}

/// A deadline notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    /// The dispatch deadline is near (派单时限).
    DispatchWarning,
    /// The dispatch deadline has passed.
    DispatchOverdue,
    /// The response deadline is near (a share of the time is used).
    ResponseWarning,
    /// The response deadline has passed.
    ResponseOverdue,
    /// The resolution deadline is near.
    ResolutionWarning,
    /// The resolution deadline has passed.
    ResolutionOverdue,
    /// The resolution deadline passed N working days ago: the linked leader supervises (督办).
    ResolutionSupervise,
    /// A paused ticket's expected resume day has come (挂起到期提醒).
    PauseReminder,
    /// A co-handling department's opinion is overdue (协办逾期).
    CoReplyOverdue,
}

impl NoticeKind {
    /// The stable name (also the outbox kind and the template name).
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeKind::DispatchWarning => "dispatch_warning",
            NoticeKind::DispatchOverdue => "dispatch_overdue",
            NoticeKind::ResponseWarning => "response_warning",
            NoticeKind::ResponseOverdue => "response_overdue",
            NoticeKind::ResolutionWarning => "resolution_warning",
            NoticeKind::ResolutionOverdue => "resolution_overdue",
            NoticeKind::ResolutionSupervise => "resolution_supervise",
            NoticeKind::PauseReminder => "pause_reminder",
            NoticeKind::CoReplyOverdue => "co_reply_overdue",
        }
    }

    /// Every notice kind.
    pub const ALL: [NoticeKind; 9] = [
        NoticeKind::DispatchWarning,
        NoticeKind::DispatchOverdue,
        NoticeKind::ResponseWarning,
        NoticeKind::ResponseOverdue,
        NoticeKind::ResolutionWarning,
        NoticeKind::ResolutionOverdue,
        NoticeKind::ResolutionSupervise,
        NoticeKind::PauseReminder,
        NoticeKind::CoReplyOverdue,
    ];

    /// Parses [`Self::as_str`]'s output.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Who is told.
    pub fn recipients(self) -> &'static [Recipient] {
        use Recipient::*;
        match self {
            // The queue is the grid's dispatchers' (the service centre's, zone-wide, see it
            // on their pages).
            NoticeKind::DispatchWarning | NoticeKind::DispatchOverdue => &[GridDispatcher],
            NoticeKind::ResponseWarning | NoticeKind::ResolutionWarning => &[ResponsiblePerson],
            NoticeKind::ResponseOverdue | NoticeKind::ResolutionOverdue => {
                &[ResponsiblePerson, AccountableLeader, Tracker]
            }
            NoticeKind::ResolutionSupervise => &[LinkedLeader, ResponsiblePerson],
            NoticeKind::PauseReminder => &[ResponsiblePerson, AccountableLeader],
            NoticeKind::CoReplyOverdue => &[CoDepartments, ResponsiblePerson],
        }
    }
}

/// When warnings go out and when supervision starts.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoticePolicy {
    /// Warn once this share of the time between start and deadline is used (0 < s < 1).
    pub warn_share: f64,
    /// Overdue this many working days: the linked leader is told.
    pub supervise_after_days: u32,
}

/// A notice a ticket is due, for one deadline (its `due_at` makes it unique: an extension
/// moves the deadline and so allows new notices).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeadlineNotice {
    pub kind: NoticeKind,
    pub due_at: DateTime<Utc>,
}

impl DeadlineNotice {
    /// The key that makes the notice unique per ticket and deadline.
    pub fn dedupe_key(&self, ticket: i64) -> String {
        format!(
            "notice:{}:{ticket}:{}",
            self.kind.as_str(),
            self.due_at.timestamp_millis()
        )
    }
}

impl DeadlineNotice {
    /// Whether the reason for this notice still stands when it is about to be sent: the
    /// deadline it is about is still the one running (a response notice for a ticket already
    /// signed, or a resolution notice after the ticket was resolved or its deadline moved by
    /// an extension, is obsolete). `Err` says why not, for the record.
    pub fn still_due(&self, t: &Ticket) -> Result<(), &'static str> {
        if self.kind == NoticeKind::CoReplyOverdue {
            return if co_replies_run(t)
                && t.outstanding_co_replies()
                    .any(|c| c.reply_due_at == Some(self.due_at))
            {
                Ok(())
            } else {
                Err("the co-handling opinions have been given / 协办意见已回复")
            };
        }
        if self.kind == NoticeKind::PauseReminder {
            return match &t.pause {
                Some(p) if t.status == Status::Paused && resume_instant(p) == self.due_at => Ok(()),
                Some(_) if t.status == Status::Paused => {
                    Err("the expected resume day has moved since / 预计恢复日期已变更")
                }
                _ => Err("the ticket is no longer paused / 工单已恢复办理"),
            };
        }
        let running = match self.kind {
            NoticeKind::DispatchWarning | NoticeKind::DispatchOverdue => {
                (t.status == Status::Submitted).then_some(t.dispatch_due_at)
            }
            NoticeKind::ResponseWarning | NoticeKind::ResponseOverdue => {
                (t.status == Status::Dispatched).then_some(t.response_due_at)
            }
            NoticeKind::ResolutionWarning
            | NoticeKind::ResolutionOverdue
            | NoticeKind::ResolutionSupervise
            | NoticeKind::PauseReminder
            | NoticeKind::CoReplyOverdue => {
                matches!(t.status, Status::Accepted | Status::Escalated)
                    .then_some(t.resolution_due_at)
            }
        };
        match running {
            None => Err("the ticket has moved past this deadline / 工单已不在该期限内"),
            Some(due) if due != Some(self.due_at) => {
                Err("the deadline has moved since / 期限已变更")
            }
            Some(_) => Ok(()),
        }
    }
}

/// Whether co-handling opinions are still wanted: from dispatch until resolution.
fn co_replies_run(t: &Ticket) -> bool {
    matches!(
        t.status,
        Status::Dispatched | Status::Accepted | Status::Escalated | Status::Paused
    )
}

/// One overdue notice per co-handling deadline that has passed without every opinion
/// named with it.
fn co_reply_notices(t: &Ticket, now: DateTime<Utc>) -> Vec<DeadlineNotice> {
    let mut out: Vec<DeadlineNotice> = Vec::new();
    if !co_replies_run(t) {
        return out;
    }
    for c in t.outstanding_co_replies() {
        if let Some(due) = c.reply_due_at.filter(|d| now >= *d)
            && !out.iter().any(|n| n.due_at == due)
        {
            out.push(DeadlineNotice {
                kind: NoticeKind::CoReplyOverdue,
                due_at: due,
            });
        }
    }
    out
}

/// The morning a paused ticket expects to resume: the reminder's instant.
pub fn resume_instant(p: &crate::ticket::Pause) -> DateTime<Utc> {
    crate::calendar::local_instant(
        p.resume_on,
        chrono::NaiveTime::from_hms_opt(9, 0, 0).unwrap_or(chrono::NaiveTime::MIN),
    )
}

/// The running deadline's start and due instants, if a deadline is running.
fn running(t: &Ticket) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    match t.status {
        Status::Submitted => Some((t.queued_at?, t.dispatch_due_at?)),
        Status::Dispatched => Some((t.dispatched_at?, t.response_due_at?)),
        Status::Accepted | Status::Escalated => Some((t.accepted_at?, t.resolution_due_at?)),
        _ => None,
    }
}

/// When the "due soon" warning starts for a deadline running from `start` to `due`.
pub fn warn_at(start: DateTime<Utc>, due: DateTime<Utc>, policy: &NoticePolicy) -> DateTime<Utc> {
    let span = (due - start).num_milliseconds().max(0) as f64;
    start + chrono::Duration::milliseconds((span * policy.warn_share) as i64)
}

/// The traffic light (红黄灯) of a ticket's running deadline: the same thresholds as the
/// warning and overdue mails, so a page and a mail never disagree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Light {
    /// Past the deadline.
    Red,
    /// Past the warning point.
    Yellow,
    /// In time.
    Green,
}

/// The light of `t` at `now`; `None` when no deadline is running.
pub fn light(t: &Ticket, now: DateTime<Utc>, policy: &NoticePolicy) -> Option<Light> {
    let (start, due) = running(t)?;
    Some(if now >= due {
        Light::Red
    } else if now >= warn_at(start, due, policy) {
        Light::Yellow
    } else {
        Light::Green
    })
}

/// The notices due for a ticket at `now`. A warning is skipped once the deadline has passed
/// (nobody needs "due soon" after "overdue").
pub fn deadline_notices(
    t: &Ticket,
    now: DateTime<Utc>,
    calendar: &WorkCalendar,
    policy: &NoticePolicy,
) -> Vec<DeadlineNotice> {
    let mut out = co_reply_notices(t, now);
    if let (Status::Paused, Some(p)) = (t.status, &t.pause) {
        let at = resume_instant(p);
        if now >= at {
            out.push(DeadlineNotice {
                kind: NoticeKind::PauseReminder,
                due_at: at,
            });
        }
        return out;
    }
    let Some((start, due)) = running(t) else {
        return out;
    };
    let (warn, overdue) = match t.status {
        Status::Submitted => (NoticeKind::DispatchWarning, NoticeKind::DispatchOverdue),
        Status::Dispatched => (NoticeKind::ResponseWarning, NoticeKind::ResponseOverdue),
        _ => (NoticeKind::ResolutionWarning, NoticeKind::ResolutionOverdue),
    };
    if now >= due {
        out.push(DeadlineNotice {
            kind: overdue,
            due_at: due,
        });
        if overdue == NoticeKind::ResolutionOverdue
            && calendar.working_days_between(due, now) >= i64::from(policy.supervise_after_days)
        {
            out.push(DeadlineNotice {
                kind: NoticeKind::ResolutionSupervise,
                due_at: due,
            });
        }
    } else if now >= warn_at(start, due, policy) {
        out.push(DeadlineNotice {
            kind: warn,
            due_at: due,
        });
    }
    out
}
