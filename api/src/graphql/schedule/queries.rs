//! Reading schedules: the schedules themselves, who is on call, shifts, coverage, a
//! person's shifts, handoffs and overrides. Ranges are at most 93 days.

use super::handoff::Handoff;
use super::{Schedule, ScheduleLayer, ScheduleOverride, Shift, loaders, shift};
use crate::graphql::connection::{ListConnection, NodeSelection, from_page};
use crate::graphql::context::service_ctx;
use crate::graphql::cost::STATEMENT;
use crate::services::ServiceError;
use crate::services::pagination::PageRequest;
use crate::services::schedules::{self, overrides, queries};
use async_graphql::{Context, Enum, ID, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use scheduler::domain::reason::Reason;
use scheduler::oncall::coverage::{Cause, Interval};
use scheduler::oncall::rules::MAX_LAYERS;
use std::sync::Arc;

/// Most shifts one answer holds; a range with more is refused (ask for a shorter one).
pub const MAX_SHIFTS: usize = 2_000;

/// Most gaps, and most overlaps, one coverage answer holds; more is refused likewise.
pub const MAX_INTERVALS: usize = 500;

fn capped(shifts: &[scheduler::oncall::Shift]) -> Result<()> {
    if shifts.len() > MAX_SHIFTS {
        return Err(ServiceError::invalid(
            Reason::RangeTooLong,
            format!("the range holds more than {MAX_SHIFTS} shifts: ask for a shorter one"),
        )
        .into());
    }
    Ok(())
}

/// Who is on call on one layer at the instant asked about.
pub struct LayerOnCall {
    layer: ScheduleLayer,
    on: scheduler::oncall::OnCall,
    /// The layers' names and the people on call, read once for the whole answer.
    shared: Arc<shift::Shared>,
}

#[Object]
impl LayerOnCall {
    async fn layer(&self) -> &ScheduleLayer {
        &self.layer
    }
    /// The primary's shift holding the instant, whole (as far as 400 days either side);
    /// null in a gap.
    async fn primary(&self) -> Option<Shift> {
        let shift = self.on.primary.clone()?;
        Some(Shift::new(shift, self.shared.clone()))
    }
    async fn shadows(&self) -> Vec<Shift> {
        let shifts = self.on.shadows.iter().cloned();
        shifts.map(|s| Shift::new(s, self.shared.clone())).collect()
    }
    /// Whether the layer's window is open at the instant.
    async fn in_window(&self) -> bool {
        self.on.in_window
    }
    /// Why nobody is on call, when nobody is: `EMPTY_LAYER` (no primary members),
    /// `OUTSIDE_WINDOW` (a gap: the window is closed or the rotation has not started).
    async fn gap(&self) -> Option<GapKind> {
        match &self.on.primary {
            Some(_) => None,
            None if self.layer.members.iter().all(|m| m.shadow) => Some(GapKind::EmptyLayer),
            None => Some(GapKind::OutsideWindow),
        }
    }
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum GapKind {
    EmptyLayer,
    OutsideWindow,
}

/// Who is on call on each layer of a schedule at an instant.
pub struct WhoIsOnCall(queries::WhoIsOnCall);

#[Object]
impl WhoIsOnCall {
    async fn schedule(&self) -> Schedule {
        Schedule(self.0.schedule.clone())
    }
    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }
    async fn layers(&self, ctx: &Context<'_>) -> Result<Vec<LayerOnCall>> {
        let layers = &self.0.layers;
        let ahead = ctx.look_ahead();
        let people = ["primary", "shadows"]
            .iter()
            .any(|f| ahead.field(f).field("user").exists())
            .then(|| {
                (layers.iter())
                    .flat_map(|(_, _, on)| on.primary.iter().chain(&on.shadows))
                    .map(|s| s.user)
                    .collect()
            });
        let shared = shift::Shared::read(ctx, layers.iter().map(|(row, _, _)| row), people).await?;
        Ok(self
            .0
            .layers
            .iter()
            .map(|(row, members, on)| LayerOnCall {
                layer: ScheduleLayer {
                    row: row.clone(),
                    members: members.clone(),
                    min: self.0.min_rotation_size,
                },
                on: on.clone(),
                shared: shared.clone(),
            })
            .collect())
    }
    /// True when no layer has anyone on call: a page now would reach nobody.
    async fn nobody_on_call(&self) -> bool {
        self.0.layers.iter().all(|(_, _, on)| on.primary.is_none())
    }
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum CoverageCause {
    /// The windows as configured leave it all year.
    Schedule,
    /// It exists because a zone is on daylight-saving time (regions change clocks on
    /// different dates, or only some of them do).
    ClockChange,
}

/// A span with nobody on call (gap) or several layers at once (overlap).
#[derive(SimpleObject)]
pub struct CoverageInterval {
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// For overlaps, the layers on call together.
    pub layer_ids: Vec<ID>,
    pub cause: CoverageCause,
    /// Zones of the schedule's layers on daylight-saving time when it starts.
    pub zones_in_dst: Vec<String>,
}

fn interval(i: Interval) -> CoverageInterval {
    CoverageInterval {
        starts_at: i.span.start,
        ends_at: i.span.end,
        layer_ids: i.layers.iter().map(|l| ID(l.to_string())).collect(),
        cause: match i.cause {
            Cause::Schedule => CoverageCause::Schedule,
            Cause::ClockChange => CoverageCause::ClockChange,
        },
        zones_in_dst: i.zones_in_dst.iter().map(|z| z.name().to_owned()).collect(),
    }
}

#[derive(SimpleObject)]
pub struct Coverage {
    pub gaps: Vec<CoverageInterval>,
    pub overlaps: Vec<CoverageInterval>,
}

/// A shift of the caller with its schedule.
pub struct MyShift(uuid::Uuid, scheduler::oncall::Shift);

#[Object]
impl MyShift {
    async fn schedule(&self, ctx: &Context<'_>) -> Result<Schedule> {
        super::schedule_object(ctx, self.0).await
    }
    async fn shift(&self) -> Shift {
        Shift::alone(self.1.clone())
    }
}

/// Loads what a page of schedules is asked for (teams, layers with members, the members'
/// people) and primes the request's loaders: the same statements whatever the page's size
/// and however the loaders would batch.
async fn prefetch(ctx: &Context<'_>, rows: &[entity::schedule::Model]) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let nodes = NodeSelection::of(ctx);
    let wants = |f: &str| nodes.wants(&[f]);
    let db = &crate::graphql::context::data(ctx).db;
    let cache = loaders(ctx);
    if wants("team") || wants("isDefault") || wants("layers") {
        let ids: Vec<uuid::Uuid> = rows.iter().map(|s| s.team_id).collect();
        crate::graphql::loaders::prime_teams(ctx, &ids).await?;
    }
    if wants("layers") {
        let ids: Vec<uuid::Uuid> = rows.iter().map(|s| s.id).collect();
        let layers = schedules::layers_of(db.conn(), &ids).await?;
        if nodes.wants(&["layers", "members", "user"]) {
            let people: Vec<uuid::Uuid> = layers
                .iter()
                .flat_map(|(_, m)| m.iter().map(|m| m.user_id))
                .collect();
            crate::graphql::loaders::prime_users(ctx, &people).await?;
        }
        let grouped = crate::graphql::loaders::with_empty(
            &ids,
            crate::graphql::loaders::group(layers, |(l, _)| l.schedule_id),
        );
        cache.schedule_layers.feed_many(grouped).await;
    }
    Ok(())
}

#[derive(Default)]
pub struct ScheduleQuery;

#[Object]
impl ScheduleQuery {
    #[graphql(complexity = "STATEMENT + child_complexity")]
    async fn schedule(&self, ctx: &Context<'_>, id: ID) -> Result<Schedule> {
        Ok(Schedule(schedules::get(service_ctx(ctx), &id).await?))
    }

    /// Schedules, of one team or all, in creation order.
    #[graphql(complexity = "STATEMENT + crate::graphql::cost::page(first) * child_complexity")]
    async fn schedules(
        &self,
        ctx: &Context<'_>,
        team_id: Option<ID>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<ListConnection<Schedule>> {
        let page = PageRequest::new(first, after.as_deref())?;
        let result = schedules::list(
            service_ctx(ctx),
            team_id.as_ref().map(|i| i.as_str()),
            &page,
        )
        .await?;
        loaders(ctx)
            .schedules
            .feed_many(result.items.iter().map(|s| (s.id, s.clone())))
            .await;
        prefetch(ctx, &result.items).await?;
        Ok(from_page(
            result,
            page.after.is_some(),
            |s| s.id.to_string(),
            Schedule,
        ))
    }

    /// Who is on call for a team (its default schedule, or `scheduleId`) at `at`
    /// (default now): per layer the primary and the shadows with their shifts, and gaps.
    /// Null when the team has no schedule.
    #[graphql(complexity = "5 * STATEMENT + MAX_LAYERS * child_complexity")]
    async fn who_is_on_call(
        &self,
        ctx: &Context<'_>,
        team_id: ID,
        schedule_id: Option<ID>,
        at: Option<DateTime<Utc>>,
    ) -> Result<Option<WhoIsOnCall>> {
        let s = service_ctx(ctx);
        let found =
            queries::who_is_on_call(s, &team_id, schedule_id.as_ref().map(|i| i.as_str()), at)
                .await?;
        Ok(found.map(WhoIsOnCall))
    }

    /// The shifts from `from` to `to` (at most 93 days; at most 2,000 shifts), overrides
    /// applied, touching shifts of one person merged, clipped to the range.
    #[graphql(complexity = "3 * STATEMENT + MAX_SHIFTS * child_complexity")]
    async fn shifts(
        &self,
        ctx: &Context<'_>,
        schedule_id: ID,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<Shift>> {
        let found = queries::shifts(service_ctx(ctx), &schedule_id, from, to).await?;
        capped(&found.shifts)?;
        let people = (ctx.look_ahead().field("user").exists())
            .then(|| found.shifts.iter().map(|s| s.user).collect());
        let shared = shift::Shared::read(ctx, &found.layers, people).await?;
        let shifts = found.shifts.into_iter();
        Ok(shifts.map(|s| Shift::new(s, shared.clone())).collect())
    }

    /// Gaps (nobody on call) and overlaps (several layers at once) from `from` to `to`
    /// (at most 93 days; at most 500 of each), with their cause: a gap or overlap partly
    /// made by a clock change comes as the part the schedule has all year (`SCHEDULE`)
    /// and the part the change adds (`CLOCK_CHANGE`).
    #[graphql(complexity = "3 * STATEMENT + 2 * MAX_INTERVALS * child_complexity")]
    async fn coverage(
        &self,
        ctx: &Context<'_>,
        schedule_id: ID,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Coverage> {
        let c = queries::coverage(service_ctx(ctx), &schedule_id, from, to).await?;
        if c.gaps.len() > MAX_INTERVALS || c.overlaps.len() > MAX_INTERVALS {
            return Err(ServiceError::invalid(
                Reason::RangeTooLong,
                format!("the range holds more than {MAX_INTERVALS} gaps or overlaps: ask for a shorter one"),
            )
            .into());
        }
        Ok(Coverage {
            gaps: c.gaps.into_iter().map(interval).collect(),
            overlaps: c.overlaps.into_iter().map(interval).collect(),
        })
    }

    /// The caller's shifts from `from` to `to` (at most 93 days) across all their
    /// schedules, primary and shadow.
    #[graphql(complexity = "6 * STATEMENT + MAX_SHIFTS * child_complexity")]
    async fn my_shifts(
        &self,
        ctx: &Context<'_>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<MyShift>> {
        let rows = queries::my_shifts(service_ctx(ctx), from, to).await?;
        if rows.len() > MAX_SHIFTS {
            return Err(ServiceError::invalid(
                Reason::RangeTooLong,
                format!("the range holds more than {MAX_SHIFTS} shifts: ask for a shorter one"),
            )
            .into());
        }
        Ok(rows
            .into_iter()
            .map(|(s, shift)| MyShift(s, shift))
            .collect())
    }

    /// Rotation changes within the schedule's layers from `from` to `to` (at most 93
    /// days), by instant: not the daily window transitions.
    #[graphql(complexity = "3 * STATEMENT + MAX_SHIFTS * child_complexity")]
    async fn handoffs(
        &self,
        ctx: &Context<'_>,
        schedule_id: ID,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<Handoff>> {
        let rows = queries::handoffs(service_ctx(ctx), &schedule_id, from, to).await?;
        Ok(rows.into_iter().take(MAX_SHIFTS).map(Handoff).collect())
    }

    /// The schedule's overrides that end after `from` (default now), in creation order.
    #[graphql(complexity = "STATEMENT + crate::graphql::cost::page(first) * child_complexity")]
    async fn schedule_overrides(
        &self,
        ctx: &Context<'_>,
        schedule_id: ID,
        from: Option<DateTime<Utc>>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<ListConnection<ScheduleOverride>> {
        let page = PageRequest::new(first, after.as_deref())?;
        let result = overrides::list(service_ctx(ctx), &schedule_id, from, &page).await?;
        Ok(from_page(
            result,
            page.after.is_some(),
            |o| o.id.to_string(),
            ScheduleOverride,
        ))
    }
}
