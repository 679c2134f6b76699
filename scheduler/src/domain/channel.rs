//! Incident channel names: `#inc-` + the UTC date of declaration + a slug of the title,
//! made unique with `-2`, `-3`… on collision.

use chrono::{DateTime, Utc};

/// Longest slug kept from a title.
pub const MAX_SLUG: usize = 80;

/// `[a-z0-9-]` only: the title transliterated to ASCII first (deunicode: "Ünïcode" is
/// "unicode", "Zürich" is "zurich", "Москва" is "moskva"), so a slug keeps the sense of
/// accented and non-Latin titles; then letters and digits lower-cased, every other run of
/// characters one dash, no dash at either end, at most [`MAX_SLUG`] characters (cut at a
/// dash when possible, so words stay whole). A title with nothing usable gives `incident`.
pub fn slug(title: &str) -> String {
    let ascii = deunicode::deunicode(title);
    let mut out = String::with_capacity(ascii.len().min(MAX_SLUG));
    let mut pending_dash = false;
    for c in ascii.chars() {
        if c.is_ascii_alphanumeric() {
            if pending_dash && !out.is_empty() {
                out.push('-');
            }
            pending_dash = false;
            out.push(c.to_ascii_lowercase());
        } else {
            pending_dash = true;
        }
    }
    if out.len() > MAX_SLUG {
        let cut = &out[..MAX_SLUG];
        let cut = match cut.rfind('-') {
            Some(i) if i > MAX_SLUG / 2 => &cut[..i],
            _ => cut,
        };
        out = cut.trim_end_matches('-').to_owned();
    }
    if out.is_empty() {
        "incident".to_owned()
    } else {
        out
    }
}

/// Whether an incident of this severity gets a channel. A SEV4 is filed as a ticket
/// (`domain.md`: "SEV4 — Low: filed as a ticket"): worked in the queue, no war room, so
/// no channel; raising it above SEV4 opens one, and lowering it back keeps the one it has.
pub fn opens_channel(severity: entity::Severity) -> bool {
    severity != entity::Severity::Sev4
}

/// The base channel name, before any collision suffix.
pub fn base_name(declared_at: DateTime<Utc>, title: &str) -> String {
    format!("#inc-{}-{}", declared_at.format("%Y-%m-%d"), slug(title))
}

/// The `n`-th name made from `base`: `base` itself, then `base-2`, `base-3`, … The service
/// keeps one counter per base (an atomic upsert), so finding a free name never scans.
pub fn numbered(base: &str, n: i64) -> String {
    if n <= 1 {
        base.to_owned()
    } else {
        format!("{base}-{n}")
    }
}

/// A restricted incident's channel: the date and a random token, nothing of its title, and
/// outside the title-based names, so it can neither reveal the title nor shift another
/// incident's collision suffix.
pub fn restricted_name(declared_at: DateTime<Utc>, token: &str) -> String {
    format!(
        "#inc-{}-restricted-{}",
        declared_at.format("%Y-%m-%d"),
        token
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn slugs() {
        assert_eq!(slug("Payment failure"), "payment-failure");
        assert_eq!(slug("  API: 500s on /login!! "), "api-500s-on-login");
        assert_eq!(slug("Ünïcode — only"), "unicode-only");
        assert_eq!(
            slug("Zürich Zahlungen ausgefallen"),
            "zurich-zahlungen-ausgefallen"
        );
        assert_eq!(slug("Москва: ошибка"), "moskva-oshibka");
        assert_eq!(slug("!!!"), "incident");
        assert_eq!(slug(""), "incident");
        let long = "word ".repeat(40);
        let s = slug(&long);
        assert!(s.len() <= MAX_SLUG, "{}", s.len());
        assert!(!s.ends_with('-'));
        assert!(
            s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        );
    }

    #[test]
    fn names_use_the_utc_date_and_become_unique() {
        let at = Utc.with_ymd_and_hms(2025, 10, 13, 23, 30, 0).unwrap();
        let base = base_name(at, "Payment failure");
        assert_eq!(base, "#inc-2025-10-13-payment-failure");
        assert_eq!(numbered(&base, 1), base);
        assert_eq!(numbered(&base, 3), "#inc-2025-10-13-payment-failure-3");
        assert_eq!(
            restricted_name(at, "k3x9q2"),
            "#inc-2025-10-13-restricted-k3x9q2"
        );
    }
}
