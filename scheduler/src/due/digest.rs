//! The managers' weekly digest: when it is due (the organization's chosen weekday and
//! hour in its zone) and which week it covers (the seven local days before the digest's
//! day). Like every occasion here, only the latest one at `now` is returned, so a worker
//! that was down sends the most recent digest once, not every one it missed.

use crate::oncall::local;
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc, Weekday};
use chrono_tz::Tz;

/// The latest digest instant at or before `now`, and its local day: `weekday` at `hour`:00
/// local time in `zone` (RFC 5545's rule where that time does not exist).
pub fn latest(
    now: DateTime<Utc>,
    zone: Tz,
    weekday: Weekday,
    hour: u32,
) -> (DateTime<Utc>, NaiveDate) {
    let time = NaiveTime::from_hms_opt(hour.min(23), 0, 0).unwrap_or(NaiveTime::MIN);
    let today = local::local(zone, now).date();
    let back = (7 + today.weekday().num_days_from_monday() - weekday.num_days_from_monday()) % 7;
    let mut day = today - Duration::days(i64::from(back));
    let mut at = local::resolve(zone, day.and_time(time));
    if at > now {
        day -= Duration::days(7);
        at = local::resolve(zone, day.and_time(time));
    }
    (at, day)
}

/// The week a digest on `day` covers: the seven local days before it, midnight to
/// midnight in `zone`.
pub fn week_before(day: NaiveDate, zone: Tz) -> (DateTime<Utc>, DateTime<Utc>) {
    let start = local::resolve(zone, (day - Duration::days(7)).and_time(NaiveTime::MIN));
    let end = local::resolve(zone, day.and_time(NaiveTime::MIN));
    (start, end)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use chrono_tz::Europe::Berlin;

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
    }

    #[test]
    fn mondays_at_nine_in_the_organizations_zone() {
        // Monday 2026-11-23 09:00 Berlin is 08:00 UTC.
        let due = utc(2026, 11, 23, 8, 0);
        assert_eq!(latest(due, Berlin, Weekday::Mon, 9).0, due);
        assert_eq!(
            latest(due + Duration::days(3), Berlin, Weekday::Mon, 9).0,
            due
        );
        // A minute before, the week before's.
        let (before, day) = latest(due - Duration::minutes(1), Berlin, Weekday::Mon, 9);
        assert_eq!(before, due - Duration::days(7));
        assert_eq!(day, NaiveDate::from_ymd_opt(2026, 11, 16).unwrap());
        // It covers Monday to Sunday before it, local midnights.
        let (from, to) = week_before(NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(), Berlin);
        assert_eq!(
            (from, to),
            (utc(2026, 11, 15, 23, 0), utc(2026, 11, 22, 23, 0))
        );
    }

    #[test]
    fn the_local_hour_holds_across_a_clock_change() {
        // Berlin springs forward on Sunday 2026-03-29: Monday 09:00 is 07:00 UTC after it,
        // 08:00 UTC the Monday before; the week it covers is 167 hours long.
        let (at, day) = latest(utc(2026, 3, 30, 12, 0), Berlin, Weekday::Mon, 9);
        assert_eq!(at, utc(2026, 3, 30, 7, 0));
        assert_eq!(
            latest(at - Duration::minutes(1), Berlin, Weekday::Mon, 9).0,
            utc(2026, 3, 23, 8, 0)
        );
        let (from, to) = week_before(day, Berlin);
        assert_eq!(to - from, Duration::hours(167));
        // A Friday digest at 17:00 the same week.
        assert_eq!(
            latest(utc(2026, 4, 3, 15, 0), Berlin, Weekday::Fri, 17).0,
            utc(2026, 4, 3, 15, 0)
        );
    }
}
