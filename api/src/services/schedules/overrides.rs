//! Overrides: someone covers a span of a layer (or of the whole schedule), optionally only
//! for a named person. Managers create any; a member of the schedule hands their own
//! shift (or part of it) to another member.

use super::{domain_override, layers_of, lock_schedule, schedule_id};
use crate::services::audit::{self, Change};
use crate::services::pagination::{Page, PageRequest};
use crate::services::{Ctx, ServiceError, ServiceResult, parse_id};
use chrono::{DateTime, Utc};
use entity::{Role, schedule_override};
use scheduler::domain::instant;
use scheduler::domain::reason::Reason;
use scheduler::oncall::Span;
use scheduler::oncall::rules;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::json;
use uuid::Uuid;

fn snapshot(o: &schedule_override::Model) -> serde_json::Value {
    json!({
        "schedule": o.schedule_id.to_string(),
        "layer": o.layer_id.map(|l| l.to_string()),
        "user": o.user_id.to_string(),
        "replaces": o.replaces_user_id.map(|u| u.to_string()),
        "startsAt": o.starts_at,
        "endsAt": o.ends_at,
    })
}

pub struct NewOverride {
    pub schedule_id: String,
    pub layer_id: Option<String>,
    pub user_id: String,
    pub replaces_user_id: Option<String>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

pub async fn create(ctx: Ctx<'_>, input: NewOverride) -> ServiceResult<schedule_override::Model> {
    let caller = ctx.principal.require(Role::Responder)?;
    let sid = schedule_id(&input.schedule_id)?;
    let layer = input
        .layer_id
        .as_deref()
        .map(|l| parse_id(l, "layer"))
        .transpose()?;
    let user = parse_id(&input.user_id, "user")?;
    let mut replaces = input
        .replaces_user_id
        .as_deref()
        .map(|u| parse_id(u, "user"))
        .transpose()?;
    let starts = instant::check("startsAt", input.starts_at)?;
    let ends = instant::check("endsAt", input.ends_at)?;
    let txn = ctx.db.begin_write().await?;
    let s = lock_schedule(&txn, sid).await?;
    let layers = layers_of(&txn, &[sid]).await?;
    if let Some(l) = layer
        && !layers.iter().any(|(row, _)| row.id == l)
    {
        return Err(ServiceError::NotFound("layer"));
    }
    super::on_call_capable(&txn, user).await?;
    if let Some(r) = replaces {
        entity::user::Entity::find_by_id(r)
            .one(&txn)
            .await?
            .ok_or(ServiceError::NotFound("user"))?;
    }
    let member_of = |u: Uuid| {
        layers
            .iter()
            .filter(|(row, _)| layer.is_none_or(|l| l == row.id))
            .any(|(_, members)| members.iter().any(|m| m.user_id == u))
    };
    if !crate::services::teams::manages_team(&txn, s.team_id, caller).await? {
        // A member hands their own shifts, and only to another member.
        if !member_of(caller.id) || !member_of(user) {
            return Err(ServiceError::forbidden(
                Reason::NotScheduleMember,
                "members hand their own shifts to other members of the schedule; managers create any override",
            ));
        }
        match replaces {
            Some(r) if r != caller.id => {
                return Err(ServiceError::forbidden(
                    Reason::NotScheduleMember,
                    "members hand over only their own shifts",
                ));
            }
            _ => replaces = Some(caller.id),
        }
        // …and only shifts that are theirs: the span lies within their own rotation on
        // the layers it covers (so a member cannot block others with a wide override).
        let span = Span::new(starts, ends.max(starts));
        let mine: Vec<Span> = layers
            .iter()
            .filter(|(row, _)| layer.is_none_or(|l| l == row.id))
            .flat_map(|(row, members)| {
                scheduler::oncall::shifts::layer_shifts(
                    &super::domain_layer(row, members),
                    &[],
                    span,
                )
            })
            .filter(|s| !s.shadow && s.user == caller.id)
            .map(|s| s.span)
            .collect();
        if !rules::covers(&mine, span) {
            return Err(ServiceError::forbidden(
                Reason::NotYourShift,
                "members hand over only time they are on call themselves",
            ));
        }
    }
    let row = schedule_override::Model {
        id: Uuid::now_v7(),
        schedule_id: sid,
        layer_id: layer,
        user_id: user,
        replaces_user_id: replaces,
        starts_at: starts,
        ends_at: ends,
        created_by: caller.id,
        created_at: ctx.now,
    };
    let others = super::overrides_in(&txn, &[sid], Span::new(starts, ends.max(starts))).await?;
    let others: Vec<_> = others.iter().map(domain_override).collect();
    rules::check_override(&domain_override(&row), &others)?;
    let row = schedule_override::ActiveModel {
        id: Set(row.id),
        schedule_id: Set(row.schedule_id),
        layer_id: Set(row.layer_id),
        user_id: Set(row.user_id),
        replaces_user_id: Set(row.replaces_user_id),
        starts_at: Set(row.starts_at),
        ends_at: Set(row.ends_at),
        created_by: Set(row.created_by),
        created_at: Set(row.created_at),
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        ctx.now,
        Change {
            actor: Some(caller.id),
            action: "schedule_override.create",
            target_type: "schedule_override",
            target_id: row.id.to_string(),
            before: None,
            after: Some(snapshot(&row)),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// Managers delete any override; its creator their own.
pub async fn delete(ctx: Ctx<'_>, id: &str) -> ServiceResult<Uuid> {
    let caller = ctx.principal.require(Role::Responder)?;
    let id = parse_id(id, "override")?;
    let txn = ctx.db.begin_write().await?;
    let found = schedule_override::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(ServiceError::NotFound("override"))?;
    let s = lock_schedule(&txn, found.schedule_id).await?;
    if found.created_by != caller.id
        && !crate::services::teams::manages_team(&txn, s.team_id, caller).await?
    {
        return Err(ServiceError::forbidden(
            Reason::NotTeamManager,
            "only its creator, admins and the team's managers delete an override",
        ));
    }
    schedule_override::Entity::delete_by_id(id)
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        ctx.now,
        Change {
            actor: Some(caller.id),
            action: "schedule_override.delete",
            target_type: "schedule_override",
            target_id: id.to_string(),
            before: Some(snapshot(&found)),
            after: None,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(id)
}

/// A schedule's overrides that end after `from` (default now), in creation order, a page
/// at a time.
pub async fn list(
    ctx: Ctx<'_>,
    schedule: &str,
    from: Option<DateTime<Utc>>,
    page: &PageRequest,
) -> ServiceResult<Page<schedule_override::Model>> {
    super::reader(ctx)?;
    let sid = schedule_id(schedule)?;
    let from = instant::check_opt("from", from)?.unwrap_or(ctx.now);
    let mut q = schedule_override::Entity::find()
        .filter(schedule_override::COLUMN.schedule_id.eq(sid))
        .filter(schedule_override::COLUMN.ends_at.gt(from))
        .order_by_asc(schedule_override::COLUMN.id)
        .limit(page.fetch_limit());
    if let Some(after) = &page.after {
        q = q.filter(
            schedule_override::COLUMN
                .id
                .gt(crate::services::pagination::cursor_id(after)?),
        );
    }
    let rows = q.all(ctx.db.conn()).await?;
    Ok(Page::from_overfetch(rows, page))
}
