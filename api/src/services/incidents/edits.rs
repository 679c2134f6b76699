//! Changing an incident while it is worked: fields, roles, hand-written log entries,
//! participants.

use crate::services::users::active_user_id;
use crate::services::{Ctx, ServiceError, ServiceResult, catalog, parse_id};
use chrono::{DateTime, Utc};
use entity::{
    DetectionSource, IncidentRole, TimelineKind, incident, incident_participant, incident_role,
    service,
};
use scheduler::domain::incident::{self as rules};
use scheduler::domain::reason::Reason;
use scheduler::domain::{instant, text};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel,
    QueryFilter,
};
use serde_json::{Value, json};
use uuid::Uuid;

use super::*;

// ---------------------------------------------------------------------------------------
// Working an incident

#[derive(Debug, Default)]
pub struct Changes {
    pub title: Option<String>,
    pub public_title: Option<Option<String>>,
    pub description: Option<Option<String>>,
    pub service_id: Option<Option<String>>,
    pub team_id: Option<Option<String>>,
    pub customer_impact: Option<bool>,
    pub started_at: Option<DateTime<Utc>>,
    pub detected_at: Option<DateTime<Utc>>,
    pub detection_source: Option<DetectionSource>,
}

/// Changes fields; each changed field gets its own timeline entry with before and after.
pub async fn update(ctx: Ctx<'_>, id: &str, c: Changes) -> ServiceResult<incident::Model> {
    let (user, txn, row) = begin_change(ctx, id).await?;
    state(&row).can_change()?;
    let mut am = row.clone().into_active_model();
    let mut changed: Vec<(&str, Value, Value)> = Vec::new();
    if let Some(t) = c.title {
        let t = title(&t)?;
        if t != row.title {
            changed.push(("title", json!(row.title), json!(t)));
            am.title_folded = Set(text::fold(&t));
            am.title = Set(t);
        }
    }
    if let Some(pt) = c.public_title {
        let pt = pt.as_deref().map(title).transpose()?;
        if pt != row.public_title {
            changed.push(("publicTitle", json!(row.public_title), json!(pt)));
            am.public_title = Set(pt);
        }
    }
    if let Some(d) = c.description {
        let d = d
            .as_deref()
            .map(|d| long_text("description", d))
            .transpose()?
            .filter(|d| !d.is_empty());
        if d != row.description {
            changed.push(("description", json!(row.description), json!(d)));
            am.description = Set(d);
        }
    }
    // A newly named service or team must be active; the resulting pair must belong
    // together (a new service without a team moves the incident to the service's team).
    let new_service = match c.service_id.as_ref().map(|s| s.as_deref()) {
        Some(Some(sid)) if Some(parse_id(sid, "service")?) != row.service_id => {
            Some(catalog::active_service(&txn, parse_id(sid, "service")?).await?)
        }
        _ => None,
    };
    let mut team = match &c.team_id {
        Some(t) => t.as_deref().map(|t| parse_id(t, "team")).transpose()?,
        None => row.team_id,
    };
    if let Some(tid) = team
        && Some(tid) != row.team_id
    {
        catalog::active_team(&txn, tid).await?;
    }
    let service = match &c.service_id {
        Some(s) => s.as_deref().map(|s| parse_id(s, "service")).transpose()?,
        None => row.service_id,
    };
    if c.service_id.is_some() || c.team_id.is_some() {
        let svc = match (new_service, service) {
            (Some(n), _) => Some(n),
            (None, Some(sid)) => service::Entity::find_by_id(sid).one(&txn).await?,
            (None, None) => None,
        };
        if c.team_id.is_none() && svc.is_some() && c.service_id.is_some() {
            team = None;
        }
        team = catalog::check_placement(team, svc.as_ref())?;
    }
    if service != row.service_id {
        changed.push(("service", id_json(row.service_id), id_json(service)));
        am.service_id = Set(service);
    }
    if team != row.team_id {
        changed.push(("team", id_json(row.team_id), id_json(team)));
        am.team_id = Set(team);
    }
    if let Some(src) = c.detection_source
        && src != row.detection_source
    {
        changed.push(("detectionSource", json!(row.detection_source), json!(src)));
        am.detection_source = Set(src);
    }
    if let Some(ci) = c.customer_impact
        && ci != row.customer_impact
    {
        changed.push(("customerImpact", json!(row.customer_impact), json!(ci)));
        am.customer_impact = Set(ci);
    }
    let started = instant::check_opt("startedAt", c.started_at)?.unwrap_or(row.started_at);
    let detected = instant::check_opt("detectedAt", c.detected_at)?.unwrap_or(row.detected_at);
    if started != row.started_at || detected != row.detected_at {
        rules::check_times(started, detected, row.declared_at, ctx.now)?;
        if started != row.started_at {
            changed.push(("startedAt", json!(row.started_at), json!(started)));
            am.started_at = Set(started);
            am.start_known = Set(true);
        }
        if detected != row.detected_at {
            changed.push(("detectedAt", json!(row.detected_at), json!(detected)));
            am.detected_at = Set(detected);
        }
    }
    if changed.is_empty() {
        txn.commit().await?;
        return Ok(row);
    }
    am.updated_at = Set(ctx.now);
    let updated = am.update(&txn).await?;
    log_field_changes(&txn, row.id, ctx.now, user.id, changed).await?;
    txn.commit().await?;
    Ok(updated)
}

pub async fn assign_role(
    ctx: Ctx<'_>,
    id: &str,
    role: IncidentRole,
    user_id: &str,
    acknowledge_conflict: bool,
) -> ServiceResult<incident::Model> {
    let assignee = parse_id(user_id, "user")?;
    let (user, txn, row) = begin_change(ctx, id).await?;
    state(&row).can_change()?;
    active_user_id(&txn, assignee).await?;
    let current = incident_role::Entity::find()
        .filter(incident_role::COLUMN.incident_id.eq(row.id))
        .all(&txn)
        .await?;
    let previous = current.iter().find(|r| r.role == role).map(|r| r.user_id);
    if previous == Some(assignee) {
        txn.commit().await?;
        return Ok(row);
    }
    let holders: Vec<(IncidentRole, Uuid)> = current.iter().map(|r| (r.role, r.user_id)).collect();
    let conflict = rules::check_role_assignment(role, assignee, &holders, acknowledge_conflict)?;
    match current.into_iter().find(|r| r.role == role) {
        Some(existing) => {
            let mut am = existing.into_active_model();
            am.user_id = Set(assignee);
            am.assigned_at = Set(ctx.now);
            am.update(&txn).await?;
        }
        None => {
            incident_role::ActiveModel {
                incident_id: Set(row.id),
                role: Set(role),
                user_id: Set(assignee),
                assigned_at: Set(ctx.now),
            }
            .insert(&txn)
            .await?;
        }
    }
    let verb = if previous.is_some() {
        "Reassigned"
    } else {
        "Assigned"
    };
    log(
        &txn,
        row.id,
        ctx.now,
        Some(user.id),
        TimelineKind::RoleChange,
        format!("{verb} {}", role.as_str()),
        Some(json!({ "role": role, "user": id_json(previous) })),
        Some(json!({ "role": role, "user": assignee.to_string() })),
    )
    .await?;
    if conflict {
        log(
            &txn,
            row.id,
            ctx.now,
            Some(user.id),
            TimelineKind::RoleConflictAcknowledged,
            "Called out: the Incident Commander is also the Technical Lead",
            None,
            Some(json!({ "user": assignee.to_string() })),
        )
        .await?;
    }
    let mut am = row.clone().into_active_model();
    am.updated_at = Set(ctx.now);
    let updated = am.update(&txn).await?;
    txn.commit().await?;
    Ok(updated)
}

/// The kinds a person logs by hand.
pub fn loggable(kind: TimelineKind) -> bool {
    matches!(
        kind,
        TimelineKind::Decision | TimelineKind::ActionTaken | TimelineKind::Note
    )
}

pub async fn log_event(
    ctx: Ctx<'_>,
    id: &str,
    kind: TimelineKind,
    message: &str,
) -> ServiceResult<incident::Model> {
    if !loggable(kind) {
        return Err(ServiceError::invalid(
            Reason::NotLoggable,
            "only decisions, actions and notes are logged by hand",
        ));
    }
    let message = required_text("message", message)?;
    let (user, txn, row) = begin_change(ctx, id).await?;
    state(&row).can_change()?;
    log(
        &txn,
        row.id,
        ctx.now,
        Some(user.id),
        kind,
        message,
        None,
        None,
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// Adds a person to an incident (for restricted incidents: lets them see it).
pub async fn add_participant(
    ctx: Ctx<'_>,
    id: &str,
    user_id: &str,
) -> ServiceResult<incident::Model> {
    let who = parse_id(user_id, "user")?;
    let (user, txn, row) = begin_change(ctx, id).await?;
    active_user_id(&txn, who).await?;
    ensure_participant(&txn, row.id, who, user.id, ctx.now, "Added a participant").await?;
    txn.commit().await?;
    Ok(row)
}

/// Makes `who` a participant of the incident (so they can see it when it is restricted),
/// logged, unless they already are. Race-free: a concurrent insert of the same pair is
/// absorbed by `ON CONFLICT DO NOTHING`.
pub(crate) async fn ensure_participant(
    txn: &impl ConnectionTrait,
    incident_id: Uuid,
    who: Uuid,
    actor: Uuid,
    now: DateTime<Utc>,
    why: &str,
) -> ServiceResult<()> {
    let inserted = incident_participant::Entity::insert(incident_participant::ActiveModel {
        incident_id: Set(incident_id),
        user_id: Set(who),
        added_at: Set(now),
    })
    .on_conflict(
        OnConflict::columns([
            incident_participant::Column::IncidentId,
            incident_participant::Column::UserId,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec(txn)
    .await;
    match inserted {
        Ok(_) => {
            log(
                txn,
                incident_id,
                now,
                Some(actor),
                TimelineKind::ParticipantAdded,
                why,
                None,
                Some(json!({ "user": who.to_string() })),
            )
            .await
        }
        Err(DbErr::RecordNotInserted) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// Removes a role's holder (logged). The Incident Commander is reassigned, never removed:
/// someone always coordinates.
pub async fn remove_role(
    ctx: Ctx<'_>,
    id: &str,
    role: IncidentRole,
) -> ServiceResult<incident::Model> {
    let (user, txn, row) = begin_change(ctx, id).await?;
    state(&row).can_change()?;
    if role == IncidentRole::Commander {
        return Err(ServiceError::invalid(
            Reason::CommanderRequired,
            "the Incident Commander is reassigned, never removed",
        ));
    }
    let held = incident_role::Entity::find_by_id((row.id, role))
        .one(&txn)
        .await?
        .ok_or_else(|| {
            ServiceError::conflict(
                Reason::RoleNotHeld,
                format!("nobody holds {}", role.as_str()),
            )
        })?;
    let previous = held.user_id;
    sea_orm::ModelTrait::delete(held, &txn).await?;
    log(
        &txn,
        row.id,
        ctx.now,
        Some(user.id),
        TimelineKind::RoleChange,
        format!("Removed {}", role.as_str()),
        Some(json!({ "role": role, "user": previous.to_string() })),
        Some(json!({ "role": role, "user": null })),
    )
    .await?;
    let mut am = row.into_active_model();
    am.updated_at = Set(ctx.now);
    let updated = am.update(&txn).await?;
    txn.commit().await?;
    Ok(updated)
}
