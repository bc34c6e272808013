//! What the mail door needs from the application: the outbox rows due to be sent and what
//! became of them, the sweep that writes deadline notices and digests (each exactly once),
//! and what a message says — a ticket's event or notice, a leader's digest — with every id
//! named. The door (`gridline-notifier`) renders and sends; it never reads rows itself.

use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveTime, Utc};
use gridline_domain::digest::{DigestStats, Period, due_periods};
use gridline_domain::notice::{
    DeadlineNotice, NoticeKind, Recipient, co_departments_told, deadline_notices, event_recipients,
    recipients_of,
};
use gridline_domain::ticket::EventKind;
use gridline_domain::{ActionKind, Role, Scope, Status, ThreeOnes, Ticket, TicketId, UserId};
use gridline_store::from_ms;
use gridline_store::outbox::NewOutbox;

use crate::directory::{Directory, Person};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// An outbox row claimed for sending.
#[derive(Debug, Clone)]
pub struct Due {
    pub id: i64,
    /// An action (`dispatch` …), a notice (`response_warning` …) or `digest`.
    pub kind: String,
    pub ticket_id: Option<i64>,
    /// The event the row tells of (rows written with an event).
    pub event_id: Option<i64>,
    /// The row's own data, as written (JSON).
    pub payload: String,
    /// Attempts so far, this one included.
    pub attempts: i32,
    pub created_at: DateTime<Utc>,
}

/// Why a row cannot be turned into a message.
#[derive(Debug, thiserror::Error)]
pub enum PrepareError {
    #[error(transparent)]
    App(#[from] AppError),
    #[error("unknown outbox kind {0}")]
    UnknownKind(String),
    #[error("malformed payload: {0}")]
    Payload(String),
}

/// What a row comes to: a message to render, or the recorded reason there is none.
pub enum Prepared<T> {
    Ready(T),
    /// Nobody to send it to (no address, or not an active leader).
    NoRecipients(String),
    /// The reason for the message is gone (a notice about a deadline no longer running).
    Obsolete(String),
}

/// Claims a batch of due rows for `lease` (another worker takes them after it, if this one
/// dies).
pub async fn claim(
    state: &AppState,
    lease: std::time::Duration,
    batch: u64,
) -> AppResult<Vec<Due>> {
    let rows = state
        .store
        .claim_outbox(state.now(), lease.as_millis() as i64, batch)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        out.push(Due {
            id: r.id,
            kind: r.kind,
            ticket_id: r.ticket_id,
            event_id: r.event_id,
            payload: r.payload,
            attempts: r.attempts,
            created_at: from_ms(r.created_at)?,
        });
    }
    Ok(out)
}

/// Records a row as sent.
pub async fn sent(state: &AppState, id: i64) -> AppResult<()> {
    Ok(state.store.outbox_sent(id, state.now()).await?)
}

/// Records a failed attempt: tried again at `retry_at`, or dead (`None`) until an admin
/// retries it.
pub async fn failed(
    state: &AppState,
    id: i64,
    error: String,
    retry_at: Option<DateTime<Utc>>,
) -> AppResult<()> {
    Ok(state.store.outbox_failed(id, error, retry_at).await?)
}

/// Records that there was nothing to send, and why.
pub async fn skipped(state: &AppState, id: i64, reason: String) -> AppResult<()> {
    Ok(state.store.outbox_skipped(id, reason).await?)
}

/// When digests go out.
#[derive(Debug, Clone, Copy)]
pub struct DigestSchedule {
    /// Local time of day.
    pub send_at: NaiveTime,
    /// How far back a sweeper that was down catches up on missed digests.
    pub catch_up_days: i64,
}

/// What one sweep wrote.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SweepReport {
    pub notices: usize,
    pub digests: usize,
}

const SWEEP_BATCH: u64 = 500;

/// Writes the deadline notices due now (the application's notice policy) and, with a
/// schedule, the digests that have fallen due. Each row carries a dedupe key, so it is
/// written once however many sweepers run.
pub async fn sweep(state: &AppState, digests: Option<DigestSchedule>) -> AppResult<SweepReport> {
    let now = state.now();
    let mut report = SweepReport::default();
    let mut after = 0;
    loop {
        let batch = state
            .store
            .tickets_with_deadline(after, SWEEP_BATCH)
            .await?;
        let Some(last) = batch.last() else { break };
        after = last.id.0;
        let mut due = Vec::new();
        for t in &batch {
            for n in deadline_notices(t, now, &state.calendar, &state.notice) {
                due.push((t.id, n));
            }
        }
        let keys: Vec<String> = due.iter().map(|(t, n)| n.dedupe_key(t.0)).collect();
        let existing = state.store.existing_dedupe_keys(&keys).await?;
        for ((ticket, notice), key) in due.into_iter().zip(keys) {
            if existing.contains(&key) {
                continue;
            }
            let row = NewOutbox {
                kind: notice.kind.as_str().into(),
                ticket_id: Some(ticket),
                dedupe_key: key,
                payload: serde_json::json!({
                    "ticket_id": ticket.0,
                    "due_at": notice.due_at.timestamp_millis(),
                }),
            };
            report.notices += usize::from(state.store.enqueue(row, now).await?);
        }
        if (batch.len() as u64) < SWEEP_BATCH {
            break;
        }
    }
    report.notices += crate::policies::notices::enqueue(state, now).await?;
    report.notices += crate::projects::notices::enqueue(state, now).await?;
    if let Some(schedule) = digests {
        let since = now - Duration::days(schedule.catch_up_days.max(0));
        for period in due_periods(&state.calendar, schedule.send_at, since, now) {
            report.digests += enqueue_digests(state, period).await?;
        }
    }
    Ok(report)
}

/// The dedupe key of a leader's digest for a period: it is sent once.
pub fn digest_dedupe_key(period: Period, leader: UserId) -> String {
    format!("digest:{period}:{leader}")
}

/// The active leaders (who get digests).
pub async fn active_leaders(state: &AppState) -> AppResult<Vec<Person>> {
    let mut out = Vec::new();
    for u in state.store.users(Some(Role::Leader)).await? {
        if u.active {
            out.push(Person::try_from(u)?);
        }
    }
    Ok(out)
}

/// Queues the digest of `period` for every active leader (once per leader and period).
pub async fn enqueue_digests(state: &AppState, period: Period) -> AppResult<usize> {
    let now = state.now();
    let mut written = 0;
    for leader in active_leaders(state).await? {
        let id = UserId(leader.id);
        let row = NewOutbox {
            kind: "digest".into(),
            ticket_id: None,
            dedupe_key: digest_dedupe_key(period, id),
            payload: serde_json::json!({"leader_id": id.0, "period": period.to_string()}),
        };
        let inserted = state.store.enqueue(row, now).await?;
        if inserted {
            tracing::info!(%period, leader = id.0, "digest queued");
        }
        written += usize::from(inserted);
    }
    Ok(written)
}

/// What a message about a ticket tells: the ticket as of the event (or as it is, for a
/// notice), the event itself, and who gets it.
pub struct TicketMail {
    pub ticket: Ticket,
    /// The event the row tells of (`None` for a deadline notice).
    pub event: Option<EventKind>,
    /// The deadline a notice is about.
    pub notice_due: Option<DateTime<Utc>>,
    /// (name, address) of each recipient, without repeats.
    pub to: Vec<(String, String)>,
    pub enterprise: String,
    /// The organisation's names, for the ids in the ticket and the event.
    pub names: Arc<Directory>,
}

/// Prepares the message of an outbox row about a ticket (an event or a deadline notice).
pub async fn ticket_mail(
    state: &AppState,
    due: &Due,
) -> Result<Prepared<TicketMail>, PrepareError> {
    let mut recipients: &[Recipient] = if let Some(a) = ActionKind::parse(&due.kind) {
        event_recipients(a)
    } else if let Some(n) = NoticeKind::parse(&due.kind) {
        n.recipients()
    } else {
        return Err(PrepareError::UnknownKind(due.kind.clone()));
    };
    let ticket_id = due
        .ticket_id
        .ok_or_else(|| PrepareError::Payload("no ticket".into()))?;
    let mut t = state
        .store
        .ticket(TicketId(ticket_id))
        .await
        .map_err(AppError::from)?;
    let mut event = None;
    let mut notice_due = None;
    let mut notice = None;
    if let Some(e) = due.event_id {
        // The message tells of the event as it was: a "to sign for" mail sent late must not
        // say the ticket is closed, and goes to the three-ones the event named (a dispatch
        // followed by a return clears them).
        let stored = state.store.event(e).await.map_err(AppError::from)?;
        t.status = Status::parse(&stored.to)
            .ok_or_else(|| PrepareError::Payload(format!("status {}", stored.to)))?;
        let kind = EventKind::from_parts(&stored.action, &stored.payload).ok_or_else(|| {
            PrepareError::Payload(format!("a {} event that does not parse", stored.action))
        })?;
        recipients = recipients_of(&kind, t.status);
        if let Some(three) = named_three_ones(&kind) {
            t.accountable_leader_id = Some(three.accountable_leader_id);
            t.department_id = Some(three.department_id);
            t.responsible_person_id = Some(three.responsible_person_id);
        }
        if let EventKind::Reassigned {
            responsible_person,
            tracker,
            ..
        } = &kind
        {
            // Only who took a post over hears of it: the person it was handed to.
            recipients = match (responsible_person, tracker) {
                (Some(p), Some(tr)) => {
                    t.responsible_person_id = Some(p.to);
                    t.tracker_id = Some(tr.to);
                    &[Recipient::ResponsiblePerson, Recipient::Tracker]
                }
                (Some(p), None) => {
                    t.responsible_person_id = Some(p.to);
                    &[Recipient::ResponsiblePerson]
                }
                (None, Some(tr)) => {
                    t.tracker_id = Some(tr.to);
                    &[Recipient::Tracker]
                }
                (None, None) => &[],
            };
        }
        event = Some(kind);
    } else {
        let payload: serde_json::Value =
            serde_json::from_str(&due.payload).map_err(|e| PrepareError::Payload(e.to_string()))?;
        let due_at = payload
            .get("due_at")
            .and_then(|d| d.as_i64())
            .and_then(DateTime::from_timestamp_millis)
            .ok_or_else(|| PrepareError::Payload("a notice without due_at".into()))?;
        // A notice whose deadline is no longer the one running is not sent.
        if let Some(kind) = NoticeKind::parse(&due.kind) {
            let n = DeadlineNotice { kind, due_at };
            if let Err(why) = n.still_due(&t) {
                return Ok(Prepared::Obsolete(why.to_owned()));
            }
            notice = Some(n);
        }
        notice_due = Some(due_at);
    }
    let names = Directory::load(state).await?;
    let co = co_departments_told(&t, event.as_ref(), notice);
    let to = names.addresses(&t, recipients, &co);
    if to.is_empty() {
        return Ok(Prepared::NoRecipients(format!(
            "no recipient of {} has an email address / 收件人均无邮箱",
            due.kind
        )));
    }
    let enterprise = state
        .store
        .enterprise(t.enterprise_id)
        .await
        .map_err(AppError::from)?
        .name;
    Ok(Prepared::Ready(TicketMail {
        ticket: t,
        event,
        notice_due,
        to,
        enterprise,
        names,
    }))
}

/// The three-ones an event named, if it named any.
fn named_three_ones(kind: &EventKind) -> Option<&ThreeOnes> {
    match kind {
        EventKind::Dispatched { three_ones, .. } => Some(three_ones),
        EventKind::Returned { previous, .. } => Some(previous),
        _ => None,
    }
}

/// A leader's digest for a period: the numbers of their scope and the names to show them.
pub struct LeaderDigest {
    pub leader: Person,
    /// The names of the grids they are linked to (empty for a top leader, who sees the zone).
    pub grids: Vec<String>,
    pub stats: Arc<DigestStats>,
    pub names: Arc<Directory>,
    /// Visit coverage per grid of the leader's scope on the period's last day.
    pub coverage: Vec<gridline_domain::visit::Coverage>,
    /// Policy delivery figures per grid of the leader's scope, every policy, as of sending.
    pub deliveries: Vec<(
        gridline_domain::GridId,
        gridline_domain::policy::DeliveryStats,
    )>,
    /// Key projects the leader sees, counted by standing per grid and per department, as
    /// they stood on the period's last day.
    pub projects: crate::projects::Summary,
}

/// One leader's digest, or `None` if the user is not an active leader.
pub async fn leader_digest(
    state: &AppState,
    leader: UserId,
    period: Period,
) -> AppResult<Option<LeaderDigest>> {
    let Some((user, actor)) = state.store.actor(leader).await? else {
        return Ok(None);
    };
    if actor.role() != Role::Leader {
        return Ok(None);
    }
    let person = Person::try_from(user)?;
    let scope = Scope::of(&actor);
    let stats = crate::digest::period_stats(state, &scope, period).await?;
    let last_day = period.end_day() - chrono::Duration::days(1);
    let coverage = crate::visits::coverage(state, &scope, None, last_day).await?;
    let (deliveries, _) = crate::policies::stats_for(state, &actor, None).await?;
    let projects = crate::projects::summary(state, &actor, last_day).await?;
    let names = Directory::load(state).await?;
    let grids = if person.top_leader {
        vec![]
    } else {
        actor
            .linked_grids
            .iter()
            .map(|g| names.grid(g.0))
            .filter(|n| !n.is_empty())
            .collect()
    };
    Ok(Some(LeaderDigest {
        leader: person,
        grids,
        stats,
        names,
        coverage,
        deliveries,
        projects,
    }))
}
