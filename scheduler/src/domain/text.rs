//! Rules for the short texts people type: names, titles, e-mail addresses.

use thiserror::Error;

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
    #[error("{field} must not contain control characters")]
    ControlCharacters { field: &'static str },
    #[error("{field} is not a valid e-mail address")]
    InvalidEmail { field: &'static str },
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
    if trimmed.chars().any(char::is_control) {
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
    if trimmed
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r')
    {
        return Err(TextError::ControlCharacters { field });
    }
    Ok(trimmed.to_owned())
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
