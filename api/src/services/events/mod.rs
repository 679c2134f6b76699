//! Outbound events: what happened to incidents, postmortems, action items and alerts,
//! written in the same transaction as the change, and a delivery for each subscription
//! that wants it (through the same outbox as notifications: signed, retried, reported).
//! Events about a restricted incident reach only subscriptions an admin opted in.
//! Each event's JSON is documented in the README ("Outbound events").

pub mod slack;
pub mod subscriptions;

use super::ServiceResult;
use super::notifications::pending;
use chrono::{DateTime, Utc};
use entity::{action_item, alert, delivery, event, event_subscription, incident, postmortem};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait, EntityTrait};
use serde_json::{Value, json};
use uuid::Uuid;

/// Every event type, as stored and as subscriptions name them.
pub const TYPES: &[&str] = &[
    "incident.declared",
    "incident.severity_changed",
    "incident.status_changed",
    "incident.resolved",
    "incident.reopened",
    "postmortem.published",
    "action_item.created",
    "action_item.completed",
    "alert.paged",
    "alert.acknowledged",
    "alert.resolved",
    "team.weekly_digest",
];

/// Types a subscription gets only when it names them (not with "all types"): reports the
/// scan writes, not changes as they happen.
pub const OPT_IN: &[&str] = &["team.weekly_digest"];

/// An instant as events write it (RFC 3339, UTC, microseconds).
pub(crate) fn at(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// An incident as events show it.
pub fn incident_json(i: &incident::Model) -> Value {
    json!({
        "id": i.id.to_string(),
        "title": i.title,
        "channel": i.channel,
        "severity": i.severity,
        "status": i.status,
        "teamId": i.team_id.map(|t| t.to_string()),
        "customerImpact": i.customer_impact,
        "restricted": i.restricted,
        "declaredAt": at(i.declared_at),
        "resolvedAt": i.resolved_at.map(at),
    })
}

/// Every subscription (a handful): looked at before anything else, so a change with no
/// subscriber costs one statement.
pub async fn subscribers(
    conn: &impl ConnectionTrait,
) -> ServiceResult<Vec<event_subscription::Model>> {
    Ok(event_subscription::Entity::find().all(conn).await?)
}

/// Writes an event and its deliveries.
pub async fn emit(
    conn: &impl ConnectionTrait,
    kind: &'static str,
    team_id: Option<Uuid>,
    restricted: bool,
    object: (&'static str, Uuid),
    payload: Value,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let about = About {
        kind,
        team_id,
        restricted,
        object,
    };
    write(conn, about, payload, None, now).await.map(|_| ())
}

/// Writes an event the scan decided on under a deduplication key, unless an event with
/// that key exists (another worker, or an earlier scan, wrote it); whether it was written.
pub async fn emit_once(
    conn: &impl ConnectionTrait,
    about: About,
    key: String,
    payload: Value,
    now: DateTime<Utc>,
) -> ServiceResult<bool> {
    write(conn, about, payload, Some(key), now).await
}

/// What an event is about: its type, the team (for team destinations), whether it
/// concerns a restricted incident, and its object.
#[derive(Debug, Clone, Copy)]
pub struct About {
    pub kind: &'static str,
    pub team_id: Option<Uuid>,
    pub restricted: bool,
    pub object: (&'static str, Uuid),
}

async fn write(
    conn: &impl ConnectionTrait,
    about: About,
    payload: Value,
    key: Option<String>,
    now: DateTime<Utc>,
) -> ServiceResult<bool> {
    let subscribers: Vec<event_subscription::Model> = subscribers(conn)
        .await?
        .into_iter()
        .filter(|s| wants(s, about.kind, about.team_id, about.restricted))
        .collect();
    if subscribers.is_empty() {
        return Ok(false);
    }
    let id = Uuid::now_v7();
    let inserted = event::Entity::insert(event::ActiveModel {
        id: Set(id),
        kind: Set(about.kind.to_owned()),
        team_id: Set(about.team_id),
        restricted: Set(about.restricted),
        object_type: Set(about.object.0.to_owned()),
        object_id: Set(about.object.1),
        payload: Set(payload),
        occurred_at: Set(now),
        dedup_key: Set(key),
    })
    .on_conflict(
        OnConflict::column(event::Column::DedupKey)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(conn)
    .await?;
    if inserted == 0 {
        return Ok(false);
    }
    for s in subscribers {
        let d = Uuid::now_v7();
        delivery::ActiveModel {
            id: Set(d),
            notification_id: Set(None),
            method_id: Set(None),
            event_id: Set(Some(id)),
            subscription_id: Set(Some(s.id)),
            attempts: Set(0),
            next_attempt_at: Set(Some(now)),
            claimed_until: Set(None),
            delivered_at: Set(None),
            failed_at: Set(None),
            last_error: Set(None),
            created_at: Set(now),
        }
        .insert(conn)
        .await?;
        pending::record(d);
    }
    Ok(true)
}

/// Whether subscription `s` wants an event of `kind` about `team`.
pub fn wants(
    s: &event_subscription::Model,
    kind: &str,
    team: Option<Uuid>,
    restricted: bool,
) -> bool {
    let types: Vec<String> = serde_json::from_value(s.types.clone()).unwrap_or_default();
    ((types.is_empty() && !OPT_IN.contains(&kind)) || types.iter().any(|t| t == kind))
        && (s.team_id.is_none() || s.team_id == team)
        && (!restricted || s.include_restricted)
}

/// An event about an incident.
pub async fn incident(
    conn: &impl ConnectionTrait,
    kind: &'static str,
    i: &incident::Model,
    extra: Value,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let mut payload = json!({ "incident": incident_json(i) });
    if let (Some(p), Value::Object(extra)) = (payload.as_object_mut(), extra) {
        p.extend(extra);
    }
    emit(
        conn,
        kind,
        i.team_id,
        i.restricted,
        ("incident", i.id),
        payload,
        now,
    )
    .await
}

async fn incident_of(
    conn: &impl ConnectionTrait,
    id: Uuid,
) -> ServiceResult<Option<incident::Model>> {
    Ok(incident::Entity::find_by_id(id).one(conn).await?)
}

/// A postmortem was published.
pub async fn postmortem_published(
    conn: &impl ConnectionTrait,
    pm: &postmortem::Model,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    if subscribers(conn).await?.is_empty() {
        return Ok(());
    }
    let Some(i) = incident_of(conn, pm.incident_id).await? else {
        return Ok(());
    };
    let payload = json!({
        "postmortem": { "id": pm.id.to_string(), "incidentId": i.id.to_string(), "status": "PUBLISHED",
                        "visibility": pm.visibility, "dueAt": at(pm.due_at), "publishedAt": pm.published_at.map(at) },
        "incident": incident_json(&i),
    });
    emit(
        conn,
        "postmortem.published",
        i.team_id,
        i.restricted,
        ("postmortem", pm.id),
        payload,
        now,
    )
    .await
}

/// An action item was created or completed.
pub async fn action_item(
    conn: &impl ConnectionTrait,
    kind: &'static str,
    item: &action_item::Model,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    if subscribers(conn).await?.is_empty() {
        return Ok(());
    }
    let Some(i) = incident_of(conn, item.incident_id).await? else {
        return Ok(());
    };
    let payload = json!({
        "actionItem": { "id": item.id.to_string(), "incidentId": i.id.to_string(), "title": item.title,
                        "status": item.status, "ownerId": item.owner_id.to_string(),
                        "dueAt": at(item.due_at), "priority": item.priority },
        "incident": incident_json(&i),
    });
    emit(
        conn,
        kind,
        i.team_id,
        i.restricted,
        ("action_item", item.id),
        payload,
        now,
    )
    .await
}

/// An alert was paged, acknowledged or resolved.
pub async fn alert(
    conn: &impl ConnectionTrait,
    kind: &'static str,
    a: &alert::Model,
    extra: Value,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    if subscribers(conn).await?.is_empty() {
        return Ok(());
    }
    let restricted = match a.incident_id {
        Some(i) => incident_of(conn, i).await?.is_some_and(|i| i.restricted),
        None => false,
    };
    let mut payload = json!({
        "alert": { "id": a.id.to_string(), "teamId": a.team_id.map(|t| t.to_string()),
                   "incidentId": a.incident_id.map(|t| t.to_string()), "source": a.source, "name": a.name,
                   "summary": a.summary, "severity": a.severity, "status": a.status,
                   "escalationPosition": a.position },
    });
    if let (Some(p), Value::Object(extra)) = (payload.as_object_mut(), extra) {
        p.extend(extra);
    }
    emit(
        conn,
        kind,
        a.team_id,
        restricted,
        ("alert", a.id),
        payload,
        now,
    )
    .await
}
