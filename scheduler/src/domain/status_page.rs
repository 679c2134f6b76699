//! The public status page's policy: what customers see and how it is worded. Only
//! customer-facing, unrestricted incidents that are not false alarms or duplicates; only
//! their public updates; never an internal title, a name or a channel.

use chrono::{DateTime, Duration, Utc};
use entity::Severity;

/// Resolved incidents stay on the status page this long.
pub const RECENT_DAYS: i64 = 7;

/// At most this many recently resolved incidents are shown (ongoing ones are all shown,
/// queried apart, so they never drop off behind recent ones).
pub const MAX_RECENT: u64 = 50;

/// At most this many ongoing incidents are shown (a bound for the page's cost; far above
/// what a status page ever carries at once).
pub const MAX_ONGOING: u64 = 100;

/// At most this many public postmortems are listed.
pub const MAX_POSTMORTEMS: u64 = 50;

/// At most this many public updates per incident.
pub const MAX_UPDATES: usize = 50;

/// The title shown for incidents that have no public title.
pub const NEUTRAL_TITLE: &str = "Service disruption";

/// Customer-facing impact, from the severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Impact {
    MajorOutage,
    PartialOutage,
    DegradedPerformance,
}

pub fn impact(severity: Severity) -> Impact {
    match severity {
        Severity::Sev1 => Impact::MajorOutage,
        Severity::Sev2 => Impact::PartialOutage,
        Severity::Sev3 | Severity::Sev4 => Impact::DegradedPerformance,
    }
}

/// The public title: the incident's public title, or a neutral phrase.
pub fn title(public_title: Option<&str>) -> String {
    public_title.unwrap_or(NEUTRAL_TITLE).to_owned()
}

/// Resolved incidents resolved after this instant are still "recent".
pub fn recent_since(now: DateTime<Utc>) -> DateTime<Utc> {
    now - Duration::days(RECENT_DAYS)
}

/// Whether an incident belongs on the status page at all: customer-facing, unrestricted,
/// not a duplicate; a false alarm only if customers had been told about it (then it gets a
/// closing note rather than vanishing).
pub fn shown(
    customer_impact: bool,
    restricted: bool,
    false_alarm: bool,
    duplicate: bool,
    told_customers: bool,
) -> bool {
    customer_impact && !restricted && !duplicate && (!false_alarm || told_customers)
}

/// What a false alarm that customers had been told about says when it closes.
pub const FALSE_ALARM_NOTE: &str = "This turned out to be a false alarm: our services were not affected. We apologize for any concern.";

/// The closing note of an incident on the status page, if it needs one.
pub fn closing_note(false_alarm: bool) -> Option<&'static str> {
    false_alarm.then_some(FALSE_ALARM_NOTE)
}

/// A public postmortem's impact line: its duration and who was affected.
pub fn postmortem_impact(downtime: Option<Duration>, users_affected: &str) -> String {
    let duration = downtime
        .map(crate::domain::templates::human_duration)
        .unwrap_or_default();
    let affected = users_affected.trim();
    if affected.is_empty() {
        format!("Duration: {duration}.")
    } else {
        format!("Duration: {duration}. Affected: {affected}.")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy() {
        assert!(shown(true, false, false, false, false));
        assert!(!shown(false, false, false, false, true));
        assert!(!shown(true, true, false, false, true));
        assert!(!shown(true, false, true, false, false));
        assert!(shown(true, false, true, false, true));
        assert!(!shown(true, false, false, true, true));
        assert_eq!(closing_note(true), Some(FALSE_ALARM_NOTE));
        assert_eq!(closing_note(false), None);
        assert_eq!(impact(Severity::Sev1), Impact::MajorOutage);
        assert_eq!(impact(Severity::Sev4), Impact::DegradedPerformance);
        assert_eq!(title(None), "Service disruption");
        assert_eq!(title(Some("Payments")), "Payments");
        assert_eq!(
            postmortem_impact(Some(Duration::minutes(45)), " EU shoppers "),
            "Duration: 45 min. Affected: EU shoppers."
        );
    }
}
