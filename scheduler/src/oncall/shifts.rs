//! Concrete shifts: a layer's windows cut at its handoffs, each piece given to the member
//! whose turn it is, then overrides applied and touching pieces of one person merged.

use super::layer::{Clock, Layer, Span};
use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

/// Someone covering a span instead of the rotation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Override {
    pub id: Uuid,
    /// The layer it covers; `None` for every layer of the schedule.
    pub layer: Option<Uuid>,
    pub span: Span,
    pub user: Uuid,
    /// Only this person's shifts are taken over; `None`: whoever is on call.
    pub replaces: Option<Uuid>,
}

impl Override {
    pub fn applies_to(&self, layer: Uuid) -> bool {
        self.layer.is_none_or(|l| l == layer)
    }
}

/// A person on call (or shadowing) on one layer for a span.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shift {
    pub layer: Uuid,
    pub user: Uuid,
    pub span: Span,
    pub shadow: bool,
    /// The overrides it comes from, in order (empty: the rotation's own).
    pub overrides: Vec<Uuid>,
}

/// The user of a piece of a layer with no primary members: nobody, until an override
/// puts someone there.
const VACANT: Uuid = Uuid::nil();

/// The rotation's pieces of `windows` for `members` (primaries or shadows), cut at the
/// handoffs. Without members, primaries' pieces are vacant (overrides can still fill
/// them); shadows' are none.
fn rotate(layer: &Layer, windows: &[Span], members: &[Uuid], shadow: bool) -> Vec<Shift> {
    let mut out = Vec::new();
    if members.is_empty() && shadow {
        return out;
    }
    let vacant = [VACANT];
    let members = if members.is_empty() {
        &vacant[..]
    } else {
        members
    };
    let n = members.len() as i64;
    for w in windows {
        let mut from = w.start;
        let Some(mut k) = layer.period(from) else {
            continue;
        };
        while from < w.end {
            let to = layer.handoff(k + 1).min(w.end);
            out.push(Shift {
                layer: layer.id,
                user: members[k.rem_euclid(n) as usize],
                span: Span::new(from, to),
                shadow,
                overrides: vec![],
            });
            from = to;
            k += 1;
        }
    }
    out
}

/// Cuts `shifts` where `o` takes over: the covered part goes to its person.
fn apply(shifts: Vec<Shift>, o: &Override) -> Vec<Shift> {
    let mut out = Vec::with_capacity(shifts.len() + 2);
    for s in shifts {
        let taken = !s.shadow
            && o.applies_to(s.layer)
            && o.replaces.is_none_or(|r| r == s.user || s.user == VACANT)
            && s.span.overlaps(&o.span);
        if !taken {
            out.push(s);
            continue;
        }
        if s.span.start < o.span.start {
            out.push(Shift {
                span: Span::new(s.span.start, o.span.start),
                ..s.clone()
            });
        }
        if let Some(inside) = s.span.intersect(&o.span) {
            out.push(Shift {
                user: o.user,
                span: inside,
                overrides: vec![o.id],
                ..s.clone()
            });
        }
        if o.span.end < s.span.end {
            out.push(Shift {
                span: Span::new(o.span.end, s.span.end),
                ..s
            });
        }
    }
    out
}

/// Joins touching shifts of one person on one layer and role, whatever their origin (the
/// overrides they come from are kept, in order).
pub fn merge(mut shifts: Vec<Shift>) -> Vec<Shift> {
    shifts.sort_by(|a, b| {
        (a.layer, a.shadow, a.span.start, a.user).cmp(&(b.layer, b.shadow, b.span.start, b.user))
    });
    let mut out: Vec<Shift> = Vec::with_capacity(shifts.len());
    for s in shifts {
        if let Some(last) = out.last_mut()
            && last.layer == s.layer
            && last.shadow == s.shadow
            && last.user == s.user
            && last.span.end == s.span.start
        {
            last.span.end = s.span.end;
            for o in s.overrides {
                if !last.overrides.contains(&o) {
                    last.overrides.push(o);
                }
            }
            continue;
        }
        out.push(s);
    }
    out.sort_by_key(|a| (a.span.start, a.layer, a.shadow));
    out
}

/// The shifts of `layer` within `range`, overrides applied, touching pieces of one person
/// merged; primaries and shadows, ordered by start.
pub fn layer_shifts(layer: &Layer, overrides: &[Override], range: Span) -> Vec<Shift> {
    let windows = layer.windows(range, Clock::Actual);
    let mut shifts = rotate(layer, &windows, &layer.primaries(), false);
    for o in overrides.iter().filter(|o| o.applies_to(layer.id)) {
        shifts = apply(shifts, o);
    }
    shifts.retain(|s| s.user != VACANT);
    shifts.extend(rotate(layer, &windows, &layer.shadows(), true));
    merge(shifts)
}

/// The shifts of every layer within `range`, ordered by start.
pub fn schedule_shifts(layers: &[Layer], overrides: &[Override], range: Span) -> Vec<Shift> {
    let mut all: Vec<Shift> = layers
        .iter()
        .flat_map(|l| layer_shifts(l, overrides, range))
        .collect();
    all.sort_by_key(|a| (a.span.start, a.layer, a.shadow));
    all
}

/// Who is on call on one layer at an instant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnCall {
    pub layer: Uuid,
    /// The primary's shift holding the instant; `None` outside the window, before the
    /// rotation starts, or when the layer has no primary members.
    pub primary: Option<Shift>,
    pub shadows: Vec<Shift>,
    pub in_window: bool,
}

/// How far `on_call` looks for the whole of a shift: a shift longer than this (a
/// one-person layer, a long override) is reported clipped to it.
pub const ON_CALL_REACH_DAYS: i64 = 400;

/// Who is on call on `layer` at `at`, each shift whole (as far as
/// [`ON_CALL_REACH_DAYS`] either side). It looks one rotation either side first and
/// widens only while a shift runs into the edge, so the cost depends on the shifts'
/// lengths, never on how far `at` is from the rotation's start.
pub fn on_call(layer: &Layer, overrides: &[Override], at: DateTime<Utc>) -> OnCall {
    let mut reach = Duration::days(i64::from(layer.rotation_days) + 2);
    loop {
        let range = Span::new(at - reach, at + reach);
        let shifts = layer_shifts(layer, overrides, range);
        let holding = |s: &&Shift| s.span.contains(at);
        let primary = shifts.iter().filter(|s| !s.shadow).find(holding).cloned();
        let shadows: Vec<Shift> = shifts
            .iter()
            .filter(|s| s.shadow)
            .filter(holding)
            .cloned()
            .collect();
        let clipped = primary
            .iter()
            .chain(shadows.iter())
            .any(|s| s.span.start == range.start || s.span.end == range.end);
        if clipped && reach < Duration::days(ON_CALL_REACH_DAYS) {
            reach = (reach * 4).min(Duration::days(ON_CALL_REACH_DAYS));
            continue;
        }
        return OnCall {
            layer: layer.id,
            primary,
            shadows,
            in_window: layer.in_window(at),
        };
    }
}

/// A rotation change within a layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handoff {
    pub layer: Uuid,
    pub at: DateTime<Utc>,
    /// Which handoff of the rotation (1 is the first change after the start).
    pub index: i64,
    pub outgoing: Uuid,
    pub incoming: Uuid,
    /// When the outgoing person's rotation began.
    pub outgoing_since: DateTime<Utc>,
}

fn handoff_at(layer: &Layer, primaries: &[Uuid], k: i64) -> Option<Handoff> {
    let n = primaries.len() as i64;
    if k < 1 || n < 2 {
        return None;
    }
    Some(Handoff {
        layer: layer.id,
        at: layer.handoff(k),
        index: k,
        outgoing: primaries[(k - 1).rem_euclid(n) as usize],
        incoming: primaries[k.rem_euclid(n) as usize],
        outgoing_since: layer.handoff(k - 1),
    })
}

/// The handoffs of `layer` within `range` (rotation changes, not the daily window
/// transitions); none when one person rotates alone.
pub fn handoffs(layer: &Layer, range: Span) -> Vec<Handoff> {
    let primaries = layer.primaries();
    let mut k = match layer.period(range.start) {
        None => 1,
        Some(k) if layer.handoff(k) == range.start => k.max(1),
        Some(k) => k + 1,
    };
    let mut out = Vec::new();
    while layer.handoff(k) < range.end {
        if let Some(h) = handoff_at(layer, &primaries, k)
            && range.contains(h.at)
        {
            out.push(h);
        }
        k += 1;
    }
    out
}

/// The handoff of `layer` at exactly `at`, if there is one.
pub fn handoff_exactly_at(layer: &Layer, at: DateTime<Utc>) -> Option<Handoff> {
    let k = layer.period(at)?;
    if layer.handoff(k) != at {
        return None;
    }
    handoff_at(layer, &layer.primaries(), k)
}
