//! Text values parsed at the boundary: once one of these exists, it is valid.
//!
//! Text is kept verbatim (HTML and SQL metacharacters included): escaping is the job of
//! whoever renders it. Only surrounding whitespace is trimmed, and control characters
//! other than line breaks and tabs are refused.

use serde::Serialize;

use crate::error::DomainError;

/// Longest search text accepted, in characters (a search is a few words, not a document).
pub const MAX_SEARCH_CHARS: usize = 100;

/// Refuses text holding a control character (line breaks and tabs too, unless `multiline`):
/// a NUL must never reach a database, and nothing typed into a field needs the others.
pub fn refuse_control_characters(
    field: &'static str,
    raw: &str,
    multiline: bool,
) -> Result<(), DomainError> {
    let bad = raw
        .chars()
        .any(|c| c.is_control() && !(multiline && matches!(c, '\n' | '\r' | '\t')));
    if bad {
        return Err(DomainError::invalid(
            field,
            "control_character",
            "contains a control character / 含有控制字符",
        ));
    }
    Ok(())
}

fn check_text(
    field: &'static str,
    raw: &str,
    max_chars: usize,
    multiline: bool,
) -> Result<String, DomainError> {
    let value = raw.trim();
    if value.is_empty() {
        return Err(DomainError::invalid(
            field,
            "empty",
            "must not be empty / 不能为空",
        ));
    }
    let chars = value.chars().count();
    if chars > max_chars {
        return Err(DomainError::invalid(
            field,
            "too_long",
            format!("at most {max_chars} characters, got {chars} / 不能超过 {max_chars} 个字符"),
        ));
    }
    refuse_control_characters(field, value, multiline)?;
    Ok(value.to_owned())
}

macro_rules! text_type {
    ($(#[$doc:meta] $name:ident, $field:literal, $max:expr, $multiline:expr;)*) => {$(
        #[$doc]
        #[derive(Debug, Clone, PartialEq, Eq, Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Maximum length in characters (not bytes: Chinese text counts per character).
            pub const MAX_CHARS: usize = $max;

            /// Validates and trims `raw`.
            pub fn parse(raw: &str) -> Result<Self, DomainError> {
                check_text($field, raw, Self::MAX_CHARS, $multiline).map(Self)
            }

            /// The text.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The text, owned.
            pub fn into_inner(self) -> String {
                self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    )*};
}

text_type! {
    /// A ticket's title (标题).
    TicketTitle, "title", 200, false;
    /// A ticket's description (问题描述).
    Description, "description", 5000, true;
    /// Free text on an event: a resolution, a comment, a reason, a note.
    Remark, "text", 5000, true;
    /// The name of a grid, department, task force, enterprise or person.
    Name, "name", 100, false;
    /// Whom a liaison met at an enterprise (接待人员).
    PeopleMet, "people_met", 200, false;
    /// What a visit found, in the liaison's words (走访情况).
    VisitNotes, "notes", 5000, true;
    /// A topic not on the fixed list (其他话题).
    TopicNote, "topic_note", 200, false;
}

/// Search text (the `q` of a list): trimmed, at most [`MAX_SEARCH_CHARS`] characters, no
/// control characters. Blank means "no search", so [`SearchText::parse`] gives `None`.
///
/// A NUL reached the databases before this existed: PostgreSQL refused the statement (a 500)
/// and SQLite cut the pattern at it (a search that matched everything).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct SearchText(String);

impl SearchText {
    /// Validates and trims `raw`; `Ok(None)` when it is blank.
    pub fn parse(raw: &str) -> Result<Option<Self>, DomainError> {
        if raw.trim().is_empty() {
            return Ok(None);
        }
        check_text("q", raw, MAX_SEARCH_CHARS, false).map(|s| Some(Self(s)))
    }

    /// Parses an optional query parameter.
    pub fn parse_opt(raw: Option<&str>) -> Result<Option<Self>, DomainError> {
        raw.map_or(Ok(None), Self::parse)
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A login name: 3–32 characters of ASCII letters, digits, `.`, `_` and `-`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Username(String);

impl Username {
    /// Validates `raw` (not trimmed: a username with spaces is a mistake worth reporting).
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        refuse_control_characters("username", raw, false)?;
        let len = raw.len();
        if !(3..=32).contains(&len) {
            return Err(DomainError::invalid(
                "username",
                "length",
                "must be 3 to 32 characters / 用户名须为 3 至 32 个字符",
            ));
        }
        if !raw
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        {
            return Err(DomainError::invalid(
                "username",
                "charset",
                "only letters, digits, '.', '_' and '-' / 只能包含字母、数字、'.'、'_' 和 '-'",
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A phone number as offices write them: digits, with `+`, `-`, spaces and parentheses
/// (`0571-8888 6666`, `+86 138 0000 0000`); 5 to 20 digits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Phone(String);

impl Phone {
    /// Validates and trims `raw`.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let value = raw.trim();
        let digits = value.chars().filter(char::is_ascii_digit).count();
        let allowed = |c: char| c.is_ascii_digit() || matches!(c, '+' | '-' | ' ' | '(' | ')');
        if !(5..=20).contains(&digits) || value.len() > 32 || !value.chars().all(allowed) {
            return Err(DomainError::invalid(
                "phone",
                "format",
                "not a phone number (5 to 20 digits) / 电话号码格式不正确（5 至 20 位数字）",
            ));
        }
        Ok(Self(value.to_owned()))
    }

    /// The number as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An email address, checked for shape only (one `@`, a dotted domain, no spaces).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    /// Validates and trims `raw`.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let value = raw.trim();
        let bad = || {
            DomainError::invalid(
                "email",
                "format",
                "not an email address / 邮箱地址格式不正确",
            )
        };
        if value.len() > 254 || value.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad());
        }
        let (local, domain) = value.split_once('@').ok_or_else(bad)?;
        if local.is_empty()
            || domain.contains('@')
            || !domain.contains('.')
            || domain.starts_with('.')
            || domain.ends_with('.')
        {
            return Err(bad());
        }
        Ok(Self(value.to_owned()))
    }

    /// The address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A password as it is set (account creation, a reset, a change): 10 to 128 characters and
/// not one of the most common passwords.
pub struct NewPassword(String);

/// The common-password list compiled into the binary (see the file's header).
const COMMON_PASSWORDS: &str = include_str!("common_passwords.txt");

/// Whether `password` (compared in lower case) is on the common-password list.
fn is_common(password: &str) -> bool {
    let lower = password.to_lowercase();
    // The list is sorted (byte order), so a binary search over its lines needs no set.
    static LINES: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
    LINES
        .get_or_init(|| {
            COMMON_PASSWORDS
                .lines()
                .filter(|l| !l.starts_with('#') && !l.is_empty())
                .collect()
        })
        .binary_search(&lower.as_str())
        .is_ok()
}

impl NewPassword {
    /// Fewest characters.
    pub const MIN_CHARS: usize = 10;

    /// Checks the rules. The value is never logged or echoed.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let n = raw.chars().count();
        if !(Self::MIN_CHARS..=128).contains(&n) {
            return Err(DomainError::invalid(
                "password",
                "length",
                "must be 10 to 128 characters / 密码须为 10 至 128 个字符",
            ));
        }
        if is_common(raw) {
            return Err(DomainError::invalid(
                "password",
                "too_common",
                "this password is among the most common ones; choose another / 该密码过于常见，请另选一个",
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    /// The password, for hashing.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn title_trims_and_keeps_markup_verbatim() {
        let t = TicketTitle::parse("  <b>用地</b> ' OR 1=1 --  ").unwrap();
        assert_eq!(t.as_str(), "<b>用地</b> ' OR 1=1 --");
    }

    #[test]
    fn title_counts_characters_not_bytes() {
        assert!(TicketTitle::parse(&"土".repeat(200)).is_ok());
        let err = TicketTitle::parse(&"土".repeat(201)).unwrap_err();
        assert!(matches!(
            err,
            DomainError::Invalid {
                code: "too_long",
                ..
            }
        ));
    }

    #[test]
    fn empty_and_control_characters_are_refused() {
        assert!(matches!(
            TicketTitle::parse("   ").unwrap_err(),
            DomainError::Invalid { code: "empty", .. }
        ));
        assert!(matches!(
            TicketTitle::parse("a\u{0}b").unwrap_err(),
            DomainError::Invalid {
                code: "control_character",
                ..
            }
        ));
        assert!(Description::parse("line one\nline two").is_ok());
        assert!(TicketTitle::parse("line one\nline two").is_err());
    }

    #[test]
    fn phones() {
        for good in [
            "0571-8888 6666",
            "+86 138 0000 0000",
            "(0571)88886666",
            "12345",
        ] {
            assert_eq!(Phone::parse(good).unwrap().as_str(), good);
        }
        for bad in [
            "",
            "1234",
            "138-0000-0000 ext 5",
            "电话",
            "1".repeat(21).as_str(),
        ] {
            assert!(Phone::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn emails_and_usernames() {
        assert!(Email::parse("li.wei@hyhz.gov.cn").is_ok());
        for bad in ["", "a", "a@b", "@b.cn", "a@b.cn@c", "a b@c.cn", "a@.cn"] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
        assert!(Username::parse("liaison.zhang").is_ok());
        assert!(Username::parse("张三").is_err());
        assert!(Username::parse("ab").is_err());
    }

    #[test]
    fn passwords_are_long_and_uncommon() {
        assert!(NewPassword::parse("correct horse battery").is_ok());
        for (bad, code) in [
            ("short-pw", "length"),
            ("123456789", "length"),
            ("1234567890", "too_common"),
            ("QwertyUiop", "too_common"),
            ("woaini1314", "too_common"),
            ("1qaz2wsx3edc", "too_common"),
        ] {
            match NewPassword::parse(bad) {
                Err(DomainError::Invalid { code: c, .. }) => assert_eq!(c, code, "{bad}"),
                other => panic!("{bad}: {:?}", other.map(|_| ())),
            }
        }
        // The list is sorted as the binary search needs.
        let lines: Vec<_> = COMMON_PASSWORDS
            .lines()
            .filter(|l| !l.starts_with('#'))
            .collect();
        assert!(lines.windows(2).all(|w| w[0] < w[1]));
        assert!(lines.len() > 1000);
    }

    #[test]
    fn search_text() {
        assert_eq!(SearchText::parse("  ").unwrap(), None);
        assert_eq!(
            SearchText::parse(" 用地 ").unwrap().unwrap().as_str(),
            "用地"
        );
        for bad in ["a\u{0}b", "\u{0}", "x\ny"] {
            assert!(matches!(
                SearchText::parse(bad),
                Err(DomainError::Invalid {
                    code: "control_character",
                    ..
                })
            ));
        }
        assert!(SearchText::parse(&"地".repeat(MAX_SEARCH_CHARS + 1)).is_err());
        assert!(matches!(
            Username::parse("ad\u{0}min"),
            Err(DomainError::Invalid {
                code: "control_character",
                ..
            })
        ));
    }

    proptest! {
        #[test]
        fn parsers_never_panic(s in "\\PC*") {
            let _ = TicketTitle::parse(&s);
            let _ = Description::parse(&s);
            let _ = Email::parse(&s);
            let _ = Username::parse(&s);
        }

        #[test]
        fn accepted_titles_are_trimmed_and_bounded(s in "[a-z土地 ]{0,250}") {
            if let Ok(t) = TicketTitle::parse(&s) {
                prop_assert_eq!(t.as_str(), s.trim());
                prop_assert!(t.as_str().chars().count() <= TicketTitle::MAX_CHARS);
            }
        }
    }
}
