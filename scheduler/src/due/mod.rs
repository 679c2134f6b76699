//! What is due now: the occasions on which someone must be told something, as plain
//! functions of an object's state and `now`.
//!
//! Each function returns only the **latest** occasion at or before `now`. A scan that
//! runs every minute sees each occasion once (the outbox's deduplication key makes a
//! second sighting harmless); a worker that was down for days sends, on start, one
//! occasion per object in its latest state: not a storm of the ones it missed, and not
//! nothing.
//!
//! Daily cadences keep the local wall-clock time in the organization's zone, so a
//! reminder that came at 09:00 keeps coming at 09:00 across a daylight-saving change.

pub mod action_item;
pub mod communication;
pub mod digest;
pub mod handoff;
pub mod postmortem;
pub mod retry;

use crate::oncall::local;
use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;

/// The instant `days` local days after `anchor` at the same local wall time in `zone`
/// (RFC 5545's rule where that time does not exist or happens twice).
pub fn local_days_after(anchor: DateTime<Utc>, days: i64, zone: Tz) -> DateTime<Utc> {
    local::resolve(zone, local::local(zone, anchor) + Duration::days(days))
}

/// The last day index `k >= 0` with `local_days_after(anchor, k) <= now`, or None when
/// `now` is before `anchor`.
pub fn days_elapsed(anchor: DateTime<Utc>, now: DateTime<Utc>, zone: Tz) -> Option<i64> {
    if now < anchor {
        return None;
    }
    // An estimate from elapsed time, corrected by at most a step either way (a day is
    // 23 to 25 hours long; a few zones have shifted by a whole day once).
    let mut k = (now - anchor).num_hours() / 24;
    while k > 0 && local_days_after(anchor, k, zone) > now {
        k -= 1;
    }
    while local_days_after(anchor, k + 1, zone) <= now {
        k += 1;
    }
    Some(k)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use chrono_tz::Europe::Berlin;

    #[test]
    fn daily_cadence_keeps_the_local_time_across_a_clock_change() {
        // 09:00 in Berlin on the Saturday before the spring change (08:00 UTC) …
        let anchor = Utc.with_ymd_and_hms(2026, 3, 28, 8, 0, 0).unwrap();
        // … is 09:00 on Sunday after it, 07:00 UTC: 23 hours later.
        let next = local_days_after(anchor, 1, Berlin);
        assert_eq!(next, Utc.with_ymd_and_hms(2026, 3, 29, 7, 0, 0).unwrap());
        assert_eq!(
            days_elapsed(anchor, next - Duration::seconds(1), Berlin),
            Some(0)
        );
        assert_eq!(days_elapsed(anchor, next, Berlin), Some(1));
        assert_eq!(
            days_elapsed(anchor, anchor - Duration::seconds(1), Berlin),
            None
        );
        assert_eq!(
            days_elapsed(anchor, anchor + Duration::days(400), Berlin),
            Some(400)
        );
    }
}
