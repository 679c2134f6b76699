//! IANA time zones: stored by name beside anything that repeats in local time.

use chrono_tz::Tz;
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("`{0}` is not an IANA time zone name (for example Europe/Berlin)")]
pub struct UnknownZone(pub String);

/// Parses an IANA zone name exactly as chrono-tz knows it (case-sensitive, so the stored
/// name is canonical).
pub fn parse(name: &str) -> Result<Tz, UnknownZone> {
    name.trim()
        .parse::<Tz>()
        .map_err(|_| UnknownZone(name.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_and_unknown_zones() {
        assert_eq!(parse("Asia/Kolkata").unwrap(), chrono_tz::Asia::Kolkata);
        assert_eq!(parse("UTC").unwrap(), chrono_tz::UTC);
        assert!(parse("Mars/Olympus").is_err());
        assert!(parse("").is_err());
    }
}
