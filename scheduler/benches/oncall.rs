//! How fast the shift maths answers: who is on call next week and in 2090 (the cost must
//! not depend on the distance from the rotation's start), and a year of shifts of a
//! three-layer follow-the-sun schedule with eight members per layer and fifty overrides.
//!
//! `cargo bench -p scheduler --bench oncall` prints the figures; nothing here asserts a
//! time (a noisy machine would make that flaky), the ratio is for reading.
#![allow(clippy::unwrap_used)]

use chrono::{Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use scheduler::oncall::shifts::{on_call, schedule_shifts};
use scheduler::oncall::{Layer, Member, Override, Span, Weekdays, Window};
use std::hint::black_box;
use std::time::Instant;
use uuid::Uuid;

fn layer(zone: chrono_tz::Tz, start: u32, end: u32) -> Layer {
    Layer {
        id: Uuid::now_v7(),
        zone,
        window: Window::Daily {
            start: NaiveTime::from_hms_opt(start, 0, 0).unwrap(),
            end: NaiveTime::from_hms_opt(end, 0, 0).unwrap(),
        },
        weekdays: Weekdays::ALL,
        members: (0..8)
            .map(|_| Member {
                user: Uuid::now_v7(),
                shadow: false,
            })
            .collect(),
        rotation_days: 7,
        handoff_time: NaiveTime::from_hms_opt(start, 0, 0).unwrap(),
        start_date: NaiveDate::from_ymd_opt(2026, 1, 5).unwrap(),
    }
}

/// Median nanoseconds per call of `f` over `rounds` rounds of `n` calls.
fn time(rounds: usize, n: usize, mut f: impl FnMut(usize)) -> f64 {
    let mut samples: Vec<f64> = (0..rounds)
        .map(|_| {
            let t = Instant::now();
            for i in 0..n {
                f(i);
            }
            t.elapsed().as_nanos() as f64 / n as f64
        })
        .collect();
    samples.sort_by(f64::total_cmp);
    samples[rounds / 2]
}

fn main() {
    let layers = vec![
        layer(chrono_tz::Asia::Kolkata, 9, 17),
        layer(chrono_tz::Europe::London, 11, 19),
        layer(chrono_tz::America::New_York, 14, 22),
    ];
    let year_start = Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap();
    let overrides: Vec<Override> = (0..50)
        .map(|i| Override {
            id: Uuid::now_v7(),
            layer: Some(layers[i % 3].id),
            span: Span::new(
                year_start + Duration::days(7 * i as i64),
                year_start + Duration::days(7 * i as i64) + Duration::hours(30),
            ),
            user: Uuid::now_v7(),
            replaces: None,
        })
        .collect();
    let near = Utc.with_ymd_and_hms(2026, 1, 12, 10, 0, 0).unwrap();
    let far = Utc.with_ymd_and_hms(2090, 1, 12, 10, 0, 0).unwrap();
    let near_ns = time(21, 2_000, |i| {
        black_box(on_call(
            &layers[i % 3],
            &overrides,
            near + Duration::minutes(i as i64),
        ));
    });
    let far_ns = time(21, 2_000, |i| {
        black_box(on_call(
            &layers[i % 3],
            &overrides,
            far + Duration::minutes(i as i64),
        ));
    });
    println!("who is on call, next week:  {:>10.0} ns", near_ns);
    println!("who is on call, in 2090:    {:>10.0} ns", far_ns);
    println!("far / near:                 {:>10.2}", far_ns / near_ns);

    let year = Span::new(year_start, year_start + Duration::days(365));
    let mut count = 0;
    let year_ns = time(11, 5, |_| {
        count = black_box(schedule_shifts(&layers, &overrides, year)).len();
    });
    println!(
        "a year of shifts (3 layers × 8 members, 50 overrides): {:.2} ms, {count} shifts",
        year_ns / 1e6
    );
}
