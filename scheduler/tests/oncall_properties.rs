//! Properties of the shift maths over generated layers: at most one primary at a time,
//! shifts tile the windows exactly, overrides replace exactly their span, and over whole
//! cycles every member gets the same number of shifts.
#![allow(clippy::unwrap_used)]

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use proptest::prelude::*;
use scheduler::oncall::shifts::{layer_shifts, on_call};
use scheduler::oncall::{Clock, Layer, Member, Override, Shift, Span, Weekdays, Window};
use uuid::Uuid;

const ZONES: &[chrono_tz::Tz] = &[
    chrono_tz::UTC,
    chrono_tz::America::New_York,
    chrono_tz::Europe::London,
    chrono_tz::Asia::Kolkata,
    chrono_tz::Australia::Sydney,
    chrono_tz::Australia::Lord_Howe,
    chrono_tz::America::Santiago,
];

fn time(minutes: u32) -> NaiveTime {
    NaiveTime::from_num_seconds_from_midnight_opt(minutes * 60, 0).unwrap()
}

prop_compose! {
    fn a_layer()(
        zone in 0..ZONES.len(),
        all_day in any::<bool>(),
        start in 0u32..96,
        end in 0u32..96,
        weekdays in 1u8..128,
        primaries in 1usize..6,
        shadows in 0usize..3,
        rotation_days in 1u32..15,
        handoff in 0u32..96,
        start_day in 0i64..3650,
    ) -> Layer {
        let window = if all_day || start == end {
            Window::AllDay
        } else {
            Window::Daily { start: time(start * 15), end: time(end * 15) }
        };
        let members = (0..primaries)
            .map(|_| Member { user: Uuid::now_v7(), shadow: false })
            .chain((0..shadows).map(|_| Member { user: Uuid::now_v7(), shadow: true }))
            .collect();
        Layer {
            id: Uuid::now_v7(),
            zone: ZONES[zone],
            window,
            weekdays: Weekdays(weekdays),
            members,
            rotation_days,
            handoff_time: time(handoff * 15),
            start_date: NaiveDate::from_ymd_opt(2020, 1, 1).unwrap() + Duration::days(start_day),
        }
    }
}

/// A range of up to 40 days that starts up to 60 days after the rotation's start.
fn range_for(layer: &Layer, offset_hours: i64, hours: i64) -> Span {
    let start = layer.handoff(0) - Duration::days(2) + Duration::hours(offset_hours);
    Span::new(start, start + Duration::hours(hours))
}

fn primaries(shifts: &[Shift]) -> Vec<Shift> {
    let mut p: Vec<Shift> = shifts.iter().filter(|s| !s.shadow).cloned().collect();
    p.sort_by_key(|s| s.span.start);
    p
}

/// Touching spans joined.
fn union(mut spans: Vec<Span>) -> Vec<Span> {
    spans.sort();
    let mut out: Vec<Span> = vec![];
    for s in spans {
        match out.last_mut() {
            Some(last) if last.end >= s.start => last.end = last.end.max(s.end),
            _ => out.push(s),
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn at_most_one_primary_and_shifts_tile_the_windows(
        layer in a_layer(), offset in 0i64..(60 * 24), hours in 1i64..(40 * 24),
    ) {
        let range = range_for(&layer, offset, hours);
        let shifts = layer_shifts(&layer, &[], range);
        let p = primaries(&shifts);
        for pair in p.windows(2) {
            prop_assert!(pair[0].span.end <= pair[1].span.start, "two primaries at once: {pair:?}");
        }
        let windows = union(layer.windows(range, Clock::Actual));
        let covered = union(p.iter().map(|s| s.span).collect());
        prop_assert_eq!(covered, windows);
        for s in &shifts {
            prop_assert!(s.span.start < s.span.end);
            prop_assert!(range.start <= s.span.start && s.span.end <= range.end);
        }
    }

    #[test]
    fn overrides_replace_exactly_their_span(
        layer in a_layer(),
        offset in 0i64..(30 * 24),
        cuts in proptest::collection::vec((0i64..(20 * 24), 1i64..72), 1..5),
        probes in proptest::collection::vec(0i64..(40 * 24 * 4), 40),
    ) {
        let range = range_for(&layer, offset, 40 * 24);
        // Non-overlapping overrides: each starts after the previous one ends.
        let mut at = range.start;
        let overrides: Vec<Override> = cuts
            .iter()
            .map(|(gap, len)| {
                let start = at + Duration::hours(*gap);
                at = start + Duration::hours(*len);
                Override {
                    id: Uuid::now_v7(),
                    layer: Some(layer.id),
                    span: Span::new(start, at),
                    user: Uuid::now_v7(),
                    replaces: None,
                }
            })
            .collect();
        let plain = layer_shifts(&layer, &[], range);
        let overridden = layer_shifts(&layer, &overrides, range);
        let who = |shifts: &[Shift], t: DateTime<Utc>| {
            shifts.iter().find(|s| !s.shadow && s.span.contains(t)).map(|s| s.user)
        };
        for q in probes {
            let t = range.start + Duration::minutes(q * 15);
            if !range.contains(t) {
                continue;
            }
            let expected = match (who(&plain, t), overrides.iter().find(|o| o.span.contains(t))) {
                (Some(_), Some(o)) => Some(o.user),
                (base, _) => base,
            };
            prop_assert_eq!(who(&overridden, t), expected, "at {}", t);
            // The instant look-up agrees with the range.
            prop_assert_eq!(on_call(&layer, &overrides, t).primary.map(|s| s.user), expected);
        }
    }

    #[test]
    fn every_member_gets_the_same_number_of_shifts_over_whole_cycles(
        layer in a_layer(), cycles in 1i64..4,
    ) {
        let mut layer = layer;
        layer.window = Window::AllDay;
        layer.weekdays = Weekdays::ALL;
        let primaries = layer.primaries();
        let n = primaries.len() as i64;
        prop_assume!(n >= 2);
        let range = Span::new(layer.handoff(0), layer.handoff(cycles * n));
        let shifts = layer_shifts(&layer, &[], range);
        for member in &primaries {
            let count = shifts.iter().filter(|s| !s.shadow && s.user == *member).count() as i64;
            prop_assert_eq!(count, cycles, "member {}", member);
        }
    }
}

#[test]
fn a_far_lookup_needs_no_walk_from_the_start() {
    // Correctness of the constant-time period search far from the start: the period found
    // for an instant in 2090 brackets it between its two handoffs.
    let layer = Layer {
        id: Uuid::now_v7(),
        zone: chrono_tz::America::New_York,
        window: Window::AllDay,
        weekdays: Weekdays::ALL,
        members: (0..5)
            .map(|_| Member {
                user: Uuid::now_v7(),
                shadow: false,
            })
            .collect(),
        rotation_days: 7,
        handoff_time: time(2 * 60 + 30),
        start_date: NaiveDate::from_ymd_opt(2026, 1, 4).unwrap(),
    };
    let far = Utc.with_ymd_and_hms(2090, 3, 12, 7, 0, 0).unwrap();
    let k = layer.period(far).unwrap();
    assert!(layer.handoff(k) <= far && far < layer.handoff(k + 1));
}
