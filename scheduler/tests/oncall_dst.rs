//! Every zone chrono-tz knows, on the days around each of its clock changes from 2000 to
//! 2099 (found by weekly steps, then bisection): windows keep their length unless a
//! change falls inside them, consecutive all-day windows tile time, and every window and
//! handoff starts at its configured local time or at RFC 5545's substitute (a time in a
//! gap moved forward by the gap; an ambiguous time at its first occurrence).
#![allow(clippy::unwrap_used)]

use chrono::{DateTime, Duration, NaiveDateTime, NaiveTime, Offset, TimeZone, Utc};
use chrono_tz::{TZ_VARIANTS, Tz};
use scheduler::oncall::{Clock, Layer, Member, Weekdays, Window};
use uuid::Uuid;

fn offset(zone: Tz, at: DateTime<Utc>) -> i64 {
    i64::from(
        zone.offset_from_utc_datetime(&at.naive_utc())
            .fix()
            .local_minus_utc(),
    )
}

/// The instants (to the second) where `zone`'s offset changes, 2000–2099.
fn transitions(zone: Tz) -> Vec<DateTime<Utc>> {
    let mut out = vec![];
    let mut at = Utc.with_ymd_and_hms(2000, 1, 1, 0, 0, 0).unwrap();
    let end = Utc.with_ymd_and_hms(2100, 1, 1, 0, 0, 0).unwrap();
    let step = Duration::days(7);
    while at < end {
        let next = at + step;
        if offset(zone, at) != offset(zone, next) {
            let (mut lo, mut hi) = (at, next);
            while hi - lo > Duration::seconds(1) {
                let mid = lo + (hi - lo) / 2;
                if offset(zone, mid) == offset(zone, lo) {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            out.push(hi);
        }
        at = next;
    }
    out
}

/// What RFC 5545 makes of local `t`: itself, moved forward by the gap, or the first of two.
fn check_resolution(zone: Tz, t: NaiveDateTime, got: DateTime<Utc>) {
    let local = got.with_timezone(&zone).naive_local();
    match zone.from_local_datetime(&t) {
        chrono::LocalResult::Single(x) => assert_eq!(got, x.with_timezone(&Utc), "{zone} {t}"),
        chrono::LocalResult::Ambiguous(a, b) => {
            assert_eq!(got, a.min(b).with_timezone(&Utc), "{zone} {t} ambiguous")
        }
        chrono::LocalResult::None => {
            let gap = offset(zone, got) - offset(zone, got - Duration::days(1));
            assert_eq!(
                local,
                t + Duration::seconds(gap),
                "{zone} {t} in a gap of {gap} s"
            );
        }
    }
}

const TIMES: &[(u32, u32)] = &[
    (0, 0),
    (0, 30),
    (1, 0),
    (1, 30),
    (2, 0),
    (2, 30),
    (3, 0),
    (12, 0),
    (23, 0),
    (23, 30),
];

fn layer(zone: Tz, window: Window, handoff: NaiveTime, start: chrono::NaiveDate) -> Layer {
    Layer {
        id: Uuid::nil(),
        zone,
        window,
        weekdays: Weekdays::ALL,
        members: vec![Member {
            user: Uuid::nil(),
            shadow: false,
        }],
        rotation_days: 1,
        handoff_time: handoff,
        start_date: start,
    }
}

#[test]
fn every_zone_around_every_change_to_2099() {
    let mut checked = 0usize;
    let mut changes = 0usize;
    for zone in TZ_VARIANTS {
        for change in transitions(zone) {
            changes += 1;
            let day = change.with_timezone(&zone).date_naive();
            let start = day - Duration::days(3);
            for (h, m) in TIMES {
                let t = NaiveTime::from_hms_opt(*h, *m, 0).unwrap();
                // A daily handoff at `t`: each one at `t` or its substitute.
                let l = layer(zone, Window::AllDay, t, start);
                for k in 2..5 {
                    let date = start + Duration::days(k);
                    check_resolution(zone, date.and_time(t), l.handoff(k));
                }
                // A 12-hour window from `t` (wrapping midnight when it must): its length
                // is 12 hours unless the offset changes inside it, then 12 hours minus the
                // change; its start is `t` or the substitute.
                let end = t + Duration::hours(12);
                let w = layer(zone, Window::Daily { start: t, end }, t, start);
                let in_gap =
                    |x: NaiveDateTime| zone.from_local_datetime(&x) == chrono::LocalResult::None;
                for d in (day - Duration::days(1)).iter_days().take(3) {
                    let Some(span) = w.window_on(d, Clock::Actual) else {
                        // Only a day the zone skipped (Pacific/Apia lost 2011-12-30): its
                        // start moves past its end.
                        assert!(in_gap(d.and_time(t)), "{zone} {d} {t}: an empty window");
                        continue;
                    };
                    check_resolution(zone, d.and_time(t), span.start);
                    let end_local = if end <= t { d.succ_opt().unwrap() } else { d }.and_time(end);
                    check_resolution(zone, end_local, span.end);
                    let gained = offset(zone, span.end) - offset(zone, span.start);
                    if !in_gap(d.and_time(t)) && !in_gap(end_local) {
                        assert_eq!(
                            (span.end - span.start).num_seconds(),
                            12 * 3600 - gained,
                            "{zone} window {d} {t}"
                        );
                    }
                    checked += 1;
                }
            }
            // All-day windows tile: each day's end is the next day's start.
            let all = layer(zone, Window::AllDay, NaiveTime::MIN, start);
            let days: Vec<_> = (day - Duration::days(2)).iter_days().take(4).collect();
            let spans: Vec<_> = days
                .iter()
                .filter_map(|d| all.window_on(*d, Clock::Actual))
                .collect();
            for pair in spans.windows(2) {
                assert_eq!(pair[0].end, pair[1].start, "{zone} around {day}");
            }
        }
    }
    assert!(changes > 10_000, "only {changes} clock changes found");
    eprintln!("{changes} clock changes, {checked} windows checked");
}
