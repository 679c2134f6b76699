//! On-call schedules over GraphQL: the objects here, the questions in `queries`, the
//! changes in `mutations`, handoff documents and calendar feeds in `handoff` and `feeds`.

pub mod feeds;
pub mod handoff;
pub mod mutations;
pub mod queries;
mod shift;

pub use shift::Shift;

use super::loaders::{Loaders, user_object};
use super::objects::{Team, User};
use crate::services::ServiceError;
use crate::services::schedules::time_of;
use async_graphql::{Context, Enum, ID, Object, Result, SimpleObject};
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use entity::{layer_member, schedule, schedule_layer, schedule_override};
use scheduler::oncall::{Weekdays, rules};

pub(crate) fn loaders<'a>(ctx: &Context<'a>) -> &'a Loaders {
    ctx.data_unchecked::<Loaders>()
}

/// A day of the week.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum Weekday {
    Monday,
    Tuesday,
    Wednesday,
    Thursday,
    Friday,
    Saturday,
    Sunday,
}

impl From<Weekday> for chrono::Weekday {
    fn from(d: Weekday) -> Self {
        match d {
            Weekday::Monday => chrono::Weekday::Mon,
            Weekday::Tuesday => chrono::Weekday::Tue,
            Weekday::Wednesday => chrono::Weekday::Wed,
            Weekday::Thursday => chrono::Weekday::Thu,
            Weekday::Friday => chrono::Weekday::Fri,
            Weekday::Saturday => chrono::Weekday::Sat,
            Weekday::Sunday => chrono::Weekday::Sun,
        }
    }
}

impl From<chrono::Weekday> for Weekday {
    fn from(d: chrono::Weekday) -> Self {
        match d {
            chrono::Weekday::Mon => Weekday::Monday,
            chrono::Weekday::Tue => Weekday::Tuesday,
            chrono::Weekday::Wed => Weekday::Wednesday,
            chrono::Weekday::Thu => Weekday::Thursday,
            chrono::Weekday::Fri => Weekday::Friday,
            chrono::Weekday::Sat => Weekday::Saturday,
            chrono::Weekday::Sun => Weekday::Sunday,
        }
    }
}

/// A schedule of a team: layers of rotations, and overrides.
pub struct Schedule(pub schedule::Model);

#[Object]
impl Schedule {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn description(&self) -> &str {
        &self.0.description
    }
    async fn team(&self, ctx: &Context<'_>) -> Result<Team> {
        let t = loaders(ctx)
            .teams
            .load_one(self.0.team_id)
            .await?
            .ok_or(ServiceError::NotFound("team"))?;
        Ok(Team(t))
    }
    /// Whether paging asks this schedule "who is on call?" for its team.
    async fn is_default(&self, ctx: &Context<'_>) -> Result<bool> {
        let t = loaders(ctx).teams.load_one(self.0.team_id).await?;
        Ok(t.is_some_and(|t| t.default_schedule_id == Some(self.0.id)))
    }
    /// The layers, in order (at most 10).
    #[graphql(complexity = "rules::MAX_LAYERS * child_complexity")]
    async fn layers(&self, ctx: &Context<'_>) -> Result<Vec<ScheduleLayer>> {
        let (layers, team) = tokio::try_join!(
            loaders(ctx).schedule_layers.load_one(self.0.id),
            loaders(ctx).teams.load_one(self.0.team_id)
        )?;
        let min = team.map_or(rules::DEFAULT_MIN_ROTATION, |t| t.min_rotation_size);
        Ok(layers
            .unwrap_or_default()
            .into_iter()
            .map(|(row, members)| ScheduleLayer { row, members, min })
            .collect())
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

/// Something worth knowing about a layer that does not stop it from working.
#[derive(SimpleObject)]
pub struct ScheduleWarning {
    /// A stable name: `LAYER_UNDERSTAFFED`.
    pub reason: String,
    pub message: String,
}

/// A layer: a daily window in local time on some weekdays, covered by a rotation of its
/// members handing over every `rotationDays` at `handoffTime`, counted from `startDate`.
/// The window stays fixed in local time across daylight-saving changes (so it moves in
/// UTC); a local time that does not exist moves forward by the gap (RFC 5545), one that
/// happens twice is its first occurrence.
pub struct ScheduleLayer {
    pub(crate) row: schedule_layer::Model,
    pub(crate) members: Vec<layer_member::Model>,
    pub(crate) min: i32,
}

#[Object]
impl ScheduleLayer {
    async fn id(&self) -> ID {
        ID(self.row.id.to_string())
    }
    async fn name(&self) -> &str {
        &self.row.name
    }
    /// 0 first.
    async fn position(&self) -> i32 {
        self.row.position
    }
    /// IANA time zone the window, the handoff time and the start date are read in.
    async fn time_zone(&self) -> &str {
        &self.row.time_zone
    }
    /// The window is the whole day.
    async fn all_day(&self) -> bool {
        self.row.window_start.is_none()
    }
    /// Local start of the daily window (null when all day).
    async fn window_start(&self) -> Option<NaiveTime> {
        self.row.window_start.map(time_of)
    }
    /// Local end of the daily window; at or before the start, it is on the next day.
    async fn window_end(&self) -> Option<NaiveTime> {
        self.row.window_end.map(time_of)
    }
    /// The weekdays whose window it covers (a window that wraps midnight belongs to the
    /// day it starts).
    async fn weekdays(&self) -> Vec<Weekday> {
        Weekdays((self.row.weekdays & 0x7f) as u8)
            .days()
            .into_iter()
            .map(Weekday::from)
            .collect()
    }
    async fn rotation_days(&self) -> i32 {
        self.row.rotation_days
    }
    async fn handoff_time(&self) -> NaiveTime {
        time_of(self.row.handoff_minute)
    }
    /// The first handoff's local date; it fixes the handoff weekday.
    async fn start_date(&self) -> NaiveDate {
        self.row.start_date
    }
    /// In rotation order (at most 50). Primaries and shadows each take turns among
    /// themselves; a shadow sees what the primary sees and is never the one paged.
    #[graphql(complexity = "rules::MAX_MEMBERS * child_complexity")]
    async fn members(&self) -> Vec<LayerMember> {
        let mut m = self.members.clone();
        m.sort_by_key(|m| m.position);
        m.into_iter().map(LayerMember).collect()
    }
    /// `LAYER_UNDERSTAFFED` when it has fewer primaries than the team's
    /// `minRotationSize`.
    async fn warnings(&self) -> Vec<ScheduleWarning> {
        let primaries = self.members.iter().filter(|m| !m.shadow).count() as i32;
        if primaries < self.min {
            vec![ScheduleWarning {
                reason: "LAYER_UNDERSTAFFED".into(),
                message: format!(
                    "{primaries} primary member(s); the team's minimum rotation size is {}: on-call load is spread too thin",
                    self.min
                ),
            }]
        } else {
            vec![]
        }
    }
}

pub struct LayerMember(pub layer_member::Model);

#[Object]
impl LayerMember {
    async fn user(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        user_object(ctx, Some(self.0.user_id)).await
    }
    async fn shadow(&self) -> bool {
        self.0.shadow
    }
    async fn position(&self) -> i32 {
        self.0.position
    }
}

/// Someone covering a span of a layer (or of every layer) instead of the rotation.
pub struct ScheduleOverride(pub schedule_override::Model);

#[Object]
impl ScheduleOverride {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn schedule(&self, ctx: &Context<'_>) -> Result<Schedule> {
        schedule_object(ctx, self.0.schedule_id).await
    }
    /// Null: every layer of the schedule.
    async fn layer_id(&self) -> Option<ID> {
        self.0.layer_id.map(|l| ID(l.to_string()))
    }
    async fn user(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        user_object(ctx, Some(self.0.user_id)).await
    }
    /// Only this person's shifts are taken over; null: whoever is on call.
    async fn replaces(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        user_object(ctx, self.0.replaces_user_id).await
    }
    async fn starts_at(&self) -> DateTime<Utc> {
        self.0.starts_at
    }
    async fn ends_at(&self) -> DateTime<Utc> {
        self.0.ends_at
    }
    async fn created_by(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        user_object(ctx, Some(self.0.created_by)).await
    }
}

pub(crate) async fn schedule_object(ctx: &Context<'_>, id: uuid::Uuid) -> Result<Schedule> {
    let s = loaders(ctx)
        .schedules
        .load_one(id)
        .await?
        .ok_or(ServiceError::NotFound("schedule"))?;
    Ok(Schedule(s))
}
