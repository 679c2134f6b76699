//! Action-item due dates: the owner is reminded the day before and, once overdue, daily;
//! from a configurable number of overdue days on, the managers of the incident's team are
//! told as well.

use super::{days_elapsed, local_days_after};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    DayBefore,
    /// Overdue for `n` local days (0 on the due instant itself).
    Overdue(i64),
}

impl Step {
    pub fn key(self) -> String {
        match self {
            Step::DayBefore => "day-before".into(),
            Step::Overdue(n) => format!("overdue-{n}"),
        }
    }
}

/// The latest reminder due at `now` for an open item due at `due`, and whether the
/// managers are told too (overdue for `managers_after_days` days or more).
pub fn latest(
    due: DateTime<Utc>,
    closed: bool,
    now: DateTime<Utc>,
    zone: Tz,
    managers_after_days: i64,
) -> Option<(Step, DateTime<Utc>, bool)> {
    if closed {
        return None;
    }
    match days_elapsed(due, now, zone) {
        Some(n) => Some((
            Step::Overdue(n),
            local_days_after(due, n, zone),
            n >= managers_after_days.max(1),
        )),
        None => {
            let before = local_days_after(due, -1, zone);
            (now >= before).then_some((Step::DayBefore, before, false))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    #[test]
    fn owner_first_then_managers_after_the_configured_days() {
        let due = Utc.with_ymd_and_hms(2026, 6, 10, 9, 0, 0).unwrap();
        let z = chrono_tz::Europe::London;
        assert_eq!(latest(due, false, due - Duration::hours(30), z, 3), None);
        assert_eq!(
            latest(due, false, due - Duration::hours(2), z, 3),
            Some((Step::DayBefore, due - Duration::hours(24), false))
        );
        assert_eq!(
            latest(due, false, due, z, 3),
            Some((Step::Overdue(0), due, false))
        );
        assert_eq!(
            latest(due, false, due + Duration::hours(50), z, 3),
            Some((Step::Overdue(2), due + Duration::hours(48), false))
        );
        assert_eq!(
            latest(due, false, due + Duration::hours(72), z, 3),
            Some((Step::Overdue(3), due + Duration::hours(72), true))
        );
        assert_eq!(latest(due, true, due + Duration::hours(72), z, 3), None);
    }
}
