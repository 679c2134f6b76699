//! What incidents do to paging, in the incident's own transaction: declaring one pages
//! its severity's targets; raising its severity pages whoever the new policy adds, nobody
//! twice; acknowledging it acknowledges its alerts.

use super::{ACKNOWLEDGED, Already, NewAlert, RESOLVED, TRIGGERED, page_targets};
use crate::services::ServiceResult;
use chrono::{DateTime, Utc};
use entity::{alert, incident, page};
use scheduler::domain::severity::SeverityPolicy;
use scheduler::paging::routing::Target;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

/// The alert an incident raises: its team, title and severity.
fn incident_alert(i: &incident::Model, actor: Uuid) -> NewAlert {
    NewAlert {
        team_id: i.team_id,
        integration_id: None,
        incident_id: Some(i.id),
        source: "incident".into(),
        name: i.title.clone(),
        dedup_key: None,
        summary: i.title.clone(),
        severity: i.severity,
        triggered_by: Some(actor),
        details: None,
        notification_hash: None,
    }
}

/// Pages the targets of `policy`, the incident's severity's, for a just-declared incident
/// (a SEV4 pages nobody and opens no alert). The hooks take the policy the incident's
/// change has read already, in the same transaction.
pub async fn declared(
    conn: &impl ConnectionTrait,
    i: &incident::Model,
    policy: &SeverityPolicy,
    actor: Uuid,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    if policy.pages.is_empty() {
        return Ok(());
    }
    super::open(conn, incident_alert(i, actor), &policy.pages, now).await?;
    Ok(())
}

/// An incident declared from an alert takes the alert over: linked to it, and paged as
/// its severity asks, nobody twice.
pub async fn adopted(
    conn: &impl ConnectionTrait,
    i: &incident::Model,
    policy: &SeverityPolicy,
    alert_id: Uuid,
    actor: Uuid,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    // Only an alert without an incident is adopted: of two concurrent declarations from
    // one alert, the second is refused (and its incident rolled back with it).
    let res = alert::Entity::update_many()
        .col_expr(alert::Column::IncidentId, Expr::value(i.id))
        .col_expr(alert::Column::UpdatedAt, Expr::value(now))
        .filter(alert::COLUMN.id.eq(alert_id))
        .filter(alert::Column::IncidentId.is_null())
        .exec(conn)
        .await?;
    if res.rows_affected == 0 {
        return Err(crate::services::ServiceError::conflict(
            scheduler::domain::reason::Reason::AlreadyExists,
            "this alert already has an incident",
        ));
    }
    let Some(alert) = alert::Entity::find_by_id(alert_id)
        .lock_exclusive()
        .one(conn)
        .await?
    else {
        return Ok(());
    };
    // Its people see the incident if it is restricted.
    for p in super::paged(conn, alert.id).await? {
        if i.restricted {
            crate::services::incidents::ensure_participant(
                conn,
                i.id,
                p.user_id,
                actor,
                now,
                "Paged about this incident",
            )
            .await?;
        }
    }
    let targets: Vec<Target> = policy.pages.iter().copied().map(Target::from).collect();
    page_targets(
        conn,
        &alert,
        &targets,
        alert.position as u32,
        Some(actor),
        now,
        Already::Alert,
    )
    .await?;
    Ok(())
}

/// The incident's open alert, if any (the newest), under its row lock.
async fn open_alert(
    conn: &impl ConnectionTrait,
    incident: Uuid,
) -> ServiceResult<Option<alert::Model>> {
    Ok(alert::Entity::find()
        .filter(alert::COLUMN.incident_id.eq(incident))
        .filter(alert::COLUMN.status.ne(RESOLVED))
        .order_by_desc(alert::COLUMN.created_at)
        .lock_exclusive()
        .one(conn)
        .await?)
}

/// After a severity raise: pages whoever the new policy adds, nobody twice (people paged
/// on any of the incident's alerts count).
pub async fn severity_raised(
    conn: &impl ConnectionTrait,
    i: &incident::Model,
    policy: &SeverityPolicy,
    actor: Uuid,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    if policy.pages.is_empty() {
        return Ok(());
    }
    let targets: Vec<Target> = policy.pages.iter().copied().map(Target::from).collect();
    let Some(alert) = open_alert(conn, i.id).await? else {
        // Its alerts are resolved: a new one, paging only people none of them reached.
        super::open_leaving_out(
            conn,
            incident_alert(i, actor),
            &policy.pages,
            now,
            Already::Incident(i.id),
        )
        .await?;
        return Ok(());
    };
    alert::Entity::update_many()
        .col_expr(alert::Column::Severity, Expr::value(i.severity))
        .col_expr(alert::Column::UpdatedAt, Expr::value(now))
        .filter(alert::COLUMN.id.eq(alert.id))
        .exec(conn)
        .await?;
    page_targets(
        conn,
        &alert,
        &targets,
        alert.position as u32,
        Some(actor),
        now,
        Already::Incident(i.id),
    )
    .await?;
    Ok(())
}

/// Resolving an incident (or closing it as a duplicate) resolves its open alerts: nobody
/// is paged about an incident that is over.
pub async fn resolved(
    conn: &impl ConnectionTrait,
    incident: Uuid,
    actor: Uuid,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let open: Vec<Uuid> = alert::Entity::find()
        .filter(alert::COLUMN.incident_id.eq(incident))
        .filter(alert::COLUMN.status.ne(RESOLVED))
        .all(conn)
        .await?
        .into_iter()
        .map(|a| a.id)
        .collect();
    if open.is_empty() {
        return Ok(());
    }
    alert::Entity::update_many()
        .col_expr(alert::Column::Status, Expr::value(RESOLVED))
        .col_expr(alert::Column::ResolvedAt, Expr::value(now))
        .col_expr(alert::Column::ResolvedBy, Expr::value(actor))
        .col_expr(
            alert::Column::SnoozedUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(alert::Column::UpdatedAt, Expr::value(now))
        .filter(alert::Column::Id.is_in(open.clone()))
        .exec(conn)
        .await?;
    changed_events(conn, &open, "alert.resolved", serde_json::json!({}), now).await
}

/// The events of alerts changed in bulk, as their single-alert changes emit them.
async fn changed_events(
    conn: &impl ConnectionTrait,
    ids: &[Uuid],
    kind: &'static str,
    extra: serde_json::Value,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    if crate::services::events::subscribers(conn).await?.is_empty() {
        return Ok(());
    }
    for a in alert::Entity::find()
        .filter(alert::Column::Id.is_in(ids.iter().copied()))
        .all(conn)
        .await?
    {
        crate::services::events::alert(conn, kind, &a, extra.clone(), now).await?;
    }
    Ok(())
}

/// Acknowledging an incident acknowledges its triggered alerts and their pages.
pub async fn acknowledged(
    conn: &impl ConnectionTrait,
    incident: Uuid,
    actor: Uuid,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let alerts: Vec<Uuid> = alert::Entity::find()
        .filter(alert::COLUMN.incident_id.eq(incident))
        .filter(alert::COLUMN.status.eq(TRIGGERED))
        .all(conn)
        .await?
        .into_iter()
        .map(|a| a.id)
        .collect();
    if alerts.is_empty() {
        return Ok(());
    }
    alert::Entity::update_many()
        .col_expr(alert::Column::Status, Expr::value(ACKNOWLEDGED))
        .col_expr(alert::Column::AcknowledgedAt, Expr::value(now))
        .col_expr(alert::Column::AcknowledgedBy, Expr::value(actor))
        .col_expr(alert::Column::UpdatedAt, Expr::value(now))
        .filter(alert::Column::Id.is_in(alerts.clone()))
        .exec(conn)
        .await?;
    page::Entity::update_many()
        .col_expr(page::Column::AcknowledgedAt, Expr::value(now))
        .filter(page::Column::AlertId.is_in(alerts.clone()))
        .filter(page::Column::AcknowledgedAt.is_null())
        .exec(conn)
        .await?;
    changed_events(
        conn,
        &alerts,
        "alert.acknowledged",
        serde_json::json!({ "acknowledgedBy": actor.to_string() }),
        now,
    )
    .await
}
