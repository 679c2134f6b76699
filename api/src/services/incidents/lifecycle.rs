//! Moving an incident through its life: acknowledged, severity changes, status updates,
//! mitigated, resolved (or a duplicate), reopened, linked to an earlier incident.

use crate::services::events;
use crate::services::{Ctx, ServiceError, ServiceResult, parse_id, severity};
use chrono::{DateTime, Utc};
use entity::{IncidentStatus, Severity, TimelineKind, incident, incident_update};
use scheduler::domain::incident::{self as rules, RuleError};
use scheduler::domain::instant;
use scheduler::domain::reason::Reason;
use scheduler::domain::severity::SeverityPolicy;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait, IntoActiveModel};
use serde_json::{Value, json};
use uuid::Uuid;

use super::*;

/// The instants of `row`, with `change` applied: what [`rules::check_phases`] judges.
fn phases(row: &incident::Model, change: impl FnOnce(&mut rules::Phases)) -> rules::Phases {
    let mut p = rules::Phases {
        started: row.started_at,
        detected: row.detected_at,
        declared: row.declared_at,
        acknowledged: row.acknowledged_at,
        mitigated: row.mitigated_at,
        resolved: row.resolved_at,
    };
    change(&mut p);
    p
}

/// When a phase happened: `at` when given (the button was pressed late), else now.
fn phase_instant(
    field: &'static str,
    at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> ServiceResult<DateTime<Utc>> {
    Ok(instant::check_opt(field, at)?.unwrap_or(now))
}

pub async fn acknowledge(
    ctx: Ctx<'_>,
    id: &str,
    at: Option<DateTime<Utc>>,
) -> ServiceResult<incident::Model> {
    let at = phase_instant("acknowledgedAt", at, ctx.now)?;
    let (user, txn, row) = begin_change(ctx, id).await?;
    state(&row).acknowledge()?;
    rules::check_phases(&phases(&row, |p| p.acknowledged = Some(at)), ctx.now)?;
    let mut am = row.clone().into_active_model();
    am.acknowledged_at = Set(Some(at));
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
        Some(json!({ "acknowledgedAt": at })),
    )
    .await?;
    crate::services::paging::hooks::acknowledged(&txn, row.id, user.id, ctx.now).await?;
    txn.commit().await?;
    Ok(updated)
}

/// The next update deadline after the last update (or the declaration) under `policy`.
fn next_due(row: &incident::Model, policy: &SeverityPolicy) -> Option<DateTime<Utc>> {
    let last = row.last_update_at.unwrap_or(row.declared_at);
    scheduler::domain::severity::next_update_due(policy, last)
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
    // The new severity's policy: its cadence, and whom it pages if raised.
    let policy = severity::policy_for(&txn, to).await?;
    am.next_update_due_at = Set(next_due(&row, &policy));
    am.updated_at = Set(ctx.now);
    // A ticket raised above SEV4 becomes an incident people gather for: it gets its channel.
    let opened = if row.channel.is_none() && scheduler::domain::channel::opens_channel(to) {
        let name =
            super::declaration::new_channel(&txn, row.restricted, &row.title, ctx.now).await?;
        am.channel = Set(Some(name.clone()));
        Some(name)
    } else {
        None
    };
    let updated = am.update(&txn).await?;
    let mut after = json!({ "severity": to });
    if let Some(name) = &opened {
        after["channel"] = json!(name);
    }
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
        Some(after),
    )
    .await?;
    if to.is_worse_than(row.severity) {
        crate::services::paging::hooks::severity_raised(&txn, &updated, &policy, user.id, ctx.now)
            .await?;
    }
    events::incident(
        &txn,
        "incident.severity_changed",
        &updated,
        json!({ "previousSeverity": row.severity, "reason": reason }),
        ctx.now,
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

/// A status update: what is happening, the status, what happens next and, when known, an
/// estimated time to resolution (`eta`: `Some(None)` withdraws the previous estimate).
#[derive(Debug, Default)]
pub struct NewUpdate {
    pub message: String,
    pub status: Option<IncidentStatus>,
    pub public: bool,
    pub next_steps: Option<String>,
    pub eta: Option<Option<DateTime<Utc>>>,
}

pub async fn post_update(
    ctx: Ctx<'_>,
    id: &str,
    input: NewUpdate,
) -> ServiceResult<(incident::Model, incident_update::Model)> {
    let NewUpdate {
        message,
        status,
        public,
        next_steps,
        eta,
    } = input;
    let message = required_text("message", &message)?;
    let next_steps = next_steps
        .as_deref()
        .map(|n| long_text("nextSteps", n))
        .transpose()?
        .filter(|n| !n.is_empty());
    let eta = match eta {
        Some(Some(at)) => Some(Some(instant::check("eta", at)?)),
        other => other,
    };
    let (user, txn, row) = begin_change(ctx, id).await?;
    let status = status.unwrap_or(row.status);
    state(&row).post_update(status)?;
    let new_eta = eta.unwrap_or(row.eta);
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
        next_steps: Set(next_steps),
        eta: Set(new_eta),
    }
    .insert(&txn)
    .await?;
    let policy = severity::policy_for(&txn, row.severity).await?;
    let mut am = row.clone().into_active_model();
    am.status = Set(status);
    am.last_update_at = Set(Some(ctx.now));
    if public {
        am.last_public_update_at = Set(Some(ctx.now));
    }
    am.next_update_due_at = Set(scheduler::domain::severity::next_update_due(
        &policy, ctx.now,
    ));
    am.eta = Set(new_eta);
    am.updated_at = Set(ctx.now);
    let updated = am.update(&txn).await?;
    if new_eta != row.eta {
        log(
            &txn,
            row.id,
            ctx.now,
            Some(user.id),
            TimelineKind::FieldChanged,
            "Changed the estimated time to resolution",
            Some(json!({ "eta": row.eta })),
            Some(json!({ "eta": new_eta })),
        )
        .await?;
    }
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
    if updated.status != row.status {
        events::incident(
            &txn,
            "incident.status_changed",
            &updated,
            json!({ "previousStatus": row.status }),
            ctx.now,
        )
        .await?;
    }
    txn.commit().await?;
    Ok((updated, update))
}

pub async fn mark_mitigated(
    ctx: Ctx<'_>,
    id: &str,
    at: Option<DateTime<Utc>>,
) -> ServiceResult<incident::Model> {
    let at = phase_instant("mitigatedAt", at, ctx.now)?;
    let (user, txn, row) = begin_change(ctx, id).await?;
    state(&row).mark_mitigated()?;
    rules::check_phases(&phases(&row, |p| p.mitigated = Some(at)), ctx.now)?;
    let mut am = row.clone().into_active_model();
    am.mitigated_at = Set(Some(at));
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
        Some(json!({ "status": IncidentStatus::Monitoring, "mitigatedAt": at })),
    )
    .await?;
    events::incident(
        &txn,
        "incident.status_changed",
        &updated,
        json!({ "previousStatus": row.status }),
        ctx.now,
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
    at: Option<DateTime<Utc>>,
) -> ServiceResult<incident::Model> {
    let summary = required_text("summary", summary)?;
    let at = phase_instant("resolvedAt", at, ctx.now)?;
    let (user, txn, row) = begin_change(ctx, id).await?;
    state(&row).resolve()?;
    rules::check_phases(&phases(&row, |p| p.resolved = Some(at)), ctx.now)?;
    let updated = close(
        &txn,
        ctx.now,
        at,
        user.id,
        row,
        Some(summary),
        false_alarm,
        None,
    )
    .await?;
    crate::services::postmortems::create_if_required(&txn, &updated, ctx.now).await?;
    crate::services::paging::hooks::resolved(&txn, updated.id, user.id, ctx.now).await?;
    events::incident(&txn, "incident.resolved", &updated, json!({}), ctx.now).await?;
    txn.commit().await?;
    Ok(updated)
}

/// Resolves: with a summary, or as a duplicate of another incident (whose summary is
/// rendered at read time: see [`references`]).
#[allow(clippy::too_many_arguments)]
async fn close(
    txn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    resolved_at: DateTime<Utc>,
    author: Uuid,
    row: incident::Model,
    summary: Option<String>,
    false_alarm: bool,
    duplicate_of: Option<Uuid>,
) -> ServiceResult<incident::Model> {
    let mut am = row.clone().into_active_model();
    am.status = Set(IncidentStatus::Resolved);
    am.resolved_at = Set(Some(resolved_at));
    am.resolution_summary = Set(summary.clone());
    am.false_alarm = Set(false_alarm);
    am.next_update_due_at = Set(None);
    if duplicate_of.is_some() {
        am.duplicate_of = Set(duplicate_of);
    }
    am.updated_at = Set(now);
    let updated = am.update(txn).await?;
    let after = json!({ "status": IncidentStatus::Resolved, "falseAlarm": false_alarm, "resolvedAt": resolved_at });
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
    events::incident(
        &txn,
        "incident.reopened",
        &updated,
        json!({ "reason": reason }),
        ctx.now,
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
    let updated = close(
        &txn,
        ctx.now,
        ctx.now,
        user.id,
        row,
        None,
        false,
        Some(original.id),
    )
    .await?;
    crate::services::paging::hooks::resolved(&txn, updated.id, user.id, ctx.now).await?;
    events::incident(
        &txn,
        "incident.resolved",
        &updated,
        json!({ "duplicateOf": original.id.to_string() }),
        ctx.now,
    )
    .await?;
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

/// Corrections of when things happened, afterwards (in any state, resolved included): each
/// changed instant is a timeline entry with before and after; the whole set must stay
/// consistent. An instant is corrected only once its phase happened.
#[derive(Debug, Default)]
pub struct TimeCorrections {
    pub started_at: Option<DateTime<Utc>>,
    pub detected_at: Option<DateTime<Utc>>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub mitigated_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
}

pub async fn correct_times(
    ctx: Ctx<'_>,
    id: &str,
    c: TimeCorrections,
) -> ServiceResult<incident::Model> {
    let started = instant::check_opt("startedAt", c.started_at)?;
    let detected = instant::check_opt("detectedAt", c.detected_at)?;
    let acknowledged = instant::check_opt("acknowledgedAt", c.acknowledged_at)?;
    let mitigated = instant::check_opt("mitigatedAt", c.mitigated_at)?;
    let resolved = instant::check_opt("resolvedAt", c.resolved_at)?;
    let (user, txn, row) = begin_change(ctx, id).await?;
    for (name, given, current) in [
        ("acknowledgedAt", acknowledged, row.acknowledged_at),
        ("mitigatedAt", mitigated, row.mitigated_at),
        ("resolvedAt", resolved, row.resolved_at),
    ] {
        if given.is_some() && current.is_none() {
            return Err(RuleError::PhaseNotReached(name).into());
        }
    }
    let next = phases(&row, |p| {
        p.started = started.unwrap_or(p.started);
        p.detected = detected.unwrap_or(p.detected);
        p.acknowledged = acknowledged.or(p.acknowledged);
        p.mitigated = mitigated.or(p.mitigated);
        p.resolved = resolved.or(p.resolved);
    });
    rules::check_phases(&next, ctx.now)?;
    let before = phases(&row, |_| {});
    let changes: Vec<(&str, Value, Value)> = [
        ("startedAt", json!(before.started), json!(next.started)),
        ("detectedAt", json!(before.detected), json!(next.detected)),
        (
            "acknowledgedAt",
            json!(before.acknowledged),
            json!(next.acknowledged),
        ),
        (
            "mitigatedAt",
            json!(before.mitigated),
            json!(next.mitigated),
        ),
        ("resolvedAt", json!(before.resolved), json!(next.resolved)),
    ]
    .into_iter()
    .filter(|(_, b, a)| b != a)
    .collect();
    if changes.is_empty() {
        txn.commit().await?;
        return Ok(row);
    }
    let mut am = row.clone().into_active_model();
    if started.is_some() {
        am.started_at = Set(next.started);
        am.start_known = Set(true);
    }
    am.detected_at = Set(next.detected);
    am.acknowledged_at = Set(next.acknowledged);
    am.mitigated_at = Set(next.mitigated);
    am.resolved_at = Set(next.resolved);
    am.updated_at = Set(ctx.now);
    let updated = am.update(&txn).await?;
    log_field_changes(&txn, row.id, ctx.now, user.id, changes).await?;
    txn.commit().await?;
    Ok(updated)
}
