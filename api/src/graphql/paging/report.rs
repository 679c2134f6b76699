//! The managers' on-call load report over GraphQL (the CSV at
//! `/reports/oncall-load.csv` has the same rows).

use crate::graphql::context::service_ctx;
use crate::graphql::loaders::user_object;
use crate::graphql::objects::User;
use crate::services::paging::load_report;
use async_graphql::{Context, Enum, ID, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use scheduler::paging::load::Level;
use scheduler::paging::report::{Row, Totals};

/// Most rows the report answers with.
pub const MAX_ROWS: usize = 500;

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum LoadLevel {
    /// At most `pageWarnAbove` pages in the week.
    Ok,
    /// More than `pageWarnAbove`: a warning sign.
    Warning,
    /// `pageBreachAt` or more.
    Breach,
}

fn level(l: Level) -> LoadLevel {
    match l {
        Level::Ok => LoadLevel::Ok,
        Level::Warning => LoadLevel::Warning,
        Level::Breach => LoadLevel::Breach,
    }
}

/// One person in one on-call week (ISO weeks in the organization's zone).
pub struct LoadRow(Row);

#[Object]
impl LoadRow {
    async fn user(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        user_object(ctx, Some(self.0.user)).await
    }
    async fn iso_year(&self) -> i32 {
        self.0.week.0
    }
    async fn iso_week(&self) -> i32 {
        self.0.week.1 as i32
    }
    /// Hours on call as primary (shifts of the team's schedules, overrides applied).
    async fn hours_on_call(&self) -> f64 {
        self.0.on_call.num_minutes() as f64 / 60.0
    }
    async fn pages(&self) -> i32 {
        self.0.pages as i32
    }
    /// Pages in the team's night window in the person's own zone.
    async fn night_pages(&self) -> i32 {
        self.0.night_pages as i32
    }
    /// Pages outside 09:00–17:00 Monday to Friday in the person's own zone.
    async fn out_of_hours_pages(&self) -> i32 {
        self.0.out_of_hours_pages as i32
    }
    /// Incidents of the team declared in the week with this person as Incident Commander.
    async fn incidents_led(&self) -> i32 {
        self.0.incidents_led as i32
    }
    /// Null for a week the person was neither on call nor paged.
    async fn level(&self) -> Option<LoadLevel> {
        self.0.level.map(level)
    }
    /// Rest owed after night pages, in minutes.
    async fn rest_owed_minutes(&self) -> i32 {
        self.0.rest_owed.num_minutes() as i32
    }
    /// Pay owed, in minor units (cents) of the team's currency.
    async fn compensation_minor(&self) -> i64 {
        self.0.compensation_minor
    }
}

#[derive(SimpleObject)]
pub struct LoadTotals {
    pub hours_on_call: f64,
    pub pages: i32,
    pub night_pages: i32,
    pub out_of_hours_pages: i32,
    pub incidents_led: i32,
    /// Person-weeks above the warning level.
    pub warnings: i32,
    /// Person-weeks at or above the breach level.
    pub breaches: i32,
    pub rest_owed_minutes: i32,
    pub compensation_minor: i64,
}

fn totals(t: &Totals) -> LoadTotals {
    LoadTotals {
        hours_on_call: t.on_call.num_minutes() as f64 / 60.0,
        pages: t.pages as i32,
        night_pages: t.night_pages as i32,
        out_of_hours_pages: t.out_of_hours_pages as i32,
        incidents_led: t.incidents_led as i32,
        warnings: t.warnings as i32,
        breaches: t.breaches as i32,
        rest_owed_minutes: t.rest_owed.num_minutes() as i32,
        compensation_minor: t.compensation_minor,
    }
}

#[derive(SimpleObject)]
pub struct WeekTrend {
    pub iso_year: i32,
    pub iso_week: i32,
    pub totals: LoadTotals,
}

/// An alert source by how much it paged: every page must be actionable.
#[derive(SimpleObject)]
pub struct NoisySource {
    /// The integration's name (or `manual`, `incident`).
    pub source: String,
    /// The alert's name at the source.
    pub name: String,
    pub alerts: i32,
    pub pages: i32,
    /// Acknowledged alerts out of all, 0 to 1.
    pub acknowledgement_rate: f64,
    pub median_seconds_to_acknowledge: Option<i64>,
    /// Resolved by their source before anyone acknowledged.
    pub resolved_unacknowledged: i32,
}

impl From<&scheduler::paging::report::Source> for NoisySource {
    fn from(s: &scheduler::paging::report::Source) -> Self {
        NoisySource {
            source: s.source.clone(),
            name: s.name.clone(),
            alerts: s.alerts as i32,
            pages: s.pages as i32,
            acknowledgement_rate: f64::from(s.acknowledged_permille) / 1000.0,
            median_seconds_to_acknowledge: s.median_time_to_acknowledge.map(|d| d.num_seconds()),
            resolved_unacknowledged: s.resolved_unacknowledged as i32,
        }
    }
}

pub struct LoadReport(load_report::LoadReport);

#[Object]
impl LoadReport {
    async fn team_id(&self) -> ID {
        ID(self.0.team.id.to_string())
    }
    /// ISO-4217 code of the compensation amounts.
    async fn currency(&self) -> &str {
        &self.0.currency
    }
    /// Per person and week, by week then person (at most 500 rows: 14 weeks of 35
    /// people; ask for a shorter range for more people).
    #[graphql(complexity = "MAX_ROWS * child_complexity")]
    async fn rows(&self) -> Vec<LoadRow> {
        self.0
            .report
            .rows
            .iter()
            .take(MAX_ROWS)
            .cloned()
            .map(LoadRow)
            .collect()
    }
    async fn totals(&self) -> LoadTotals {
        totals(&self.0.report.totals)
    }
    /// The team's totals per week, oldest first.
    #[graphql(complexity = "15 * child_complexity")]
    async fn trend(&self) -> Vec<WeekTrend> {
        self.0
            .report
            .trend
            .iter()
            .map(|(w, t)| WeekTrend {
                iso_year: w.0,
                iso_week: w.1 as i32,
                totals: totals(t),
            })
            .collect()
    }
    /// The ten alert sources that paged most.
    #[graphql(complexity = "10 * child_complexity")]
    async fn noisiest_sources(&self) -> Vec<NoisySource> {
        self.0
            .report
            .sources
            .iter()
            .map(NoisySource::from)
            .collect()
    }
}

#[derive(Default)]
pub struct ReportQuery;

#[Object]
impl ReportQuery {
    /// Managers and admins: the team's on-call load from `from` to `to` (at most 93 days).
    #[graphql(complexity = "10 * crate::graphql::cost::STATEMENT + child_complexity")]
    async fn on_call_load_report(
        &self,
        ctx: &Context<'_>,
        team_id: ID,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<LoadReport> {
        Ok(LoadReport(
            load_report::load_report(service_ctx(ctx), &team_id, from, to).await?,
        ))
    }
}
