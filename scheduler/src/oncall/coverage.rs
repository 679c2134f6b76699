//! Coverage of a schedule: spans where no layer is on call (gaps) and where two or more
//! are (overlaps). Windows are fixed in local time, so when regions change clocks on
//! different dates a follow-the-sun schedule gains a gap or an overlap for a few weeks;
//! such spans are told apart by comparing with the same schedule read at every zone's
//! standard offset.

use super::layer::{Clock, Layer, Span};
use super::local::in_daylight_saving;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    /// The windows as configured leave this gap or overlap all year.
    Schedule,
    /// It exists because some zone is on daylight-saving time.
    ClockChange,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interval {
    pub span: Span,
    /// For overlaps, the layers on call together; for gaps, empty.
    pub layers: Vec<Uuid>,
    pub cause: Cause,
    /// The zones (of the schedule's layers) on daylight-saving time when it starts.
    pub zones_in_dst: Vec<Tz>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Coverage {
    pub gaps: Vec<Interval>,
    pub overlaps: Vec<Interval>,
}

/// Spans of `range` by how many layers cover them, with the layers.
fn sweep(layers: &[Layer], range: Span, clock: Clock) -> Vec<(Span, Vec<Uuid>)> {
    let mut edges: Vec<(DateTime<Utc>, bool, Uuid)> = vec![];
    for l in layers.iter().filter(|l| !l.primaries().is_empty()) {
        for w in l.windows(range, clock) {
            edges.push((w.start, true, l.id));
            edges.push((w.end, false, l.id));
        }
    }
    // Ends before starts at one instant: touching windows do not overlap.
    edges.sort_by_key(|(t, open, _)| (*t, *open));
    let mut out = vec![];
    let mut open: Vec<Uuid> = vec![];
    let mut at = range.start;
    for (t, opens, layer) in edges {
        if t > at {
            out.push((Span::new(at, t), open.clone()));
            at = t;
        }
        if opens {
            open.push(layer);
        } else if let Some(i) = open.iter().position(|l| *l == layer) {
            open.remove(i);
        }
    }
    if at < range.end {
        out.push((Span::new(at, range.end), open));
    }
    out
}

/// Joins touching spans that have the same layers.
fn runs(spans: Vec<(Span, Vec<Uuid>)>, keep: impl Fn(&[Uuid]) -> bool) -> Vec<(Span, Vec<Uuid>)> {
    let mut out: Vec<(Span, Vec<Uuid>)> = vec![];
    for (span, mut layers) in spans.into_iter().filter(|(_, l)| keep(l)) {
        layers.sort();
        if let Some((last, last_layers)) = out.last_mut()
            && last.end == span.start
            && *last_layers == layers
        {
            last.end = span.end;
            continue;
        }
        out.push((span, layers));
    }
    out
}

fn gaps_and_overlaps(
    layers: &[Layer],
    range: Span,
    clock: Clock,
) -> (Vec<Span>, Vec<(Span, Vec<Uuid>)>) {
    let spans = sweep(layers, range, clock);
    let gaps = runs(spans.clone(), |l| l.is_empty())
        .into_iter()
        .map(|(s, _)| s)
        .collect();
    let overlaps = runs(spans, |l| l.len() > 1);
    (gaps, overlaps)
}

fn covered_by(span: &Span, by: &[Span]) -> bool {
    by.iter()
        .any(|b| b.start <= span.start && span.end <= b.end)
}

/// Gaps and overlaps of `layers` within `range`.
pub fn coverage(layers: &[Layer], range: Span) -> Coverage {
    let (gaps, overlaps) = gaps_and_overlaps(layers, range, Clock::Actual);
    let (std_gaps, std_overlaps) = gaps_and_overlaps(layers, range, Clock::Standard);
    let std_overlaps: Vec<Span> = std_overlaps.into_iter().map(|(s, _)| s).collect();
    let zones = |at: DateTime<Utc>| {
        let mut z: Vec<Tz> = layers
            .iter()
            .map(|l| l.zone)
            .filter(|z| in_daylight_saving(*z, at))
            .collect();
        z.sort_by_key(|z| z.name());
        z.dedup();
        z
    };
    let cause = |span: &Span, standard: &[Span]| {
        if covered_by(span, standard) || zones(span.start).is_empty() && zones(span.end).is_empty()
        {
            Cause::Schedule
        } else {
            Cause::ClockChange
        }
    };
    Coverage {
        gaps: gaps
            .into_iter()
            .map(|span| Interval {
                cause: cause(&span, &std_gaps),
                zones_in_dst: zones(span.start),
                layers: vec![],
                span,
            })
            .collect(),
        overlaps: overlaps
            .into_iter()
            .map(|(span, layers)| Interval {
                cause: cause(&span, &std_overlaps),
                zones_in_dst: zones(span.start),
                layers,
                span,
            })
            .collect(),
    }
}
