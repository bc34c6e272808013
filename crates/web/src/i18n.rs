//! Two languages: Chinese (the default) and English. Texts live in `locales/{zh,en}.toml`;
//! the Chinese names of states, actions, categories and the like come from the domain's
//! `label_zh`, so they are written once.

use std::collections::HashMap;
use std::sync::OnceLock;

use gridline_domain::ticket::ReturnCode;
use gridline_domain::{
    ActionKind, Category, Closure, PauseCode, Priority, Role, Satisfaction, Status,
};
use serde::Serialize;

/// The page language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    /// `zh` or `en`; anything else is `None`.
    pub fn parse(s: &str) -> Option<Lang> {
        match s {
            "zh" => Some(Lang::Zh),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The cookie and template value.
    pub fn as_str(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }
}

type Catalog = HashMap<String, String>;

fn flatten(prefix: &str, table: &toml::Table, out: &mut Catalog) {
    for (k, v) in table {
        let key = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match v {
            toml::Value::Table(t) => flatten(&key, t, out),
            toml::Value::String(s) => {
                out.insert(key, s.clone());
            }
            other => {
                out.insert(key, other.to_string());
            }
        }
    }
}

fn load(source: &str) -> Catalog {
    let mut out = Catalog::new();
    match source.parse::<toml::Table>() {
        Ok(t) => flatten("", &t, &mut out),
        Err(e) => tracing::error!(error = %e, "locale file does not parse"),
    }
    out
}

/// The Chinese labels the domain already names.
fn domain_zh(out: &mut Catalog) {
    let mut put = |k: String, v: &str| {
        out.entry(k).or_insert_with(|| v.to_owned());
    };
    for s in Status::ALL {
        put(format!("status.{s}"), s.label_zh());
    }
    for a in ActionKind::ALL {
        put(format!("action.{a}"), a.label_zh());
    }
    for c in Category::ALL {
        put(format!("category.{c}"), c.label_zh());
    }
    for p in Priority::ALL {
        put(format!("priority.{p}"), p.label_zh());
    }
    for s in Satisfaction::ALL {
        put(format!("satisfaction.{s}"), s.label_zh());
    }
    for r in ReturnCode::ALL {
        put(format!("return.{r}"), r.label_zh());
    }
    for c in Closure::ALL {
        put(format!("closure.{c}"), c.label_zh());
    }
    for c in PauseCode::ALL {
        put(format!("pause.{c}"), c.label_zh());
    }
    for m in gridline_domain::ticket::FollowUpMethod::ALL {
        put(format!("follow_up.{m}"), m.label_zh());
    }
    for c in gridline_domain::ticket::DissatisfactionCause::ALL {
        put(format!("cause.{c}"), c.label_zh());
    }
    for r in Role::ALL {
        put(format!("role.{r}"), r.label_zh());
    }
}

struct Catalogs {
    zh: Catalog,
    en: Catalog,
}

fn catalogs() -> &'static Catalogs {
    static C: OnceLock<Catalogs> = OnceLock::new();
    C.get_or_init(|| {
        let mut zh = load(include_str!("../locales/zh.toml"));
        domain_zh(&mut zh);
        let en = load(include_str!("../locales/en.toml"));
        Catalogs { zh, en }
    })
}

/// The text for `key` in `lang`; the key itself if missing (a test keeps that from happening).
pub fn t(lang: Lang, key: &str) -> String {
    let c = catalogs();
    let map = match lang {
        Lang::Zh => &c.zh,
        Lang::En => &c.en,
    };
    map.get(key).cloned().unwrap_or_else(|| key.to_owned())
}

/// [`t`] as a template value: each text made a value once, so a lookup hands out a shared
/// string instead of copying it (a list page looks up about seven texts a row).
pub fn text_value(lang: Lang, key: &str) -> minijinja::Value {
    static VALUES: OnceLock<[HashMap<&'static str, minijinja::Value>; 2]> = OnceLock::new();
    let [zh, en] = VALUES.get_or_init(|| {
        let c = catalogs();
        let of = |m: &'static Catalog| {
            m.iter()
                .map(|(k, v)| (k.as_str(), minijinja::Value::from(v.as_str())))
                .collect()
        };
        [of(&c.zh), of(&c.en)]
    });
    let map = match lang {
        Lang::Zh => zh,
        Lang::En => en,
    };
    map.get(key)
        .cloned()
        .unwrap_or_else(|| minijinja::Value::from(key))
}

/// Whether `key` exists in `lang`.
pub fn has(lang: Lang, key: &str) -> bool {
    let c = catalogs();
    match lang {
        Lang::Zh => c.zh.contains_key(key),
        Lang::En => c.en.contains_key(key),
    }
}

/// Every key of a language.
pub fn keys(lang: Lang) -> Vec<String> {
    let c = catalogs();
    match lang {
        Lang::Zh => c.zh.keys().cloned().collect(),
        Lang::En => c.en.keys().cloned().collect(),
    }
}

/// What a page says for an error: the text for its code (and field) in `locales`, or, for
/// a code whose message carries values (a length, a state), that message in `lang`.
pub fn error_text(lang: Lang, code: &str, field: Option<&str>, message: &str) -> String {
    let mut keys = Vec::with_capacity(3);
    if let Some(f) = field {
        keys.push(format!("code.{code}.{f}"));
    }
    keys.push(format!("code.{code}._"));
    keys.push(format!("code.{code}"));
    keys.iter()
        .find(|k| has(lang, k))
        .map_or_else(|| pick(lang, message), |k| t(lang, k))
}

/// [`error_text`] for an application error.
pub fn app_error_text(lang: Lang, e: &gridline_app::AppError) -> String {
    error_text(lang, e.code(), e.field_name(), e.message())
}

/// Picks one language out of the bilingual messages the rules and the API give
/// (`"english / 中文"` or `"中文 / English"`).
pub fn pick(lang: Lang, message: &str) -> String {
    let parts: Vec<&str> = message.split(" / ").collect();
    if parts.len() < 2 {
        return message.to_owned();
    }
    let is_zh = |s: &&&str| s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
    let found = match lang {
        Lang::Zh => parts.iter().find(is_zh),
        Lang::En => parts.iter().find(|s| !is_zh(s)),
    };
    found.map_or_else(|| message.to_owned(), |s| s.trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_have_the_same_keys() {
        let mut zh = keys(Lang::Zh);
        let mut en = keys(Lang::En);
        zh.sort();
        en.sort();
        let missing_en: Vec<_> = zh.iter().filter(|k| !has(Lang::En, k)).collect();
        let missing_zh: Vec<_> = en.iter().filter(|k| !has(Lang::Zh, k)).collect();
        assert!(missing_en.is_empty(), "missing in en.toml: {missing_en:?}");
        assert!(missing_zh.is_empty(), "missing in zh.toml: {missing_zh:?}");
    }

    #[test]
    fn every_key_the_templates_use_exists() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut sources = vec![];
        for sub in ["templates", "src", "src/pages"] {
            for entry in std::fs::read_dir(dir.join(sub)).unwrap().flatten() {
                if entry.path().is_file() {
                    sources.push(std::fs::read_to_string(entry.path()).unwrap());
                }
            }
        }
        let mut used = 0;
        for src in &sources {
            for marker in ["t(\"", "tr(lang, \"", "tr(v.lang, \""] {
                for (i, _) in src.match_indices(marker) {
                    let before = src[..i].chars().last().unwrap_or(' ');
                    if before.is_alphanumeric() || before == '_' || before == '.' {
                        continue;
                    }
                    let rest = &src[i + marker.len()..];
                    let key = &rest[..rest.find('"').unwrap()];
                    if key.is_empty() || key.ends_with('.') {
                        continue;
                    }
                    used += 1;
                    assert!(has(Lang::Zh, key), "zh lacks {key}");
                    assert!(has(Lang::En, key), "en lacks {key}");
                }
            }
        }
        assert!(
            used > 50,
            "found only {used} keys: is the scan still right?"
        );
    }

    /// Error texts come from the locale by code, per field where a code means different
    /// things; a code not listed keeps its message, in the page's language.
    #[test]
    fn error_texts_by_code() {
        assert_eq!(
            error_text(
                Lang::En,
                "stale_version",
                None,
                "the ticket is at version 3, not 2"
            ),
            t(Lang::En, "code.stale_version")
        );
        assert_eq!(
            error_text(Lang::Zh, "length", Some("password"), "x / y"),
            "密码须为 10 至 128 个字符。"
        );
        assert_eq!(
            error_text(
                Lang::En,
                "required",
                Some("days"),
                "request_extension needs days"
            ),
            "Required."
        );
        assert_eq!(
            error_text(
                Lang::Zh,
                "too_long",
                Some("title"),
                "at most 200 characters / 不能超过 200 个字符"
            ),
            "不能超过 200 个字符"
        );
        let codes = |lang| {
            let mut k: Vec<String> = keys(lang)
                .into_iter()
                .filter(|k| k.starts_with("code."))
                .collect();
            k.sort();
            k
        };
        assert_eq!(
            codes(Lang::Zh),
            codes(Lang::En),
            "both languages say every code"
        );
        assert!(codes(Lang::Zh).len() > 30);
    }

    #[test]
    fn picks_the_language_of_a_bilingual_message() {
        assert_eq!(pick(Lang::Zh, "must not be empty / 不能为空"), "不能为空");
        assert_eq!(
            pick(Lang::En, "must not be empty / 不能为空"),
            "must not be empty"
        );
        assert_eq!(pick(Lang::En, "未找到 / Not found"), "Not found");
        assert_eq!(pick(Lang::Zh, "plain"), "plain");
    }
}
