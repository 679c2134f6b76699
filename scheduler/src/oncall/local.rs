//! Local wall-clock times to instants, by RFC 5545's rule (section 3.3.5): a local time
//! that does not exist (in a spring-forward gap) is moved forward by the gap's length,
//! i.e. read with the offset in force before the gap; a local time that happens twice
//! (in a fall-back overlap) is its first occurrence.

use chrono::{DateTime, Datelike, Duration, NaiveDateTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;

/// A wall-clock time as stored: minutes after midnight.
pub fn minute_of_day(t: chrono::NaiveTime) -> i32 {
    use chrono::Timelike;
    (t.hour() * 60 + t.minute()) as i32
}

/// A stored minute of the day as a wall-clock time (clamped to the day).
pub fn time_at_minute(minutes: i32) -> chrono::NaiveTime {
    chrono::NaiveTime::from_num_seconds_from_midnight_opt((minutes.clamp(0, 1439) as u32) * 60, 0)
        .unwrap_or(chrono::NaiveTime::MIN)
}

/// The instant of `local` in `zone`, by RFC 5545's rule.
pub fn resolve(zone: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    match zone.from_local_datetime(&local) {
        chrono::LocalResult::Single(t) => t.with_timezone(&Utc),
        chrono::LocalResult::Ambiguous(a, b) => a.min(b).with_timezone(&Utc),
        chrono::LocalResult::None => {
            // The offset before the gap: the one a day earlier (no zone changes its clock
            // twice within a day).
            let before = zone
                .offset_from_utc_datetime(&(local - Duration::days(1)))
                .fix();
            (local - Duration::seconds(i64::from(before.local_minus_utc()))).and_utc()
        }
    }
}

/// The zone's standard offset in the year of `at`: the smaller of its offsets in
/// mid-January and mid-July. Not chrono-tz's "base" offset: Europe/Dublin's legal
/// standard time is its summer time (winter counts as negative daylight saving), but
/// what moves coverage is the clock going forward, whichever way the law names it.
fn standard_offset(zone: Tz, at: DateTime<Utc>) -> Duration {
    let year = at.year();
    let offset = |m: u32| {
        Utc.with_ymd_and_hms(year, m, 15, 12, 0, 0)
            .single()
            .map_or(0, |t| {
                zone.offset_from_utc_datetime(&t.naive_utc())
                    .fix()
                    .local_minus_utc()
            })
    };
    Duration::seconds(i64::from(offset(1).min(offset(7))))
}

fn offset_at(zone: Tz, at: DateTime<Utc>) -> Duration {
    Duration::seconds(i64::from(
        zone.offset_from_utc_datetime(&at.naive_utc())
            .fix()
            .local_minus_utc(),
    ))
}

/// The instant `local` would be if `zone` kept its standard offset (see
/// [`in_daylight_saving`]): what coverage is compared with to tell gaps made by clock
/// changes.
pub fn resolve_standard(zone: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    let actual = resolve(zone, local);
    local.and_utc() - standard_offset(zone, actual)
}

/// Whether `zone`'s clock is ahead of its standard offset at `at` (daylight-saving time;
/// for the few zones whose law calls winter the exception, such as Europe/Dublin, their
/// summer all the same).
pub fn in_daylight_saving(zone: Tz, at: DateTime<Utc>) -> bool {
    offset_at(zone, at) > standard_offset(zone, at)
}

/// The local date and time of `at` in `zone`.
pub fn local(zone: Tz, at: DateTime<Utc>) -> NaiveDateTime {
    at.with_timezone(&zone).naive_local()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use chrono_tz::America::New_York;
    use chrono_tz::Australia::{Lord_Howe, Sydney};

    fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d)
            .unwrap()
            .and_hms_opt(h, min, 0)
            .unwrap()
    }

    #[test]
    fn a_time_in_the_spring_gap_moves_forward_by_the_gap() {
        // New York, 2026-03-08: 02:00 EST jumps to 03:00 EDT; 02:30 does not exist and
        // becomes 03:30 EDT = 07:30 UTC.
        assert_eq!(
            resolve(New_York, at(2026, 3, 8, 2, 30)),
            at(2026, 3, 8, 7, 30).and_utc()
        );
        // Lord Howe Island moves by 30 minutes: 02:00 → 02:30 on 2026-10-04; 02:15 is
        // read at +10:30 and becomes 02:45 +11:00.
        assert_eq!(
            resolve(Lord_Howe, at(2026, 10, 4, 2, 15)),
            at(2026, 10, 3, 15, 45).and_utc()
        );
    }

    #[test]
    fn an_ambiguous_time_is_its_first_occurrence() {
        // New York, 2026-11-01: 01:30 happens at EDT (05:30 UTC) then EST (06:30 UTC).
        assert_eq!(
            resolve(New_York, at(2026, 11, 1, 1, 30)),
            at(2026, 11, 1, 5, 30).and_utc()
        );
        // Sydney, 2026-04-05: 02:30 happens at +11 (15:30 UTC the day before) then +10.
        assert_eq!(
            resolve(Sydney, at(2026, 4, 5, 2, 30)),
            at(2026, 4, 4, 15, 30).and_utc()
        );
    }

    #[test]
    fn standard_offsets_ignore_daylight_saving() {
        // July in New York: EDT (-4) in fact, EST (-5) as standard.
        let noon = at(2026, 7, 1, 12, 0);
        assert_eq!(resolve(New_York, noon), at(2026, 7, 1, 16, 0).and_utc());
        assert_eq!(
            resolve_standard(New_York, noon),
            at(2026, 7, 1, 17, 0).and_utc()
        );
        assert!(in_daylight_saving(
            New_York,
            at(2026, 7, 1, 16, 0).and_utc()
        ));
        assert!(!in_daylight_saving(
            New_York,
            at(2026, 1, 1, 16, 0).and_utc()
        ));
    }
}
