//! Severity policies: the product defaults, overridden per severity by admins.

use super::audit::{self, Change};
use super::{Ctx, ServiceError, ServiceResult};
use chrono::Duration;
use entity::{
    CustomerComms, IncidentRole, PageTarget, Role, Severity, organization, severity_policy,
};
use scheduler::domain::reason::Reason;
use scheduler::domain::severity::{SeverityPolicy, default_policy};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait, Iterable, QuerySelect};
use serde_json::json;

fn from_row(row: severity_policy::Model) -> SeverityPolicy {
    let pages: Vec<PageTarget> = serde_json::from_value(row.pages).unwrap_or_default();
    SeverityPolicy {
        severity: row.severity,
        respond_within: row
            .respond_within_minutes
            .map(|m| Duration::minutes(m.into())),
        business_hours_only: row.business_hours_only,
        pages,
        update_every: row
            .update_every_minutes
            .map(|m| Duration::minutes(m.into())),
        customer_comms: row.customer_comms,
        expected_roles: row
            .expected_roles
            .and_then(|v| serde_json::from_value(v).ok())
            .unwrap_or_else(|| scheduler::domain::severity::default_expected_roles(row.severity)),
        postmortem_required: row.postmortem_required.unwrap_or_else(|| {
            scheduler::domain::severity::default_postmortem_required(row.severity)
        }),
    }
}

/// The policy in force for one severity.
pub async fn policy_for(
    conn: &impl ConnectionTrait,
    severity: Severity,
) -> ServiceResult<SeverityPolicy> {
    Ok(severity_policy::Entity::find_by_id(severity)
        .one(conn)
        .await?
        .map(from_row)
        .unwrap_or_else(|| default_policy(severity)))
}

/// All four policies, SEV1 first.
pub async fn all(conn: &impl ConnectionTrait) -> ServiceResult<Vec<SeverityPolicy>> {
    let rows = severity_policy::Entity::find().all(conn).await?;
    Ok(Severity::iter()
        .map(|sev| {
            rows.iter()
                .find(|r| r.severity == sev)
                .cloned()
                .map(from_row)
                .unwrap_or_else(|| default_policy(sev))
        })
        .collect())
}

#[derive(Debug)]
pub struct PolicyChange {
    pub severity: Severity,
    /// `Some(None)`: no paging deadline (next business day).
    pub respond_within_minutes: Option<Option<i32>>,
    pub business_hours_only: Option<bool>,
    pub pages: Option<Vec<PageTarget>>,
    /// `Some(None)`: updates on change only.
    pub update_every_minutes: Option<Option<i32>>,
    pub customer_comms: Option<CustomerComms>,
    pub expected_roles: Option<Vec<IncidentRole>>,
    pub postmortem_required: Option<bool>,
}

fn snapshot(p: &SeverityPolicy) -> serde_json::Value {
    json!({
        "respondWithinMinutes": p.respond_within.map(|d| d.num_minutes()),
        "businessHoursOnly": p.business_hours_only,
        "pages": p.pages,
        "updateEveryMinutes": p.update_every.map(|d| d.num_minutes()),
        "customerComms": p.customer_comms,
        "expectedRoles": p.expected_roles,
        "postmortemRequired": p.postmortem_required,
    })
}

fn minutes(field: &str, v: Option<i32>) -> ServiceResult<Option<i32>> {
    match v {
        Some(m) if !(0..=7 * 24 * 60).contains(&m) => Err(ServiceError::invalid(
            Reason::ValueOutOfRange,
            format!("{field} must be between 0 and 10080 minutes"),
        )),
        Some(0) if field == "updateEveryMinutes" => Err(ServiceError::invalid(
            Reason::ValueOutOfRange,
            "updateEveryMinutes must be positive (or null for updates on change)",
        )),
        other => Ok(other),
    }
}

pub async fn update(ctx: Ctx<'_>, change: PolicyChange) -> ServiceResult<SeverityPolicy> {
    let actor = ctx.principal.require(Role::Admin)?;
    let txn = ctx.db.begin_write().await?;
    // Policies may not have a row yet (defaults apply), so there is nothing of theirs to
    // lock: the organization's row serialises policy changes instead.
    organization::Entity::find_by_id(1)
        .lock_exclusive()
        .one(&txn)
        .await?;
    let current = policy_for(&txn, change.severity).await?;
    let mut next = current.clone();
    if let Some(v) = change.respond_within_minutes {
        next.respond_within =
            minutes("respondWithinMinutes", v)?.map(|m| Duration::minutes(m.into()));
    }
    if let Some(v) = change.business_hours_only {
        next.business_hours_only = v;
    }
    if let Some(v) = change.pages {
        next.pages = v;
    }
    if let Some(v) = change.update_every_minutes {
        next.update_every = minutes("updateEveryMinutes", v)?.map(|m| Duration::minutes(m.into()));
    }
    if let Some(v) = change.customer_comms {
        next.customer_comms = v;
    }
    if let Some(v) = change.postmortem_required {
        next.postmortem_required = v;
    }
    if let Some(v) = change.expected_roles {
        next.expected_roles = scheduler::domain::severity::normalize_expected_roles(v);
    }
    let to_i32 = |d: Duration| i32::try_from(d.num_minutes()).unwrap_or(i32::MAX);
    let row = severity_policy::ActiveModel {
        severity: Set(change.severity),
        respond_within_minutes: Set(next.respond_within.map(to_i32)),
        business_hours_only: Set(next.business_hours_only),
        pages: Set(json!(next.pages)),
        update_every_minutes: Set(next.update_every.map(to_i32)),
        customer_comms: Set(next.customer_comms),
        expected_roles: Set(Some(json!(next.expected_roles))),
        postmortem_required: Set(Some(next.postmortem_required)),
        updated_at: Set(ctx.now),
    };
    severity_policy::Entity::insert(row)
        .on_conflict(
            OnConflict::column(severity_policy::Column::Severity)
                .update_columns([
                    severity_policy::Column::RespondWithinMinutes,
                    severity_policy::Column::BusinessHoursOnly,
                    severity_policy::Column::Pages,
                    severity_policy::Column::UpdateEveryMinutes,
                    severity_policy::Column::CustomerComms,
                    severity_policy::Column::ExpectedRoles,
                    severity_policy::Column::PostmortemRequired,
                    severity_policy::Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        ctx.now,
        Change {
            actor: Some(actor.id),
            action: "severity_policy.update",
            target_type: "severity_policy",
            target_id: change.severity.as_str().to_owned(),
            before: Some(snapshot(&current)),
            after: Some(snapshot(&next)),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(next)
}
