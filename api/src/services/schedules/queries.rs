//! The questions asked of schedules: who is on call, the shifts and coverage of a range,
//! a person's shifts across schedules, the handoffs of a range.

use super::{Loaded, layers_of, load, overrides_in, reader, schedule_id, team_of};
use crate::services::{Ctx, ServiceError, ServiceResult, parse_id};
use chrono::{DateTime, Duration, Utc};
use entity::{layer_member, schedule, schedule_layer};
use scheduler::domain::instant;
use scheduler::oncall::Span;
use scheduler::oncall::coverage::{self, Coverage};
use scheduler::oncall::rules::{self, MAX_RANGE_DAYS};
use scheduler::oncall::shifts::{self, Handoff, OnCall, Shift};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

/// A checked range of at most [`MAX_RANGE_DAYS`] days.
pub fn range(from: DateTime<Utc>, to: DateTime<Utc>) -> ServiceResult<Span> {
    let from = instant::check("from", from)?;
    let to = instant::check("to", to)?;
    let span = Span::new(from, to);
    rules::check_range(span, MAX_RANGE_DAYS)?;
    Ok(span)
}

/// Who is on call on every layer of a schedule at an instant.
pub struct WhoIsOnCall {
    pub schedule: schedule::Model,
    pub at: DateTime<Utc>,
    pub layers: Vec<(schedule_layer::Model, Vec<layer_member::Model>, OnCall)>,
    /// The team's smallest rotation, which the layers are checked against.
    pub min_rotation_size: i32,
}

/// The team's default schedule (or `schedule`, which must be the team's), at `at`
/// (default now). `None` when the team has no schedule.
pub async fn who_is_on_call(
    ctx: Ctx<'_>,
    team: &str,
    schedule: Option<&str>,
    at: Option<DateTime<Utc>>,
) -> ServiceResult<Option<WhoIsOnCall>> {
    reader(ctx)?;
    let at = instant::check_opt("at", at)?.unwrap_or(ctx.now);
    let team = team_of(ctx.db.conn(), parse_id(team, "team")?).await?;
    let id = match schedule {
        Some(s) => schedule_id(s)?,
        None => match team.default_schedule_id {
            Some(id) => id,
            None => return Ok(None),
        },
    };
    // Overrides around `at` as far as the longest rotation reaches.
    let reach = Duration::days(i64::from(rules::MAX_ROTATION_DAYS) + 2);
    let loaded = load(ctx.db, id, Span::new(at - reach, at + reach)).await?;
    if loaded.schedule.team_id != team.id {
        return Err(ServiceError::NotFound("schedule"));
    }
    let overrides = loaded.domain_overrides();
    let Loaded {
        schedule, layers, ..
    } = loaded;
    let layers = layers
        .into_iter()
        .map(|(row, members)| {
            let l = super::domain_layer(&row, &members);
            let on = shifts::on_call(&l, &overrides, at);
            (row, members, on)
        })
        .collect();
    Ok(Some(WhoIsOnCall {
        schedule,
        at,
        layers,
        min_rotation_size: team.min_rotation_size,
    }))
}

/// The shifts of a schedule in a range, with the layers they come from.
pub struct ScheduleShifts {
    pub shifts: Vec<Shift>,
    pub layers: Vec<schedule_layer::Model>,
}

/// The shifts of a schedule in a range, overrides applied, touching shifts of one person
/// merged (clipped to the range).
pub async fn shifts(
    ctx: Ctx<'_>,
    schedule: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> ServiceResult<ScheduleShifts> {
    reader(ctx)?;
    let span = range(from, to)?;
    let loaded = load(ctx.db, schedule_id(schedule)?, span).await?;
    let shifts = shifts::schedule_shifts(&loaded.domain_layers(), &loaded.domain_overrides(), span);
    Ok(ScheduleShifts {
        shifts,
        layers: loaded.layers.into_iter().map(|(layer, _)| layer).collect(),
    })
}

/// Gaps and overlaps of a schedule in a range.
pub async fn coverage(
    ctx: Ctx<'_>,
    schedule: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> ServiceResult<Coverage> {
    reader(ctx)?;
    let span = range(from, to)?;
    let loaded = load(ctx.db, schedule_id(schedule)?, span).await?;
    Ok(coverage::coverage(&loaded.domain_layers(), span))
}

/// The rotation changes of a schedule's layers in a range, by instant.
pub async fn handoffs(
    ctx: Ctx<'_>,
    schedule: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> ServiceResult<Vec<Handoff>> {
    reader(ctx)?;
    let span = range(from, to)?;
    let id = schedule_id(schedule)?;
    super::find_schedule(ctx.db.conn(), id).await?;
    let layers = layers_of(ctx.db.conn(), &[id]).await?;
    let mut out: Vec<Handoff> = layers
        .iter()
        .flat_map(|(l, m)| shifts::handoffs(&super::domain_layer(l, m), span))
        .collect();
    out.sort_by_key(|h| (h.at, h.layer));
    Ok(out)
}

/// The shifts of `user` in a range across every schedule they are a member of or cover
/// by an override (primary and shadow), with each shift's schedule.
pub async fn shifts_of_user(
    db: &crate::db::Db,
    user: Uuid,
    span: Span,
) -> ServiceResult<Vec<(Uuid, Shift)>> {
    let layer_ids: Vec<Uuid> = layer_member::Entity::find()
        .filter(layer_member::COLUMN.user_id.eq(user))
        .all(db.conn())
        .await?
        .into_iter()
        .map(|m| m.layer_id)
        .collect();
    let mut schedule_ids: Vec<Uuid> = schedule_layer::Entity::find()
        .filter(schedule_layer::Column::Id.is_in(layer_ids))
        .all(db.conn())
        .await?
        .into_iter()
        .map(|l| l.schedule_id)
        .collect();
    let covering = entity::schedule_override::Entity::find()
        .filter(entity::schedule_override::COLUMN.user_id.eq(user))
        .filter(entity::schedule_override::COLUMN.ends_at.gt(span.start))
        .filter(entity::schedule_override::COLUMN.starts_at.lt(span.end))
        .all(db.conn())
        .await?;
    schedule_ids.extend(covering.iter().map(|o| o.schedule_id));
    schedule_ids.sort();
    schedule_ids.dedup();
    let (layers, overrides) = tokio::try_join!(
        layers_of(db.conn(), &schedule_ids),
        overrides_in(db.conn(), &schedule_ids, span)
    )?;
    let mut out = vec![];
    for sid in schedule_ids {
        let ls: Vec<_> = layers
            .iter()
            .filter(|(l, _)| l.schedule_id == sid)
            .map(|(l, m)| super::domain_layer(l, m))
            .collect();
        let os: Vec<_> = overrides
            .iter()
            .filter(|o| o.schedule_id == sid)
            .map(super::domain_override)
            .collect();
        out.extend(
            shifts::schedule_shifts(&ls, &os, span)
                .into_iter()
                .filter(|s| s.user == user)
                .map(|s| (sid, s)),
        );
    }
    out.sort_by_key(|(_, s)| (s.span.start, s.layer));
    Ok(out)
}

/// The caller's shifts in a range.
pub async fn my_shifts(
    ctx: Ctx<'_>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> ServiceResult<Vec<(Uuid, Shift)>> {
    let me = ctx.principal.user()?;
    reader(ctx)?;
    let span = range(from, to)?;
    shifts_of_user(ctx.db, me.id, span).await
}
