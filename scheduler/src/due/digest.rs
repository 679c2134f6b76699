//! The managers' weekly digest: when it is due (the organization's chosen weekday and
//! hour in its zone) and which week it covers (the seven local days before the digest's
//! day). Like every occasion here, only the latest one at `now` is returned, so a worker
//! that was down sends the most recent digest once, not every one it missed.

use crate::oncall::local;
use crate::paging::load::{Level, Limits};
use crate::paging::report::Row;
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc, Weekday};
use chrono_tz::Tz;
use std::collections::BTreeMap;
use uuid::Uuid;

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

/// One person's on-call load over a digest's week: their load-report rows summed (a week
/// that does not start on Monday spans two ISO weeks), with the worse of their levels.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Load {
    pub user: Uuid,
    pub on_call: Duration,
    pub pages: u32,
    pub night_pages: u32,
    pub out_of_hours_pages: u32,
    pub incidents_led: u32,
    pub level: Option<Level>,
    pub rest_owed: Duration,
}

impl Load {
    /// Neither on call, nor paged, nor leading an incident: nothing to report.
    pub fn is_quiet(&self) -> bool {
        self.pages == 0 && self.on_call <= Duration::zero() && self.incidents_led == 0
    }
}

/// The load per person over the digest's week, busiest first (pages, then hours on call),
/// quiet people left out. The level is the week's pages against the team's weekly
/// `limits` (not the worse of two partial ISO weeks: four pages in each half of a week
/// that passes a Monday are eight in the week); none for someone who was never on call.
pub fn load_by_person(rows: &[Row], limits: Limits) -> Vec<Load> {
    let mut by: BTreeMap<Uuid, Load> = BTreeMap::new();
    for r in rows {
        let l = by.entry(r.user).or_insert_with(|| Load {
            user: r.user,
            ..Load::default()
        });
        l.on_call += r.on_call;
        l.pages += r.pages;
        l.night_pages += r.night_pages;
        l.out_of_hours_pages += r.out_of_hours_pages;
        l.incidents_led += r.incidents_led;
        l.level = l.level.or(r.level);
        l.rest_owed += r.rest_owed;
    }
    for l in by.values_mut() {
        l.level = l.level.map(|_| limits.level(l.pages));
    }
    let mut out: Vec<Load> = by.into_values().filter(|l| !l.is_quiet()).collect();
    out.sort_by(|a, b| {
        (b.pages, b.on_call)
            .cmp(&(a.pages, a.on_call))
            .then(a.user.cmp(&b.user))
    });
    out
}

/// Whole local days in `zone` from `due` to `at` (0 when not yet a day late), counted at
/// the due time's wall clock, so a clock change does not lose or add a day.
pub fn days_late(due: DateTime<Utc>, at: DateTime<Utc>, zone: Tz) -> i64 {
    super::days_elapsed(due, at, zone).unwrap_or(0)
}

/// The deduplication occasion of the digest sent on local `day`: its ISO week, so moving
/// the weekday or the zone after a digest went out does not send a second one that week.
pub fn week_key(day: NaiveDate) -> String {
    let week = day.iso_week();
    format!("{}-W{:02}", week.year(), week.week())
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

    #[test]
    fn a_persons_rows_over_two_iso_weeks_are_summed_with_the_worse_level() {
        let (a, b) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let row = |user, week, hours, pages, level| Row {
            user,
            week: (2026, week),
            on_call: Duration::hours(hours),
            pages,
            level,
            ..Row::default()
        };
        let limits = Limits {
            warn_above: 2,
            breach_at: 5,
        };
        let load = load_by_person(
            &[
                row(a, 47, 48, 1, Some(Level::Ok)),
                row(b, 47, 72, 4, Some(Level::Warning)),
                row(a, 48, 24, 2, Some(Level::Ok)),
                row(b, 48, 0, 2, Some(Level::Ok)),
                row(Uuid::from_u128(3), 48, 0, 0, None),
            ],
            limits,
        );
        assert_eq!(
            load.iter()
                .map(|l| (l.user, l.on_call.num_hours(), l.pages, l.level))
                .collect::<Vec<_>>(),
            vec![
                // Four pages, then two more after Monday: six in the week, a breach.
                (b, 72, 6, Some(Level::Breach)),
                (a, 72, 3, Some(Level::Warning))
            ]
        );
    }

    #[test]
    fn lateness_counts_local_days_and_the_key_is_the_iso_week() {
        // Due Saturday 09:00 Berlin before the spring change; Monday 09:00 after it is two
        // local days later though only 47 hours passed.
        let due = utc(2026, 3, 28, 8, 0);
        assert_eq!(days_late(due, utc(2026, 3, 30, 7, 0), Berlin), 2);
        assert_eq!(days_late(due, utc(2026, 3, 30, 6, 59), Berlin), 1);
        assert_eq!(days_late(due, due - Duration::hours(1), Berlin), 0);
        // Monday's and Wednesday's digests of one week share their key.
        let key = |d| week_key(NaiveDate::from_ymd_opt(2026, 11, d).unwrap());
        assert_eq!(key(23), "2026-W48");
        assert_eq!(key(25), "2026-W48");
        assert_ne!(key(22), key(23));
    }
}
