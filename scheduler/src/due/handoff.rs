//! Handoffs: before each one the outgoing person is asked to write the handoff document;
//! at the handoff the incoming person is told they are on call; a document still not
//! acknowledged some hours later is reminded.

use chrono::{DateTime, Duration, Utc};

/// How long before a handoff its document is prepared and its author asked to write it.
pub const PREPARE_BEFORE: Duration = Duration::hours(2);
/// How long after a handoff an unacknowledged document is reminded.
pub const ACKNOWLEDGE_WITHIN: Duration = Duration::hours(4);
/// How far back a scan looks for handoffs whose occasions may still be due: past the
/// reminder, nothing more is owed.
pub const LOOK_BACK: Duration = Duration::hours(24);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Ask the outgoing person to write the document.
    Prepare,
    /// Tell the incoming person they are on call (and where the document is).
    Incoming,
    /// Remind the incoming person to acknowledge it (and the author, if unwritten).
    Unacknowledged,
}

impl Step {
    pub fn key(self) -> &'static str {
        match self {
            Step::Prepare => "prepare",
            Step::Incoming => "incoming",
            Step::Unacknowledged => "unacknowledged",
        }
    }
}

/// The latest occasion of the handoff at `at`, given its document's state.
pub fn latest(
    at: DateTime<Utc>,
    submitted: bool,
    acknowledged: bool,
    now: DateTime<Utc>,
) -> Option<(Step, DateTime<Utc>)> {
    if acknowledged || now > at + LOOK_BACK {
        return None;
    }
    if now >= at + ACKNOWLEDGE_WITHIN {
        Some((Step::Unacknowledged, at + ACKNOWLEDGE_WITHIN))
    } else if now >= at {
        Some((Step::Incoming, at))
    } else if now >= at - PREPARE_BEFORE && !submitted {
        Some((Step::Prepare, at - PREPARE_BEFORE))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn prepare_then_incoming_then_a_reminder_until_acknowledged() {
        let h = Utc.with_ymd_and_hms(2026, 6, 10, 9, 0, 0).unwrap();
        assert_eq!(latest(h, false, false, h - Duration::hours(3)), None);
        assert_eq!(
            latest(h, false, false, h - Duration::hours(1)),
            Some((Step::Prepare, h - PREPARE_BEFORE))
        );
        assert_eq!(
            latest(h, true, false, h - Duration::hours(1)),
            None,
            "already written"
        );
        assert_eq!(latest(h, true, false, h), Some((Step::Incoming, h)));
        assert_eq!(
            latest(h, true, false, h + Duration::hours(5)),
            Some((Step::Unacknowledged, h + ACKNOWLEDGE_WITHIN))
        );
        assert_eq!(latest(h, true, true, h + Duration::hours(5)), None);
        assert_eq!(latest(h, true, false, h + Duration::hours(25)), None);
    }
}
