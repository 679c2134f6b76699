//! The service catalog: what can break, and which team owns it.

use super::audit::{self, Change};
use super::pagination::{Page, PageRequest};
use super::{Ctx, ServiceError, ServiceResult, parse_id};
use crate::db::Db;
use entity::{Role, service, team};
use scheduler::domain::reason::Reason;
use scheduler::domain::text;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::json;
use uuid::Uuid;

fn snapshot(s: &service::Model) -> serde_json::Value {
    json!({
        "name": s.name,
        "description": s.description,
        "publicName": s.public_name,
        "teamId": s.team_id.to_string(),
        "active": s.active,
    })
}

pub async fn get(ctx: Ctx<'_>, id: &str) -> ServiceResult<service::Model> {
    ctx.principal.require(Role::Viewer)?;
    service::Entity::find_by_id(parse_id(id, "service")?)
        .one(ctx.db.conn())
        .await?
        .ok_or(ServiceError::NotFound("service"))
}

pub async fn by_ids(db: &Db, ids: &[Uuid]) -> ServiceResult<Vec<service::Model>> {
    Ok(service::Entity::find()
        .filter(service::Column::Id.is_in(ids.iter().copied()))
        .all(db.conn())
        .await?)
}

pub async fn of_teams(db: &Db, team_ids: &[Uuid]) -> ServiceResult<Vec<service::Model>> {
    Ok(service::Entity::find()
        .filter(service::Column::TeamId.is_in(team_ids.iter().copied()))
        .order_by_asc(service::COLUMN.id)
        .all(db.conn())
        .await?)
}

pub async fn list(
    ctx: Ctx<'_>,
    team_id: Option<&str>,
    active: Option<bool>,
    page: &PageRequest,
) -> ServiceResult<Page<service::Model>> {
    ctx.principal.require(Role::Viewer)?;
    let mut query = service::Entity::find()
        .order_by_asc(service::COLUMN.id)
        .limit(page.fetch_limit());
    if let Some(after) = &page.after {
        query = query.filter(service::COLUMN.id.gt(super::pagination::cursor_id(after)?));
    }
    if let Some(team) = team_id {
        query = query.filter(service::COLUMN.team_id.eq(parse_id(team, "team")?));
    }
    if let Some(active) = active {
        query = query.filter(service::COLUMN.active.eq(active));
    }
    let rows = query.all(ctx.db.conn()).await?;
    Ok(Page::from_overfetch(rows, page))
}

/// The team, if it exists and is active: deactivated teams take no new services,
/// incidents or members.
pub(crate) async fn active_team(
    conn: &impl ConnectionTrait,
    id: Uuid,
) -> ServiceResult<team::Model> {
    let team = team::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(ServiceError::NotFound("team"))?;
    if !team.active {
        return Err(ServiceError::invalid(
            Reason::TeamDeactivated,
            "that team is deactivated",
        ));
    }
    Ok(team)
}

/// The service, if it exists and is active: deactivated services take no new incidents.
pub(crate) async fn active_service(
    conn: &impl ConnectionTrait,
    id: Uuid,
) -> ServiceResult<service::Model> {
    let svc = service::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(ServiceError::NotFound("service"))?;
    if !svc.active {
        return Err(ServiceError::invalid(
            Reason::ServiceDeactivated,
            "that service is deactivated",
        ));
    }
    Ok(svc)
}

/// Where an incident belongs: a service and a team that go together. Without a team, the
/// service's team; with both, the service must be the team's.
pub(crate) fn check_placement(
    team: Option<Uuid>,
    service: Option<&service::Model>,
) -> ServiceResult<Option<Uuid>> {
    match (team, service) {
        (Some(t), Some(s)) if s.team_id != t => Err(ServiceError::invalid(
            Reason::ServiceNotInTeam,
            "that service belongs to another team",
        )),
        (None, Some(s)) => Ok(Some(s.team_id)),
        (t, _) => Ok(t),
    }
}

#[derive(Debug)]
pub struct NewService {
    pub name: String,
    pub description: Option<String>,
    pub public_name: Option<String>,
    pub team_id: String,
}

pub async fn create(ctx: Ctx<'_>, input: NewService) -> ServiceResult<service::Model> {
    let actor = ctx.principal.require(Role::Admin)?;
    let name = text::single_line("name", &input.name, 100)?;
    let description = input
        .description
        .as_deref()
        .map(|d| text::multi_line("description", d, 2000))
        .transpose()?;
    let public_name = input
        .public_name
        .as_deref()
        .map(|n| text::single_line("publicName", n, 100))
        .transpose()?;
    let team_id = parse_id(&input.team_id, "team")?;
    let txn = ctx.db.begin_write().await?;
    active_team(&txn, team_id).await?;
    let row = service::ActiveModel {
        id: Set(Uuid::now_v7()),
        name: Set(name.clone()),
        description: Set(description),
        public_name: Set(public_name),
        team_id: Set(team_id),
        active: Set(true),
        created_at: Set(ctx.now),
        updated_at: Set(ctx.now),
    }
    .insert(&txn)
    .await
    .map_err(|e| {
        ServiceError::from_db_unique(e, format!("a service named `{name}` already exists"))
    })?;
    audit::record(
        &txn,
        ctx.now,
        Change {
            actor: Some(actor.id),
            action: "service.create",
            target_type: "service",
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
pub struct ServiceChanges {
    pub name: Option<String>,
    pub description: Option<Option<String>>,
    pub public_name: Option<Option<String>>,
    pub team_id: Option<String>,
    pub active: Option<bool>,
}

pub async fn update(
    ctx: Ctx<'_>,
    id: &str,
    changes: ServiceChanges,
) -> ServiceResult<service::Model> {
    let actor = ctx.principal.require(Role::Admin)?;
    let id = parse_id(id, "service")?;
    let name = changes
        .name
        .as_deref()
        .map(|n| text::single_line("name", n, 100))
        .transpose()?;
    let description = match changes.description {
        Some(Some(d)) => Some(Some(text::multi_line("description", &d, 2000)?)),
        other => other,
    };
    let public_name = match changes.public_name {
        Some(Some(n)) => Some(Some(text::single_line("publicName", &n, 100)?)),
        other => other,
    };
    let team_id = changes
        .team_id
        .as_deref()
        .map(|t| parse_id(t, "team"))
        .transpose()?;
    let txn = ctx.db.begin_write().await?;
    let current = service::Entity::find_by_id(id)
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(ServiceError::NotFound("service"))?;
    if let Some(team_id) = team_id {
        active_team(&txn, team_id).await?;
    }
    let before = snapshot(&current);
    let mut active = current.into_active_model();
    if let Some(v) = name.clone() {
        active.name = Set(v);
    }
    if let Some(v) = description {
        active.description = Set(v);
    }
    if let Some(v) = public_name {
        active.public_name = Set(v);
    }
    if let Some(v) = team_id {
        active.team_id = Set(v);
    }
    if let Some(v) = changes.active {
        active.active = Set(v);
    }
    active.updated_at = Set(ctx.now);
    let updated = active.update(&txn).await.map_err(|e| {
        ServiceError::from_db_unique(
            e,
            format!(
                "a service named `{}` already exists",
                name.unwrap_or_default()
            ),
        )
    })?;
    let action = match changes.active {
        Some(false) => "service.deactivate",
        Some(true) => "service.reactivate",
        None => "service.update",
    };
    audit::record(
        &txn,
        ctx.now,
        Change {
            actor: Some(actor.id),
            action,
            target_type: "service",
            target_id: updated.id.to_string(),
            before: Some(before),
            after: Some(snapshot(&updated)),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}
