//! Rules for the texts people type: names, titles, messages, e-mail addresses, search.
//!
//! What is refused, and why: ASCII and C1 controls (they break logs, terminals and chat),
//! Unicode line and paragraph separators (a "single line" that renders as two), format
//! characters such as bidirectional overrides and isolates (text that reads differently
//! from what it stores: "Trojan Source"), and invisible characters (U+200B, U+2060,
//! U+FEFF, U+00AD…) that make two titles look equal and differ. Kept: the zero-width
//! joiner and non-joiner, which Indic and Persian scripts and emoji sequences need, and
//! the emoji tag characters of subdivision flags.

use crate::domain::reason::Reason;
use thiserror::Error;
use unicode_general_category::{GeneralCategory, get_general_category};

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TextError {
    #[error("{field} must not be empty")]
    Empty { field: &'static str },
    #[error("{field} is too long ({len} characters, at most {max})")]
    TooLong {
        field: &'static str,
        len: usize,
        max: usize,
    },
    #[error("{field} must not contain control, invisible or bidirectional-control characters")]
    ControlCharacters { field: &'static str },
    #[error("{field} is not a valid e-mail address")]
    InvalidEmail { field: &'static str },
}

impl TextError {
    pub fn reason(&self) -> Reason {
        match self {
            TextError::Empty { .. } => Reason::TextEmpty,
            TextError::TooLong { .. } => Reason::TextTooLong,
            TextError::ControlCharacters { .. } => Reason::TextForbiddenCharacters,
            TextError::InvalidEmail { .. } => Reason::EmailInvalid,
        }
    }
}

/// Whether `c` may stand in a text people type (newlines are judged by the caller).
fn allowed(c: char) -> bool {
    match c {
        // Zero-width non-joiner and joiner: needed by Indic and Persian scripts and emoji.
        '\u{200C}' | '\u{200D}' => true,
        // Emoji tag characters (subdivision flags such as England's).
        '\u{E0020}'..='\u{E007F}' => true,
        _ => {
            !matches!(
                get_general_category(c),
                GeneralCategory::Control
                    | GeneralCategory::Format
                    | GeneralCategory::LineSeparator
                    | GeneralCategory::ParagraphSeparator
                    | GeneralCategory::Surrogate
                    | GeneralCategory::PrivateUse
                    | GeneralCategory::Unassigned
            ) && !is_invisible_filler(c)
        }
    }
}

/// Characters that are not format characters by category but render as nothing.
fn is_invisible_filler(c: char) -> bool {
    matches!(
        c,
        '\u{115F}' | '\u{1160}' | '\u{3164}' | '\u{FFA0}' | '\u{2800}' | '\u{180E}'
    )
}

/// A one-line name or title: trimmed, non-empty, at most `max` characters, no control
/// characters (they break channel names, logs and notifications).
pub fn single_line(field: &'static str, value: &str, max: usize) -> Result<String, TextError> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(TextError::Empty { field });
    }
    let len = trimmed.chars().count();
    if len > max {
        return Err(TextError::TooLong { field, len, max });
    }
    if !trimmed.chars().all(allowed) {
        return Err(TextError::ControlCharacters { field });
    }
    Ok(trimmed.to_owned())
}

/// Free text (descriptions, messages): may span lines, but no other control characters.
pub fn multi_line(field: &'static str, value: &str, max: usize) -> Result<String, TextError> {
    let trimmed = value.trim();
    let len = trimmed.chars().count();
    if len > max {
        return Err(TextError::TooLong { field, len, max });
    }
    if !trimmed
        .chars()
        .all(|c| c == '\n' || c == '\t' || c == '\r' || allowed(c))
    {
        return Err(TextError::ControlCharacters { field });
    }
    Ok(trimmed.to_owned())
}

/// Case-folded text for case-insensitive matching, computed in Rust so SQLite and
/// PostgreSQL match alike (their `lower()` functions differ beyond ASCII). Stored beside
/// the original (e.g. `incidents.title_folded`) and applied to the search text.
pub fn fold(value: &str) -> String {
    caseless::default_case_fold_str(value)
}

/// Longest search text accepted.
pub const SEARCH_MAX: usize = 200;

/// A search text: trimmed, at most [`SEARCH_MAX`] characters, the same characters as a
/// single line; folded for matching. `None` when blank (no filter).
pub fn search(value: &str) -> Result<Option<String>, TextError> {
    if value.trim().is_empty() {
        return Ok(None);
    }
    single_line("text", value, SEARCH_MAX).map(|v| Some(fold(&v)))
}

/// A deliberately plain e-mail check: one `@`, something on each side, a dot in the domain.
/// Deliverability is the mail system's business; this only catches typos.
pub fn email(field: &'static str, value: &str) -> Result<String, TextError> {
    let v = single_line(field, value, 254)?;
    let mut parts = v.split('@');
    let (Some(local), Some(domain), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err(TextError::InvalidEmail { field });
    };
    let domain_ok = domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..");
    if local.is_empty() || !domain_ok || v.contains(char::is_whitespace) {
        return Err(TextError::InvalidEmail { field });
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_line_trims_and_checks() {
        assert_eq!(single_line("name", "  Ada ", 10).unwrap(), "Ada");
        assert_eq!(
            single_line("name", "   ", 10),
            Err(TextError::Empty { field: "name" })
        );
        assert!(matches!(
            single_line("name", &"x".repeat(11), 10),
            Err(TextError::TooLong { len: 11, .. })
        ));
        assert_eq!(
            single_line("name", "a\u{7}b", 10),
            Err(TextError::ControlCharacters { field: "name" })
        );
        assert!(single_line("name", "a\nb", 10).is_err());
    }

    #[test]
    fn invisible_and_bidi_characters_are_refused() {
        for bad in [
            "a\u{2028}b",
            "a\u{2029}b",
            "a\u{202E}b",
            "a\u{2066}b",
            "a\u{200E}b",
            "a\u{200B}b",
            "a\u{2060}b",
            "a\u{FEFF}b",
            "a\u{00AD}b",
            "a\u{0085}b",
            "a\u{3164}b",
            "a\u{E000}b",
        ] {
            assert_eq!(
                single_line("t", bad, 10),
                Err(TextError::ControlCharacters { field: "t" }),
                "{bad:?}"
            );
            assert!(multi_line("t", bad, 10).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn joiners_scripts_and_emoji_are_kept() {
        for good in [
            "क्\u{200D}ष",                                               // Devanagari with ZWJ
            "می\u{200C}خواهم",                                          // Persian with ZWNJ
            "👩\u{200D}💻 on call",                                     // emoji ZWJ sequence
            "🏴\u{E0067}\u{E0062}\u{E0065}\u{E006E}\u{E0067}\u{E007F}", // England's flag
            "Ünïcode — only",
            "❤\u{FE0F}",
        ] {
            assert_eq!(single_line("t", good, 50).unwrap(), good);
        }
    }

    #[test]
    fn search_folds_case_and_validates() {
        assert_eq!(search("  ").unwrap(), None);
        assert_eq!(search("ÉCHEC").unwrap().as_deref(), Some("échec"));
        assert_eq!(search("STRASSE").unwrap(), search("straße").unwrap());
        assert!(search("a\u{0}b").is_err());
        assert!(search(&"x".repeat(SEARCH_MAX + 1)).is_err());
    }

    #[test]
    fn length_counts_characters_not_bytes() {
        assert!(single_line("name", "ééééé", 5).is_ok());
    }

    #[test]
    fn multi_line_allows_newlines_only() {
        assert_eq!(multi_line("d", "a\nb\tc", 10).unwrap(), "a\nb\tc");
        assert!(multi_line("d", "a\u{0}b", 10).is_err());
        assert_eq!(multi_line("d", "", 10).unwrap(), "");
    }

    #[test]
    fn email_catches_typos() {
        assert!(email("email", "ada@example.com").is_ok());
        for bad in [
            "ada",
            "ada@",
            "@example.com",
            "a@b@c.d",
            "ada@example",
            "a da@x.io",
            "a@.x",
        ] {
            assert!(email("email", bad).is_err(), "{bad}");
        }
    }
}
