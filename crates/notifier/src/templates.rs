//! Message templates, kept as files under `templates/<name>/` and compiled into the binary.
//! `.html` templates escape what they insert; `.txt` ones do not.

use minijinja::{Environment, Value};

macro_rules! template_files {
    ($($path:literal),* $(,)?) => {
        &[$(($path, include_str!(concat!("../templates/", $path)))),*]
    };
}

/// Every template, by path.
const FILES: &[(&str, &str)] = template_files!(
    "ticket/body.txt",
    "ticket/body.html",
    "digest/subject.txt",
    "digest/body.txt",
    "digest/body.html",
    "delivery/subject.txt",
    "delivery/body.txt",
    "delivery/body.html",
    "bulletin/subject.txt",
    "bulletin/body.txt",
    "bulletin/body.html",
    "milestone/subject.txt",
    "milestone/body.txt",
    "milestone/body.html",
    "dispatch/subject.txt",
    "dispatch/lead.txt",
    "return/subject.txt",
    "return/lead.txt",
    "escalate/subject.txt",
    "escalate/lead.txt",
    "request_extension/subject.txt",
    "request_extension/lead.txt",
    "decide_extension/subject.txt",
    "decide_extension/lead.txt",
    "resolve/subject.txt",
    "resolve/lead.txt",
    "reopen/subject.txt",
    "reopen/lead.txt",
    "urge/subject.txt",
    "urge/lead.txt",
    "reassign/subject.txt",
    "reassign/lead.txt",
    "request_pause/subject.txt",
    "request_pause/lead.txt",
    "decide_pause/subject.txt",
    "decide_pause/lead.txt",
    "resume/subject.txt",
    "resume/lead.txt",
    "pause_reminder/subject.txt",
    "pause_reminder/lead.txt",
    "mark_duplicate/subject.txt",
    "mark_duplicate/lead.txt",
    "withdraw/subject.txt",
    "withdraw/lead.txt",
    "mark_invalid/subject.txt",
    "mark_invalid/lead.txt",
    "supervise/subject.txt",
    "supervise/lead.txt",
    "dispatch_warning/subject.txt",
    "dispatch_warning/lead.txt",
    "dispatch_overdue/subject.txt",
    "dispatch_overdue/lead.txt",
    "response_warning/subject.txt",
    "response_warning/lead.txt",
    "response_overdue/subject.txt",
    "response_overdue/lead.txt",
    "resolution_warning/subject.txt",
    "resolution_warning/lead.txt",
    "resolution_overdue/subject.txt",
    "resolution_overdue/lead.txt",
    "resolution_supervise/subject.txt",
    "resolution_supervise/lead.txt",
    "follow_up/subject.txt",
    "follow_up/lead.txt",
    "force_dispatch/subject.txt",
    "force_dispatch/lead.txt",
    "add_co_departments/subject.txt",
    "add_co_departments/lead.txt",
    "co_reply/subject.txt",
    "co_reply/lead.txt",
    "co_reply_overdue/subject.txt",
    "co_reply_overdue/lead.txt",
);

/// The compiled templates.
pub struct Templates {
    env: Environment<'static>,
}

/// A template failed to render (a bug: templates are checked by tests).
#[derive(Debug, thiserror::Error)]
#[error("template {name}: {source}")]
pub struct TemplateError {
    name: String,
    #[source]
    source: minijinja::Error,
}

impl Templates {
    /// Loads every template.
    pub fn new() -> Result<Self, TemplateError> {
        let mut env = Environment::new();
        env.set_keep_trailing_newline(true);
        for (name, source) in FILES {
            env.add_template(name, source)
                .map_err(|source| TemplateError {
                    name: (*name).into(),
                    source,
                })?;
        }
        Ok(Self { env })
    }

    /// Renders one template.
    pub fn render(&self, name: &str, ctx: &Value) -> Result<String, TemplateError> {
        self.env
            .get_template(name)
            .and_then(|t| t.render(ctx.clone()))
            .map_err(|source| TemplateError {
                name: name.into(),
                source,
            })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests fail loudly")]
    use super::*;
    use gridline_domain::ActionKind;
    use gridline_domain::notice::{NoticeKind, event_recipients};

    /// Every event someone is mailed about, and every deadline notice, has a subject and a
    /// two-line lead (Chinese, English) that render.
    #[test]
    fn every_mailed_kind_has_its_templates() {
        let t = Templates::new().unwrap();
        let kinds = ActionKind::ALL
            .iter()
            .filter(|a| !event_recipients(**a).is_empty())
            .map(|a| a.as_str())
            .chain(NoticeKind::ALL.map(NoticeKind::as_str));
        let ctx = Value::from_serialize(serde_json::json!({
            "co": true,
            "ticket": {"number": "GL-2026-000001", "title": "t"},
        }));
        for kind in kinds {
            let subject = t.render(&format!("{kind}/subject.txt"), &ctx).unwrap();
            assert!(subject.contains("GL-2026-000001"), "{kind}: {subject}");
            let lead = t.render(&format!("{kind}/lead.txt"), &ctx).unwrap();
            let lines: Vec<&str> = lead.lines().filter(|l| !l.trim().is_empty()).collect();
            assert_eq!(lines.len(), 2, "{kind}: {lead}");
            assert!(
                !lines[0].is_ascii() && lines[1].is_ascii(),
                "{kind}: {lead}"
            );
        }
    }
}
