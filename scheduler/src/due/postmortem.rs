//! Postmortem deadlines: the Incident Commander is reminded 24 h before the deadline and
//! at it; once overdue, daily, and the managers of the incident's team are told too.

use super::{days_elapsed, local_days_after};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// The day before the deadline (same local time).
    DayBefore,
    /// The deadline itself.
    Deadline,
    /// `n` local days after the deadline (n >= 1).
    Overdue(i64),
}

impl Step {
    /// Whether the managers are told as well as the commander.
    pub fn tells_managers(self) -> bool {
        matches!(self, Step::Overdue(_))
    }

    /// A stable name for the deduplication key.
    pub fn key(self) -> String {
        match self {
            Step::DayBefore => "day-before".into(),
            Step::Deadline => "deadline".into(),
            Step::Overdue(n) => format!("overdue-{n}"),
        }
    }
}

/// The latest reminder due at `now` for a postmortem due at `due`, unless published.
pub fn latest(
    due: DateTime<Utc>,
    published: bool,
    now: DateTime<Utc>,
    zone: Tz,
) -> Option<(Step, DateTime<Utc>)> {
    if published {
        return None;
    }
    match days_elapsed(due, now, zone) {
        Some(0) => Some((Step::Deadline, due)),
        Some(n) => Some((Step::Overdue(n), local_days_after(due, n, zone))),
        None => {
            let before = local_days_after(due, -1, zone);
            (now >= before).then_some((Step::DayBefore, before))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};
    use chrono_tz::America::New_York;

    #[test]
    fn reminders_before_at_and_daily_after_the_deadline() {
        let due = Utc.with_ymd_and_hms(2026, 6, 10, 14, 0, 0).unwrap();
        let z = chrono_tz::UTC;
        assert_eq!(latest(due, false, due - Duration::hours(25), z), None);
        assert_eq!(
            latest(due, false, due - Duration::hours(24), z),
            Some((Step::DayBefore, due - Duration::hours(24)))
        );
        assert_eq!(
            latest(due, false, due + Duration::minutes(3), z),
            Some((Step::Deadline, due))
        );
        assert_eq!(
            latest(due, false, due + Duration::hours(49), z),
            Some((Step::Overdue(2), due + Duration::hours(48)))
        );
        assert!(Step::Overdue(2).tells_managers() && !Step::Deadline.tells_managers());
        assert_eq!(latest(due, true, due + Duration::hours(49), z), None);
    }

    #[test]
    fn overdue_reminders_keep_the_local_time_when_new_york_falls_back() {
        // Due Saturday 2026-10-31 10:00 EDT (14:00 UTC); clocks fall back on Sunday.
        let due = Utc.with_ymd_and_hms(2026, 10, 31, 14, 0, 0).unwrap();
        let monday = Utc.with_ymd_and_hms(2026, 11, 2, 15, 0, 0).unwrap(); // 10:00 EST
        assert_eq!(
            latest(due, false, monday, New_York),
            Some((Step::Overdue(2), monday))
        );
        assert_eq!(
            latest(due, false, monday - Duration::minutes(1), New_York),
            Some((
                Step::Overdue(1),
                Utc.with_ymd_and_hms(2026, 11, 1, 15, 0, 0).unwrap()
            ))
        );
    }
}
