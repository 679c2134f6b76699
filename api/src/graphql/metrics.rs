//! `incidentMetrics`: response metrics over a period.

use super::context::service_ctx;
use crate::services::metrics::{self, Figures, MetricsFilter};
use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use entity::{DetectionSource, Severity};
use scheduler::domain::metrics::Summary;

#[derive(InputObject)]
pub struct IncidentMetricsFilter {
    /// Start of the period (inclusive). An incident belongs to the period of its `startedAt`.
    pub from: DateTime<Utc>,
    /// End of the period (exclusive).
    pub to: DateTime<Utc>,
    pub team_id: Option<ID>,
    pub service_id: Option<ID>,
    pub severity: Option<Severity>,
}

/// Mean, median and 90th percentile of a duration, in seconds. Median and p90 use the
/// nearest-rank method (the value at rank ⌈p/100 · n⌉ of the sorted sample).
#[derive(SimpleObject)]
pub struct DurationStats {
    pub mean_seconds: f64,
    pub median_seconds: i32,
    pub p90_seconds: i32,
    /// How many incidents the figures are computed from.
    pub sample_size: i32,
}

impl From<Summary> for DurationStats {
    fn from(s: Summary) -> Self {
        Self {
            mean_seconds: s.mean,
            median_seconds: scheduler::domain::instant::graphql_int(s.median),
            p90_seconds: scheduler::domain::instant::graphql_int(s.p90),
            sample_size: i32::try_from(s.n).unwrap_or(i32::MAX),
        }
    }
}

/// Incidents counted in the period that came to light one way.
#[derive(SimpleObject)]
pub struct DetectionCount {
    pub source: DetectionSource,
    pub count: i32,
}

#[derive(SimpleObject)]
pub struct SeverityCount {
    pub severity: Severity,
    pub count: i32,
}

/// Incidents started in one ISO week (in the organization's time zone).
#[derive(SimpleObject)]
pub struct WeeklyCount {
    /// ISO week, e.g. `2026-W48`.
    pub week: String,
    /// The week's Monday.
    pub week_start: NaiveDate,
    pub count: i32,
}

#[derive(SimpleObject)]
pub struct PostmortemFigures {
    /// Postmortems of the period's incidents.
    pub due: i32,
    /// Published by their deadline.
    pub done_on_time: i32,
    /// Published after their deadline.
    pub done_late: i32,
    /// Not published and past their deadline now.
    pub overdue: i32,
    /// Not published and not yet due: doneOnTime + doneLate + overdue + pending = due.
    pub pending: i32,
}

#[derive(SimpleObject)]
pub struct IncidentMetrics {
    /// Incidents started in the period, false alarms and duplicates excluded. Every figure
    /// counts an incident by its highest severity (the one it owed a postmortem by).
    pub total: i32,
    pub by_severity: Vec<SeverityCount>,
    /// Counted incidents by how they came to light (every source listed, zeros included):
    /// how often customers told us before monitoring did.
    pub by_detection_source: Vec<DetectionCount>,
    /// Incidents started in the period and closed as false alarms (counted apart).
    pub false_alarms: i32,
    /// falseAlarms / (total + falseAlarms).
    pub false_alarm_rate: Option<f64>,
    /// Incidents started in the period and closed as duplicates (counted apart).
    pub duplicates: i32,
    /// Counted incidents whose start nobody gave: their time to detect is unknown, so they
    /// are left out of `mttd` (not counted as zero).
    pub start_unknown: i32,
    /// Time to detect: started → detected, incidents with a known start only.
    pub mttd: Option<DurationStats>,
    /// Counted incidents nobody was paged about (SEV4 tickets, alerts nobody could be
    /// reached for): left out of `mtta`.
    pub not_paged: i32,
    /// Time to acknowledge: first page → acknowledgement, incidents someone was paged
    /// about only.
    pub mtta: Option<DurationStats>,
    /// Time to mitigate: started → mitigated (service restored; DORA's time to restore).
    pub mttm: Option<DurationStats>,
    /// Time to resolve: started → resolved, monitoring included (resolved incidents only).
    pub mttr: Option<DurationStats>,
    /// Counted incidents not resolved yet: their durations are not in the figures above.
    pub open_incidents: i32,
    /// How long the oldest open incident has been going, in seconds (null: none open).
    pub oldest_open_seconds: Option<i32>,
    /// Every ISO week (in the organization's time zone) the period touches, with the
    /// incidents started in it.
    pub weekly: Vec<WeeklyCount>,
    /// Share of the counted incidents linked as a recurrence of an earlier one.
    pub recurrence_rate: Option<f64>,
    pub postmortems: PostmortemFigures,
    /// Action items (of incidents in scope) due in the period.
    pub action_items_due: i32,
    /// Of those, not yet due now: left out of both rates.
    pub action_items_not_yet_due: i32,
    /// Of those past due, closed (done or won't do).
    pub action_items_closed: i32,
    /// Of those past due, done by their due date.
    pub action_items_done_on_time: i32,
    /// Closed / past due (done and won't do both close an item).
    pub action_item_completion_rate: Option<f64>,
    /// Done by the due date / past due.
    pub action_item_on_time_rate: Option<f64>,
}

/// The figures the query selects (aliases and fragments included), so the others are not
/// read. A field this does not know (one added later) reads everything: a name missed
/// here costs time, never a wrong figure.
fn wanted(ctx: &Context<'_>) -> Figures {
    let mut wanted = Figures::NONE;
    for field in ctx.field().selection_set() {
        match field.name() {
            "mtta" | "notPaged" => wanted.acknowledgement = true,
            "recurrenceRate" => wanted.recurrences = true,
            "postmortems" => wanted.postmortems = true,
            "actionItemsDue"
            | "actionItemsNotYetDue"
            | "actionItemsClosed"
            | "actionItemsDoneOnTime"
            | "actionItemCompletionRate"
            | "actionItemOnTimeRate" => wanted.action_items = true,
            // Computed from the incidents alone.
            "__typename" | "total" | "bySeverity" | "byDetectionSource" | "falseAlarms"
            | "falseAlarmRate" | "duplicates" | "startUnknown" | "mttd" | "mttm" | "mttr"
            | "openIncidents" | "oldestOpenSeconds" | "weekly" => {}
            _ => return Figures::ALL,
        }
    }
    wanted
}

fn int(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

#[derive(Default)]
pub struct MetricsQuery;

#[Object]
impl MetricsQuery {
    /// Response metrics over a period (at most five years); restricted incidents count only
    /// for those who may see them.
    #[graphql(complexity = "crate::graphql::cost::METRICS + child_complexity")]
    async fn incident_metrics(
        &self,
        ctx: &Context<'_>,
        filter: IncidentMetricsFilter,
    ) -> Result<IncidentMetrics> {
        let r = metrics::incident_metrics(
            service_ctx(ctx),
            &MetricsFilter {
                from: filter.from,
                to: filter.to,
                team_id: filter.team_id.map(|i| i.0),
                service_id: filter.service_id.map(|i| i.0),
                severity: filter.severity,
            },
            wanted(ctx),
        )
        .await?;
        Ok(IncidentMetrics {
            total: int(r.total),
            by_severity: r
                .by_severity
                .into_iter()
                .map(|(severity, n)| SeverityCount {
                    severity,
                    count: int(n),
                })
                .collect(),
            by_detection_source: r
                .by_detection_source
                .into_iter()
                .map(|(source, n)| DetectionCount {
                    source,
                    count: int(n),
                })
                .collect(),
            false_alarms: int(r.false_alarms),
            false_alarm_rate: r.false_alarm_rate,
            duplicates: int(r.duplicates),
            start_unknown: int(r.start_unknown),
            not_paged: int(r.not_paged),
            mttd: r.mttd.map(Into::into),
            mtta: r.mtta.map(Into::into),
            mttm: r.mttm.map(Into::into),
            mttr: r.mttr.map(Into::into),
            open_incidents: int(r.open),
            oldest_open_seconds: r
                .oldest_open_seconds
                .map(scheduler::domain::instant::graphql_int),
            weekly: r
                .weekly
                .into_iter()
                .map(|w| WeeklyCount {
                    week: w.label,
                    week_start: w.start,
                    count: int(w.count),
                })
                .collect(),
            recurrence_rate: r.recurrence_rate,
            postmortems: PostmortemFigures {
                due: int(r.postmortems_due),
                done_on_time: int(r.postmortems_on_time),
                done_late: int(r.postmortems_late),
                overdue: int(r.postmortems_overdue),
                pending: int(r.postmortems_pending),
            },
            action_items_due: int(r.action_items_due),
            action_items_not_yet_due: int(r.action_items_not_yet_due),
            action_items_closed: int(r.action_items_closed),
            action_items_done_on_time: int(r.action_items_done_on_time),
            action_item_completion_rate: r.action_item_completion_rate,
            action_item_on_time_rate: r.action_item_on_time_rate,
        })
    }
}
