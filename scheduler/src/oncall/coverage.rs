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

/// `span` cut where it leaves the `standard` spans: the parts inside them the schedule
/// has all year, the parts outside exist because of a clock change.
fn split(span: Span, standard: &[Span]) -> Vec<(Span, Cause)> {
    let mut out = vec![];
    let mut cursor = span.start;
    for s in standard.iter().filter_map(|s| s.intersect(&span)) {
        if cursor < s.start {
            out.push((Span::new(cursor, s.start), Cause::ClockChange));
        }
        let from = s.start.max(cursor);
        if from < s.end {
            out.push((Span::new(from, s.end), Cause::Schedule));
            cursor = s.end;
        }
    }
    if cursor < span.end {
        out.push((Span::new(cursor, span.end), Cause::ClockChange));
    }
    out
}

/// Gaps and overlaps of `layers` within `range`. A gap or overlap that is only partly
/// made by a clock change comes as two intervals: the part the schedule has all year
/// (`Schedule`) and the part the change adds (`ClockChange`).
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
    let intervals = |span: Span, standard: &[Span], layers: &[Uuid]| -> Vec<Interval> {
        split(span, standard)
            .into_iter()
            .map(|(span, cause)| {
                let in_dst = zones(span.start);
                let cause = if cause == Cause::ClockChange
                    && in_dst.is_empty()
                    && zones(span.end).is_empty()
                {
                    Cause::Schedule
                } else {
                    cause
                };
                Interval {
                    span,
                    layers: layers.to_vec(),
                    cause,
                    zones_in_dst: in_dst,
                }
            })
            .collect()
    };
    Coverage {
        gaps: gaps
            .into_iter()
            .flat_map(|span| intervals(span, &std_gaps, &[]))
            .collect(),
        overlaps: overlaps
            .into_iter()
            .flat_map(|(span, layers)| intervals(span, &std_overlaps, &layers))
            .collect(),
    }
}
