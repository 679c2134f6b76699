//! Moving an incident through its life: acknowledged, severity changes, status updates,
//! mitigated, resolved (or a duplicate), reopened, linked to an earlier incident.

use crate::services::{Ctx, ServiceError, ServiceResult, parse_id, severity};
use chrono::{DateTime, Utc};
use entity::{IncidentStatus, Severity, TimelineKind, incident, incident_update};
use scheduler::domain::incident::{self as rules, RuleError};
use scheduler::domain::reason::Reason;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait, IntoActiveModel};
use serde_json::json;
use uuid::Uuid;

use super::*;

pub async fn acknowledge(ctx: Ctx<'_>, id: &str) -> ServiceResult<incident::Model> {
    let (user, txn, row) = begin_change(ctx, id).await?;
    state(&row).acknowledge()?;
    let mut am = row.clone().into_active_model();
    am.acknowledged_at = Set(Some(ctx.now));
    am.updated_at = Set(ctx.now);
    let updated = am.update(&txn).await?;
    log(
        &txn,
        row.id,
        ctx.now,
        Some(user.id),
        TimelineKind::Acknowledged,
        "Acknowledged",
        None,
        None,
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

/// The next update deadline after the last update (or the declaration) under `severity`.
async fn next_due(
    conn: &impl ConnectionTrait,
    row: &incident::Model,
    severity: Severity,
) -> ServiceResult<Option<DateTime<Utc>>> {
    let policy = severity::policy_for(conn, severity).await?;
    let last = row.last_update_at.unwrap_or(row.declared_at);
    Ok(scheduler::domain::severity::next_update_due(&policy, last))
}

pub async fn change_severity(
    ctx: Ctx<'_>,
    id: &str,
    to: Severity,
    reason: &str,
) -> ServiceResult<incident::Model> {
    let reason = required_text("reason", reason)?;
    let (user, txn, row) = begin_change(ctx, id).await?;
    state(&row).change_severity(row.severity, to)?;
    let mut am = row.clone().into_active_model();
    am.severity = Set(to);
    am.highest_severity = Set(rules::highest(row.highest_severity, to));
    am.next_update_due_at = Set(next_due(&txn, &row, to).await?);
    am.updated_at = Set(ctx.now);
    let updated = am.update(&txn).await?;
    let direction = if to.is_worse_than(row.severity) {
        "Upgraded"
    } else {
        "Downgraded"
    };
    log(
        &txn,
        row.id,
        ctx.now,
        Some(user.id),
        TimelineKind::SeverityChange,
        format!("{direction} severity: {reason}"),
        Some(json!({ "severity": row.severity })),
        Some(json!({ "severity": to })),
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

pub async fn post_update(
    ctx: Ctx<'_>,
    id: &str,
    message: &str,
    status: IncidentStatus,
    public: bool,
) -> ServiceResult<(incident::Model, incident_update::Model)> {
    let message = required_text("message", message)?;
    let (user, txn, row) = begin_change(ctx, id).await?;
    state(&row).post_update(status)?;
    if public && (!row.customer_impact || row.restricted) {
        return Err(ServiceError::invalid(
            Reason::PublicUpdateNotAllowed,
            "public updates are for customer-facing, unrestricted incidents",
        ));
    }
    let update = incident_update::ActiveModel {
        id: Set(Uuid::now_v7()),
        incident_id: Set(row.id),
        at: Set(ctx.now),
        author_id: Set(user.id),
        status: Set(status),
        message: Set(message.clone()),
        public: Set(public),
    }
    .insert(&txn)
    .await?;
    let policy = severity::policy_for(&txn, row.severity).await?;
    let mut am = row.clone().into_active_model();
    am.status = Set(status);
    am.last_update_at = Set(Some(ctx.now));
    am.next_update_due_at = Set(scheduler::domain::severity::next_update_due(
        &policy, ctx.now,
    ));
    am.updated_at = Set(ctx.now);
    let updated = am.update(&txn).await?;
    if status != row.status {
        log(
            &txn,
            row.id,
            ctx.now,
            Some(user.id),
            TimelineKind::StatusChange,
            format!("Status {} → {}", row.status.as_str(), status.as_str()),
            Some(json!({ "status": row.status })),
            Some(json!({ "status": status })),
        )
        .await?;
    }
    log(
        &txn,
        row.id,
        ctx.now,
        Some(user.id),
        TimelineKind::UpdatePosted,
        message,
        None,
        Some(json!({ "status": status, "public": public, "update": update.id.to_string() })),
    )
    .await?;
    txn.commit().await?;
    Ok((updated, update))
}

pub async fn mark_mitigated(ctx: Ctx<'_>, id: &str) -> ServiceResult<incident::Model> {
    let (user, txn, row) = begin_change(ctx, id).await?;
    state(&row).mark_mitigated()?;
    let mut am = row.clone().into_active_model();
    am.mitigated_at = Set(Some(ctx.now));
    am.status = Set(IncidentStatus::Monitoring);
    am.updated_at = Set(ctx.now);
    let updated = am.update(&txn).await?;
    log(
        &txn,
        row.id,
        ctx.now,
        Some(user.id),
        TimelineKind::Mitigated,
        "Mitigated: monitoring for recurrence",
        Some(json!({ "status": row.status })),
        Some(json!({ "status": IncidentStatus::Monitoring })),
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

pub async fn resolve(
    ctx: Ctx<'_>,
    id: &str,
    summary: &str,
    false_alarm: bool,
) -> ServiceResult<incident::Model> {
    let summary = required_text("summary", summary)?;
    let (user, txn, row) = begin_change(ctx, id).await?;
    state(&row).resolve()?;
    let updated = close(
        &txn,
        ctx.now,
        user.id,
        row,
        Some(summary),
        false_alarm,
        None,
    )
    .await?;
    crate::services::postmortems::create_if_required(&txn, &updated, ctx.now).await?;
    txn.commit().await?;
    Ok(updated)
}

/// Resolves: with a summary, or as a duplicate of another incident (whose summary is
/// rendered at read time: see [`references`]).
async fn close(
    txn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    author: Uuid,
    row: incident::Model,
    summary: Option<String>,
    false_alarm: bool,
    duplicate_of: Option<Uuid>,
) -> ServiceResult<incident::Model> {
    let mut am = row.clone().into_active_model();
    am.status = Set(IncidentStatus::Resolved);
    am.resolved_at = Set(Some(now));
    am.resolution_summary = Set(summary.clone());
    am.false_alarm = Set(false_alarm);
    am.next_update_due_at = Set(None);
    if duplicate_of.is_some() {
        am.duplicate_of = Set(duplicate_of);
    }
    am.updated_at = Set(now);
    let updated = am.update(txn).await?;
    let after = json!({ "status": IncidentStatus::Resolved, "falseAlarm": false_alarm });
    match duplicate_of {
        Some(other) => {
            log_reference(
                txn,
                row.id,
                now,
                author,
                TimelineKind::MarkedDuplicate,
                other,
                Some(after),
            )
            .await?
        }
        None => {
            let summary = summary.unwrap_or_default();
            let message = if false_alarm {
                format!("Closed as a false alarm: {summary}")
            } else {
                format!("Resolved: {summary}")
            };
            log(
                txn,
                row.id,
                now,
                Some(author),
                TimelineKind::Resolved,
                message,
                Some(json!({ "status": row.status })),
                Some(after),
            )
            .await?
        }
    }
    Ok(updated)
}

pub async fn reopen(ctx: Ctx<'_>, id: &str, reason: &str) -> ServiceResult<incident::Model> {
    let reason = required_text("reason", reason)?;
    let (user, txn, row) = begin_change(ctx, id).await?;
    state(&row).reopen()?;
    let mut am = row.clone().into_active_model();
    am.status = Set(IncidentStatus::Investigating);
    am.resolved_at = Set(None);
    am.false_alarm = Set(false);
    am.duplicate_of = Set(None);
    am.updated_at = Set(ctx.now);
    // A reopened incident owes an update one cadence from now.
    let policy = severity::policy_for(&txn, row.severity).await?;
    am.next_update_due_at = Set(scheduler::domain::severity::next_update_due(
        &policy, ctx.now,
    ));
    let updated = am.update(&txn).await?;
    log(
        &txn,
        row.id,
        ctx.now,
        Some(user.id),
        TimelineKind::Reopened,
        format!("Reopened: {reason}"),
        Some(json!({ "status": row.status, "resolvedAt": row.resolved_at })),
        Some(json!({ "status": IncidentStatus::Investigating })),
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

pub async fn mark_duplicate(ctx: Ctx<'_>, id: &str, of: &str) -> ServiceResult<incident::Model> {
    let of = parse_id(of, "incident")?;
    let (user, txn, row) = begin_change(ctx, id).await?;
    state(&row).resolve()?;
    // Locked too: the original must not become a duplicate itself meanwhile (a cycle of
    // two concurrent marks deadlocks on PostgreSQL, and the loser gets CONFLICT).
    let original = find_visible_locked(&txn, user, of).await?;
    rules::check_link(row.id, row.declared_at, original.id, original.declared_at)?;
    if original.duplicate_of.is_some() {
        return Err(RuleError::DuplicateOfDuplicate.into());
    }
    let updated = close(&txn, ctx.now, user.id, row, None, false, Some(original.id)).await?;
    txn.commit().await?;
    Ok(updated)
}

/// Links an incident to an earlier one it repeats. Allowed after resolution too: it is
/// learning, not response.
pub async fn link_recurrence(
    ctx: Ctx<'_>,
    id: &str,
    earlier: &str,
) -> ServiceResult<incident::Model> {
    let earlier = parse_id(earlier, "incident")?;
    let (user, txn, row) = begin_change(ctx, id).await?;
    let first = find_visible(&txn, user, earlier).await?;
    rules::check_link(row.id, row.declared_at, first.id, first.declared_at)?;
    let mut am = row.clone().into_active_model();
    am.recurrence_of = Set(Some(first.id));
    am.updated_at = Set(ctx.now);
    let updated = am.update(&txn).await?;
    log_reference(
        &txn,
        row.id,
        ctx.now,
        user.id,
        TimelineKind::RecurrenceLinked,
        first.id,
        None,
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}
