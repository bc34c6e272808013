//! Turning an outbox row about a ticket into a message: who gets it, and what it says.

use chrono::{DateTime, Datelike, Utc};
use gridline_app::AppState;
use gridline_app::directory::Directory;
use gridline_app::mail::{Due, PrepareError, Prepared, ticket_mail};
use gridline_app::present::{Value as FactValue, facts};
use gridline_domain::WorkCalendar;
use gridline_domain::calendar::ZONE;
use minijinja::Value;
use serde::Serialize;

use crate::mailer::Email;
use crate::templates::{TemplateError, Templates};

/// Why a row could not be turned into a message.
#[derive(Debug, thiserror::Error)]
pub enum ComposeError {
    #[error(transparent)]
    Prepare(#[from] PrepareError),
    #[error(transparent)]
    Template(#[from] TemplateError),
}

impl From<gridline_app::AppError> for ComposeError {
    fn from(e: gridline_app::AppError) -> Self {
        Self::Prepare(e.into())
    }
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
pub fn message_id(row: &Due, domain: &str) -> String {
    format!(
        "<gridline.outbox.{}.{}@{domain}>",
        row.id,
        row.created_at.timestamp_millis()
    )
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

fn line(label: &str, value: impl Into<String>) -> Line {
    Line {
        label: label.into(),
        value: value.into(),
    }
}

/// What the event or notice adds to the message: an event's facts as the application
/// presents them (the same as on the ticket page), or a notice's deadline.
fn details(
    m: &gridline_app::mail::TicketMail,
    now: DateTime<Utc>,
    calendar: &WorkCalendar,
) -> Vec<Line> {
    let mut out = Vec::new();
    if let Some(event) = &m.event {
        for (fact, value) in facts(event) {
            out.push(line(fact.label(), named(&m.names, value)));
        }
    }
    if let Some(due) = m.notice_due {
        out.push(line("期限 Deadline", local_time(due)));
        if due < now {
            out.push(line(
                "超期工作日 Working days overdue",
                calendar.working_days_between(due, now).to_string(),
            ));
        }
    }
    out
}

/// A name, or a dash for none.
fn or_dash(name: String) -> String {
    if name.is_empty() {
        "—".to_owned()
    } else {
        name
    }
}

/// A fact's value in a message, ids named.
fn named(names: &Directory, value: FactValue) -> String {
    match value {
        FactValue::Text(t) => t,
        FactValue::Person(u) => or_dash(names.user(Some(u.0))),
        FactValue::Department(d) => or_dash(names.department(Some(d.0))),
        FactValue::Departments(ds) => ds
            .into_iter()
            .map(|d| or_dash(names.department(Some(d.0))))
            .collect::<Vec<_>>()
            .join("、"),
        FactValue::TaskForce(t) => or_dash(names.task_force(Some(t.0))),
        FactValue::Time(at) => local_time(at),
        FactValue::Number(n) => n.to_string(),
        FactValue::ReturnCode(c) => format!("{} / {}", c.label_zh(), c.as_str()),
        FactValue::Satisfaction(s) => format!("{} / {}", s.label_zh(), s.as_str()),
        FactValue::Approval(approved) => if approved {
            "同意 / approved"
        } else {
            "不同意 / refused"
        }
        .to_owned(),
        FactValue::PauseCode(c) => format!("{} / {}", c.label_zh(), c.as_str()),
        FactValue::Decision { approved, days } => format!(
            "{} ({days} 个工作日 / working days)",
            if approved {
                "同意 / approved"
            } else {
                "不同意 / refused"
            }
        ),
    }
}

/// Composes the message for an outbox row about a ticket (an event or a deadline notice).
pub(crate) async fn ticket_message(
    app: &AppState,
    templates: &Templates,
    base_url: &str,
    message_id_domain: &str,
    row: &Due,
    now: DateTime<Utc>,
) -> Result<Composed, ComposeError> {
    let m = match ticket_mail(app, row).await? {
        Prepared::Ready(m) => m,
        Prepared::NoRecipients(why) => return Ok(Composed::NoRecipients(why)),
        Prepared::Obsolete(why) => return Ok(Composed::Obsolete(why)),
    };
    let t = &m.ticket;
    let name = |n: String| (!n.is_empty()).then_some(n);
    let arbitration = t.status == gridline_domain::Status::Arbitration;
    // The lead says more when the event also asks co-handling departments (协办).
    let co = m
        .event
        .as_ref()
        .is_some_and(|e| !e.named_co_departments().is_empty());
    let lead = templates.render(
        &format!("{}/lead.txt", row.kind),
        &Value::from_serialize(serde_json::json!({ "co": co, "arbitration": arbitration })),
    )?;
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
        "enterprise": m.enterprise,
        "leader": name(m.names.user(t.accountable_leader_id.map(|u| u.0))),
        "department": name(m.names.department(t.department_id.map(|d| d.0))),
        "person": name(m.names.user(t.responsible_person_id.map(|u| u.0))),
        "response_due": t.response_due_at.map(local_time),
        "resolution_due": t.resolution_due_at.map(local_time),
        "details": details(&m, now, &app.calendar),
        "link": format!("{}/tickets/{}", base_url.trim_end_matches('/'), t.id),
        "arbitration": arbitration,
    }));
    Ok(Composed::Email(Email {
        message_id: message_id(row, message_id_domain),
        to: m.to.clone(),
        subject: templates
            .render(&format!("{}/subject.txt", row.kind), &ctx)?
            .trim()
            .to_owned(),
        text: templates.render("ticket/body.txt", &ctx)?,
        html: templates.render("ticket/body.html", &ctx)?,
        attachments: vec![],
    }))
}
