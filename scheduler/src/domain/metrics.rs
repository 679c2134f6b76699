//! Incident metrics over a period. Definitions (also in the GraphQL descriptions):
//! - An incident belongs to a period by its `startedAt`; false alarms and duplicates are
//!   counted apart and left out of every other figure.
//! - MTTD = detected − started; MTTA = acknowledged − declared; MTTR = resolved − started.
//! - Medians and p90 use the nearest-rank method: the value at rank ⌈p/100 · n⌉ of the
//!   sorted sample.
//! - Weeks are ISO weeks in UTC; every week the period touches is listed, empty or not.
//! - Recurrence rate: the share of counted incidents linked as a recurrence of another.
//! - Action-item completion: items due in the period that were done by their due date,
//!   over the items due in the period.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc, Weekday};
use entity::{DetectionSource, Severity};

#[derive(Debug, Clone)]
pub struct IncidentSample {
    pub severity: Severity,
    pub started: DateTime<Utc>,
    pub detected: DateTime<Utc>,
    pub declared: DateTime<Utc>,
    pub acknowledged: Option<DateTime<Utc>>,
    pub resolved: Option<DateTime<Utc>>,
    pub false_alarm: bool,
    pub duplicate: bool,
    pub recurrence: bool,
    pub detection: DetectionSource,
}

#[derive(Debug, Clone)]
pub struct PostmortemSample {
    pub due: DateTime<Utc>,
    pub published: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone)]
pub struct ActionItemSample {
    pub due: DateTime<Utc>,
    pub completed: Option<DateTime<Utc>>,
    pub done: bool,
}

/// Mean, median and p90 of a sample of durations, in seconds.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub mean: f64,
    pub median: i64,
    pub p90: i64,
    pub n: usize,
}

/// The value at rank ⌈p · n⌉ (1-based) of a sorted, non-empty sample.
pub fn nearest_rank(sorted: &[i64], percent: u32) -> i64 {
    let n = sorted.len();
    let rank = (u64::from(percent) * n as u64).div_ceil(100).max(1) as usize;
    sorted[rank.min(n) - 1]
}

pub fn summarize(mut seconds: Vec<i64>) -> Option<Summary> {
    if seconds.is_empty() {
        return None;
    }
    seconds.sort_unstable();
    let n = seconds.len();
    let mean = seconds.iter().map(|&s| s as f64).sum::<f64>() / n as f64;
    Some(Summary {
        mean,
        median: nearest_rank(&seconds, 50),
        p90: nearest_rank(&seconds, 90),
        n,
    })
}

/// Monday 00:00 UTC of the ISO week holding `t`.
pub fn week_start(t: DateTime<Utc>) -> NaiveDate {
    let d = t.date_naive();
    d - Duration::days(i64::from(d.weekday().num_days_from_monday()))
}

/// ISO week label, e.g. `2026-W48`.
pub fn week_label(monday: NaiveDate) -> String {
    let w = monday.iso_week();
    format!("{}-W{:02}", w.year(), w.week())
}

#[derive(Debug, Clone, PartialEq)]
pub struct Week {
    pub label: String,
    pub start: NaiveDate,
    pub count: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub by_severity: Vec<(Severity, usize)>,
    /// Counted incidents by how they came to light, every source listed.
    pub by_detection_source: Vec<(DetectionSource, usize)>,
    pub total: usize,
    pub false_alarms: usize,
    pub mttd: Option<Summary>,
    pub mtta: Option<Summary>,
    pub mttr: Option<Summary>,
    pub weekly: Vec<Week>,
    pub recurrence_rate: Option<f64>,
    pub postmortems_due: usize,
    pub postmortems_on_time: usize,
    pub postmortems_late: usize,
    pub postmortems_overdue: usize,
    pub action_items_due: usize,
    pub action_items_done_on_time: usize,
    pub action_item_completion_rate: Option<f64>,
}

pub fn report(
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    now: DateTime<Utc>,
    incidents: &[IncidentSample],
    postmortems: &[PostmortemSample],
    action_items: &[ActionItemSample],
) -> Report {
    let in_period: Vec<&IncidentSample> = incidents
        .iter()
        .filter(|i| i.started >= from && i.started < to && !i.duplicate)
        .collect();
    let false_alarms = in_period.iter().filter(|i| i.false_alarm).count();
    let counted: Vec<&IncidentSample> = in_period.into_iter().filter(|i| !i.false_alarm).collect();
    let by_severity = [
        Severity::Sev1,
        Severity::Sev2,
        Severity::Sev3,
        Severity::Sev4,
    ]
    .into_iter()
    .map(|s| (s, counted.iter().filter(|i| i.severity == s).count()))
    .collect();
    let secs = |d: Duration| d.num_seconds().max(0);
    let mttd = summarize(
        counted
            .iter()
            .map(|i| secs(i.detected - i.started))
            .collect(),
    );
    let mtta = summarize(
        counted
            .iter()
            .filter_map(|i| i.acknowledged.map(|a| secs(a - i.declared)))
            .collect(),
    );
    let mttr = summarize(
        counted
            .iter()
            .filter_map(|i| i.resolved.map(|r| secs(r - i.started)))
            .collect(),
    );
    let mut weekly = Vec::new();
    if from < to {
        let mut monday = week_start(from);
        let last = week_start(to - Duration::nanoseconds(1));
        while monday <= last {
            let count = counted
                .iter()
                .filter(|i| week_start(i.started) == monday)
                .count();
            weekly.push(Week {
                label: week_label(monday),
                start: monday,
                count,
            });
            monday += Duration::days(7);
            debug_assert_eq!(monday.weekday(), Weekday::Mon);
        }
    }
    let total = counted.len();
    let recurrence_rate =
        (total > 0).then(|| counted.iter().filter(|i| i.recurrence).count() as f64 / total as f64);
    let postmortems_on_time = postmortems
        .iter()
        .filter(|p| p.published.is_some_and(|at| at <= p.due))
        .count();
    let postmortems_late = postmortems
        .iter()
        .filter(|p| p.published.is_some_and(|at| at > p.due))
        .count();
    let postmortems_overdue = postmortems
        .iter()
        .filter(|p| p.published.is_none() && now > p.due)
        .count();
    let due_items: Vec<&ActionItemSample> = action_items
        .iter()
        .filter(|a| a.due >= from && a.due < to)
        .collect();
    let done_on_time = due_items
        .iter()
        .filter(|a| a.done && a.completed.is_some_and(|c| c <= a.due))
        .count();
    Report {
        by_severity,
        by_detection_source: DetectionSource::ALL
            .into_iter()
            .map(|d| (d, counted.iter().filter(|i| i.detection == d).count()))
            .collect(),
        total,
        false_alarms,
        mttd,
        mtta,
        mttr,
        weekly,
        recurrence_rate,
        postmortems_due: postmortems.len(),
        postmortems_on_time,
        postmortems_late,
        postmortems_overdue,
        action_items_due: due_items.len(),
        action_items_done_on_time: done_on_time,
        action_item_completion_rate: (!due_items.is_empty())
            .then(|| done_on_time as f64 / due_items.len() as f64),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(d: u32, h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, d, h, m, 0).unwrap()
    }

    fn inc(
        start: DateTime<Utc>,
        detect_min: i64,
        ack_min: Option<i64>,
        resolve_min: Option<i64>,
    ) -> IncidentSample {
        IncidentSample {
            severity: Severity::Sev2,
            started: start,
            detected: start + Duration::minutes(detect_min),
            declared: start + Duration::minutes(detect_min),
            acknowledged: ack_min.map(|m| start + Duration::minutes(detect_min + m)),
            resolved: resolve_min.map(|m| start + Duration::minutes(m)),
            false_alarm: false,
            duplicate: false,
            recurrence: false,
            detection: DetectionSource::Alert,
        }
    }

    #[test]
    fn nearest_rank_by_hand() {
        // n = 10: median is rank 5, p90 rank 9.
        let s: Vec<i64> = (1..=10).collect();
        assert_eq!(nearest_rank(&s, 50), 5);
        assert_eq!(nearest_rank(&s, 90), 9);
        // n = 3: median rank 2, p90 rank 3.
        assert_eq!(nearest_rank(&[10, 20, 30], 50), 20);
        assert_eq!(nearest_rank(&[10, 20, 30], 90), 30);
        assert_eq!(nearest_rank(&[7], 90), 7);
        let sum = summarize(vec![300, 60, 120]).unwrap();
        assert_eq!((sum.median, sum.p90, sum.n), (120, 300, 3));
        assert!((sum.mean - 160.0).abs() < 1e-9);
        assert_eq!(summarize(vec![]), None);
    }

    #[test]
    fn a_small_hand_checked_period() {
        let from = at(16, 0, 0); // Monday, ISO week 47
        let to = at(30, 0, 0); // Monday, week 49 (exclusive)
        let mut alarm = inc(at(18, 10, 0), 1, None, Some(5));
        alarm.false_alarm = true;
        let mut dup = inc(at(18, 11, 0), 1, None, None);
        dup.duplicate = true;
        let mut rec = inc(at(24, 9, 0), 10, Some(2), Some(120));
        rec.recurrence = true;
        rec.severity = Severity::Sev1;
        let outside = inc(at(30, 9, 0), 1, Some(1), Some(10));
        let incidents = vec![
            inc(at(17, 12, 0), 5, Some(3), Some(60)), // MTTD 5 min, MTTA 3, MTTR 60
            rec,                                      // MTTD 10, MTTA 2, MTTR 120
            inc(at(25, 8, 0), 15, None, None),        // MTTD 15, unacknowledged, open
            alarm,
            dup,
            outside,
        ];
        let pms = vec![
            PostmortemSample {
                due: at(20, 0, 0),
                published: Some(at(19, 0, 0)),
            },
            PostmortemSample {
                due: at(26, 0, 0),
                published: None,
            },
            PostmortemSample {
                due: at(21, 0, 0),
                published: Some(at(22, 0, 0)),
            },
        ];
        let items = vec![
            ActionItemSample {
                due: at(20, 0, 0),
                completed: Some(at(19, 0, 0)),
                done: true,
            },
            ActionItemSample {
                due: at(21, 0, 0),
                completed: Some(at(22, 0, 0)),
                done: true,
            },
            ActionItemSample {
                due: at(22, 0, 0),
                completed: None,
                done: false,
            },
            ActionItemSample {
                due: at(23, 0, 0),
                completed: None,
                done: false,
            },
            ActionItemSample {
                due: at(30, 0, 0),
                completed: Some(at(24, 0, 0)),
                done: true,
            },
        ];
        let r = report(from, to, at(27, 0, 0), &incidents, &pms, &items);
        assert_eq!(r.total, 3);
        assert_eq!(r.false_alarms, 1);
        assert_eq!(r.by_severity[0], (Severity::Sev1, 1));
        assert_eq!(r.by_severity[1], (Severity::Sev2, 2));
        let mttd = r.mttd.unwrap();
        assert_eq!((mttd.median, mttd.p90, mttd.n), (600, 900, 3));
        assert!((mttd.mean - 600.0).abs() < 1e-9);
        let mtta = r.mtta.unwrap();
        assert_eq!((mtta.median, mtta.p90, mtta.n), (120, 180, 2));
        let mttr = r.mttr.unwrap();
        assert_eq!((mttr.median, mttr.p90, mttr.n), (3600, 7200, 2));
        assert_eq!(
            r.weekly,
            vec![
                Week {
                    label: "2026-W47".into(),
                    start: NaiveDate::from_ymd_opt(2026, 11, 16).unwrap(),
                    count: 1
                },
                Week {
                    label: "2026-W48".into(),
                    start: NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
                    count: 2
                },
            ]
        );
        assert!((r.recurrence_rate.unwrap() - 1.0 / 3.0).abs() < 1e-9);
        assert_eq!(
            (
                r.postmortems_due,
                r.postmortems_on_time,
                r.postmortems_late,
                r.postmortems_overdue
            ),
            (3, 1, 1, 1)
        );
        assert_eq!((r.action_items_due, r.action_items_done_on_time), (4, 1));
        assert!((r.action_item_completion_rate.unwrap() - 0.25).abs() < 1e-9);
    }

    #[test]
    fn iso_weeks_across_a_year_boundary() {
        // 2026-12-28 is Monday of 2026-W53; 2027-01-04 starts 2027-W01.
        let from = Utc.with_ymd_and_hms(2026, 12, 30, 0, 0, 0).unwrap();
        let to = Utc.with_ymd_and_hms(2027, 1, 5, 0, 0, 0).unwrap();
        let r = report(from, to, to, &[], &[], &[]);
        let labels: Vec<&str> = r.weekly.iter().map(|w| w.label.as_str()).collect();
        assert_eq!(labels, ["2026-W53", "2027-W01"]);
        assert_eq!(r.mttr, None);
        assert_eq!(r.recurrence_rate, None);
        assert_eq!(r.action_item_completion_rate, None);
    }
}
