//! Deadlines that follow from an incident's resolution.

use chrono::{DateTime, Duration, Utc};

/// Hours after resolution within which a postmortem is due (the default; an organization
/// setting may change it).
pub const DEFAULT_POSTMORTEM_HOURS: i64 = 48;

/// A postmortem is owed when the policy of the highest severity reached asks for one
/// (by default SEV1 and SEV2), never for false alarms or duplicates (the original's
/// postmortem covers them).
pub fn postmortem_required(policy_requires: bool, false_alarm: bool, duplicate: bool) -> bool {
    policy_requires && !false_alarm && !duplicate
}

pub fn postmortem_due(resolved_at: DateTime<Utc>, hours: i64) -> DateTime<Utc> {
    resolved_at + Duration::hours(hours)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn required_when_the_policy_asks_and_not_for_false_alarms_or_duplicates() {
        assert!(postmortem_required(true, false, false));
        assert!(!postmortem_required(false, false, false));
        assert!(!postmortem_required(true, true, false));
        assert!(!postmortem_required(true, false, true));
    }

    #[test]
    fn due_48_hours_after_resolution_even_across_dst() {
        // 2026-03-29 is the EU switch to summer time: 48 h are 48 elapsed hours in UTC.
        let resolved = Utc.with_ymd_and_hms(2026, 3, 28, 22, 30, 0).unwrap();
        assert_eq!(
            postmortem_due(resolved, DEFAULT_POSTMORTEM_HOURS),
            Utc.with_ymd_and_hms(2026, 3, 30, 22, 30, 0).unwrap()
        );
    }
}
