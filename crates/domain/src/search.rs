//! The search index's terms: every two adjacent characters (bigrams) of a ticket's title,
//! description and number. Chinese has no spaces between words, so a word index misses
//! 土地 inside 土地平整; a bigram index finds any term of two characters or more: every
//! bigram of the term is a bigram of the text that holds it. The index only narrows the
//! rows; the match itself is still the substring test, so results equal substring matching
//! (a property test holds the two together on both engines).
//!
//! Each bigram is written as ten ASCII letters (each character's code point in base 26,
//! five letters), so SQLite's FTS5 `unicode61` tokenizer and PostgreSQL's `simple` text
//! search configuration both see one plain word per bigram, whatever the characters.

use std::collections::BTreeSet;

/// The fewest characters the index serves; shorter terms are matched by scanning.
pub const MIN_INDEXED_CHARS: usize = 2;

/// Case folded the same way for the text and the term (one character to one character),
/// so the index never misses what a case-insensitive match would find.
fn fold(c: char) -> char {
    let mut lower = c.to_lowercase();
    match (lower.next(), lower.next()) {
        (Some(l), None) => l,
        _ => c,
    }
}

fn letters(c: char, out: &mut String) {
    let mut n = u32::from(c);
    let mut buf = [b'a'; 5];
    for slot in buf.iter_mut().rev() {
        // n % 26 < 26, so the letter is always ASCII.
        *slot = b'a' + u8::try_from(n % 26).unwrap_or(0);
        n /= 26;
    }
    out.extend(buf.iter().map(|b| char::from(*b)));
}

fn bigrams(text: &str, into: &mut BTreeSet<String>) {
    let chars: Vec<char> = text.chars().map(fold).collect();
    for pair in chars.windows(2) {
        let mut word = String::with_capacity(10);
        letters(pair[0], &mut word);
        letters(pair[1], &mut word);
        into.insert(word);
    }
}

/// The index terms of a ticket's searchable fields, space-separated (each field apart: no
/// bigram spans two fields).
pub fn document(fields: &[&str]) -> String {
    let mut words = BTreeSet::new();
    for f in fields {
        bigrams(f, &mut words);
    }
    words.into_iter().collect::<Vec<_>>().join(" ")
}

/// The terms a search for `q` must find all of, or `None` when `q` is too short for the
/// index (one character: matched by scanning).
pub fn query(q: &str) -> Option<Vec<String>> {
    if q.chars().count() < MIN_INDEXED_CHARS {
        return None;
    }
    let mut words = BTreeSet::new();
    bigrams(q, &mut words);
    Some(words.into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bigram_of_a_substring_is_in_the_document() {
        let doc = document(&["企业反映土地平整问题", "GL-2026-000123"]);
        let have: BTreeSet<&str> = doc.split(' ').collect();
        for q in ["土地", "土地平整", "gl-2026", "GL-2026-000123", "问题"] {
            let words = query(q).unwrap();
            assert!(words.iter().all(|w| have.contains(w.as_str())), "{q}");
        }
        // A bigram that spans two fields is not indexed: 题G is in neither.
        assert!(!have.contains(query("题G").unwrap()[0].as_str()));
        assert_eq!(query("土"), None);
    }

    #[test]
    fn words_are_ten_ascii_letters() {
        let doc = document(&["土地", "\u{10FFFF}a", "a b"]);
        for w in doc.split(' ') {
            assert_eq!(w.len(), 10);
            assert!(w.bytes().all(|b| b.is_ascii_lowercase()), "{w}");
        }
    }
}
