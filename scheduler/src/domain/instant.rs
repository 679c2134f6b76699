//! The one boundary check for instants a client sends. Incident tooling has no business
//! with dates before 2000 or after 2100; refusing them early keeps every later
//! computation (durations, ISO weeks, deadlines) far from chrono's and GraphQL's limits,
//! so nothing downstream can overflow or panic on an extreme but parseable date.

use crate::domain::reason::Reason;
use chrono::{DateTime, TimeZone, Utc};
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{field} must lie between 2000-01-01 and 2100-01-01 (UTC)")]
pub struct OutOfRange {
    pub field: &'static str,
}

impl OutOfRange {
    pub fn reason(&self) -> Reason {
        Reason::InstantOutOfRange
    }
}

/// The earliest instant accepted (inclusive).
pub fn earliest() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2000, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// The latest instant accepted (exclusive).
pub fn latest() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2100, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// Checks one client-supplied instant.
pub fn check(field: &'static str, at: DateTime<Utc>) -> Result<DateTime<Utc>, OutOfRange> {
    if at < earliest() || at >= latest() {
        return Err(OutOfRange { field });
    }
    Ok(at)
}

/// Checks an optional instant.
pub fn check_opt(
    field: &'static str,
    at: Option<DateTime<Utc>>,
) -> Result<Option<DateTime<Utc>>, OutOfRange> {
    at.map(|a| check(field, a)).transpose()
}

/// A count of seconds or minutes as a GraphQL `Int` (32-bit): saturating, so no duration
/// can overflow it.
pub fn graphql_int(seconds: i64) -> i32 {
    i32::try_from(seconds).unwrap_or(if seconds < 0 { i32::MIN } else { i32::MAX })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds() {
        assert!(check("at", earliest()).is_ok());
        assert!(check("at", earliest() - chrono::Duration::seconds(1)).is_err());
        assert!(check("at", latest()).is_err());
        assert!(check("at", DateTime::<Utc>::MAX_UTC).is_err());
        assert!(check("at", DateTime::<Utc>::MIN_UTC).is_err());
        assert_eq!(graphql_int(i64::MAX), i32::MAX);
        assert_eq!(graphql_int(-5), -5);
    }
}
