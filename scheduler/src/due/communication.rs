//! Incident communication owed: an overdue status update reminds the Incident Commander
//! at once and the team lead if it stays overdue; customers owed word remind the
//! Communications Lead shortly after declaration, then every half hour while still owed.

use chrono::{DateTime, Duration, Utc};

/// How long an update may stay overdue before the team lead is told.
pub const LEAD_AFTER: Duration = Duration::minutes(15);
/// How long after declaration the Communications Lead is first reminded.
pub const CUSTOMERS_FIRST_AFTER: Duration = Duration::minutes(10);
/// How often the reminder repeats while customers are still owed word.
pub const CUSTOMERS_EVERY: Duration = Duration::minutes(30);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpdateStep {
    Commander,
    TeamLead,
}

/// The latest reminder of an update due at `due` (None when none is due).
pub fn status_update(
    due: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Option<(UpdateStep, DateTime<Utc>)> {
    let due = due?;
    if now >= due + LEAD_AFTER {
        Some((UpdateStep::TeamLead, due + LEAD_AFTER))
    } else if now >= due {
        Some((UpdateStep::Commander, due))
    } else {
        None
    }
}

/// The latest reminder that customers are owed word since `since` (the declaration).
pub fn customers(owed: bool, since: DateTime<Utc>, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let first = since + CUSTOMERS_FIRST_AFTER;
    if !owed || now < first {
        return None;
    }
    let repeats = (now - first).num_seconds() / CUSTOMERS_EVERY.num_seconds();
    Some(first + CUSTOMERS_EVERY * repeats as i32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn the_commander_first_then_the_team_lead() {
        let due = Utc.with_ymd_and_hms(2026, 6, 10, 9, 0, 0).unwrap();
        assert_eq!(status_update(Some(due), due - Duration::seconds(1)), None);
        assert_eq!(
            status_update(Some(due), due + Duration::minutes(14)),
            Some((UpdateStep::Commander, due))
        );
        assert_eq!(
            status_update(Some(due), due + Duration::hours(3)),
            Some((UpdateStep::TeamLead, due + LEAD_AFTER))
        );
        assert_eq!(status_update(None, due), None);
    }

    #[test]
    fn customers_owed_word_repeat_every_half_hour() {
        let d = Utc.with_ymd_and_hms(2026, 6, 10, 9, 0, 0).unwrap();
        assert_eq!(customers(true, d, d + Duration::minutes(9)), None);
        assert_eq!(
            customers(true, d, d + Duration::minutes(10)),
            Some(d + Duration::minutes(10))
        );
        assert_eq!(
            customers(true, d, d + Duration::minutes(75)),
            Some(d + Duration::minutes(70))
        );
        assert_eq!(customers(false, d, d + Duration::minutes(75)), None);
    }
}
