//! The service half's notices: a liaison's deliveries of a policy due soon or overdue
//! (送政策上门), and a key project's milestone near or past its planned day (重点项目).

use gridline_app::AppState;
use gridline_app::mail::{Due, Prepared};
use gridline_app::policies::notices::prepare;
use gridline_domain::policy::DeliveryNotice;
use minijinja::Value;

use crate::compose::{ComposeError, Composed, local_time, message_id};
use crate::mailer::Email;
use crate::templates::Templates;

/// Composes a delivery notice.
pub async fn message(
    app: &AppState,
    templates: &Templates,
    base_url: &str,
    message_id_domain: &str,
    row: &Due,
) -> Result<Composed, ComposeError> {
    let m = match prepare(app, row).await? {
        Prepared::Ready(m) => m,
        Prepared::NoRecipients(why) => return Ok(Composed::NoRecipients(why)),
        Prepared::Obsolete(why) => return Ok(Composed::Obsolete(why)),
    };
    let ctx = Value::from_serialize(serde_json::json!({
        "overdue": m.kind == DeliveryNotice::Overdue,
        "liaison": m.to.0,
        "policy": {
            "title": m.policy.title,
            "doc_number": m.policy.doc_number,
            "issuer": m.policy.issuer,
            "apply_by": m.policy.apply_by.map(|d| d.to_string()),
        },
        "count": m.pending.len(),
        "pending": m.pending.iter().map(|(name, due)| serde_json::json!({"name": name, "due": local_time(*due)})).collect::<Vec<_>>(),
        "link": format!("{}/policies/{}", base_url.trim_end_matches('/'), m.policy.id),
    }));
    Ok(Composed::Email(Email {
        message_id: message_id(row, message_id_domain),
        to: vec![m.to.clone()],
        subject: templates
            .render("delivery/subject.txt", &ctx)?
            .trim()
            .to_owned(),
        text: templates.render("delivery/body.txt", &ctx)?,
        html: templates.render("delivery/body.html", &ctx)?,
        attachments: vec![],
    }))
}

/// Composes a milestone notice (重点项目节点临期 / 滞后).
pub async fn milestone_message(
    app: &AppState,
    templates: &Templates,
    base_url: &str,
    message_id_domain: &str,
    row: &Due,
) -> Result<Composed, ComposeError> {
    use gridline_app::projects::notices::prepare;
    let m = match prepare(app, row).await? {
        Prepared::Ready(m) => m,
        Prepared::NoRecipients(why) => return Ok(Composed::NoRecipients(why)),
        Prepared::Obsolete(why) => return Ok(Composed::Obsolete(why)),
    };
    let names = gridline_app::directory::Directory::load(app).await?;
    let enterprise = gridline_app::org::enterprise(app, m.project.enterprise_id).await?;
    let t = &m.project.three;
    let ctx = Value::from_serialize(serde_json::json!({
        "late": m.kind == gridline_domain::project::MilestoneNotice::Late,
        "project": m.project.name,
        "enterprise": enterprise.name,
        "milestone": m.milestone.name,
        "planned_on": m.milestone.planned_on.to_string(),
        "leader": names.user(Some(t.accountable_leader_id.0)),
        "department": names.department(Some(t.department_id.0)),
        "person": names.user(Some(t.responsible_person_id.0)),
        "link": format!("{}/projects/{}", base_url.trim_end_matches('/'), m.project.id),
    }));
    Ok(Composed::Email(Email {
        message_id: message_id(row, message_id_domain),
        to: m.to.clone(),
        subject: templates
            .render("milestone/subject.txt", &ctx)?
            .trim()
            .to_owned(),
        text: templates.render("milestone/body.txt", &ctx)?,
        html: templates.render("milestone/body.html", &ctx)?,
        attachments: vec![],
    }))
}
