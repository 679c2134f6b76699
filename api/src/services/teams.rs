//! Teams, their members (member or lead) and their managers. Admins manage teams; a team's
//! managers manage its membership.

use super::audit::{self, Change};
use super::pagination::{Page, PageRequest};
use super::{Ctx, ServiceError, ServiceResult, parse_id};
use crate::auth::CurrentUser;
use crate::db::Db;
use entity::{Role, TeamRole, team, team_manager, team_member, user};
use scheduler::domain::reason::Reason;
use scheduler::domain::text;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel,
    ModelTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::json;
use uuid::Uuid;

fn snapshot(t: &team::Model) -> serde_json::Value {
    json!({
        "name": t.name,
        "description": t.description,
        "active": t.active,
        "minRotationSize": t.min_rotation_size,
        "pageWarnAbove": t.page_warn_above,
        "pageBreachAt": t.page_breach_at,
        "nightStartMinute": t.night_start_minute,
        "nightEndMinute": t.night_end_minute,
        "restPerNightPageMinutes": t.rest_per_night_page_minutes,
        "payPerHourMinor": t.pay_per_hour_minor,
        "payPerWeekMinor": t.pay_per_week_minor,
        "currency": t.currency,
    })
}

pub async fn get(ctx: Ctx<'_>, id: &str) -> ServiceResult<team::Model> {
    ctx.principal.require(Role::Viewer)?;
    find(ctx.db.conn(), parse_id(id, "team")?).await
}

/// The team's row, locked until commit (every read-then-write takes the row's lock, so
/// two concurrent changes apply one after the other, each on the other's result).
async fn find_locked(conn: &impl ConnectionTrait, id: Uuid) -> ServiceResult<team::Model> {
    team::Entity::find_by_id(id)
        .lock_exclusive()
        .one(conn)
        .await?
        .ok_or(ServiceError::NotFound("team"))
}

async fn find(conn: &impl ConnectionTrait, id: Uuid) -> ServiceResult<team::Model> {
    team::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(ServiceError::NotFound("team"))
}

pub async fn by_ids(db: &Db, ids: &[Uuid]) -> ServiceResult<Vec<team::Model>> {
    Ok(team::Entity::find()
        .filter(team::Column::Id.is_in(ids.iter().copied()))
        .all(db.conn())
        .await?)
}

pub async fn list(
    ctx: Ctx<'_>,
    active: Option<bool>,
    page: &PageRequest,
) -> ServiceResult<Page<team::Model>> {
    ctx.principal.require(Role::Viewer)?;
    let mut query = team::Entity::find()
        .order_by_asc(team::COLUMN.id)
        .limit(page.fetch_limit());
    if let Some(after) = &page.after {
        query = query.filter(team::COLUMN.id.gt(super::pagination::cursor_id(after)?));
    }
    if let Some(active) = active {
        query = query.filter(team::COLUMN.active.eq(active));
    }
    let rows = query.all(ctx.db.conn()).await?;
    Ok(Page::from_overfetch(rows, page))
}

/// Members of the given teams, for batch loading.
pub async fn members_of(db: &Db, team_ids: &[Uuid]) -> ServiceResult<Vec<team_member::Model>> {
    Ok(team_member::Entity::find()
        .filter(team_member::Column::TeamId.is_in(team_ids.iter().copied()))
        .order_by_asc(team_member::COLUMN.created_at)
        .all(db.conn())
        .await?)
}

/// Managers of the given teams, for batch loading.
pub async fn managers_of(db: &Db, team_ids: &[Uuid]) -> ServiceResult<Vec<team_manager::Model>> {
    Ok(team_manager::Entity::find()
        .filter(team_manager::Column::TeamId.is_in(team_ids.iter().copied()))
        .order_by_asc(team_manager::COLUMN.created_at)
        .all(db.conn())
        .await?)
}

/// Memberships of the given users, for batch loading.
pub async fn memberships_of(db: &Db, user_ids: &[Uuid]) -> ServiceResult<Vec<team_member::Model>> {
    Ok(team_member::Entity::find()
        .filter(team_member::Column::UserId.is_in(user_ids.iter().copied()))
        .order_by_asc(team_member::COLUMN.created_at)
        .all(db.conn())
        .await?)
}

#[derive(Debug)]
pub struct NewTeam {
    pub name: String,
    pub description: Option<String>,
}

pub async fn create(ctx: Ctx<'_>, input: NewTeam) -> ServiceResult<team::Model> {
    let actor = ctx.principal.require(Role::Admin)?;
    let name = text::single_line("name", &input.name, 100)?;
    let description = input
        .description
        .as_deref()
        .map(|d| text::multi_line("description", d, 2000))
        .transpose()?;
    let txn = ctx.db.begin_write().await?;
    let row = team::ActiveModel {
        id: Set(Uuid::now_v7()),
        name: Set(name.clone()),
        description: Set(description),
        active: Set(true),
        default_schedule_id: Set(None),
        min_rotation_size: Set(scheduler::oncall::rules::DEFAULT_MIN_ROTATION),
        page_warn_above: Set(2),
        page_breach_at: Set(5),
        night_start_minute: Set(22 * 60),
        night_end_minute: Set(7 * 60),
        rest_per_night_page_minutes: Set(0),
        pay_per_hour_minor: Set(0),
        pay_per_week_minor: Set(0),
        currency: Set("EUR".into()),
        created_at: Set(ctx.now),
        updated_at: Set(ctx.now),
    }
    .insert(&txn)
    .await
    .map_err(|e| {
        ServiceError::from_db_unique(e, format!("a team named `{name}` already exists"))
    })?;
    audit::record(
        &txn,
        ctx.now,
        Change {
            actor: Some(actor.id),
            action: "team.create",
            target_type: "team",
            target_id: row.id.to_string(),
            before: None,
            after: Some(snapshot(&row)),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

#[derive(Debug, Default)]
pub struct TeamChanges {
    pub name: Option<String>,
    pub description: Option<Option<String>>,
    pub active: Option<bool>,
    /// Fewer primaries than this in a schedule layer and the layer carries a warning.
    pub min_rotation_size: Option<i32>,
    /// Load limits, night window and compensation (see `LoadSettings`).
    pub load: LoadSettings,
}

/// A team's on-call load settings; `None` keeps the current value.
#[derive(Debug, Default)]
pub struct LoadSettings {
    pub page_warn_above: Option<i32>,
    pub page_breach_at: Option<i32>,
    pub night_start: Option<chrono::NaiveTime>,
    pub night_end: Option<chrono::NaiveTime>,
    pub rest_per_night_page_minutes: Option<i32>,
    pub pay_per_hour_minor: Option<i64>,
    pub pay_per_week_minor: Option<i64>,
    pub currency: Option<String>,
}

fn check_load(l: &LoadSettings) -> ServiceResult<()> {
    let bad = |m: &str| Err(ServiceError::invalid(Reason::ValueOutOfRange, m.to_owned()));
    if l.page_warn_above.is_some_and(|v| !(0..=100).contains(&v))
        || l.page_breach_at.is_some_and(|v| !(1..=100).contains(&v))
    {
        return bad("page limits are between 0 and 100");
    }
    if l.rest_per_night_page_minutes
        .is_some_and(|v| !(0..=1440).contains(&v))
    {
        return bad("restPerNightPageMinutes is between 0 and 1440");
    }
    if l.pay_per_hour_minor
        .is_some_and(|v| !(0..=1_000_000).contains(&v))
        || l.pay_per_week_minor
            .is_some_and(|v| !(0..=100_000_000).contains(&v))
    {
        return bad(
            "pay amounts are between 0 and 1,000,000 (hourly) / 100,000,000 (weekly) minor units",
        );
    }
    if l.currency
        .as_deref()
        .is_some_and(|c| c.len() != 3 || !c.chars().all(|x| x.is_ascii_uppercase()))
    {
        return bad("currency is an ISO 4217 code such as EUR");
    }
    if [l.night_start, l.night_end]
        .into_iter()
        .flatten()
        .any(|t| chrono::Timelike::second(&t) != 0)
    {
        return bad("the night window is set in whole minutes");
    }
    Ok(())
}

pub async fn update(ctx: Ctx<'_>, id: &str, changes: TeamChanges) -> ServiceResult<team::Model> {
    let actor = ctx.principal.require(Role::Admin)?;
    let id = parse_id(id, "team")?;
    let name = changes
        .name
        .as_deref()
        .map(|n| text::single_line("name", n, 100))
        .transpose()?;
    let description = match changes.description {
        Some(Some(d)) => Some(Some(text::multi_line("description", &d, 2000)?)),
        other => other,
    };
    check_load(&changes.load)?;
    if let Some(n) = changes.min_rotation_size
        && !(1..=50).contains(&n)
    {
        return Err(ServiceError::invalid(
            Reason::ValueOutOfRange,
            "minRotationSize must be between 1 and 50",
        ));
    }
    let txn = ctx.db.begin_write().await?;
    let current = find_locked(&txn, id).await?;
    let warn = changes
        .load
        .page_warn_above
        .unwrap_or(current.page_warn_above);
    let breach = changes
        .load
        .page_breach_at
        .unwrap_or(current.page_breach_at);
    if breach <= warn {
        return Err(ServiceError::invalid(
            Reason::ValueOutOfRange,
            "pageBreachAt must be above pageWarnAbove",
        ));
    }
    let before = snapshot(&current);
    let mut active = current.into_active_model();
    if let Some(v) = name.clone() {
        active.name = Set(v);
    }
    if let Some(v) = description {
        active.description = Set(v);
    }
    if let Some(v) = changes.active {
        active.active = Set(v);
    }
    if let Some(v) = changes.min_rotation_size {
        active.min_rotation_size = Set(v);
    }
    let l = changes.load;
    if let Some(v) = l.page_warn_above {
        active.page_warn_above = Set(v);
    }
    if let Some(v) = l.page_breach_at {
        active.page_breach_at = Set(v);
    }
    if let Some(v) = l.night_start {
        active.night_start_minute = Set(scheduler::oncall::local::minute_of_day(v));
    }
    if let Some(v) = l.night_end {
        active.night_end_minute = Set(scheduler::oncall::local::minute_of_day(v));
    }
    if let Some(v) = l.rest_per_night_page_minutes {
        active.rest_per_night_page_minutes = Set(v);
    }
    if let Some(v) = l.pay_per_hour_minor {
        active.pay_per_hour_minor = Set(v);
    }
    if let Some(v) = l.pay_per_week_minor {
        active.pay_per_week_minor = Set(v);
    }
    if let Some(v) = l.currency {
        active.currency = Set(v);
    }
    active.updated_at = Set(ctx.now);
    let updated = active.update(&txn).await.map_err(|e| {
        ServiceError::from_db_unique(
            e,
            format!("a team named `{}` already exists", name.unwrap_or_default()),
        )
    })?;
    let action = match changes.active {
        Some(false) => "team.deactivate",
        Some(true) => "team.reactivate",
        None => "team.update",
    };
    audit::record(
        &txn,
        ctx.now,
        Change {
            actor: Some(actor.id),
            action,
            target_type: "team",
            target_id: updated.id.to_string(),
            before: Some(before),
            after: Some(snapshot(&updated)),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

/// Whether `user` is an admin, or a manager listed as a manager of the team.
pub(crate) async fn manages_team(
    conn: &impl ConnectionTrait,
    team_id: Uuid,
    user: &CurrentUser,
) -> ServiceResult<bool> {
    if user.role >= Role::Admin {
        return Ok(true);
    }
    if user.role < Role::Manager {
        return Ok(false);
    }
    Ok(team_manager::Entity::find_by_id((team_id, user.id))
        .one(conn)
        .await?
        .is_some())
}

/// Admins, or managers listed as managers of this team.
pub(crate) async fn require_team_manager<'a>(
    ctx: Ctx<'a>,
    conn: &impl ConnectionTrait,
    team_id: Uuid,
) -> ServiceResult<&'a CurrentUser> {
    let caller = ctx.principal.require(Role::Manager)?;
    if manages_team(conn, team_id, caller).await? {
        Ok(caller)
    } else {
        Err(ServiceError::forbidden(
            Reason::NotTeamManager,
            "only admins and this team's managers change its membership",
        ))
    }
}

async fn active_user(conn: &impl ConnectionTrait, id: Uuid) -> ServiceResult<user::Model> {
    let row = user::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(ServiceError::NotFound("user"))?;
    if !row.active {
        return Err(ServiceError::invalid(
            Reason::UserDeactivated,
            "that user is deactivated",
        ));
    }
    Ok(row)
}

/// Adds a member, or changes an existing member's team role.
pub async fn set_member(
    ctx: Ctx<'_>,
    team_id: &str,
    user_id: &str,
    role: TeamRole,
) -> ServiceResult<team::Model> {
    let team_id = parse_id(team_id, "team")?;
    let user_id = parse_id(user_id, "user")?;
    let txn = ctx.db.begin_write().await?;
    let caller = require_team_manager(ctx, &txn, team_id).await?;
    // A deactivated team's membership is frozen.
    let team = super::catalog::active_team(&txn, team_id).await?;
    active_user(&txn, user_id).await?;
    let existing = team_member::Entity::find_by_id((team_id, user_id))
        .lock_exclusive()
        .one(&txn)
        .await?;
    let before = existing
        .as_ref()
        .map(|m| json!({ "teamRole": m.team_role }));
    match existing {
        Some(m) if m.team_role == role => {
            txn.commit().await?;
            return Ok(team);
        }
        Some(m) => {
            let mut active = m.into_active_model();
            active.team_role = Set(role);
            active.update(&txn).await?;
        }
        None => {
            team_member::ActiveModel {
                team_id: Set(team_id),
                user_id: Set(user_id),
                team_role: Set(role),
                created_at: Set(ctx.now),
            }
            .insert(&txn)
            .await?;
        }
    }
    audit::record(
        &txn,
        ctx.now,
        Change {
            actor: Some(caller.id),
            action: "team.member_set",
            target_type: "team",
            target_id: format!("{team_id}/{user_id}"),
            before,
            after: Some(json!({ "teamRole": role })),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(team)
}

pub async fn remove_member(
    ctx: Ctx<'_>,
    team_id: &str,
    user_id: &str,
) -> ServiceResult<team::Model> {
    let team_id = parse_id(team_id, "team")?;
    let user_id = parse_id(user_id, "user")?;
    let txn = ctx.db.begin_write().await?;
    let caller = require_team_manager(ctx, &txn, team_id).await?;
    // A deactivated team's membership is frozen.
    let team = super::catalog::active_team(&txn, team_id).await?;
    let member = team_member::Entity::find_by_id((team_id, user_id))
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(ServiceError::NotFound("team member"))?;
    let before = json!({ "teamRole": member.team_role });
    member.delete(&txn).await?;
    audit::record(
        &txn,
        ctx.now,
        Change {
            actor: Some(caller.id),
            action: "team.member_remove",
            target_type: "team",
            target_id: format!("{team_id}/{user_id}"),
            before: Some(before),
            after: None,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(team)
}

/// Makes a user with the manager role (or above) one of the team's managers. Admins only.
pub async fn add_manager(ctx: Ctx<'_>, team_id: &str, user_id: &str) -> ServiceResult<team::Model> {
    let actor = ctx.principal.require(Role::Admin)?;
    let team_id = parse_id(team_id, "team")?;
    let user_id = parse_id(user_id, "user")?;
    let txn = ctx.db.begin_write().await?;
    let team = super::catalog::active_team(&txn, team_id).await?;
    let user = active_user(&txn, user_id).await?;
    if user.role < Role::Manager {
        return Err(ServiceError::invalid(
            Reason::ManagerRoleRequired,
            "a team manager needs the manager role (or admin)",
        ));
    }
    if team_manager::Entity::find_by_id((team_id, user_id))
        .one(&txn)
        .await?
        .is_some()
    {
        txn.commit().await?;
        return Ok(team);
    }
    team_manager::ActiveModel {
        team_id: Set(team_id),
        user_id: Set(user_id),
        created_at: Set(ctx.now),
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        ctx.now,
        Change {
            actor: Some(actor.id),
            action: "team.manager_add",
            target_type: "team",
            target_id: format!("{team_id}/{user_id}"),
            before: None,
            after: Some(json!({ "manager": true })),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(team)
}

pub async fn remove_manager(
    ctx: Ctx<'_>,
    team_id: &str,
    user_id: &str,
) -> ServiceResult<team::Model> {
    let actor = ctx.principal.require(Role::Admin)?;
    let team_id = parse_id(team_id, "team")?;
    let user_id = parse_id(user_id, "user")?;
    let txn = ctx.db.begin_write().await?;
    let team = find(&txn, team_id).await?;
    let row = team_manager::Entity::find_by_id((team_id, user_id))
        .one(&txn)
        .await?
        .ok_or(ServiceError::NotFound("team manager"))?;
    row.delete(&txn).await?;
    audit::record(
        &txn,
        ctx.now,
        Change {
            actor: Some(actor.id),
            action: "team.manager_remove",
            target_type: "team",
            target_id: format!("{team_id}/{user_id}"),
            before: Some(json!({ "manager": true })),
            after: None,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(team)
}
