//! Deadlines that follow from an incident's resolution.

use chrono::{DateTime, Duration, Utc};
use entity::Severity;

/// Hours after resolution within which a postmortem is due (the default; an organization
/// setting may change it).
pub const DEFAULT_POSTMORTEM_HOURS: i64 = 48;

/// Postmortems are required for SEV1 and SEV2 (judged by the highest severity reached),
/// never for false alarms or duplicates (the original's postmortem covers them).
pub fn postmortem_required(highest: Severity, false_alarm: bool, duplicate: bool) -> bool {
    !false_alarm && !duplicate && matches!(highest, Severity::Sev1 | Severity::Sev2)
}

pub fn postmortem_due(resolved_at: DateTime<Utc>, hours: i64) -> DateTime<Utc> {
    resolved_at + Duration::hours(hours)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn required_for_sev1_and_sev2_only() {
        assert!(postmortem_required(Severity::Sev1, false, false));
        assert!(postmortem_required(Severity::Sev2, false, false));
        assert!(!postmortem_required(Severity::Sev3, false, false));
        assert!(!postmortem_required(Severity::Sev1, true, false));
        assert!(!postmortem_required(Severity::Sev1, false, true));
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
