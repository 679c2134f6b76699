//! Changing schedules, layers, members and overrides. Admins and the team's managers;
//! members hand their own shifts to other members with overrides.

use super::{Schedule, ScheduleLayer, ScheduleOverride, Weekday};
use crate::graphql::context::service_ctx;
use crate::services::ServiceError;
use crate::services::schedules::editing::{self, LayerInput, MemberInput, NewSchedule};
use crate::services::schedules::overrides::{self, NewOverride};
use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use scheduler::domain::reason::Reason;

#[derive(InputObject)]
pub struct CreateScheduleInput {
    pub team_id: ID,
    pub name: String,
    #[graphql(default)]
    pub description: String,
    /// Make it the team's default (a team's first schedule always is).
    #[graphql(default)]
    pub make_default: bool,
}

#[derive(InputObject)]
pub struct UpdateScheduleInput {
    pub schedule_id: ID,
    pub name: Option<String>,
    pub description: Option<String>,
}

#[derive(InputObject)]
pub struct ScheduleIdInput {
    pub schedule_id: ID,
}

#[derive(InputObject)]
pub struct LayerMemberInput {
    pub user_id: ID,
    /// Shadows see what the primary sees and are never the one paged.
    #[graphql(default)]
    pub shadow: bool,
}

/// A layer's settings. Leave `windowStart` and `windowEnd` out for all day; a
/// `windowEnd` at or before `windowStart` is on the next day.
#[derive(InputObject)]
pub struct LayerSettingsInput {
    pub name: String,
    /// IANA time zone, e.g. `Asia/Kolkata`.
    pub time_zone: String,
    pub window_start: Option<NaiveTime>,
    pub window_end: Option<NaiveTime>,
    /// Default: every day.
    pub weekdays: Option<Vec<Weekday>>,
    /// 1 to 90; default 7.
    #[graphql(default = 7)]
    pub rotation_days: i32,
    pub handoff_time: NaiveTime,
    /// The first handoff's local date (it fixes the handoff weekday).
    pub start_date: NaiveDate,
    /// In rotation order.
    #[graphql(default)]
    pub members: Vec<LayerMemberInput>,
}

impl LayerSettingsInput {
    fn into_service(self) -> Result<LayerInput, ServiceError> {
        let window = match (self.window_start, self.window_end) {
            (None, None) => None,
            (Some(s), Some(e)) => Some((s, e)),
            _ => {
                return Err(ServiceError::invalid(
                    Reason::EmptyWindow,
                    "give both windowStart and windowEnd, or neither for all day",
                ));
            }
        };
        let weekdays = match self.weekdays {
            Some(days) => days.into_iter().map(chrono::Weekday::from).collect(),
            None => vec![
                chrono::Weekday::Mon,
                chrono::Weekday::Tue,
                chrono::Weekday::Wed,
                chrono::Weekday::Thu,
                chrono::Weekday::Fri,
                chrono::Weekday::Sat,
                chrono::Weekday::Sun,
            ],
        };
        Ok(LayerInput {
            name: self.name,
            time_zone: self.time_zone,
            window,
            weekdays,
            rotation_days: self.rotation_days,
            handoff_time: self.handoff_time,
            start_date: self.start_date,
            members: self
                .members
                .into_iter()
                .map(|m| MemberInput {
                    user_id: m.user_id.0,
                    shadow: m.shadow,
                })
                .collect(),
        })
    }
}

#[derive(InputObject)]
pub struct AddScheduleLayerInput {
    pub schedule_id: ID,
    pub layer: LayerSettingsInput,
}

/// The whole layer as it should be: members are added, removed and reordered by sending
/// the new list.
#[derive(InputObject)]
pub struct UpdateScheduleLayerInput {
    pub layer_id: ID,
    pub layer: LayerSettingsInput,
}

#[derive(InputObject)]
pub struct SetLayerMembersInput {
    pub layer_id: ID,
    /// The members in their new rotation order.
    pub members: Vec<LayerMemberInput>,
}

#[derive(InputObject)]
pub struct LayerIdInput {
    pub layer_id: ID,
}

#[derive(InputObject)]
pub struct MoveScheduleLayerInput {
    pub layer_id: ID,
    /// 0 first.
    pub position: i32,
}

#[derive(InputObject)]
pub struct CreateOverrideInput {
    pub schedule_id: ID,
    /// Omitted: every layer of the schedule.
    pub layer_id: Option<ID>,
    /// Who covers.
    pub user_id: ID,
    /// Take over only this person's shifts (members handing over their own shift need not
    /// say: it is theirs).
    pub replaces_user_id: Option<ID>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

#[derive(InputObject)]
pub struct OverrideIdInput {
    pub override_id: ID,
}

#[derive(SimpleObject)]
pub struct SchedulePayload {
    pub schedule: Schedule,
}

#[derive(SimpleObject)]
pub struct ScheduleLayerPayload {
    pub layer: ScheduleLayer,
}

#[derive(SimpleObject)]
pub struct ScheduleOverridePayload {
    pub r#override: ScheduleOverride,
}

#[derive(SimpleObject)]
pub struct DeletedPayload {
    pub deleted_id: ID,
}

async fn layer_payload(
    ctx: &Context<'_>,
    row: entity::schedule_layer::Model,
) -> Result<ScheduleLayerPayload> {
    let s = service_ctx(ctx);
    let schedule = crate::services::schedules::find_schedule(s.db.conn(), row.schedule_id).await?;
    let team = crate::services::schedules::team_of(s.db.conn(), schedule.team_id).await?;
    let members = crate::services::schedules::layers_of(s.db.conn(), &[row.schedule_id])
        .await?
        .into_iter()
        .find(|(l, _)| l.id == row.id)
        .map(|(_, m)| m)
        .unwrap_or_default();
    Ok(ScheduleLayerPayload {
        layer: ScheduleLayer {
            row,
            members,
            min: team.min_rotation_size,
        },
    })
}

#[derive(Default)]
pub struct ScheduleMutation;

#[Object]
impl ScheduleMutation {
    async fn create_schedule(
        &self,
        ctx: &Context<'_>,
        input: CreateScheduleInput,
    ) -> Result<SchedulePayload> {
        let row = editing::create(
            service_ctx(ctx),
            NewSchedule {
                team_id: input.team_id.0,
                name: input.name,
                description: input.description,
                make_default: input.make_default,
            },
        )
        .await?;
        Ok(SchedulePayload {
            schedule: Schedule(row),
        })
    }

    async fn update_schedule(
        &self,
        ctx: &Context<'_>,
        input: UpdateScheduleInput,
    ) -> Result<SchedulePayload> {
        let row = editing::update(
            service_ctx(ctx),
            &input.schedule_id,
            input.name,
            input.description,
        )
        .await?;
        Ok(SchedulePayload {
            schedule: Schedule(row),
        })
    }

    /// Makes it its team's default: the schedule paging asks "who is on call?".
    async fn make_default_schedule(
        &self,
        ctx: &Context<'_>,
        input: ScheduleIdInput,
    ) -> Result<SchedulePayload> {
        let row = editing::make_default(service_ctx(ctx), &input.schedule_id).await?;
        Ok(SchedulePayload {
            schedule: Schedule(row),
        })
    }

    /// Deletes the schedule with its layers, overrides, handoff documents and feeds.
    async fn delete_schedule(
        &self,
        ctx: &Context<'_>,
        input: ScheduleIdInput,
    ) -> Result<DeletedPayload> {
        let id = editing::delete(service_ctx(ctx), &input.schedule_id).await?;
        Ok(DeletedPayload {
            deleted_id: ID(id.to_string()),
        })
    }

    async fn add_schedule_layer(
        &self,
        ctx: &Context<'_>,
        input: AddScheduleLayerInput,
    ) -> Result<ScheduleLayerPayload> {
        let layer = input.layer.into_service()?;
        let row = editing::add_layer(service_ctx(ctx), &input.schedule_id, layer).await?;
        layer_payload(ctx, row).await
    }

    async fn update_schedule_layer(
        &self,
        ctx: &Context<'_>,
        input: UpdateScheduleLayerInput,
    ) -> Result<ScheduleLayerPayload> {
        let layer = input.layer.into_service()?;
        let row = editing::update_layer(service_ctx(ctx), &input.layer_id, layer).await?;
        layer_payload(ctx, row).await
    }

    /// Sets a layer's members in rotation order: adds, removes and reorders them.
    async fn set_layer_members(
        &self,
        ctx: &Context<'_>,
        input: SetLayerMembersInput,
    ) -> Result<ScheduleLayerPayload> {
        let members = input
            .members
            .into_iter()
            .map(|m| MemberInput {
                user_id: m.user_id.0,
                shadow: m.shadow,
            })
            .collect();
        let row = editing::set_members(service_ctx(ctx), &input.layer_id, members).await?;
        layer_payload(ctx, row).await
    }

    async fn move_schedule_layer(
        &self,
        ctx: &Context<'_>,
        input: MoveScheduleLayerInput,
    ) -> Result<ScheduleLayerPayload> {
        let row = editing::move_layer(service_ctx(ctx), &input.layer_id, input.position).await?;
        layer_payload(ctx, row).await
    }

    /// Deletes a layer with its members, overrides and handoff documents.
    async fn delete_schedule_layer(
        &self,
        ctx: &Context<'_>,
        input: LayerIdInput,
    ) -> Result<DeletedPayload> {
        let id = editing::delete_layer(service_ctx(ctx), &input.layer_id).await?;
        Ok(DeletedPayload {
            deleted_id: ID(id.to_string()),
        })
    }

    /// Someone covers a span instead of the rotation. Overlapping another override on the
    /// same layer is `CONFLICT` (`OVERRIDE_OVERLAP`).
    async fn create_schedule_override(
        &self,
        ctx: &Context<'_>,
        input: CreateOverrideInput,
    ) -> Result<ScheduleOverridePayload> {
        let row = overrides::create(
            service_ctx(ctx),
            NewOverride {
                schedule_id: input.schedule_id.0,
                layer_id: input.layer_id.map(|l| l.0),
                user_id: input.user_id.0,
                replaces_user_id: input.replaces_user_id.map(|u| u.0),
                starts_at: input.starts_at,
                ends_at: input.ends_at,
            },
        )
        .await?;
        Ok(ScheduleOverridePayload {
            r#override: ScheduleOverride(row),
        })
    }

    async fn delete_schedule_override(
        &self,
        ctx: &Context<'_>,
        input: OverrideIdInput,
    ) -> Result<DeletedPayload> {
        let id = overrides::delete(service_ctx(ctx), &input.override_id).await?;
        Ok(DeletedPayload {
            deleted_id: ID(id.to_string()),
        })
    }
}
