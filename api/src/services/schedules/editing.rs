//! Creating, changing and deleting schedules, layers and their members. Admins and the
//! team's managers; every change audited in its transaction.

use super::{layers_of, lock_schedule, require_schedule_manager, schedule_id};
use crate::services::audit::{self, Change};
use crate::services::{Ctx, ServiceError, ServiceResult, parse_id};
use chrono::{Datelike, NaiveDate, NaiveTime, Timelike, Weekday};
use entity::{
    calendar_feed, handoff_document, layer_member, schedule, schedule_layer, schedule_override,
    team,
};
use scheduler::domain::{text, zone};
use scheduler::oncall::rules::{self, MAX_LAYERS, ScheduleError};
use scheduler::oncall::{Weekdays, Window};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel,
    PaginatorTrait, QueryFilter, QuerySelect,
};
use serde_json::{Value, json};
use uuid::Uuid;

fn schedule_snapshot(s: &schedule::Model) -> Value {
    json!({ "team": s.team_id.to_string(), "name": s.name, "description": s.description })
}

fn layer_snapshot(l: &schedule_layer::Model, members: &[layer_member::Model]) -> Value {
    json!({
        "name": l.name,
        "position": l.position,
        "timeZone": l.time_zone,
        "windowStart": l.window_start,
        "windowEnd": l.window_end,
        "weekdays": l.weekdays,
        "rotationDays": l.rotation_days,
        "handoffMinute": l.handoff_minute,
        "startDate": l.start_date.to_string(),
        "members": members.iter().map(|m| json!({ "user": m.user_id.to_string(), "shadow": m.shadow })).collect::<Vec<_>>(),
    })
}

pub struct NewSchedule {
    pub team_id: String,
    pub name: String,
    pub description: String,
    /// Make it the team's default (the first schedule of a team always is).
    pub make_default: bool,
}

pub async fn create(ctx: Ctx<'_>, input: NewSchedule) -> ServiceResult<schedule::Model> {
    let team_id = parse_id(&input.team_id, "team")?;
    let name = text::single_line("name", &input.name, 100)?;
    let description = text::multi_line("description", &input.description, 2000)?;
    let txn = ctx.db.begin_write().await?;
    let team = team::Entity::find_by_id(team_id)
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(ServiceError::NotFound("team"))?;
    let actor = require_schedule_manager(ctx, &txn, team.id).await?;
    let row = schedule::ActiveModel {
        id: Set(Uuid::now_v7()),
        team_id: Set(team.id),
        name: Set(name),
        description: Set(description),
        created_at: Set(ctx.now),
        updated_at: Set(ctx.now),
    }
    .insert(&txn)
    .await?;
    if input.make_default || team.default_schedule_id.is_none() {
        let mut t = team.into_active_model();
        t.default_schedule_id = Set(Some(row.id));
        t.update(&txn).await?;
    }
    audit::record(
        &txn,
        ctx.now,
        Change {
            actor: Some(actor.id),
            action: "schedule.create",
            target_type: "schedule",
            target_id: row.id.to_string(),
            before: None,
            after: Some(schedule_snapshot(&row)),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

pub async fn update(
    ctx: Ctx<'_>,
    id: &str,
    name: Option<String>,
    description: Option<String>,
) -> ServiceResult<schedule::Model> {
    let id = schedule_id(id)?;
    let name = name
        .map(|n| text::single_line("name", &n, 100))
        .transpose()?;
    let description = description
        .map(|d| text::multi_line("description", &d, 2000))
        .transpose()?;
    let txn = ctx.db.begin_write().await?;
    let current = lock_schedule(&txn, id).await?;
    let actor = require_schedule_manager(ctx, &txn, current.team_id).await?;
    let before = schedule_snapshot(&current);
    let mut am = current.into_active_model();
    if let Some(v) = name {
        am.name = Set(v);
    }
    if let Some(v) = description {
        am.description = Set(v);
    }
    am.updated_at = Set(ctx.now);
    let row = am.update(&txn).await?;
    audit::record(
        &txn,
        ctx.now,
        Change {
            actor: Some(actor.id),
            action: "schedule.update",
            target_type: "schedule",
            target_id: row.id.to_string(),
            before: Some(before),
            after: Some(schedule_snapshot(&row)),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// Makes the schedule its team's default: the one paging asks "who is on call?".
pub async fn make_default(ctx: Ctx<'_>, id: &str) -> ServiceResult<schedule::Model> {
    let id = schedule_id(id)?;
    let txn = ctx.db.begin_write().await?;
    // Locked, so a concurrent delete cannot leave the team pointing at nothing.
    let s = lock_schedule(&txn, id).await?;
    let team = team::Entity::find_by_id(s.team_id)
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(ServiceError::NotFound("team"))?;
    let actor = require_schedule_manager(ctx, &txn, team.id).await?;
    let before = team.default_schedule_id.map(|d| d.to_string());
    let mut t = team.into_active_model();
    t.default_schedule_id = Set(Some(s.id));
    t.update(&txn).await?;
    audit::record(
        &txn,
        ctx.now,
        Change {
            actor: Some(actor.id),
            action: "team.default_schedule",
            target_type: "team",
            target_id: s.team_id.to_string(),
            before: Some(json!({ "defaultSchedule": before })),
            after: Some(json!({ "defaultSchedule": s.id.to_string() })),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(s)
}

/// Deletes the layers' dependants (members, overrides on them, handoff documents).
async fn delete_layer_rows(conn: &impl ConnectionTrait, layer_ids: &[Uuid]) -> ServiceResult<()> {
    layer_member::Entity::delete_many()
        .filter(layer_member::Column::LayerId.is_in(layer_ids.iter().copied()))
        .exec(conn)
        .await?;
    schedule_override::Entity::delete_many()
        .filter(schedule_override::Column::LayerId.is_in(layer_ids.iter().copied()))
        .exec(conn)
        .await?;
    handoff_document::Entity::delete_many()
        .filter(handoff_document::Column::LayerId.is_in(layer_ids.iter().copied()))
        .exec(conn)
        .await?;
    schedule_layer::Entity::delete_many()
        .filter(schedule_layer::Column::Id.is_in(layer_ids.iter().copied()))
        .exec(conn)
        .await?;
    Ok(())
}

/// Deletes a schedule with its layers, overrides, handoff documents and feeds; a team
/// whose default it was has no default until another is chosen.
pub async fn delete(ctx: Ctx<'_>, id: &str) -> ServiceResult<Uuid> {
    let id = schedule_id(id)?;
    let txn = ctx.db.begin_write().await?;
    let s = lock_schedule(&txn, id).await?;
    let actor = require_schedule_manager(ctx, &txn, s.team_id).await?;
    let layers = layers_of(&txn, &[id]).await?;
    let before = json!({
        "schedule": schedule_snapshot(&s),
        "layers": layers.iter().map(|(l, m)| layer_snapshot(l, m)).collect::<Vec<_>>(),
    });
    let ids: Vec<Uuid> = layers.iter().map(|(l, _)| l.id).collect();
    delete_layer_rows(&txn, &ids).await?;
    schedule_override::Entity::delete_many()
        .filter(schedule_override::COLUMN.schedule_id.eq(id))
        .exec(&txn)
        .await?;
    calendar_feed::Entity::delete_many()
        .filter(calendar_feed::COLUMN.schedule_id.eq(id))
        .exec(&txn)
        .await?;
    team::Entity::update_many()
        .col_expr(
            team::Column::DefaultScheduleId,
            Expr::value(Option::<Uuid>::None),
        )
        .filter(team::COLUMN.default_schedule_id.eq(id))
        .exec(&txn)
        .await?;
    schedule::Entity::delete_by_id(id).exec(&txn).await?;
    audit::record(
        &txn,
        ctx.now,
        Change {
            actor: Some(actor.id),
            action: "schedule.delete",
            target_type: "schedule",
            target_id: id.to_string(),
            before: Some(before),
            after: None,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(id)
}

/// A member of a layer as given: who, and whether they shadow.
#[derive(Debug, Clone)]
pub struct MemberInput {
    pub user_id: String,
    pub shadow: bool,
}

/// A layer's settings as given. `window`: `None` for all day, else local start and end.
#[derive(Debug, Clone)]
pub struct LayerInput {
    pub name: String,
    pub time_zone: String,
    pub window: Option<(NaiveTime, NaiveTime)>,
    pub weekdays: Vec<Weekday>,
    pub rotation_days: i32,
    pub handoff_time: NaiveTime,
    pub start_date: NaiveDate,
    pub members: Vec<MemberInput>,
}

/// Checks the settings with the pure core's rules, the members against the users table.
async fn checked(
    conn: &impl ConnectionTrait,
    layer_id: Uuid,
    input: &LayerInput,
) -> ServiceResult<(String, String, Vec<(Uuid, bool)>)> {
    let name = text::single_line("name", &input.name, 100)?;
    let zone = zone::parse(&input.time_zone)?;
    if input.start_date.year_ce().1 < 2000 || input.start_date.year_ce().1 > 2100 {
        return Err(ServiceError::invalid(
            scheduler::domain::reason::Reason::InstantOutOfRange,
            "startDate must be between 2000 and 2100",
        ));
    }
    let times = [
        Some(input.handoff_time),
        input.window.map(|w| w.0),
        input.window.map(|w| w.1),
    ];
    if times
        .into_iter()
        .flatten()
        .any(|t| t.second() != 0 || t.nanosecond() != 0)
    {
        return Err(ServiceError::invalid(
            scheduler::domain::reason::Reason::ValueOutOfRange,
            "windows and handoffs are set in whole minutes",
        ));
    }
    let mut members = Vec::with_capacity(input.members.len());
    for m in &input.members {
        let id = parse_id(&m.user_id, "user")?;
        members.push((id, m.shadow));
    }
    let layer = scheduler::oncall::Layer {
        id: layer_id,
        zone,
        window: match input.window {
            None => Window::AllDay,
            Some((start, end)) => Window::Daily { start, end },
        },
        weekdays: Weekdays::from_days(&input.weekdays),
        members: members
            .iter()
            .map(|(user, shadow)| scheduler::oncall::Member {
                user: *user,
                shadow: *shadow,
            })
            .collect(),
        rotation_days: u32::try_from(input.rotation_days).unwrap_or(0),
        handoff_time: input.handoff_time,
        start_date: input.start_date,
    };
    rules::check_layer(&layer)?;
    for (user, _) in &members {
        super::on_call_capable(conn, *user).await?;
    }
    Ok((name, zone.name().to_owned(), members))
}

fn layer_row(
    id: Uuid,
    schedule_id: Uuid,
    position: i32,
    name: String,
    zone: String,
    input: &LayerInput,
    now: chrono::DateTime<chrono::Utc>,
) -> schedule_layer::ActiveModel {
    let (ws, we) = match input.window {
        None => (None, None),
        Some((s, e)) => (Some(super::minutes(s)), Some(super::minutes(e))),
    };
    schedule_layer::ActiveModel {
        id: Set(id),
        schedule_id: Set(schedule_id),
        name: Set(name),
        position: Set(position),
        time_zone: Set(zone),
        window_start: Set(ws),
        window_end: Set(we),
        weekdays: Set(i32::from(Weekdays::from_days(&input.weekdays).0)),
        rotation_days: Set(input.rotation_days),
        handoff_minute: Set(super::minutes(input.handoff_time)),
        start_date: Set(input.start_date),
        created_at: Set(now),
        updated_at: Set(now),
    }
}

async fn replace_members(
    conn: &impl ConnectionTrait,
    layer_id: Uuid,
    members: &[(Uuid, bool)],
) -> ServiceResult<Vec<layer_member::Model>> {
    layer_member::Entity::delete_many()
        .filter(layer_member::COLUMN.layer_id.eq(layer_id))
        .exec(conn)
        .await?;
    let rows: Vec<layer_member::Model> = members
        .iter()
        .enumerate()
        .map(|(i, (user, shadow))| layer_member::Model {
            layer_id,
            user_id: *user,
            position: i as i32,
            shadow: *shadow,
        })
        .collect();
    if !rows.is_empty() {
        layer_member::Entity::insert_many(
            rows.iter().cloned().map(IntoActiveModel::into_active_model),
        )
        .exec(conn)
        .await?;
    }
    Ok(rows)
}

pub async fn add_layer(
    ctx: Ctx<'_>,
    schedule: &str,
    input: LayerInput,
) -> ServiceResult<schedule_layer::Model> {
    let sid = schedule_id(schedule)?;
    let txn = ctx.db.begin_write().await?;
    let s = lock_schedule(&txn, sid).await?;
    let actor = require_schedule_manager(ctx, &txn, s.team_id).await?;
    let count = schedule_layer::Entity::find()
        .filter(schedule_layer::COLUMN.schedule_id.eq(sid))
        .count(&txn)
        .await?;
    if count as usize >= MAX_LAYERS {
        return Err(ScheduleError::TooManyLayers.into());
    }
    let id = Uuid::now_v7();
    let (name, zone, members) = checked(&txn, id, &input).await?;
    let row = layer_row(id, sid, count as i32, name, zone, &input, ctx.now)
        .insert(&txn)
        .await?;
    let members = replace_members(&txn, id, &members).await?;
    audit::record(
        &txn,
        ctx.now,
        Change {
            actor: Some(actor.id),
            action: "schedule_layer.create",
            target_type: "schedule_layer",
            target_id: id.to_string(),
            before: None,
            after: Some(layer_snapshot(&row, &members)),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// The layer and its schedule, the schedule locked first and the layer read after, so
/// a change never works on a layer another change moved or deleted meanwhile.
async fn locked_layer(
    conn: &impl ConnectionTrait,
    id: Uuid,
) -> ServiceResult<(
    schedule::Model,
    schedule_layer::Model,
    Vec<layer_member::Model>,
)> {
    let schedule_id = schedule_layer::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(ServiceError::NotFound("layer"))?
        .schedule_id;
    let s = lock_schedule(conn, schedule_id).await?;
    let layer = schedule_layer::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(ServiceError::NotFound("layer"))?;
    let members = layer_member::Entity::find()
        .filter(layer_member::COLUMN.layer_id.eq(id))
        .all(conn)
        .await?;
    Ok((s, layer, members))
}

/// Changes a layer: `make` turns its current settings into the new ones, under the lock.
async fn change_layer(
    ctx: Ctx<'_>,
    layer: &str,
    make: impl FnOnce(&schedule_layer::Model) -> LayerInput,
) -> ServiceResult<schedule_layer::Model> {
    let id = parse_id(layer, "layer")?;
    let txn = ctx.db.begin_write().await?;
    let (s, current, old_members) = locked_layer(&txn, id).await?;
    let actor = require_schedule_manager(ctx, &txn, s.team_id).await?;
    let before = layer_snapshot(&current, &old_members);
    let input = make(&current);
    let (name, zone, members) = checked(&txn, id, &input).await?;
    let mut am = layer_row(id, s.id, current.position, name, zone, &input, ctx.now);
    am.created_at = Set(current.created_at);
    let row = am.update(&txn).await?;
    let members = replace_members(&txn, id, &members).await?;
    audit::record(
        &txn,
        ctx.now,
        Change {
            actor: Some(actor.id),
            action: "schedule_layer.update",
            target_type: "schedule_layer",
            target_id: id.to_string(),
            before: Some(before),
            after: Some(layer_snapshot(&row, &members)),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// Replaces a layer's settings and members (the client sends the whole layer: members
/// in their new order, which is how they are added, removed and reordered).
pub async fn update_layer(
    ctx: Ctx<'_>,
    layer: &str,
    input: LayerInput,
) -> ServiceResult<schedule_layer::Model> {
    change_layer(ctx, layer, |_| input).await
}

/// Sets a layer's members, in rotation order: how members are added, removed and
/// reordered without sending the layer's other settings.
pub async fn set_members(
    ctx: Ctx<'_>,
    layer: &str,
    members: Vec<MemberInput>,
) -> ServiceResult<schedule_layer::Model> {
    change_layer(ctx, layer, |current| LayerInput {
        name: current.name.clone(),
        time_zone: current.time_zone.clone(),
        window: current
            .window_start
            .zip(current.window_end)
            .map(|(s, e)| (super::time_of(s), super::time_of(e))),
        weekdays: Weekdays((current.weekdays & 0x7f) as u8).days(),
        rotation_days: current.rotation_days,
        handoff_time: super::time_of(current.handoff_minute),
        start_date: current.start_date,
        members,
    })
    .await
}

/// Writes `order` as the layers' positions 0, 1, 2…
async fn renumber(
    conn: &impl ConnectionTrait,
    order: &[schedule_layer::Model],
) -> ServiceResult<()> {
    for (i, l) in order.iter().enumerate() {
        if l.position != i as i32 {
            let mut am = l.clone().into_active_model();
            am.position = Set(i as i32);
            am.update(conn).await?;
        }
    }
    Ok(())
}

/// Deletes a layer with its members, its overrides and its handoff documents; the
/// layers after it move up.
pub async fn delete_layer(ctx: Ctx<'_>, layer: &str) -> ServiceResult<Uuid> {
    let id = parse_id(layer, "layer")?;
    let txn = ctx.db.begin_write().await?;
    let (s, current, members) = locked_layer(&txn, id).await?;
    let actor = require_schedule_manager(ctx, &txn, s.team_id).await?;
    let before = layer_snapshot(&current, &members);
    delete_layer_rows(&txn, &[id]).await?;
    let rest: Vec<schedule_layer::Model> = layers_of(&txn, &[s.id])
        .await?
        .into_iter()
        .map(|(l, _)| l)
        .collect();
    renumber(&txn, &rest).await?;
    audit::record(
        &txn,
        ctx.now,
        Change {
            actor: Some(actor.id),
            action: "schedule_layer.delete",
            target_type: "schedule_layer",
            target_id: id.to_string(),
            before: Some(before),
            after: None,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(id)
}

/// Moves a layer to `position` (0 first), shifting the others.
pub async fn move_layer(
    ctx: Ctx<'_>,
    layer: &str,
    position: i32,
) -> ServiceResult<schedule_layer::Model> {
    let id = parse_id(layer, "layer")?;
    let txn = ctx.db.begin_write().await?;
    let (s, current, _) = locked_layer(&txn, id).await?;
    let actor = require_schedule_manager(ctx, &txn, s.team_id).await?;
    let mut layers: Vec<schedule_layer::Model> = layers_of(&txn, &[s.id])
        .await?
        .into_iter()
        .map(|(l, _)| l)
        .collect();
    let from = layers
        .iter()
        .position(|l| l.id == id)
        .ok_or(ServiceError::NotFound("layer"))?;
    let moved = layers.remove(from);
    let to = usize::try_from(position).unwrap_or(0).min(layers.len());
    layers.insert(to, moved);
    renumber(&txn, &layers).await?;
    audit::record(
        &txn,
        ctx.now,
        Change {
            actor: Some(actor.id),
            action: "schedule_layer.move",
            target_type: "schedule_layer",
            target_id: id.to_string(),
            before: Some(json!({ "position": current.position })),
            after: Some(json!({ "position": to })),
        },
    )
    .await?;
    let row = schedule_layer::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(ServiceError::NotFound("layer"))?;
    txn.commit().await?;
    Ok(row)
}
