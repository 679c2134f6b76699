//! On-call schedules: editing schedules, layers, members and overrides; the questions
//! asked of them (who is on call, shifts, coverage, handoffs), handoff documents and
//! calendar feeds. The shift maths is `scheduler::oncall`; this module loads rows,
//! checks rights and stores changes.
//!
//! Every change to a schedule, its layers, members or overrides locks the schedule's row
//! first, so checks that read several rows (overlapping overrides, positions) never run
//! beside another change to the same schedule.

pub mod editing;
pub mod feeds;
pub mod handoffs;
pub mod overrides;
pub mod queries;

use super::{Ctx, ServiceError, ServiceResult, parse_id};
use crate::auth::CurrentUser;
use crate::db::Db;
use entity::{Role, layer_member, schedule, schedule_layer, schedule_override, team};
use scheduler::domain::reason::Reason;
use scheduler::oncall::{Layer, Member, Override, Span, Weekdays, Window};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, JoinType, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

pub(crate) use scheduler::oncall::local::{minute_of_day as minutes, time_at_minute as time_of};

/// The pure-core layer of stored rows (members in position order).
pub(crate) fn domain_layer(row: &schedule_layer::Model, members: &[layer_member::Model]) -> Layer {
    let mut members: Vec<&layer_member::Model> = members.iter().collect();
    members.sort_by_key(|m| m.position);
    Layer {
        id: row.id,
        // Stored names were checked on the way in.
        zone: row.time_zone.parse().unwrap_or(chrono_tz::UTC),
        window: match (row.window_start, row.window_end) {
            (Some(s), Some(e)) => Window::Daily {
                start: time_of(s),
                end: time_of(e),
            },
            _ => Window::AllDay,
        },
        weekdays: Weekdays((row.weekdays & 0x7f) as u8),
        members: members
            .into_iter()
            .map(|m| Member {
                user: m.user_id,
                shadow: m.shadow,
            })
            .collect(),
        rotation_days: row.rotation_days.max(1) as u32,
        handoff_time: time_of(row.handoff_minute),
        start_date: row.start_date,
    }
}

pub(crate) fn domain_override(o: &schedule_override::Model) -> Override {
    Override {
        id: o.id,
        layer: o.layer_id,
        span: Span::new(o.starts_at, o.ends_at),
        user: o.user_id,
        replaces: o.replaces_user_id,
    }
}

pub(crate) async fn find_schedule(
    conn: &impl ConnectionTrait,
    id: Uuid,
) -> ServiceResult<schedule::Model> {
    schedule::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(ServiceError::NotFound("schedule"))
}

/// The schedule's row under a lock until commit.
pub(crate) async fn lock_schedule(
    conn: &impl ConnectionTrait,
    id: Uuid,
) -> ServiceResult<schedule::Model> {
    schedule::Entity::find_by_id(id)
        .lock_exclusive()
        .one(conn)
        .await?
        .ok_or(ServiceError::NotFound("schedule"))
}

/// Admins, or the managers of the schedule's team.
pub(crate) async fn require_schedule_manager<'a>(
    ctx: Ctx<'a>,
    conn: &impl ConnectionTrait,
    team_id: Uuid,
) -> ServiceResult<&'a CurrentUser> {
    super::teams::require_team_manager(ctx, conn, team_id)
        .await
        .map_err(|e| match e {
            ServiceError::Forbidden {
                reason: Reason::NotTeamManager,
                ..
            } => ServiceError::forbidden(
                Reason::NotTeamManager,
                "only admins and this team's managers change its schedules",
            ),
            other => other,
        })
}

/// A person who can go on call: active, and a responder or above (a viewer could not act
/// on a page).
pub(crate) async fn on_call_capable(conn: &impl ConnectionTrait, id: Uuid) -> ServiceResult<()> {
    let u = entity::user::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(ServiceError::NotFound("user"))?;
    if !u.active {
        return Err(ServiceError::invalid(
            Reason::UserDeactivated,
            "that user is deactivated",
        ));
    }
    if u.role < Role::Responder {
        return Err(ServiceError::invalid(
            Reason::OnCallNeedsResponder,
            "only responders (and above) go on call",
        ));
    }
    Ok(())
}

/// A schedule's layers in position order, with their members.
pub(crate) async fn layers_of(
    conn: &impl ConnectionTrait,
    schedule_ids: &[Uuid],
) -> ServiceResult<Vec<(schedule_layer::Model, Vec<layer_member::Model>)>> {
    // One statement: each layer with its members joined (a layer without members comes
    // once, with none).
    let member_of = layer_member::Entity::belongs_to(schedule_layer::Entity)
        .from(layer_member::Column::LayerId)
        .to(schedule_layer::Column::Id)
        .into();
    let rows = schedule_layer::Entity::find()
        .select_also(layer_member::Entity)
        .join_rev(JoinType::LeftJoin, member_of)
        .filter(schedule_layer::Column::ScheduleId.is_in(schedule_ids.iter().copied()))
        .order_by_asc(schedule_layer::COLUMN.position)
        .order_by_asc(schedule_layer::COLUMN.id)
        .order_by_asc(layer_member::COLUMN.position)
        .all(conn)
        .await?;
    let mut layers: Vec<(schedule_layer::Model, Vec<layer_member::Model>)> = Vec::new();
    for (layer, member) in rows {
        match layers.last_mut() {
            Some((last, members)) if last.id == layer.id => members.extend(member),
            _ => layers.push((layer, member.into_iter().collect())),
        }
    }
    Ok(layers)
}

/// Overrides of the schedules that overlap `span`.
pub(crate) async fn overrides_in(
    conn: &impl ConnectionTrait,
    schedule_ids: &[Uuid],
    span: Span,
) -> ServiceResult<Vec<schedule_override::Model>> {
    Ok(schedule_override::Entity::find()
        .filter(schedule_override::Column::ScheduleId.is_in(schedule_ids.iter().copied()))
        .filter(schedule_override::COLUMN.ends_at.gt(span.start))
        .filter(schedule_override::COLUMN.starts_at.lt(span.end))
        .order_by_asc(schedule_override::COLUMN.starts_at)
        .all(conn)
        .await?)
}

/// A schedule with everything its shifts are computed from.
pub struct Loaded {
    pub schedule: schedule::Model,
    pub layers: Vec<(schedule_layer::Model, Vec<layer_member::Model>)>,
    pub overrides: Vec<schedule_override::Model>,
}

impl Loaded {
    pub fn domain_layers(&self) -> Vec<Layer> {
        self.layers
            .iter()
            .map(|(l, m)| domain_layer(l, m))
            .collect()
    }
    pub fn domain_overrides(&self) -> Vec<Override> {
        self.overrides.iter().map(domain_override).collect()
    }
}

/// Reads a schedule for a question about `span`: three statements.
pub(crate) async fn load(db: &Db, id: Uuid, span: Span) -> ServiceResult<Loaded> {
    let schedule = find_schedule(db.conn(), id).await?;
    let ids = [id];
    let (layers, overrides) = tokio::try_join!(
        layers_of(db.conn(), &ids),
        overrides_in(db.conn(), &ids, span)
    )?;
    Ok(Loaded {
        schedule,
        layers,
        overrides,
    })
}

/// Anyone signed in reads schedules (who is on call is not a secret inside the company).
pub(crate) fn reader<'a>(ctx: Ctx<'a>) -> ServiceResult<&'a CurrentUser> {
    ctx.principal.require(Role::Viewer)
}

pub(crate) fn schedule_id(raw: &str) -> ServiceResult<Uuid> {
    parse_id(raw, "schedule")
}

/// The team's row.
pub(crate) async fn team_of(conn: &impl ConnectionTrait, id: Uuid) -> ServiceResult<team::Model> {
    team::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(ServiceError::NotFound("team"))
}

/// The refusal of a rule of the pure core.
impl From<scheduler::oncall::rules::ScheduleError> for ServiceError {
    fn from(e: scheduler::oncall::rules::ScheduleError) -> Self {
        if e.is_conflict() {
            ServiceError::conflict(e.reason(), e.to_string())
        } else {
            ServiceError::invalid(e.reason(), e.to_string())
        }
    }
}

pub async fn get(ctx: Ctx<'_>, id: &str) -> ServiceResult<schedule::Model> {
    reader(ctx)?;
    find_schedule(ctx.db.conn(), schedule_id(id)?).await
}

/// A team's schedules (or every schedule), in creation order, a page at a time.
pub async fn list(
    ctx: Ctx<'_>,
    team: Option<&str>,
    page: &super::pagination::PageRequest,
) -> ServiceResult<super::pagination::Page<schedule::Model>> {
    reader(ctx)?;
    let mut q = schedule::Entity::find()
        .order_by_asc(schedule::COLUMN.id)
        .limit(page.fetch_limit());
    if let Some(team) = team {
        q = q.filter(schedule::COLUMN.team_id.eq(parse_id(team, "team")?));
    }
    if let Some(after) = &page.after {
        q = q.filter(schedule::COLUMN.id.gt(super::pagination::cursor_id(after)?));
    }
    let rows = q.all(ctx.db.conn()).await?;
    Ok(super::pagination::Page::from_overfetch(rows, page))
}

pub async fn by_ids(db: &Db, ids: &[Uuid]) -> ServiceResult<Vec<schedule::Model>> {
    Ok(schedule::Entity::find()
        .filter(schedule::Column::Id.is_in(ids.iter().copied()))
        .all(db.conn())
        .await?)
}

pub async fn layers_by_ids(db: &Db, ids: &[Uuid]) -> ServiceResult<Vec<schedule_layer::Model>> {
    Ok(schedule_layer::Entity::find()
        .filter(schedule_layer::Column::Id.is_in(ids.iter().copied()))
        .all(db.conn())
        .await?)
}

pub async fn overrides_by_ids(
    db: &Db,
    ids: &[Uuid],
) -> ServiceResult<Vec<schedule_override::Model>> {
    Ok(schedule_override::Entity::find()
        .filter(schedule_override::Column::Id.is_in(ids.iter().copied()))
        .all(db.conn())
        .await?)
}
