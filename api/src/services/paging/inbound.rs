//! Alerts coming in: Prometheus Alertmanager's webhook (payload version 4) and a small
//! generic webhook. A firing Alertmanager group opens one alert (not one per alert in it,
//! not one per repeated notification); alerts joining the group are added to it; a
//! resolved notification resolves it; a group firing again after resolving opens a new
//! alert. A notification applied once changes nothing the second time (high-availability
//! pairs both send it). Everything of one delivery happens in one transaction.

use super::integrations::{self, severity_named};
use super::{NewAlert, RESOLVED};
use crate::services::{ServiceError, ServiceResult};
use chrono::{DateTime, Utc};
use entity::{Severity, alert, integration};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
};
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// Prometheus Alertmanager's webhook payload, version 4 (the fields used).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AlertmanagerPayload {
    pub version: String,
    pub group_key: String,
    pub status: String,
    #[serde(default)]
    pub group_labels: BTreeMap<String, String>,
    #[serde(default)]
    pub common_labels: BTreeMap<String, String>,
    #[serde(default)]
    pub common_annotations: BTreeMap<String, String>,
    pub alerts: Vec<AmAlert>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AmAlert {
    pub status: String,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
    #[serde(default)]
    pub fingerprint: String,
    #[serde(default)]
    pub starts_at: Option<String>,
}

/// The generic webhook's body.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GenericPayload {
    pub summary: String,
    /// `SEV1`…`SEV4`, or a value of the integration's severity mapping.
    pub severity: Option<String>,
    /// Deliveries with one key are one alert while it is open.
    pub dedup_key: String,
    /// `trigger` (default) or `resolve`.
    #[serde(default)]
    pub status: Option<String>,
}

/// What a delivery did.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    Opened(uuid::Uuid),
    Updated(uuid::Uuid),
    Resolved(uuid::Uuid),
    /// Seen before (a duplicate or a repeat): nothing changed.
    Unchanged,
    /// The key is unknown or revoked.
    UnknownKey,
}

/// Why a body was refused (HTTP 400), in words a sender can act on.
#[derive(Debug)]
pub struct BadPayload(pub String);

fn severity_of(i: &integration::Model, value: Option<&str>) -> Severity {
    value
        .and_then(|v| {
            i.severity_map
                .get(v)
                .and_then(Value::as_str)
                .and_then(severity_named)
                .or_else(|| severity_named(v))
        })
        .unwrap_or(i.default_severity)
}

async fn latest(
    conn: &impl sea_orm::ConnectionTrait,
    integration: uuid::Uuid,
    key: &str,
) -> ServiceResult<Option<alert::Model>> {
    Ok(alert::Entity::find()
        .filter(alert::COLUMN.integration_id.eq(integration))
        .filter(alert::COLUMN.dedup_key.eq(key))
        .order_by_desc(alert::COLUMN.created_at)
        .order_by_desc(alert::COLUMN.id)
        .one(conn)
        .await?)
}

/// One notification, as applied to the alert of its group.
struct Notification<'a> {
    key: &'a str,
    firing: bool,
    /// What makes a repeat recognisable: the same hash changes nothing.
    hash: String,
    details: Value,
    /// The severity the notification asks for: a worse one raises an open alert (and
    /// pages whoever the new severity adds).
    severity: Severity,
}

/// Applies one notification: firing with the group's alerts, or resolved.
async fn apply(
    conn: &impl sea_orm::ConnectionTrait,
    i: &integration::Model,
    n: Notification<'_>,
    new: impl FnOnce() -> NewAlert,
    now: DateTime<Utc>,
) -> ServiceResult<Outcome> {
    let Notification {
        key,
        firing,
        hash,
        details,
        severity,
    } = n;
    let last = latest(conn, i.id, key).await?;
    // A late copy of a notification already applied (the second of a high-availability
    // pair arriving after the group resolved) changes nothing.
    if firing
        && last
            .as_ref()
            .is_some_and(|a| a.notification_hash.as_deref() == Some(hash.as_str()))
    {
        return Ok(Outcome::Unchanged);
    }
    let open = last.filter(|a| a.status != RESOLVED);
    match (firing, open) {
        (true, Some(a)) if a.notification_hash.as_deref() == Some(hash.as_str()) => {
            Ok(Outcome::Unchanged)
        }
        (true, Some(a)) => {
            let id = a.id;
            let raised = severity.is_worse_than(a.severity);
            let mut am = a.into_active_model();
            am.details = Set(Some(details));
            am.notification_hash = Set(Some(hash));
            if raised {
                am.severity = Set(severity);
            }
            am.updated_at = Set(now);
            let a = am.update(conn).await?;
            if raised {
                let policy = crate::services::severity::policy_for(conn, severity).await?;
                let targets: Vec<scheduler::paging::routing::Target> =
                    policy.pages.iter().copied().map(Into::into).collect();
                super::page_targets(
                    conn,
                    &a,
                    &targets,
                    a.position as u32,
                    None,
                    now,
                    super::Already::Alert,
                )
                .await?;
            }
            Ok(Outcome::Updated(id))
        }
        (true, None) => {
            let new = new();
            let policy = crate::services::severity::policy_for(conn, new.severity).await?;
            let (row, _) = super::open(conn, new, &policy.pages, now).await?;
            Ok(Outcome::Opened(row.id))
        }
        (false, Some(a)) => {
            let id = a.id;
            super::alerts::resolve_in(conn, a, None, now).await?;
            Ok(Outcome::Resolved(id))
        }
        (false, None) => Ok(Outcome::Unchanged),
    }
}

pub async fn alertmanager(
    db: &crate::db::Db,
    key: &str,
    body: &[u8],
    now: DateTime<Utc>,
) -> Result<ServiceResult<Outcome>, BadPayload> {
    let p: AlertmanagerPayload = serde_json::from_slice(body)
        .map_err(|e| BadPayload(format!("not an Alertmanager webhook payload: {e}")))?;
    if p.version != "4" {
        return Err(BadPayload(format!(
            "payload version {} is not supported (4 is)",
            p.version
        )));
    }
    if p.status != "firing" && p.status != "resolved" {
        return Err(BadPayload(format!(
            "status `{}` is neither firing nor resolved",
            p.status
        )));
    }
    Ok(async {
        let txn = db.begin_write().await?;
        let Some(i) = integrations::by_key(&txn, key).await? else {
            return Ok(Outcome::UnknownKey);
        };
        // What identifies a notification: its alerts with their status and start (a group
        // firing again after resolving has new starts, a late copy of an old notification
        // does not).
        let mut members: Vec<(String, String, String)> = p
            .alerts
            .iter()
            .map(|a| (a.fingerprint.clone(), a.status.clone(), a.starts_at.clone().unwrap_or_default()))
            .collect();
        members.sort();
        let hash = hex::encode(Sha256::digest(format!("{}|{:?}", p.status, members).as_bytes()));
        let label = |m: &BTreeMap<String, String>| m.get(&i.severity_label).cloned();
        // The worst severity among the group's firing alerts.
        let severity = p
            .alerts
            .iter()
            .filter(|a| a.status == "firing")
            .map(|a| severity_of(&i, label(&a.labels).as_deref()))
            .min()
            .unwrap_or_else(|| severity_of(&i, label(&p.common_labels).as_deref()));
        let name = p
            .common_labels
            .get("alertname")
            .or_else(|| p.group_labels.get("alertname"))
            .cloned()
            .unwrap_or_else(|| "alert".into());
        let summary = p
            .common_annotations
            .get("summary")
            .cloned()
            .unwrap_or_else(|| format!("{name} ({} firing)", p.alerts.iter().filter(|a| a.status == "firing").count()));
        let details = json!(p
            .alerts
            .iter()
            .map(|a| json!({ "fingerprint": a.fingerprint, "status": a.status, "labels": a.labels, "annotations": a.annotations, "startsAt": a.starts_at }))
            .collect::<Vec<_>>());
        let outcome = apply(
            &txn,
            &i,
            Notification {
                key: &p.group_key,
                firing: p.status == "firing",
                hash: hash.clone(),
                details: details.clone(),
                severity,
            },
            || NewAlert {
                team_id: Some(i.team_id),
                integration_id: Some(i.id),
                incident_id: None,
                source: i.name.clone(),
                name: name.clone(),
                dedup_key: Some(p.group_key.clone()),
                summary: scheduler::domain::text::single_line("summary", &summary, 500).unwrap_or_else(|_| name.clone()),
                severity,
                triggered_by: None,
                details: Some(details.clone()),
                notification_hash: Some(hash.clone()),
            },
            now,
        )
        .await?;
        txn.commit().await?;
        Ok::<_, ServiceError>(outcome)
    }
    .await)
}

pub async fn generic(
    db: &crate::db::Db,
    key: &str,
    body: &[u8],
    now: DateTime<Utc>,
) -> Result<ServiceResult<Outcome>, BadPayload> {
    let p: GenericPayload = serde_json::from_slice(body)
        .map_err(|e| BadPayload(format!("not a generic alert: {e}")))?;
    let summary = scheduler::domain::text::single_line("summary", &p.summary, 500)
        .map_err(|e| BadPayload(e.to_string()))?;
    let dedup = scheduler::domain::text::single_line("dedupKey", &p.dedup_key, 200)
        .map_err(|e| BadPayload(e.to_string()))?;
    let firing = match p.status.as_deref().unwrap_or("trigger") {
        "trigger" => true,
        "resolve" => false,
        other => {
            return Err(BadPayload(format!(
                "status `{other}` is neither trigger nor resolve"
            )));
        }
    };
    Ok(async {
        let txn = db.begin_write().await?;
        let Some(i) = integrations::by_key(&txn, key).await? else {
            return Ok(Outcome::UnknownKey);
        };
        let severity = severity_of(&i, p.severity.as_deref());
        let hash = hex::encode(Sha256::digest(
            format!("{firing}|{summary}|{severity:?}").as_bytes(),
        ));
        let outcome = apply(
            &txn,
            &i,
            Notification {
                key: &dedup,
                firing,
                hash: hash.clone(),
                details: json!({ "summary": summary }),
                severity,
            },
            || NewAlert {
                team_id: Some(i.team_id),
                integration_id: Some(i.id),
                incident_id: None,
                source: i.name.clone(),
                name: summary.clone(),
                dedup_key: Some(dedup.clone()),
                summary: summary.clone(),
                severity,
                triggered_by: None,
                details: None,
                notification_hash: Some(hash.clone()),
            },
            now,
        )
        .await?;
        txn.commit().await?;
        Ok::<_, ServiceError>(outcome)
    }
    .await)
}
