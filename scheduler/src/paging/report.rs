//! The managers' on-call load report, as a pure function of shifts, pages, incidents led
//! and the team's settings: per person and ISO week (in the organization's zone), hours
//! on call, pages, night pages (in the person's own zone), out-of-hours pages, incidents
//! led, the limit level, rest and compensation owed; team totals; the weekly trend; and
//! the noisiest alert sources.

use super::load::{Compensation, Level, Limits, NightWindow, iso_week, out_of_hours};
use crate::oncall::Span;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use std::collections::{BTreeMap, HashMap};
use uuid::Uuid;

pub struct PageFact {
    pub user: Uuid,
    pub at: DateTime<Utc>,
    pub alert: Uuid,
}

pub struct AlertFact {
    pub id: Uuid,
    pub source: String,
    pub name: String,
    pub created: DateTime<Utc>,
    pub acknowledged: Option<DateTime<Utc>>,
    pub resolved: Option<DateTime<Utc>>,
    /// Resolved by its source (nobody pressed resolve).
    pub resolved_by_source: bool,
}

pub struct Settings {
    pub org_zone: Tz,
    pub night: NightWindow,
    pub limits: Limits,
    pub compensation: Compensation,
}

pub struct Input<'a> {
    pub range: Span,
    /// Primary on-call spans per person (shifts, overrides applied).
    pub on_call: &'a [(Uuid, Span)],
    pub pages: &'a [PageFact],
    pub alerts: &'a [AlertFact],
    /// (commander, declared at) of the team's incidents.
    pub led: &'a [(Uuid, DateTime<Utc>)],
    /// Each person's own zone (UTC when unknown).
    pub zones: &'a HashMap<Uuid, Tz>,
    pub settings: &'a Settings,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Row {
    pub user: Uuid,
    pub week: (i32, u32),
    pub on_call: Duration,
    pub pages: u32,
    pub night_pages: u32,
    pub out_of_hours_pages: u32,
    pub incidents_led: u32,
    pub level: Option<Level>,
    pub rest_owed: Duration,
    pub compensation_minor: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Totals {
    pub on_call: Duration,
    pub pages: u32,
    pub night_pages: u32,
    pub out_of_hours_pages: u32,
    pub incidents_led: u32,
    pub warnings: u32,
    pub breaches: u32,
    pub rest_owed: Duration,
    pub compensation_minor: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    pub source: String,
    pub name: String,
    pub alerts: u32,
    pub pages: u32,
    /// Acknowledged alerts per thousand.
    pub acknowledged_permille: u32,
    pub median_time_to_acknowledge: Option<Duration>,
    /// Resolved by their source before anyone acknowledged.
    pub resolved_unacknowledged: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Report {
    pub rows: Vec<Row>,
    pub totals: Totals,
    /// Per week, the team's totals, oldest first.
    pub trend: Vec<((i32, u32), Totals)>,
    /// Most pages first (at most 10).
    pub sources: Vec<Source>,
}

/// The instant an ISO week starts in `zone`.
fn week_start(week: (i32, u32), zone: Tz) -> DateTime<Utc> {
    let date = NaiveDate::from_isoywd_opt(week.0, week.1, chrono::Weekday::Mon).unwrap_or_default();
    crate::oncall::local::resolve(zone, date.and_time(chrono::NaiveTime::MIN)).with_timezone(&Utc)
}

/// Splits `span` at the organization's week boundaries (local Monday midnight, which
/// moves in UTC with daylight saving).
fn by_week(span: Span, zone: Tz) -> Vec<((i32, u32), Duration)> {
    let mut out = vec![];
    let mut from = span.start;
    while from < span.end {
        let w = iso_week(from, zone);
        let monday = NaiveDate::from_isoywd_opt(w.0, w.1, chrono::Weekday::Mon).unwrap_or_default();
        let next_monday = monday + Duration::days(7);
        let next = week_start(iso_week_of(next_monday), zone);
        // Always forward, whatever a zone's history does at midnight.
        let to = next.max(from + Duration::minutes(1)).min(span.end);
        out.push((w, to - from));
        from = to;
    }
    out
}

fn iso_week_of(d: NaiveDate) -> (i32, u32) {
    let w = chrono::Datelike::iso_week(&d);
    (w.year(), w.week())
}

pub fn report(input: &Input<'_>) -> Report {
    let s = input.settings;
    let zone = |u: &Uuid| input.zones.get(u).copied().unwrap_or(chrono_tz::UTC);
    let mut rows: BTreeMap<((i32, u32), Uuid), Row> = BTreeMap::new();
    fn row(rows: &mut BTreeMap<((i32, u32), Uuid), Row>, user: Uuid, week: (i32, u32)) -> &mut Row {
        rows.entry((week, user)).or_insert_with(|| Row {
            user,
            week,
            ..Row::default()
        })
    }
    // One person on two layers at once is on call once: their spans are joined first.
    let mut spans: BTreeMap<Uuid, Vec<Span>> = BTreeMap::new();
    for (user, span) in input.on_call {
        if let Some(span) = span.intersect(&input.range) {
            spans.entry(*user).or_default().push(span);
        }
    }
    for (user, mut list) in spans {
        list.sort();
        let mut joined: Vec<Span> = vec![];
        for s in list {
            match joined.last_mut() {
                Some(last) if last.end >= s.start => last.end = last.end.max(s.end),
                _ => joined.push(s),
            }
        }
        for span in joined {
            for (week, d) in by_week(span, s.org_zone) {
                row(&mut rows, user, week).on_call += d;
            }
        }
    }
    for p in input.pages.iter().filter(|p| input.range.contains(p.at)) {
        let r = row(&mut rows, p.user, iso_week(p.at, s.org_zone));
        r.pages += 1;
        if s.night.contains(p.at, zone(&p.user)) {
            r.night_pages += 1;
        }
        if out_of_hours(p.at, zone(&p.user)) {
            r.out_of_hours_pages += 1;
        }
    }
    for (user, at) in input.led.iter().filter(|(_, at)| input.range.contains(*at)) {
        row(&mut rows, *user, iso_week(*at, s.org_zone)).incidents_led += 1;
    }
    let mut totals = Totals::default();
    let mut trend: BTreeMap<(i32, u32), Totals> = BTreeMap::new();
    let rows: Vec<Row> = rows
        .into_values()
        .map(|mut r| {
            let owed = s.compensation.owed(r.on_call, r.night_pages);
            r.rest_owed = owed.rest;
            r.compensation_minor = owed.amount_minor;
            r.level =
                (r.on_call > Duration::zero() || r.pages > 0).then(|| s.limits.level(r.pages));
            for t in [&mut totals, trend.entry(r.week).or_default()] {
                t.on_call += r.on_call;
                t.pages += r.pages;
                t.night_pages += r.night_pages;
                t.out_of_hours_pages += r.out_of_hours_pages;
                t.incidents_led += r.incidents_led;
                t.warnings += u32::from(r.level == Some(Level::Warning));
                t.breaches += u32::from(r.level == Some(Level::Breach));
                t.rest_owed += r.rest_owed;
                t.compensation_minor += r.compensation_minor;
            }
            r
        })
        .collect();
    Report {
        rows,
        totals,
        trend: trend.into_iter().collect(),
        sources: sources(input),
    }
}

fn sources(input: &Input<'_>) -> Vec<Source> {
    noisiest(input.pages, input.alerts, input.range)
}

/// The alert sources (source and alert name) of `alerts` raised within `range`, the
/// noisiest first: by pages, then alerts; at most ten.
pub fn noisiest(pages: &[PageFact], alerts: &[AlertFact], range: Span) -> Vec<Source> {
    let mut pages_of: HashMap<Uuid, u32> = HashMap::new();
    for p in pages {
        *pages_of.entry(p.alert).or_default() += 1;
    }
    let mut groups: BTreeMap<(String, String), Vec<&AlertFact>> = BTreeMap::new();
    for a in alerts.iter().filter(|a| range.contains(a.created)) {
        groups
            .entry((a.source.clone(), a.name.clone()))
            .or_default()
            .push(a);
    }
    let mut out: Vec<Source> = groups
        .into_iter()
        .map(|((source, name), alerts)| {
            let pages = alerts
                .iter()
                .map(|a| pages_of.get(&a.id).copied().unwrap_or(0))
                .sum();
            let mut acks: Vec<Duration> = alerts
                .iter()
                .filter_map(|a| a.acknowledged.map(|t| t - a.created))
                .collect();
            acks.sort();
            let median = match acks.len() {
                0 => None,
                n if n % 2 == 1 => Some(acks[n / 2]),
                n => Some((acks[n / 2 - 1] + acks[n / 2]) / 2),
            };
            let resolved_unacknowledged = alerts
                .iter()
                .filter(|a| {
                    a.resolved_by_source
                        && a.resolved.is_some()
                        && a.acknowledged
                            .is_none_or(|ack| a.resolved.is_some_and(|r| r < ack))
                })
                .count() as u32;
            Source {
                acknowledged_permille: (acks.len() as u32 * 1000) / alerts.len().max(1) as u32,
                alerts: alerts.len() as u32,
                pages,
                median_time_to_acknowledge: median,
                resolved_unacknowledged,
                source,
                name,
            }
        })
        .collect();
    out.sort_by(|a, b| b.pages.cmp(&a.pages).then(b.alerts.cmp(&a.alerts)));
    out.truncate(10);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn weeks_split_at_the_organizations_monday() {
        // Kolkata's Monday starts Sunday 18:30 UTC.
        let span = Span::new(
            Utc.with_ymd_and_hms(2026, 11, 29, 12, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(2026, 11, 30, 0, 0, 0).unwrap(),
        );
        let parts = by_week(span, chrono_tz::Asia::Kolkata);
        assert_eq!(
            parts,
            vec![
                ((2026, 48), Duration::minutes(390)),
                ((2026, 49), Duration::minutes(330))
            ]
        );
        assert_eq!(
            by_week(span, chrono_tz::UTC),
            vec![((2026, 48), Duration::hours(12))]
        );
    }
}
