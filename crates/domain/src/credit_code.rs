//! The unified social credit code (统一社会信用代码), GB 32100-2015.
//!
//! 18 characters: registration authority (1), organisation type (1), administrative
//! division (6 digits), organisation code (9), check character (1). The alphabet is the
//! digits and the capital letters without I, O, Z, S and V. The check character is
//! `31 - (Σ value(cᵢ)·3ⁱ mod 31)` over the first 17 characters, where 31 maps to `0`.

use serde::Serialize;

/// The 31 characters of the code's alphabet, in value order.
const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// Weights `3ⁱ mod 31` for positions 1..=17.
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// A valid unified social credit code.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct CreditCode(String);

/// Which rule of GB 32100-2015 a code breaks. `code()` is stable for clients.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CreditCodeError {
    #[error("must be exactly 18 characters, got {0} / 必须为 18 位,实际为 {0} 位")]
    Length(usize),
    #[error(
        "character {position} ('{found}') is not allowed: only digits and capital letters except I, O, Z, S, V / 第 {position} 位字符不合法"
    )]
    Charset { position: usize, found: char },
    #[error(
        "characters 3 to 8 must be a 6-digit administrative division code / 第 3 至 8 位须为 6 位行政区划码"
    )]
    Region,
    #[error(
        "check character is '{found}', expected '{expected}' / 校验码错误:应为 '{expected}',实际为 '{found}'"
    )]
    Check { found: char, expected: char },
}

impl CreditCodeError {
    /// A stable machine-readable name for the broken rule.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Length(_) => "credit_code.length",
            Self::Charset { .. } => "credit_code.charset",
            Self::Region => "credit_code.region",
            Self::Check { .. } => "credit_code.check",
        }
    }
}

fn value_of(c: u8) -> Option<u32> {
    ALPHABET.iter().position(|&a| a == c).map(|p| p as u32)
}

/// The check character for the first 17 characters. Callers guarantee they are in the alphabet.
fn check_char(body: &[u8]) -> char {
    let sum: u32 = body
        .iter()
        .zip(WEIGHTS)
        .map(|(&c, w)| value_of(c).unwrap_or(0) * w)
        .sum();
    let check = (31 - sum % 31) % 31;
    char::from(ALPHABET[check as usize])
}

impl CreditCode {
    /// Validates `raw`; surrounding whitespace is trimmed and lower case is accepted.
    pub fn parse(raw: &str) -> Result<Self, CreditCodeError> {
        let code = raw.trim().to_ascii_uppercase();
        let n = code.chars().count();
        if n != 18 {
            return Err(CreditCodeError::Length(n));
        }
        let bytes = code.as_bytes();
        // 18 chars and 18 bytes: every character is ASCII from here on.
        if bytes.len() != 18 {
            let (position, found) = code
                .chars()
                .enumerate()
                .find(|(_, c)| !c.is_ascii())
                .map(|(i, c)| (i + 1, c))
                .unwrap_or((1, '?'));
            return Err(CreditCodeError::Charset { position, found });
        }
        if let Some(i) = bytes.iter().position(|&c| value_of(c).is_none()) {
            return Err(CreditCodeError::Charset {
                position: i + 1,
                found: char::from(bytes[i]),
            });
        }
        if !bytes[2..8].iter().all(u8::is_ascii_digit) {
            return Err(CreditCodeError::Region);
        }
        let expected = check_char(&bytes[..17]);
        let found = char::from(bytes[17]);
        if found != expected {
            return Err(CreditCodeError::Check { found, expected });
        }
        Ok(Self(code))
    }

    /// Completes a 17-character body with its check character (for demo data and tests).
    pub fn complete(body: &str) -> Result<Self, CreditCodeError> {
        let body = body.to_ascii_uppercase();
        if body.len() != 17 || !body.bytes().all(|c| value_of(c).is_some()) {
            return Err(CreditCodeError::Length(body.chars().count() + 1));
        }
        let check = check_char(body.as_bytes());
        Self::parse(&format!("{body}{check}"))
    }

    /// The code.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_valid_codes() {
        // Codes whose check characters were computed independently of this module.
        for code in [
            "91350100M000100Y43",
            "9144030071526726XG",
            "914403001922038216",
        ] {
            let parsed = CreditCode::parse(code);
            assert!(parsed.is_ok(), "{code}: {parsed:?}");
        }
    }

    #[test]
    fn each_rule_has_its_own_error() {
        assert_eq!(
            CreditCode::parse("9144").unwrap_err().code(),
            "credit_code.length"
        );
        assert_eq!(
            CreditCode::parse("91440300279398734I").unwrap_err().code(),
            "credit_code.charset"
        );
        assert_eq!(
            CreditCode::parse("91A40300279398734L").unwrap_err().code(),
            "credit_code.region"
        );
        let err = CreditCode::parse("91440300279398734L").unwrap_err();
        assert_eq!(
            err,
            CreditCodeError::Check {
                found: 'L',
                expected: 'R'
            }
        );
        assert_eq!(
            CreditCode::parse("９１４４０３００２７９３９８７３４Ｌ")
                .unwrap_err()
                .code(),
            "credit_code.charset"
        );
    }

    #[test]
    fn lower_case_and_whitespace_are_normalised() {
        assert_eq!(
            CreditCode::parse(" 9144030071526726xg ").unwrap().as_str(),
            "9144030071526726XG"
        );
    }

    proptest! {
        #[test]
        fn completed_codes_parse_and_one_changed_character_fails(
            body in "[159Y][1-3][0-9]{6}[0-9A-HJ-NPQRTUWXY]{9}",
            pos in 0usize..17,
            delta in 1usize..31,
        ) {
            let code = CreditCode::complete(&body).unwrap();
            prop_assert_eq!(CreditCode::parse(code.as_str()).unwrap(), code.clone());
            // Changing any one character of the body changes the check (weights are units mod 31).
            let mut bytes = code.as_str().as_bytes().to_vec();
            let v = value_of(bytes[pos]).unwrap() as usize;
            bytes[pos] = ALPHABET[(v + delta) % 31];
            let changed = String::from_utf8(bytes).unwrap();
            prop_assert!(CreditCode::parse(&changed).is_err());
        }

        #[test]
        fn parse_never_panics(s in "\\PC{0,40}") {
            let _ = CreditCode::parse(&s);
        }
    }
}
