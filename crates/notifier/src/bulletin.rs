//! The circulated bulletin (通报): one message to every department and leader, rendered from
//! the bulletin as published.

use gridline_app::AppState;
use gridline_app::mail::Due;
use minijinja::Value;

use crate::compose::{ComposeError, Composed, message_id};
use crate::mailer::Email;
use crate::templates::Templates;

/// Composes the circulated bulletin (通报): one message to every department and leader.
pub async fn message(
    app: &AppState,
    templates: &Templates,
    base_url: &str,
    message_id_domain: &str,
    row: &Due,
) -> Result<Composed, ComposeError> {
    let payload: serde_json::Value = serde_json::from_str(&row.payload)
        .map_err(|e| gridline_app::mail::PrepareError::Payload(e.to_string()))?;
    let period = payload
        .get("period")
        .and_then(|p| p.as_str())
        .ok_or_else(|| gridline_app::mail::PrepareError::Payload("period".into()))?;
    let b = gridline_app::appraisal::load(app, period).await?;
    let to = gridline_app::appraisal::recipients(app).await?;
    if to.is_empty() {
        return Ok(Composed::NoRecipients(
            "no department or leader has an email address / 部门和领导均无邮箱".into(),
        ));
    }
    let names = gridline_app::directory::Directory::load(app).await?;
    let view =
        gridline_report::bulletin::view(&b, &|d| names.department(Some(d)), &|u| names.user(u));
    let ctx = Value::from_serialize(serde_json::json!({
        "b": view,
        "link": format!("{}/bulletins/{}", base_url.trim_end_matches('/'), b.period),
    }));
    Ok(Composed::Email(Email {
        message_id: message_id(row, message_id_domain),
        to,
        subject: templates
            .render("bulletin/subject.txt", &ctx)?
            .trim()
            .to_owned(),
        text: templates.render("bulletin/body.txt", &ctx)?,
        html: templates.render("bulletin/body.html", &ctx)?,
        attachments: vec![],
    }))
}
