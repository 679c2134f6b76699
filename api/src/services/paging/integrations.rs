//! Integrations: sources of alerts for a team (Prometheus Alertmanager, or the generic
//! webhook). Each has a secret key, shown once at creation, stored as its SHA-256 and never
//! logged (request logs carry the path without the key: see `http::webhooks`), a severity
//! mapping from a label, and a kind. Managers of the team create and revoke them.

use crate::services::audit::{self, Change};
use crate::services::{Ctx, ServiceError, ServiceResult, parse_id};
use base64::Engine;
use entity::{Role, Severity, integration};
use scheduler::domain::reason::Reason;
use scheduler::domain::text;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use uuid::Uuid;

pub const ALERTMANAGER: &str = "alertmanager";
pub const GENERIC: &str = "generic";

pub fn hash(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

/// The default mapping of Alertmanager's conventional `severity` label.
pub fn default_map() -> Value {
    json!({ "critical": "sev1", "page": "sev1", "error": "sev2", "major": "sev2", "warning": "sev3", "minor": "sev3", "info": "sev4" })
}

pub fn severity_named(s: &str) -> Option<Severity> {
    match s.to_ascii_lowercase().as_str() {
        "sev1" => Some(Severity::Sev1),
        "sev2" => Some(Severity::Sev2),
        "sev3" => Some(Severity::Sev3),
        "sev4" => Some(Severity::Sev4),
        _ => None,
    }
}

pub struct NewIntegration {
    pub team_id: String,
    pub name: String,
    pub kind: String,
    pub severity_label: Option<String>,
    /// Label value → `SEV1`…`SEV4`.
    pub severity_map: Option<Vec<(String, Severity)>>,
    pub default_severity: Severity,
}

/// Creates an integration; returns it and its key, which is not stored and cannot be
/// shown again.
pub async fn create(
    ctx: Ctx<'_>,
    input: NewIntegration,
) -> ServiceResult<(integration::Model, String)> {
    let team = parse_id(&input.team_id, "team")?;
    let name = text::single_line("name", &input.name, 100)?;
    if input.kind != ALERTMANAGER && input.kind != GENERIC {
        return Err(ServiceError::invalid(
            Reason::ValueOutOfRange,
            "kind is `alertmanager` or `generic`",
        ));
    }
    let label = text::single_line(
        "severityLabel",
        input.severity_label.as_deref().unwrap_or("severity"),
        100,
    )?;
    let map = match input.severity_map {
        Some(pairs) => Value::Object(
            pairs
                .into_iter()
                .map(|(k, v)| (k, Value::String(v.as_str().to_lowercase())))
                .collect(),
        ),
        None => default_map(),
    };
    let mut bytes = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut bytes);
    let key = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let txn = ctx.db.begin_write().await?;
    let actor = crate::services::teams::require_team_manager(ctx, &txn, team).await?;
    crate::services::catalog::active_team(&txn, team).await?;
    let row = integration::ActiveModel {
        id: Set(Uuid::now_v7()),
        team_id: Set(team),
        name: Set(name),
        kind: Set(input.kind),
        key_hash: Set(hash(&key)),
        severity_label: Set(label),
        severity_map: Set(map),
        default_severity: Set(input.default_severity),
        created_by: Set(actor.id),
        created_at: Set(ctx.now),
        revoked_at: Set(None),
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        ctx.now,
        Change {
            actor: Some(actor.id),
            action: "integration.create",
            target_type: "integration",
            target_id: row.id.to_string(),
            before: None,
            after: Some(json!({ "team": team, "name": row.name, "kind": row.kind })),
        },
    )
    .await?;
    txn.commit().await?;
    Ok((row, key))
}

/// Revokes the key: deliveries with it get 404 from then on.
pub async fn revoke(ctx: Ctx<'_>, id: &str) -> ServiceResult<integration::Model> {
    let id = parse_id(id, "integration")?;
    let txn = ctx.db.begin_write().await?;
    let row = integration::Entity::find_by_id(id)
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(ServiceError::NotFound("integration"))?;
    let actor = crate::services::teams::require_team_manager(ctx, &txn, row.team_id).await?;
    if row.revoked_at.is_some() {
        return Err(ServiceError::conflict(
            Reason::AlreadyExists,
            "the integration is already revoked",
        ));
    }
    let mut am = row.into_active_model();
    am.revoked_at = Set(Some(ctx.now));
    let row = am.update(&txn).await?;
    audit::record(
        &txn,
        ctx.now,
        Change {
            actor: Some(actor.id),
            action: "integration.revoke",
            target_type: "integration",
            target_id: row.id.to_string(),
            before: None,
            after: None,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// A team's integrations (at most 100), oldest first.
pub async fn of_team(ctx: Ctx<'_>, team: &str) -> ServiceResult<Vec<integration::Model>> {
    ctx.principal.require(Role::Viewer)?;
    let team = parse_id(team, "team")?;
    Ok(integration::Entity::find()
        .filter(integration::COLUMN.team_id.eq(team))
        .order_by_asc(integration::COLUMN.id)
        .limit(100)
        .all(ctx.db.conn())
        .await?)
}

/// The live integration a key opens, under its row lock (deliveries of one integration
/// apply one after the other: Alertmanager pairs in high availability send the same
/// notification twice at once).
pub(crate) async fn by_key(
    conn: &impl ConnectionTrait,
    key: &str,
) -> ServiceResult<Option<integration::Model>> {
    Ok(integration::Entity::find()
        .filter(integration::COLUMN.key_hash.eq(hash(key)))
        .filter(integration::Column::RevokedAt.is_null())
        .lock_exclusive()
        .one(conn)
        .await?)
}
