//! A layer of a schedule: a daily window in local time on some weekdays, covered by a
//! rotation of its members that hands over every `rotation_days` at a local time.
//!
//! Everything is computed from the instant asked about, never by walking from the start
//! date: the rotation period holding an instant is found by dividing the local date's
//! distance from the start by the rotation length, then checked against the two handoffs
//! around it, so the year 2090 costs what next week costs.

use super::local::{local, resolve, resolve_standard};
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc, Weekday};
use chrono_tz::Tz;
use uuid::Uuid;

/// The part of each covered day a layer is on call for, in its local time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    /// Midnight to midnight.
    AllDay,
    /// From `start` to `end`; an `end` at or before `start` is on the next day (the window
    /// wraps midnight).
    Daily { start: NaiveTime, end: NaiveTime },
}

/// A set of weekdays, Monday first (bit 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Weekdays(pub u8);

impl Weekdays {
    pub const ALL: Weekdays = Weekdays(0x7f);

    pub fn contains(self, day: Weekday) -> bool {
        self.0 & (1 << day.num_days_from_monday()) != 0
    }

    pub fn from_days(days: &[Weekday]) -> Weekdays {
        Weekdays(
            days.iter()
                .fold(0, |acc, d| acc | (1 << d.num_days_from_monday())),
        )
    }

    pub fn days(self) -> Vec<Weekday> {
        (0..7u8)
            .filter(|i| self.0 & (1 << i) != 0)
            .filter_map(|i| Weekday::try_from(i).ok())
            .collect()
    }
}

/// One member of a layer's rotation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Member {
    pub user: Uuid,
    /// A shadow sees what the primary sees and is never the one paged.
    pub shadow: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Layer {
    pub id: Uuid,
    pub zone: Tz,
    pub window: Window,
    pub weekdays: Weekdays,
    /// In rotation order; primaries and shadows each rotate in this order among themselves.
    pub members: Vec<Member>,
    pub rotation_days: u32,
    pub handoff_time: NaiveTime,
    /// The first handoff's local date (it fixes the handoff weekday).
    pub start_date: NaiveDate,
}

/// A half-open span of time `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl Span {
    pub fn new(start: DateTime<Utc>, end: DateTime<Utc>) -> Span {
        Span { start, end }
    }
    pub fn contains(&self, at: DateTime<Utc>) -> bool {
        self.start <= at && at < self.end
    }
    pub fn overlaps(&self, other: &Span) -> bool {
        self.start < other.end && other.start < self.end
    }
    pub fn intersect(&self, other: &Span) -> Option<Span> {
        let s = self.start.max(other.start);
        let e = self.end.min(other.end);
        (s < e).then_some(Span::new(s, e))
    }
    pub fn duration(&self) -> Duration {
        self.end - self.start
    }
}

/// Which offsets local times are read with: the real ones, or each zone's standard
/// offset (to tell what clock changes do to coverage).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clock {
    Actual,
    Standard,
}

impl Layer {
    fn at(&self, date: NaiveDate, time: NaiveTime, clock: Clock) -> DateTime<Utc> {
        let naive = date.and_time(time);
        match clock {
            Clock::Actual => resolve(self.zone, naive),
            Clock::Standard => resolve_standard(self.zone, naive),
        }
    }

    pub fn primaries(&self) -> Vec<Uuid> {
        self.members
            .iter()
            .filter(|m| !m.shadow)
            .map(|m| m.user)
            .collect()
    }

    pub fn shadows(&self) -> Vec<Uuid> {
        self.members
            .iter()
            .filter(|m| m.shadow)
            .map(|m| m.user)
            .collect()
    }

    /// The `k`-th handoff (`k = 0` starts the rotation): the handoff time on the date
    /// `k × rotation_days` after the start date, by RFC 5545's rule.
    pub fn handoff(&self, k: i64) -> DateTime<Utc> {
        let date = self.start_date + Duration::days(k * i64::from(self.rotation_days.max(1)));
        self.at(date, self.handoff_time, Clock::Actual)
    }

    /// The rotation period holding `at` (period `k` runs from handoff `k` to handoff
    /// `k + 1`), or `None` before the rotation starts. Constant time.
    pub fn period(&self, at: DateTime<Utc>) -> Option<i64> {
        if at < self.handoff(0) {
            return None;
        }
        let days = (local(self.zone, at).date() - self.start_date).num_days();
        let mut k = days.div_euclid(i64::from(self.rotation_days.max(1)));
        while k > 0 && self.handoff(k) > at {
            k -= 1;
        }
        while self.handoff(k + 1) <= at {
            k += 1;
        }
        Some(k)
    }

    /// The window that opens on local `date`, if the layer covers that weekday.
    pub fn window_on(&self, date: NaiveDate, clock: Clock) -> Option<Span> {
        if !self.weekdays.contains(date.weekday()) {
            return None;
        }
        let midnight = NaiveTime::MIN;
        let (start, end) = match self.window {
            Window::AllDay => (
                self.at(date, midnight, clock),
                self.at(date + Duration::days(1), midnight, clock),
            ),
            Window::Daily { start, end } => {
                let end_date = if end <= start {
                    date + Duration::days(1)
                } else {
                    date
                };
                (self.at(date, start, clock), self.at(end_date, end, clock))
            }
        };
        (start < end).then_some(Span::new(start, end))
    }

    /// The windows overlapping `range`, in order, clipped to it and to the rotation's start.
    pub fn windows(&self, range: Span, clock: Clock) -> Vec<Span> {
        let start = range.start.max(self.handoff(0));
        if start >= range.end {
            return vec![];
        }
        let range = Span::new(start, range.end);
        let first = local(self.zone, range.start).date() - Duration::days(2);
        let last = local(self.zone, range.end).date() + Duration::days(2);
        let mut all: Vec<Span> = first
            .iter_days()
            .take_while(|d| *d <= last)
            .filter_map(|d| self.window_on(d, clock))
            .collect();
        // A window that nearly wraps the day can run into the next one when its end falls
        // in a spring-forward gap (moved forward) and the next start just after it: one
        // layer is never on call twice, so the earlier window ends where the next begins.
        for i in 1..all.len() {
            if all[i - 1].end > all[i].start {
                all[i - 1].end = all[i].start;
            }
        }
        all.into_iter()
            .filter(|w| w.start < w.end)
            .filter_map(|w| w.intersect(&range))
            .collect()
    }

    /// Whether the window is open at `at` (and the rotation has started).
    pub fn in_window(&self, at: DateTime<Utc>) -> bool {
        !self
            .windows(Span::new(at, at + Duration::seconds(1)), Clock::Actual)
            .is_empty()
    }
}
