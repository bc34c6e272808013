//! Turning an outbox row about a ticket into a message: who gets it, and what it says.

use chrono::{DateTime, Datelike, Utc};
use gridline_app::present::{Value as FactValue, facts};
use gridline_domain::calendar::ZONE;
use gridline_domain::notice::{DeadlineNotice, NoticeKind, Recipient, event_recipients};
use gridline_domain::ticket::EventKind;
use gridline_domain::{ActionKind, DepartmentId, Status, ThreeOnes, Ticket, TicketId, UserId};
use gridline_store::entity::{outbox, users};
use gridline_store::{Store, StoreError};
use minijinja::Value;
use serde::Serialize;

use crate::mailer::Email;
use crate::templates::{TemplateError, Templates};

/// Why a row could not be turned into a message.
#[derive(Debug, thiserror::Error)]
pub enum ComposeError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Template(#[from] TemplateError),
    #[error("unknown outbox kind {0}")]
    UnknownKind(String),
    #[error("malformed payload: {0}")]
    Payload(String),
}

/// A message, or the reason there is none.
pub enum Composed {
    Email(Email),
    NoRecipients(String),
    /// The reason for the message is gone (a notice about a deadline no longer running).
    Obsolete(String),
}

/// A local time as shown in messages: `2026-10-10 18:00 周六`.
pub fn local_time(t: DateTime<Utc>) -> String {
    let l = t.with_timezone(&ZONE);
    let wd = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"]
        [l.weekday().num_days_from_monday() as usize];
    format!("{} {wd}", l.format("%Y-%m-%d %H:%M"))
}

/// The Message-ID of an outbox row: the same however often the row is sent.
pub fn message_id(row: &outbox::Model, domain: &str) -> String {
    format!("<gridline.outbox.{}.{}@{domain}>", row.id, row.created_at)
}

#[derive(Serialize)]
struct Line {
    label: String,
    value: String,
}

#[derive(Serialize)]
struct TicketView<'a> {
    number: &'a str,
    title: &'a str,
    description: &'a str,
    status: &'a str,
    status_zh: &'a str,
    category: &'a str,
    category_zh: &'a str,
    priority: &'a str,
    priority_zh: &'a str,
}

/// Names people and mailboxes, and finds their addresses.
pub(crate) struct Directory<'a> {
    pub store: &'a Store,
}

impl Directory<'_> {
    pub async fn user(&self, id: Option<UserId>) -> Result<Option<users::Model>, StoreError> {
        match id {
            Some(id) => match self.store.user(id).await {
                Ok(u) => Ok(Some(u)),
                Err(StoreError::NotFound(_)) => Ok(None),
                Err(e) => Err(e),
            },
            None => Ok(None),
        }
    }

    pub async fn user_name(&self, id: Option<UserId>) -> Result<Option<String>, StoreError> {
        Ok(self.user(id).await?.map(|u| u.display_name))
    }

    pub async fn department_name(
        &self,
        id: Option<DepartmentId>,
    ) -> Result<Option<String>, StoreError> {
        match id {
            Some(d) => Ok(Some(self.store.department(d).await?.name)),
            None => Ok(None),
        }
    }

    /// (name, address) of each recipient that has an address, without repeats.
    async fn addresses(
        &self,
        t: &Ticket,
        who: &[Recipient],
    ) -> Result<Vec<(String, String)>, StoreError> {
        let mut out: Vec<(String, String)> = Vec::new();
        let mut push = |name: String, email: Option<String>| {
            if let Some(e) = email.filter(|e| !e.is_empty())
                && !out.iter().any(|(_, a)| *a == e)
            {
                out.push((name, e));
            }
        };
        // The grid is read once, and only if a recipient needs it.
        let grid = if who.iter().any(|r| {
            matches!(
                r,
                Recipient::LinkedLeader | Recipient::GridDispatcher | Recipient::GridLiaison
            )
        }) {
            Some(self.store.grid(t.grid_id).await?)
        } else {
            None
        };
        for r in who {
            let person = |id: Option<i64>| id.map(UserId);
            let users: Vec<users::Model> = match r {
                Recipient::ResponsiblePerson => self
                    .user(t.responsible_person_id)
                    .await?
                    .into_iter()
                    .collect(),
                Recipient::AccountableLeader => self
                    .user(t.accountable_leader_id)
                    .await?
                    .into_iter()
                    .collect(),
                Recipient::LinkedLeader => self
                    .user(person(grid.as_ref().map(|g| g.linked_leader_id)))
                    .await?
                    .into_iter()
                    .collect(),
                Recipient::GridDispatcher => self
                    .user(person(grid.as_ref().map(|g| g.head_id)))
                    .await?
                    .into_iter()
                    .collect(),
                Recipient::GridLiaison => self
                    .user(person(grid.as_ref().map(|g| g.liaison_id)))
                    .await?
                    .into_iter()
                    .collect(),
                Recipient::TaskForceMembers => match t.task_force_id {
                    Some(tf) => self.store.task_force_members(tf).await?,
                    None => vec![],
                },
                Recipient::DepartmentMailbox => {
                    if let Some(d) = t.department_id {
                        let dept = self.store.department(d).await?;
                        push(dept.name, dept.email);
                    }
                    vec![]
                }
            };
            for u in users.into_iter().filter(|u| u.active) {
                push(u.display_name, u.email);
            }
        }
        Ok(out)
    }
}

fn line(label: &str, value: impl Into<String>) -> Line {
    Line {
        label: label.into(),
        value: value.into(),
    }
}

/// What the event or notice adds to the message: an event's facts as the application
/// presents them (the same as on the ticket page), or a notice's deadline.
async fn details(
    dir: &Directory<'_>,
    kind: &str,
    payload: &serde_json::Value,
    now: DateTime<Utc>,
    calendar: &gridline_domain::WorkCalendar,
) -> Result<Vec<Line>, ComposeError> {
    let mut out = Vec::new();
    if ActionKind::parse(kind).is_some() {
        let event = EventKind::from_parts(kind, payload)
            .ok_or_else(|| ComposeError::Payload(format!("a {kind} event that does not parse")))?;
        for (fact, value) in facts(&event) {
            out.push(line(fact.label(), named(dir, value).await?));
        }
        return Ok(out);
    }
    if let Some(due) = payload
        .get("due_at")
        .and_then(|d| d.as_i64())
        .and_then(DateTime::from_timestamp_millis)
    {
        out.push(line("期限 Deadline", local_time(due)));
        if due < now {
            out.push(line(
                "超期工作日 Working days overdue",
                calendar.working_days_between(due, now).to_string(),
            ));
        }
    }
    Ok(out)
}

/// A fact's value in a message, ids named.
async fn named(dir: &Directory<'_>, value: FactValue) -> Result<String, StoreError> {
    let dash = || "—".to_owned();
    Ok(match value {
        FactValue::Text(t) => t,
        FactValue::Person(u) => dir.user_name(Some(u)).await?.unwrap_or_else(dash),
        FactValue::Department(d) => dir.department_name(Some(d)).await?.unwrap_or_else(dash),
        FactValue::Departments(ds) => {
            let mut names = Vec::with_capacity(ds.len());
            for d in ds {
                names.push(dir.department_name(Some(d)).await?.unwrap_or_else(dash));
            }
            names.join("、")
        }
        FactValue::TaskForce(t) => dir.store.task_force(t).await?.name,
        FactValue::Time(at) => local_time(at),
        FactValue::Number(n) => n.to_string(),
        FactValue::ReturnCode(c) => format!("{} / {}", c.label_zh(), c.as_str()),
        FactValue::Satisfaction(s) => format!("{} / {}", s.label_zh(), s.as_str()),
        FactValue::Decision { approved, days } => format!(
            "{} ({days} 个工作日 / working days)",
            if approved {
                "同意 / approved"
            } else {
                "不同意 / refused"
            }
        ),
    })
}

/// The ticket may have moved on since the event (a dispatch followed by a return clears the
/// three-ones): the message goes to the people the event named.
fn as_of_event(t: &mut Ticket, payload: &serde_json::Value) {
    let named = payload
        .get("three_ones")
        .or_else(|| payload.get("previous"));
    if let Some(three) = named
        .cloned()
        .and_then(|v| serde_json::from_value::<ThreeOnes>(v).ok())
    {
        t.accountable_leader_id = Some(three.accountable_leader_id);
        t.department_id = Some(three.department_id);
        t.responsible_person_id = Some(three.responsible_person_id);
    }
}

/// Composes the message for an outbox row about a ticket (an event or a deadline notice).
pub(crate) async fn ticket_message(
    store: &Store,
    templates: &Templates,
    calendar: &gridline_domain::WorkCalendar,
    base_url: &str,
    message_id_domain: &str,
    row: &outbox::Model,
    now: DateTime<Utc>,
) -> Result<Composed, ComposeError> {
    let recipients: &[Recipient] = if let Some(a) = ActionKind::parse(&row.kind) {
        event_recipients(a)
    } else if let Some(n) = NoticeKind::parse(&row.kind) {
        n.recipients()
    } else {
        return Err(ComposeError::UnknownKind(row.kind.clone()));
    };
    let ticket_id = row
        .ticket_id
        .ok_or_else(|| ComposeError::Payload("no ticket".into()))?;
    let mut t = store.ticket(TicketId(ticket_id)).await?;
    let payload: serde_json::Value = match row.event_id {
        Some(e) => {
            // The message tells of the event as it was: a "to sign for" mail sent late must
            // not say the ticket is closed.
            let event = store.event(e).await?;
            t.status = Status::parse(&event.to)
                .ok_or_else(|| ComposeError::Payload(format!("status {}", event.to)))?;
            event.payload
        }
        None => {
            serde_json::from_str(&row.payload).map_err(|e| ComposeError::Payload(e.to_string()))?
        }
    };
    // A deadline notice whose deadline is no longer the one running is not sent.
    if row.event_id.is_none()
        && let Some(kind) = NoticeKind::parse(&row.kind)
    {
        let due_at = payload
            .get("due_at")
            .and_then(|d| d.as_i64())
            .and_then(DateTime::from_timestamp_millis)
            .ok_or_else(|| ComposeError::Payload("a notice without due_at".into()))?;
        if let Err(why) = (DeadlineNotice { kind, due_at }).still_due(&t) {
            return Ok(Composed::Obsolete(why.to_owned()));
        }
    }
    as_of_event(&mut t, &payload);
    let dir = Directory { store };
    let to = dir.addresses(&t, recipients).await?;
    if to.is_empty() {
        return Ok(Composed::NoRecipients(format!(
            "no recipient of {} has an email address / 收件人均无邮箱",
            row.kind
        )));
    }
    let enterprise = store.enterprise(t.enterprise_id).await?.name;
    let lead = templates.render(&format!("{}/lead.txt", row.kind), &Value::UNDEFINED)?;
    let mut lead_lines = lead.lines();
    let ctx = Value::from_serialize(serde_json::json!({
        "lead_zh": lead_lines.next().unwrap_or_default(),
        "lead_en": lead_lines.next().unwrap_or_default(),
        "ticket": TicketView {
            number: &t.number,
            title: &t.title,
            description: &t.description,
            status: t.status.as_str(),
            status_zh: t.status.label_zh(),
            category: t.category.as_str(),
            category_zh: t.category.label_zh(),
            priority: t.priority.as_str(),
            priority_zh: t.priority.label_zh(),
        },
        "enterprise": enterprise,
        "leader": dir.user_name(t.accountable_leader_id).await?,
        "department": dir.department_name(t.department_id).await?,
        "person": dir.user_name(t.responsible_person_id).await?,
        "response_due": t.response_due_at.map(local_time),
        "resolution_due": t.resolution_due_at.map(local_time),
        "details": details(&dir, &row.kind, &payload, now, calendar).await?,
        "link": format!("{}/tickets/{}", base_url.trim_end_matches('/'), t.id),
    }));
    Ok(Composed::Email(Email {
        message_id: message_id(row, message_id_domain),
        to,
        subject: templates
            .render(&format!("{}/subject.txt", row.kind), &ctx)?
            .trim()
            .to_owned(),
        text: templates.render("ticket/body.txt", &ctx)?,
        html: templates.render("ticket/body.html", &ctx)?,
        attachments: vec![],
    }))
}
