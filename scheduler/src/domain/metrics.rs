//! Incident metrics over a period. Definitions (also in the GraphQL descriptions):
//! - An incident belongs to a period by its `startedAt`, and counts by its highest
//!   severity (the one it owed a postmortem by); false alarms and duplicates are counted
//!   apart and left out of every other figure.
//! - Time to detect = detected − started, only for incidents whose start was given
//!   (unknown is not zero: the others are counted as "start unknown"); time to
//!   acknowledge = acknowledged − first page, for incidents someone was paged about (the
//!   others, such as SEV4 tickets, are counted as "not paged" and left out); time to
//!   mitigate = mitigated − started (service restored: DORA's "time to restore"); time to
//!   resolve = resolved − started (monitoring included).
//! - Open incidents and the age of the oldest are reported beside the closed ones'
//!   durations, so a period is never flattered by leaving the long ones out.
//! - Medians and p90 use the nearest-rank method: the value at rank ⌈p/100 · n⌉ of the
//!   sorted sample.
//! - Weeks are ISO weeks in the organization's time zone; every week the period touches
//!   is listed, empty or not.
//! - Recurrence rate: the share of counted incidents linked as a recurrence of another.
//! - Postmortems: on time + late + overdue + pending (not published, not yet due) = due.
//! - Action items due in the period and already past due: completion = closed (done or
//!   won't do) / past due; on time = done by the due date / past due; items not yet due
//!   are reported apart and left out of both rates.

use chrono_tz::Tz;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc, Weekday};
use entity::{DetectionSource, Severity};

#[derive(Debug, Clone)]
pub struct IncidentSample {
    pub severity: Severity,
    pub started: DateTime<Utc>,
    pub detected: DateTime<Utc>,
    pub declared: DateTime<Utc>,
    pub acknowledged: Option<DateTime<Utc>>,
    /// The first page about it, if anyone was paged.
    pub first_paged: Option<DateTime<Utc>>,
    pub mitigated: Option<DateTime<Utc>>,
    pub resolved: Option<DateTime<Utc>>,
    /// Whether someone said when impact began (otherwise `started` is the detection).
    pub start_known: bool,
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
    /// Done or won't do.
    pub closed: bool,
    /// Its due date was moved after it had already passed: a miss the new date cannot hide.
    pub missed_earlier: bool,
}

/// Whether a due-date change came after the date it moved away from: the item was already
/// late, and stays counted as not on time.
pub fn moved_after_missing(from_due: DateTime<Utc>, changed_at: DateTime<Utc>) -> bool {
    changed_at > from_due
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

/// The Monday of the ISO week holding `t`, in the zone `tz`.
pub fn week_start(t: DateTime<Utc>, tz: Tz) -> NaiveDate {
    let d = t.with_timezone(&tz).date_naive();
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
    /// false alarms / (counted + false alarms).
    pub false_alarm_rate: Option<f64>,
    pub duplicates: usize,
    /// Counted incidents whose start nobody gave (left out of time to detect).
    pub start_unknown: usize,
    /// Counted incidents nobody was paged about (left out of time to acknowledge).
    pub not_paged: usize,
    pub mttd: Option<Summary>,
    pub mtta: Option<Summary>,
    pub mttm: Option<Summary>,
    pub mttr: Option<Summary>,
    /// Counted incidents not resolved yet, and how long the oldest has been going (s).
    pub open: usize,
    pub oldest_open_seconds: Option<i64>,
    pub weekly: Vec<Week>,
    pub recurrence_rate: Option<f64>,
    pub postmortems_due: usize,
    pub postmortems_on_time: usize,
    pub postmortems_late: usize,
    pub postmortems_overdue: usize,
    pub postmortems_pending: usize,
    pub action_items_due: usize,
    pub action_items_not_yet_due: usize,
    pub action_items_closed: usize,
    pub action_items_done_on_time: usize,
    pub action_item_completion_rate: Option<f64>,
    pub action_item_on_time_rate: Option<f64>,
}

#[allow(clippy::too_many_arguments)]
pub fn report(
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    now: DateTime<Utc>,
    tz: Tz,
    incidents: &[IncidentSample],
    postmortems: &[PostmortemSample],
    action_items: &[ActionItemSample],
) -> Report {
    let started_in_period: Vec<&IncidentSample> = incidents
        .iter()
        .filter(|i| i.started >= from && i.started < to)
        .collect();
    let duplicates = started_in_period.iter().filter(|i| i.duplicate).count();
    let in_period: Vec<&IncidentSample> = started_in_period
        .into_iter()
        .filter(|i| !i.duplicate)
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
            .filter(|i| i.start_known)
            .map(|i| secs(i.detected - i.started))
            .collect(),
    );
    let start_unknown = counted.iter().filter(|i| !i.start_known).count();
    let not_paged = counted.iter().filter(|i| i.first_paged.is_none()).count();
    let mttm = summarize(
        counted
            .iter()
            .filter_map(|i| i.mitigated.map(|m| secs(m - i.started)))
            .collect(),
    );
    let open: Vec<&&IncidentSample> = counted.iter().filter(|i| i.resolved.is_none()).collect();
    let oldest_open_seconds = open.iter().map(|i| secs(now - i.started)).max();
    let mtta = summarize(
        counted
            .iter()
            // Acknowledged before anyone was paged (a ticket raised later): zero, not less.
            .filter_map(|i| {
                i.acknowledged
                    .zip(i.first_paged)
                    .map(|(a, p)| secs((a - p).max(Duration::zero())))
            })
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
        let mut monday = week_start(from, tz);
        let last = week_start(to - Duration::nanoseconds(1), tz);
        while monday <= last {
            let count = counted
                .iter()
                .filter(|i| week_start(i.started, tz) == monday)
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
    let postmortems_pending = postmortems
        .iter()
        .filter(|p| p.published.is_none() && now <= p.due)
        .count();
    let due_items: Vec<&ActionItemSample> = action_items
        .iter()
        .filter(|a| a.due >= from && a.due < to)
        .collect();
    let past_due: Vec<&&ActionItemSample> = due_items.iter().filter(|a| a.due <= now).collect();
    let closed = past_due.iter().filter(|a| a.closed).count();
    let done_on_time = past_due
        .iter()
        .filter(|a| a.done && !a.missed_earlier && a.completed.is_some_and(|c| c <= a.due))
        .count();
    let rate = |n: usize| (!past_due.is_empty()).then(|| n as f64 / past_due.len() as f64);
    Report {
        by_severity,
        by_detection_source: DetectionSource::ALL
            .into_iter()
            .map(|d| (d, counted.iter().filter(|i| i.detection == d).count()))
            .collect(),
        total,
        false_alarms,
        false_alarm_rate: (total + false_alarms > 0)
            .then(|| false_alarms as f64 / (total + false_alarms) as f64),
        duplicates,
        start_unknown,
        not_paged,
        mttd,
        mtta,
        mttm,
        mttr,
        open: open.len(),
        oldest_open_seconds,
        weekly,
        recurrence_rate,
        postmortems_due: postmortems.len(),
        postmortems_on_time,
        postmortems_late,
        postmortems_overdue,
        postmortems_pending,
        action_items_due: due_items.len(),
        action_items_not_yet_due: due_items.len() - past_due.len(),
        action_items_closed: closed,
        action_items_done_on_time: done_on_time,
        action_item_completion_rate: rate(closed),
        action_item_on_time_rate: rate(done_on_time),
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
            // Paged at the declaration.
            first_paged: Some(start + Duration::minutes(detect_min)),
            mitigated: resolve_min.map(|m| start + Duration::minutes(m / 2)),
            resolved: resolve_min.map(|m| start + Duration::minutes(m)),
            start_known: true,
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
            {
                // Start not given: out of time to detect, counted as unknown.
                let mut i = inc(at(26, 8, 0), 0, Some(4), Some(30));
                i.start_known = false;
                i
            },
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
                closed: true,
                missed_earlier: false,
            },
            ActionItemSample {
                due: at(21, 0, 0),
                completed: Some(at(22, 0, 0)),
                done: true,
                closed: true,
                missed_earlier: false,
            },
            ActionItemSample {
                due: at(22, 0, 0),
                completed: None,
                done: false,
                closed: true, // won't do
                missed_earlier: false,
            },
            ActionItemSample {
                due: at(23, 0, 0),
                completed: None,
                done: false,
                closed: false,
                missed_earlier: false,
            },
            ActionItemSample {
                due: at(28, 0, 0), // due in the period, not yet due at the 27th
                completed: None,
                done: false,
                closed: false,
                missed_earlier: false,
            },
            ActionItemSample {
                due: at(30, 0, 0),
                completed: Some(at(24, 0, 0)),
                done: true,
                closed: true,
                missed_earlier: false,
            },
        ];
        let r = report(
            from,
            to,
            at(27, 0, 0),
            chrono_tz::UTC,
            &incidents,
            &pms,
            &items,
        );
        assert_eq!(r.total, 4);
        assert_eq!(r.false_alarms, 1);
        assert!((r.false_alarm_rate.unwrap() - 0.2).abs() < 1e-9);
        assert_eq!(r.duplicates, 1);
        assert_eq!(r.by_severity[0], (Severity::Sev1, 1));
        assert_eq!(r.by_severity[1], (Severity::Sev2, 3));
        assert_eq!(r.start_unknown, 1);
        let mttd = r.mttd.unwrap();
        assert_eq!((mttd.median, mttd.p90, mttd.n), (600, 900, 3));
        assert!((mttd.mean - 600.0).abs() < 1e-9);
        let mtta = r.mtta.unwrap();
        assert_eq!((mtta.median, mtta.p90, mtta.n), (180, 240, 3));
        // Mitigated at half the resolution time: 30, 60 and 15 minutes.
        let mttm = r.mttm.unwrap();
        assert_eq!((mttm.median, mttm.p90, mttm.n), (1800, 3600, 3));
        let mttr = r.mttr.unwrap();
        assert_eq!((mttr.median, mttr.p90, mttr.n), (3600, 7200, 3));
        // One open: started on the 25th at 08:00, 40 hours before the 27th.
        assert_eq!((r.open, r.oldest_open_seconds), (1, Some(40 * 3600)));
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
                    count: 3
                },
            ]
        );
        assert!((r.recurrence_rate.unwrap() - 0.25).abs() < 1e-9);
        assert_eq!(
            (
                r.postmortems_due,
                r.postmortems_on_time,
                r.postmortems_late,
                r.postmortems_overdue,
                r.postmortems_pending
            ),
            (3, 1, 1, 1, 0)
        );
        // Due in the period: 5; not yet due: 1; past due: 4, of which closed 3 (two done,
        // one won't do), done on time 1.
        assert_eq!(
            (
                r.action_items_due,
                r.action_items_not_yet_due,
                r.action_items_closed,
                r.action_items_done_on_time
            ),
            (5, 1, 3, 1)
        );
        assert!((r.action_item_completion_rate.unwrap() - 0.75).abs() < 1e-9);
        assert!((r.action_item_on_time_rate.unwrap() - 0.25).abs() < 1e-9);
    }

    #[test]
    fn moving_a_passed_date_does_not_hide_the_miss() {
        assert!(moved_after_missing(at(20, 0, 0), at(21, 0, 0)));
        assert!(!moved_after_missing(at(20, 0, 0), at(19, 0, 0)));
        let item = |missed_earlier| ActionItemSample {
            due: at(25, 0, 0),
            completed: Some(at(24, 0, 0)),
            done: true,
            closed: true,
            missed_earlier,
        };
        let r = report(
            at(16, 0, 0),
            at(30, 0, 0),
            at(27, 0, 0),
            chrono_tz::UTC,
            &[],
            &[],
            &[item(false), item(true)],
        );
        assert_eq!((r.action_items_closed, r.action_items_done_on_time), (2, 1));
    }

    #[test]
    fn weeks_are_the_organizations_weeks() {
        // Sunday 2026-11-22 20:00 UTC is already Monday 01:30 in Kolkata: week 48 there,
        // week 47 in UTC.
        let started = Utc.with_ymd_and_hms(2026, 11, 22, 20, 0, 0).unwrap();
        let i = inc(started, 1, None, None);
        let from = at(16, 0, 0);
        let to = at(30, 0, 0);
        let utc = report(
            from,
            to,
            to,
            chrono_tz::UTC,
            std::slice::from_ref(&i),
            &[],
            &[],
        );
        let ist = report(from, to, to, chrono_tz::Asia::Kolkata, &[i], &[], &[]);
        assert_eq!((utc.weekly[0].count, utc.weekly[1].count), (1, 0));
        assert_eq!((ist.weekly[0].count, ist.weekly[1].count), (0, 1));
    }

    #[test]
    fn iso_weeks_across_a_year_boundary() {
        // 2026-12-28 is Monday of 2026-W53; 2027-01-04 starts 2027-W01.
        let from = Utc.with_ymd_and_hms(2026, 12, 30, 0, 0, 0).unwrap();
        let to = Utc.with_ymd_and_hms(2027, 1, 5, 0, 0, 0).unwrap();
        let r = report(from, to, to, chrono_tz::UTC, &[], &[], &[]);
        let labels: Vec<&str> = r.weekly.iter().map(|w| w.label.as_str()).collect();
        assert_eq!(labels, ["2026-W53", "2027-W01"]);
        assert_eq!(r.mttr, None);
        assert_eq!(r.recurrence_rate, None);
        assert_eq!(r.action_item_completion_rate, None);
    }
}
