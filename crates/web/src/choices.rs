//! The choices of the ticket page's action forms (leaders, officers, trackers, departments,
//! task forces) as `<option>` lists, written once per loaded [`Directory`] instead of on
//! every page.
//!
//! A leader's page of an accepted ticket shows the escalation and reassignment forms: the
//! template walked 100 departments, 30 task forces and every officer on each view, and that
//! walk was most of the template engine's time (a profile at a million tickets: the page of
//! an accepted ticket served 37% fewer pages a second than that of a closed one). The lists
//! change when the organisation does, which reloads the directory, so they are written when
//! a directory is first used and kept beside it.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex, Weak};

use gridline_domain::Role;
use minijinja::{HtmlEscape, Value};

use crate::view::Directory;

/// The option lists of one directory, each as safe HTML.
#[derive(Debug)]
pub struct Choices {
    pub leaders: Value,
    /// Every officer, each marked with their department (the dispatch form filters them by
    /// the department chosen).
    pub officers: Value,
    /// The officers of each department (the reassignment form offers the ticket's own).
    officers_of: HashMap<i64, Value>,
    pub trackers: Value,
    pub departments: Value,
    pub task_forces: Value,
}

impl Choices {
    fn of(dir: &Directory) -> Choices {
        let people = |role: Role, with_department: bool| {
            let mut html = String::new();
            for u in dir
                .users
                .iter()
                .filter(|u| u.active && u.role == role.as_str())
            {
                option(
                    &mut html,
                    u.id,
                    &u.display_name,
                    with_department.then_some(u.department_id),
                );
            }
            Value::from_safe_string(html)
        };
        let mut officers_of: HashMap<i64, String> = HashMap::new();
        for u in dir
            .users
            .iter()
            .filter(|u| u.active && u.role == Role::DepartmentOfficer.as_str())
        {
            if let Some(d) = u.department_id {
                option(
                    officers_of.entry(d).or_default(),
                    u.id,
                    &u.display_name,
                    None,
                );
            }
        }
        let named = |list: &[(i64, String)]| {
            let mut html = String::new();
            for (id, name) in list {
                option(&mut html, *id, name, None);
            }
            Value::from_safe_string(html)
        };
        Choices {
            leaders: people(Role::Leader, false),
            officers: people(Role::DepartmentOfficer, true),
            officers_of: officers_of
                .into_iter()
                .map(|(d, html)| (d, Value::from_safe_string(html)))
                .collect(),
            trackers: people(Role::Tracker, false),
            departments: named(&dir.departments),
            task_forces: named(&dir.task_forces),
        }
    }

    /// The officers of `department` (none for a ticket without one).
    pub fn officers_of(&self, department: Option<i64>) -> Value {
        department
            .and_then(|d| self.officers_of.get(&d).cloned())
            .unwrap_or_else(|| Value::from_safe_string(String::new()))
    }

    /// The choices of `dir`, written on its first use and kept while it is the directory in
    /// use (a directory reloaded after a change gets its own).
    pub fn of_directory(dir: &Arc<Directory>) -> Arc<Choices> {
        static KEPT: Mutex<Option<(Weak<Directory>, Arc<Choices>)>> = Mutex::new(None);
        if let Ok(kept) = KEPT.lock()
            && let Some((d, c)) = kept.as_ref()
            && d.ptr_eq(&Arc::downgrade(dir))
        {
            return c.clone();
        }
        let choices = Arc::new(Choices::of(dir));
        if let Ok(mut kept) = KEPT.lock() {
            *kept = Some((Arc::downgrade(dir), choices.clone()));
        }
        choices
    }
}

/// `<option value="ID"[ data-department="D"]>NAME</option>`, as the template wrote it.
fn option(html: &mut String, id: i64, name: &str, department: Option<Option<i64>>) {
    let _ = write!(html, "<option value=\"{id}\"");
    if let Some(d) = department {
        let d = d.map(|d| d.to_string()).unwrap_or_else(|| "none".into());
        let _ = write!(html, " data-department=\"{d}\"");
    }
    let _ = write!(html, ">{}</option>", HtmlEscape(name));
}

/// The template filter `chosen`: `options` (a list above) with the option whose value is
/// `value` marked selected, as a refused form shows what was chosen. Only the marker is
/// added: `value` is looked for, never written.
pub fn chosen(options: Value, value: Option<Value>) -> Value {
    let (Some(html), Some(value)) = (options.as_str(), value) else {
        return options;
    };
    let wanted = value.to_string();
    if wanted.is_empty() {
        return options;
    }
    let needle = format!("<option value=\"{wanted}\"");
    let Some(end) = html
        .find(&needle)
        .and_then(|at| html[at..].find('>').map(|gt| at + gt))
    else {
        return options;
    };
    Value::from_safe_string(format!("{} selected{}", &html[..end], &html[end..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list() -> Value {
        let mut html = String::new();
        option(&mut html, 12, "张三 <b>", Some(Some(3)));
        option(&mut html, 123, "李四", Some(None));
        Value::from_safe_string(html)
    }

    #[test]
    fn an_option_is_written_as_the_template_wrote_it() {
        assert_eq!(
            list().as_str(),
            Some(
                "<option value=\"12\" data-department=\"3\">张三 &lt;b&gt;</option>\
                 <option value=\"123\" data-department=\"none\">李四</option>"
            )
        );
    }

    #[test]
    fn the_chosen_option_alone_is_marked() {
        let marked = chosen(list(), Some(Value::from("123")));
        let marked = marked.as_str().unwrap_or_default();
        assert_eq!(marked.matches(" selected").count(), 1);
        assert!(marked.contains("<option value=\"123\" data-department=\"none\" selected>"));
        // The same by a number, and nothing for a value no option has or an empty one.
        let by_number = chosen(list(), Some(Value::from(12)));
        assert!(
            by_number
                .as_str()
                .unwrap_or_default()
                .contains("value=\"12\" data-department=\"3\" selected>")
        );
        for v in [Some(Value::from("1")), Some(Value::from("")), None] {
            assert_eq!(chosen(list(), v).as_str(), list().as_str());
        }
        // What was typed is never written into the page.
        let typed = Value::from("12\" onclick=\"x");
        assert_eq!(chosen(list(), Some(typed)).as_str(), list().as_str());
    }
}
