//! Hand-checked schedules: follow-the-sun across regions that change clocks on different
//! dates, the southern hemisphere, a handoff inside a spring-forward gap, a window that
//! wraps midnight across a change. Every expected instant is worked out by hand in the
//! comments.
#![allow(clippy::unwrap_used)]

use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use scheduler::oncall::coverage::{Cause, coverage};
use scheduler::oncall::shifts::{handoffs, layer_shifts, on_call};
use scheduler::oncall::{Layer, Member, Override, Span, Weekdays, Window};
use uuid::Uuid;

fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
}

fn hm(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).unwrap()
}

fn people(n: usize) -> Vec<Uuid> {
    (0..n).map(|_| Uuid::now_v7()).collect()
}

fn layer(
    zone: Tz,
    window: Window,
    members: &[Uuid],
    start: NaiveDate,
    handoff: NaiveTime,
) -> Layer {
    Layer {
        id: Uuid::now_v7(),
        zone,
        window,
        weekdays: Weekdays::ALL,
        members: members
            .iter()
            .map(|u| Member {
                user: *u,
                shadow: false,
            })
            .collect(),
        rotation_days: 7,
        handoff_time: handoff,
        start_date: start,
    }
}

fn daily(s: (u32, u32), e: (u32, u32)) -> Window {
    Window::Daily {
        start: hm(s.0, s.1),
        end: hm(e.0, e.1),
    }
}

fn day(y: i32, m: u32, d: u32) -> Span {
    Span::new(utc(y, m, d, 0, 0), utc(y, m, d + 1, 0, 0))
}

#[test]
fn new_york_and_london_change_on_different_dates_against_kolkata() {
    // In winter the three windows tile the day in UTC:
    //   Kolkata 09:00–17:00 IST (+05:30)  = 03:30–11:30 UTC
    //   London  11:30–19:30 GMT (+00:00)  = 11:30–19:30 UTC
    //   New York 14:30–22:30 EST (−05:00) = 19:30–03:30 UTC
    let start = NaiveDate::from_ymd_opt(2026, 1, 5).unwrap();
    let p = people(3);
    let kol = layer(
        chrono_tz::Asia::Kolkata,
        daily((9, 0), (17, 0)),
        &p[0..1],
        start,
        hm(9, 0),
    );
    let lon = layer(
        chrono_tz::Europe::London,
        daily((11, 30), (19, 30)),
        &p[1..2],
        start,
        hm(9, 0),
    );
    let nyc = layer(
        chrono_tz::America::New_York,
        daily((14, 30), (22, 30)),
        &p[2..3],
        start,
        hm(9, 0),
    );
    let layers = [kol.clone(), lon.clone(), nyc.clone()];

    let jan = coverage(&layers, day(2026, 1, 14));
    assert!(jan.gaps.is_empty() && jan.overlaps.is_empty(), "{jan:?}");

    // 2026-03-08 New York goes to EDT (−04:00), London not until 2026-03-29: New York's
    // window is 18:30–02:30 UTC, so it overlaps London 18:30–19:30 and leaves 02:30–03:30
    // to nobody. Both come from the clock change, New York's.
    let mar = coverage(&layers, day(2026, 3, 15));
    assert_eq!(mar.gaps.len(), 1, "{mar:?}");
    assert_eq!(
        mar.gaps[0].span,
        Span::new(utc(2026, 3, 15, 2, 30), utc(2026, 3, 15, 3, 30))
    );
    assert_eq!(mar.gaps[0].cause, Cause::ClockChange);
    assert_eq!(mar.gaps[0].zones_in_dst, vec![chrono_tz::America::New_York]);
    assert_eq!(mar.overlaps.len(), 1);
    assert_eq!(
        mar.overlaps[0].span,
        Span::new(utc(2026, 3, 15, 18, 30), utc(2026, 3, 15, 19, 30))
    );
    let mut both = vec![lon.id, nyc.id];
    both.sort();
    assert_eq!(mar.overlaps[0].layers, both);
    assert_eq!(mar.overlaps[0].cause, Cause::ClockChange);

    // From 2026-03-29 London is on BST (+01:00): its window is 10:30–18:30 UTC, so it
    // meets New York again at 18:30 but overlaps Kolkata 10:30–11:30; the 02:30–03:30 gap
    // stays (Kolkata never changes its clock).
    let apr = coverage(&layers, day(2026, 4, 15));
    assert_eq!(apr.gaps.len(), 1);
    assert_eq!(
        apr.gaps[0].span,
        Span::new(utc(2026, 4, 15, 2, 30), utc(2026, 4, 15, 3, 30))
    );
    assert_eq!(
        apr.gaps[0].zones_in_dst,
        vec![chrono_tz::America::New_York, chrono_tz::Europe::London]
    );
    assert_eq!(apr.overlaps.len(), 1);
    assert_eq!(
        apr.overlaps[0].span,
        Span::new(utc(2026, 4, 15, 10, 30), utc(2026, 4, 15, 11, 30))
    );
    assert_eq!(apr.overlaps[0].cause, Cause::ClockChange);
}

#[test]
fn a_gap_the_schedule_has_all_year_is_not_blamed_on_clocks() {
    // Kolkata and New York both 09:00–21:00: in January Kolkata is 03:30–15:30 UTC and New
    // York 14:00–02:00 UTC, so 02:00–03:30 is a gap and 14:00–15:30 an overlap by design.
    let start = NaiveDate::from_ymd_opt(2026, 1, 5).unwrap();
    let p = people(2);
    let layers = [
        layer(
            chrono_tz::Asia::Kolkata,
            daily((9, 0), (21, 0)),
            &p[0..1],
            start,
            hm(9, 0),
        ),
        layer(
            chrono_tz::America::New_York,
            daily((9, 0), (21, 0)),
            &p[1..2],
            start,
            hm(9, 0),
        ),
    ];
    let jan = coverage(&layers, day(2026, 1, 14));
    assert_eq!(jan.gaps.len(), 1);
    assert_eq!(
        jan.gaps[0].span,
        Span::new(utc(2026, 1, 14, 2, 0), utc(2026, 1, 14, 3, 30))
    );
    assert_eq!(jan.gaps[0].cause, Cause::Schedule);
    assert_eq!(
        jan.overlaps[0].span,
        Span::new(utc(2026, 1, 14, 14, 0), utc(2026, 1, 14, 15, 30))
    );
    assert_eq!(jan.overlaps[0].cause, Cause::Schedule);
    // In July New York is on EDT: the gap grows to 01:00–03:30; the hour the clock change
    // adds comes apart from the 90 minutes the schedule has all year.
    let jul = coverage(&layers, day(2026, 7, 14));
    assert_eq!(
        jul.gaps[0].span,
        Span::new(utc(2026, 7, 14, 1, 0), utc(2026, 7, 14, 2, 0))
    );
    assert_eq!(jul.gaps[0].cause, Cause::ClockChange);
    assert_eq!(
        jul.gaps[1].span,
        Span::new(utc(2026, 7, 14, 2, 0), utc(2026, 7, 14, 3, 30))
    );
    assert_eq!(jul.gaps[1].cause, Cause::Schedule);
}

#[test]
fn sydney_springs_forward_in_october() {
    // All day, weekly, handoff Monday 09:00 local. Sydney goes from AEST (+10) to AEDT
    // (+11) on Sunday 2026-10-04 at 02:00. Handoffs: Mon 2026-09-28 09:00 AEST = 09-27
    // 23:00 UTC, then Mon 2026-10-05 09:00 AEDT = 10-04 22:00 UTC: that week is an hour
    // short.
    let p = people(2);
    let l = layer(
        chrono_tz::Australia::Sydney,
        Window::AllDay,
        &p,
        NaiveDate::from_ymd_opt(2026, 9, 28).unwrap(),
        hm(9, 0),
    );
    let shifts = layer_shifts(
        &l,
        &[],
        Span::new(utc(2026, 9, 27, 0, 0), utc(2026, 10, 20, 0, 0)),
    );
    assert_eq!(
        shifts[0].span,
        Span::new(utc(2026, 9, 27, 23, 0), utc(2026, 10, 4, 22, 0))
    );
    assert_eq!(shifts[0].user, p[0]);
    assert_eq!(shifts[1].span.start, utc(2026, 10, 4, 22, 0));
    assert_eq!(shifts[1].span.end, utc(2026, 10, 11, 22, 0));
    assert_eq!(shifts[1].user, p[1]);
    let hs = handoffs(
        &l,
        Span::new(utc(2026, 9, 1, 0, 0), utc(2026, 10, 12, 0, 0)),
    );
    assert_eq!(hs.len(), 2);
    assert_eq!(
        (hs[0].at, hs[0].outgoing, hs[0].incoming),
        (utc(2026, 10, 4, 22, 0), p[0], p[1])
    );
}

#[test]
fn a_handoff_at_0230_on_the_spring_forward_day_moves_to_0330() {
    // New York, handoff Sundays 02:30 from 2026-03-01 (EST: 07:30 UTC). 2026-03-08 02:30
    // does not exist: RFC 5545 reads it with the offset before the gap, 07:30 UTC = 03:30
    // EDT. The week is exactly 168 hours.
    let p = people(2);
    let l = layer(
        chrono_tz::America::New_York,
        Window::AllDay,
        &p,
        NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
        hm(2, 30),
    );
    assert_eq!(l.handoff(0), utc(2026, 3, 1, 7, 30));
    assert_eq!(l.handoff(1), utc(2026, 3, 8, 7, 30));
    // The next one, 2026-03-15 02:30 EDT, is 06:30 UTC.
    assert_eq!(l.handoff(2), utc(2026, 3, 15, 6, 30));
    let now = on_call(&l, &[], utc(2026, 3, 8, 7, 0));
    assert_eq!(now.primary.unwrap().user, p[0]);
    let next = on_call(&l, &[], utc(2026, 3, 8, 7, 30));
    let shift = next.primary.unwrap();
    assert_eq!(shift.user, p[1]);
    assert_eq!(
        shift.span,
        Span::new(utc(2026, 3, 8, 7, 30), utc(2026, 3, 15, 6, 30))
    );
}

#[test]
fn a_window_that_wraps_midnight_across_a_change() {
    // New York nights 22:00–06:00. Saturday 2026-03-07 22:00 EST = 03-08 03:00 UTC to
    // Sunday 06:00 EDT = 10:00 UTC: 7 hours. Saturday 2026-10-31 22:00 EDT = 11-01 02:00
    // UTC to Sunday 06:00 EST = 11:00 UTC: 9 hours.
    let p = people(1);
    let l = layer(
        chrono_tz::America::New_York,
        daily((22, 0), (6, 0)),
        &p,
        NaiveDate::from_ymd_opt(2026, 1, 4).unwrap(),
        hm(22, 0),
    );
    let spring = layer_shifts(
        &l,
        &[],
        Span::new(utc(2026, 3, 8, 0, 0), utc(2026, 3, 8, 12, 0)),
    );
    assert_eq!(
        spring.last().unwrap().span,
        Span::new(utc(2026, 3, 8, 3, 0), utc(2026, 3, 8, 10, 0))
    );
    let autumn = layer_shifts(
        &l,
        &[],
        Span::new(utc(2026, 11, 1, 0, 0), utc(2026, 11, 1, 12, 0)),
    );
    assert_eq!(
        autumn.last().unwrap().span,
        Span::new(utc(2026, 11, 1, 2, 0), utc(2026, 11, 1, 11, 0))
    );
}

#[test]
fn dublin_summer_is_the_clock_change_though_its_law_says_winter() {
    // Dublin 09:00–17:00 and New York 12:00–20:00: in January 09:00–17:00 UTC and
    // 17:00–01:00 UTC, so nobody covers 01:00–09:00 all year. In July (both on summer
    // time) Dublin is 08:00–16:00 UTC and New York 16:00–00:00: the gap is 00:00–08:00,
    // of which 00:00–01:00 is summer time's doing, Dublin's included (chrono-tz calls
    // Dublin's winter the daylight-saving exception; its clock goes forward all the same).
    let start = NaiveDate::from_ymd_opt(2026, 1, 5).unwrap();
    let p = people(2);
    let layers = [
        layer(
            chrono_tz::Europe::Dublin,
            daily((9, 0), (17, 0)),
            &p[0..1],
            start,
            hm(9, 0),
        ),
        layer(
            chrono_tz::America::New_York,
            daily((12, 0), (20, 0)),
            &p[1..2],
            start,
            hm(9, 0),
        ),
    ];
    let jan = coverage(&layers, day(2026, 1, 14));
    assert_eq!(jan.gaps.len(), 1);
    assert_eq!(
        jan.gaps[0].span,
        Span::new(utc(2026, 1, 14, 1, 0), utc(2026, 1, 14, 9, 0))
    );
    assert_eq!(jan.gaps[0].cause, Cause::Schedule);
    assert_eq!(
        jan.gaps[0].zones_in_dst,
        vec![],
        "no zone is on summer time in January"
    );
    let jul = coverage(&layers, day(2026, 7, 14));
    assert_eq!(jul.gaps.len(), 2, "{jul:?}");
    assert_eq!(
        jul.gaps[0].span,
        Span::new(utc(2026, 7, 14, 0, 0), utc(2026, 7, 14, 1, 0))
    );
    assert_eq!(jul.gaps[0].cause, Cause::ClockChange);
    assert_eq!(
        jul.gaps[0].zones_in_dst,
        vec![chrono_tz::America::New_York, chrono_tz::Europe::Dublin]
    );
    assert_eq!(
        jul.gaps[1].span,
        Span::new(utc(2026, 7, 14, 1, 0), utc(2026, 7, 14, 8, 0))
    );
    assert_eq!(jul.gaps[1].cause, Cause::Schedule);
}

#[test]
fn a_nearly_wrapping_window_never_overlaps_itself_across_spring_forward() {
    // New York 03:00–02:30: on 2026-03-07 the end (03-08 02:30) does not exist and moves
    // to 03:30 EDT = 07:30 UTC, past the next window's start (03:00 EDT = 07:00 UTC). The
    // earlier window ends at 07:00.
    let p = people(2);
    let l = layer(
        chrono_tz::America::New_York,
        daily((3, 0), (2, 30)),
        &p,
        NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
        hm(3, 0),
    );
    let s = layer_shifts(
        &l,
        &[],
        Span::new(utc(2026, 3, 7, 0, 0), utc(2026, 3, 9, 0, 0)),
    );
    for pair in s.windows(2) {
        assert!(pair[0].span.end <= pair[1].span.start, "{pair:?}");
    }
    assert!(s.iter().any(|x| x.span.end == utc(2026, 3, 8, 7, 0)));
}

#[test]
fn an_override_fills_a_layer_without_members_and_whole_shifts_are_reported() {
    let p = people(2);
    let mut l = layer(
        chrono_tz::UTC,
        Window::AllDay,
        &[],
        NaiveDate::from_ymd_opt(2026, 1, 5).unwrap(),
        hm(9, 0),
    );
    let o = Override {
        id: Uuid::now_v7(),
        layer: Some(l.id),
        span: Span::new(utc(2026, 2, 1, 0, 0), utc(2026, 4, 30, 0, 0)),
        user: p[0],
        replaces: None,
    };
    let at = utc(2026, 3, 15, 12, 0);
    let now = on_call(&l, std::slice::from_ref(&o), at);
    let shift = now
        .primary
        .expect("the override puts someone on an empty layer");
    assert_eq!(shift.user, p[0]);
    assert_eq!(
        shift.span, o.span,
        "the whole override, not a week around the instant"
    );
    // With members, an override longer than a rotation is whole too, and merges with the
    // same person's rotation shift touching it.
    l.members = vec![Member {
        user: p[1],
        shadow: false,
    }];
    let o2 = Override {
        user: p[1],
        ..o.clone()
    };
    let now = on_call(&l, std::slice::from_ref(&o2), at);
    let shift = now.primary.unwrap();
    assert_eq!(shift.user, p[1]);
    assert_eq!(shift.overrides, vec![o2.id]);
    assert!(
        shift.span.start < o.span.start && shift.span.end > o.span.end,
        "{shift:?}"
    );
}

#[test]
fn overrides_win_and_can_name_the_person_they_replace() {
    let p = people(3);
    let l = layer(
        chrono_tz::UTC,
        Window::AllDay,
        &p[0..2],
        NaiveDate::from_ymd_opt(2026, 11, 2).unwrap(),
        hm(9, 0),
    );
    // p0 has 11-02 09:00 → 11-09 09:00; p1 the week after. p2 covers 11-08 00:00 → 11-10
    // 00:00 for p0 only: p0's last 33 hours go to p2, p1's first 15 hours stay p1's.
    let o = Override {
        id: Uuid::now_v7(),
        layer: Some(l.id),
        span: Span::new(utc(2026, 11, 8, 0, 0), utc(2026, 11, 10, 0, 0)),
        user: p[2],
        replaces: Some(p[0]),
    };
    let s = layer_shifts(
        &l,
        std::slice::from_ref(&o),
        Span::new(utc(2026, 11, 2, 0, 0), utc(2026, 11, 12, 0, 0)),
    );
    let got: Vec<(Uuid, DateTime<Utc>, DateTime<Utc>, bool)> = s
        .iter()
        .map(|s| (s.user, s.span.start, s.span.end, !s.overrides.is_empty()))
        .collect();
    assert_eq!(
        got,
        vec![
            (p[0], utc(2026, 11, 2, 9, 0), utc(2026, 11, 8, 0, 0), false),
            (p[2], utc(2026, 11, 8, 0, 0), utc(2026, 11, 9, 9, 0), true),
            (p[1], utc(2026, 11, 9, 9, 0), utc(2026, 11, 12, 0, 0), false),
        ]
    );
}
