//! A person's own webhook: where their notifications are delivered, signed per Standard
//! Webhooks. The URL and the signing secret are shown once, when set, and never again.

use crate::outbound::{self, Outbound, OutboundError};
use crate::services::audit::{self, Change};
use crate::services::{Ctx, ServiceError, ServiceResult};
use entity::{Role, contact_method};
use scheduler::domain::reason::Reason;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait, QueryFilter};
use serde_json::json;
use uuid::Uuid;

pub const WEBHOOK: &str = "webhook";

/// A newly set webhook and its signing secret (shown this once).
pub struct NewWebhook {
    pub method: contact_method::Model,
    pub secret: String,
}

fn refused(e: OutboundError) -> ServiceError {
    match e {
        OutboundError::PrivateAddress => ServiceError::invalid(
            Reason::OutboundTargetRefused,
            "webhooks to loopback, private or internal addresses are not allowed here",
        ),
        _ => ServiceError::invalid(Reason::InvalidUrl, "url must be an absolute http(s) URL"),
    }
}

/// Sets (or replaces) the caller's webhook, with a new signing secret.
pub async fn set_webhook(
    ctx: Ctx<'_>,
    outbound: &Outbound,
    url: &str,
) -> ServiceResult<NewWebhook> {
    let caller = ctx.principal.require(Role::Viewer)?;
    if url.len() > 2000 {
        return Err(ServiceError::invalid(
            Reason::TextTooLong,
            "url is longer than 2000 characters",
        ));
    }
    let url = outbound::check_url(url, outbound.allows_private()).map_err(refused)?;
    let secret = outbound::new_secret();
    let txn = ctx.db.begin_write().await?;
    contact_method::Entity::delete_many()
        .filter(contact_method::COLUMN.user_id.eq(caller.id))
        .filter(contact_method::COLUMN.kind.eq(WEBHOOK))
        .exec(&txn)
        .await?;
    let method = contact_method::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(caller.id),
        kind: Set(WEBHOOK.into()),
        target: Set(url.to_string()),
        secret: Set(secret.clone()),
        created_at: Set(ctx.now),
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        ctx.now,
        Change {
            actor: Some(caller.id),
            action: "contact_method.set",
            target_type: "contact_method",
            target_id: method.id.to_string(),
            before: None,
            after: Some(json!({ "kind": WEBHOOK, "host": url.host_str() })),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(NewWebhook { method, secret })
}

/// Removes the caller's webhook: their notifications stay in their inbox only.
pub async fn remove_webhook(ctx: Ctx<'_>) -> ServiceResult<bool> {
    let caller = ctx.principal.require(Role::Viewer)?;
    let txn = ctx.db.begin_write().await?;
    let removed = contact_method::Entity::delete_many()
        .filter(contact_method::COLUMN.user_id.eq(caller.id))
        .filter(contact_method::COLUMN.kind.eq(WEBHOOK))
        .exec(&txn)
        .await?
        .rows_affected;
    if removed > 0 {
        audit::record(
            &txn,
            ctx.now,
            Change {
                actor: Some(caller.id),
                action: "contact_method.remove",
                target_type: "user",
                target_id: caller.id.to_string(),
                before: Some(json!({ "kind": WEBHOOK })),
                after: None,
            },
        )
        .await?;
    }
    txn.commit().await?;
    Ok(removed > 0)
}

/// The caller's webhook, if set.
pub async fn mine(ctx: Ctx<'_>) -> ServiceResult<Option<contact_method::Model>> {
    let caller = ctx.principal.require(Role::Viewer)?;
    Ok(contact_method::Entity::find()
        .filter(contact_method::COLUMN.user_id.eq(caller.id))
        .filter(contact_method::COLUMN.kind.eq(WEBHOOK))
        .one(ctx.db.conn())
        .await?)
}
