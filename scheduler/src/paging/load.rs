//! On-call load: whether a page fell at night in the responder's own zone, the weekly
//! page limits (a warning above 2, a breach at 5, by default), the ISO week an instant
//! belongs to in the organization's zone, and the compensation a rule owes.

use chrono::{DateTime, Datelike, Duration, NaiveTime, Timelike, Utc};
use chrono_tz::Tz;

/// A local window that may wrap midnight (22:00–07:00 by default).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NightWindow {
    pub start: NaiveTime,
    pub end: NaiveTime,
}

impl Default for NightWindow {
    fn default() -> Self {
        NightWindow {
            start: NaiveTime::from_hms_opt(22, 0, 0).unwrap_or(NaiveTime::MIN),
            end: NaiveTime::from_hms_opt(7, 0, 0).unwrap_or(NaiveTime::MIN),
        }
    }
}

impl NightWindow {
    /// Whether `at` falls in the window in `zone` (the responder's own), by the local
    /// wall clock: daylight-saving changes move it in UTC, never in local time.
    pub fn contains(&self, at: DateTime<Utc>, zone: Tz) -> bool {
        let local = at.with_timezone(&zone).time();
        if self.start <= self.end {
            self.start <= local && local < self.end
        } else {
            local >= self.start || local < self.end
        }
    }
}

/// Whether `at` is outside business hours (09:00–17:00, Monday to Friday) in `zone`.
pub fn out_of_hours(at: DateTime<Utc>, zone: Tz) -> bool {
    let local = at.with_timezone(&zone);
    let weekend = local.weekday().num_days_from_monday() >= 5;
    weekend || local.hour() < 9 || local.hour() >= 17
}

/// The ISO week (year, week) of `at` in the organization's zone.
pub fn iso_week(at: DateTime<Utc>, zone: Tz) -> (i32, u32) {
    let w = at.with_timezone(&zone).iso_week();
    (w.year(), w.week())
}

/// Pages in an on-call week against the team's limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// More pages than this in a week is a warning sign.
    pub warn_above: u32,
    /// This many or more is a breach.
    pub breach_at: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            warn_above: 2,
            breach_at: 5,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Ok,
    Warning,
    Breach,
}

impl Limits {
    pub fn level(&self, pages: u32) -> Level {
        if pages >= self.breach_at {
            Level::Breach
        } else if pages > self.warn_above {
            Level::Warning
        } else {
            Level::Ok
        }
    }
}

/// What on-call earns: rest after each night page, and/or pay per on-call hour and per
/// on-call week, in minor units (cents) of a currency.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Compensation {
    pub rest_per_night_page: Duration,
    pub per_hour_minor: i64,
    pub per_week_minor: i64,
    pub currency: String,
}

/// What a person is owed for a week: rest, and an amount in minor units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Owed {
    pub rest: Duration,
    pub amount_minor: i64,
}

impl Compensation {
    /// For `on_call` time and `night_pages`. The hourly and weekly amounts are both paid
    /// pro rata, to the minute, rounded down: a week on call split over two calendar weeks
    /// earns one weekly amount, not two, and an hour's override earns an hour's share.
    pub fn owed(&self, on_call: Duration, night_pages: u32) -> Owed {
        let minutes = on_call.num_minutes().max(0);
        let hourly = self.per_hour_minor.saturating_mul(minutes) / 60;
        let weekly = self.per_week_minor.saturating_mul(minutes) / (7 * 24 * 60);
        Owed {
            rest: self.rest_per_night_page * night_pages as i32,
            amount_minor: hourly.saturating_add(weekly),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use chrono_tz::America::New_York;
    use chrono_tz::Asia::Kolkata;

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
    }

    #[test]
    fn night_is_the_responders_own_and_follows_clock_changes() {
        let n = NightWindow::default();
        // 03:00 UTC: 22:00 EST in New York (night), 08:30 in Kolkata (day).
        assert!(n.contains(utc(2026, 1, 15, 3, 0), New_York));
        assert!(!n.contains(utc(2026, 1, 15, 3, 0), Kolkata));
        // 02:30 UTC in July is 22:30 EDT: night; in January it is 21:30 EST: not yet.
        assert!(n.contains(utc(2026, 7, 15, 2, 30), New_York));
        assert!(!n.contains(utc(2026, 1, 15, 2, 30), New_York));
        // The window's end is exclusive: 07:00 local is morning.
        assert!(!n.contains(utc(2026, 1, 15, 12, 0), New_York));
        assert!(n.contains(utc(2026, 1, 15, 11, 59), New_York));
        // On the spring-forward night 2026-03-08, 06:30 UTC is 01:30 EST: night.
        assert!(n.contains(utc(2026, 3, 8, 6, 30), New_York));
        // A window that does not wrap.
        let day = NightWindow {
            start: NaiveTime::from_hms_opt(1, 0, 0).unwrap(),
            end: NaiveTime::from_hms_opt(5, 0, 0).unwrap(),
        };
        assert!(day.contains(utc(2026, 1, 15, 2, 0), chrono_tz::UTC));
        assert!(!day.contains(utc(2026, 1, 15, 5, 0), chrono_tz::UTC));
    }

    #[test]
    fn out_of_hours_and_iso_weeks_are_local() {
        // Friday 2026-11-27 22:30 UTC is 17:30 in New York: out of hours.
        assert!(out_of_hours(utc(2026, 11, 27, 22, 30), New_York));
        assert!(!out_of_hours(utc(2026, 11, 27, 20, 0), New_York));
        // Saturday in Kolkata.
        assert!(out_of_hours(utc(2026, 11, 28, 6, 0), Kolkata));
        // Sunday 2026-11-29 20:00 UTC is Monday 01:30 in Kolkata: week 49 there, 48 in UTC.
        assert_eq!(
            iso_week(utc(2026, 11, 29, 20, 0), chrono_tz::UTC),
            (2026, 48)
        );
        assert_eq!(iso_week(utc(2026, 11, 29, 20, 0), Kolkata), (2026, 49));
        // 2027-01-01 belongs to ISO week 53 of 2026.
        assert_eq!(iso_week(utc(2027, 1, 1, 12, 0), chrono_tz::UTC), (2026, 53));
    }

    #[test]
    fn limits_and_compensation() {
        let l = Limits::default();
        assert_eq!(
            [2, 3, 4, 5, 9].map(|p| l.level(p)),
            [
                Level::Ok,
                Level::Warning,
                Level::Warning,
                Level::Breach,
                Level::Breach
            ]
        );
        let rule = Compensation {
            rest_per_night_page: Duration::hours(4),
            per_hour_minor: 250,
            per_week_minor: 10_000,
            currency: "EUR".into(),
        };
        // 56 h 30 min on call, 2 night pages: 8 h rest; 56.5 × 2.50 = 141.25 plus
        // 100.00 × 3390 / 10080 minutes = 33.63: 174.88.
        let owed = rule.owed(Duration::minutes(56 * 60 + 30), 2);
        assert_eq!(owed.rest, Duration::hours(8));
        assert_eq!(owed.amount_minor, 14_125 + 3_363);
        // A whole week: 168 × 2.50 + 100.00.
        assert_eq!(rule.owed(Duration::hours(168), 0).amount_minor, 52_000);
        assert_eq!(
            rule.owed(Duration::zero(), 0).amount_minor,
            0,
            "no on-call, no weekly amount"
        );
    }
}
