//! Event subscriptions: admins register webhooks (signed per Standard Webhooks) for the
//! event types they want; a team's managers (or admins) point the team's events at a
//! Slack incoming webhook. Secret URLs and signing secrets are shown once, at creation.
//! Events about restricted incidents reach a subscription only if an admin opted it in.

use super::TYPES;
use crate::outbound::{self, Outbound, OutboundError};
use crate::services::audit::{self, Change};
use crate::services::{Ctx, ServiceError, ServiceResult, parse_id};
use entity::{Role, event_subscription};
use scheduler::domain::reason::Reason;
use scheduler::domain::text;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait, QueryOrder};
use serde_json::json;
use uuid::Uuid;

pub const WEBHOOK: &str = "webhook";
pub const SLACK: &str = "slack";

pub struct NewSubscription {
    pub kind: &'static str,
    pub label: String,
    pub team: Option<String>,
    pub url: String,
    pub types: Vec<String>,
    pub include_restricted: bool,
}

/// A created subscription and, for a webhook, its signing secret (shown this once).
pub struct Created {
    pub subscription: event_subscription::Model,
    pub secret: Option<String>,
}

pub async fn create(
    ctx: Ctx<'_>,
    outbound: &Outbound,
    new: NewSubscription,
) -> ServiceResult<Created> {
    let caller = ctx.principal.require(Role::Manager)?;
    let team = new
        .team
        .as_deref()
        .map(|t| parse_id(t, "team"))
        .transpose()?;
    if new.kind == SLACK && team.is_none() {
        return Err(ServiceError::invalid(
            Reason::ValueOutOfRange,
            "a Slack webhook posts to one channel: give the team whose events it gets",
        ));
    }
    if let Some(bad) = new.types.iter().find(|t| !TYPES.contains(&t.as_str())) {
        return Err(ServiceError::invalid(
            Reason::ValueOutOfRange,
            format!("unknown event type {bad}"),
        ));
    }
    let url = outbound::check_url(&new.url, outbound.allows_private()).map_err(|e| match e {
        OutboundError::PrivateAddress => ServiceError::invalid(
            Reason::OutboundTargetRefused,
            "targets on loopback, private or internal addresses are not allowed here",
        ),
        _ => ServiceError::invalid(Reason::InvalidUrl, "url must be an absolute http(s) URL"),
    })?;
    let label = text::single_line("label", &new.label, 100)?;
    let txn = ctx.db.begin_write().await?;
    // Admins subscribe to anything (and opt in restricted incidents); a team's managers
    // point their own team's events at Slack.
    let allowed = caller.role >= Role::Admin
        || (new.kind == SLACK
            && !new.include_restricted
            && match team {
                Some(t) => crate::services::teams::manages_team(&txn, t, caller).await?,
                None => false,
            });
    if !allowed {
        return Err(ServiceError::forbidden(
            Reason::NotTeamManager,
            "admins register event subscriptions; a team's managers may add its Slack channel",
        ));
    }
    let secret = (new.kind == WEBHOOK).then(outbound::new_secret);
    let row = event_subscription::ActiveModel {
        id: Set(Uuid::now_v7()),
        kind: Set(new.kind.to_owned()),
        label: Set(label),
        team_id: Set(team),
        target: Set(url.to_string()),
        secret: Set(secret.clone()),
        types: Set(json!(new.types)),
        include_restricted: Set(new.include_restricted),
        created_by: Set(caller.id),
        created_at: Set(ctx.now),
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        ctx.now,
        Change {
            actor: Some(caller.id),
            action: "event_subscription.create",
            target_type: "event_subscription",
            target_id: row.id.to_string(),
            before: None,
            after: Some(json!({ "kind": row.kind, "label": row.label, "types": row.types,
                                "includeRestricted": row.include_restricted, "host": url.host_str() })),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(Created {
        subscription: row,
        secret,
    })
}

/// Every subscription for admins; for a team's managers, their teams' Slack channels.
pub async fn list(ctx: Ctx<'_>) -> ServiceResult<Vec<event_subscription::Model>> {
    let caller = ctx.principal.require(Role::Manager)?;
    let all = event_subscription::Entity::find()
        .order_by_asc(event_subscription::COLUMN.id)
        .all(ctx.db.conn())
        .await?;
    if caller.role >= Role::Admin {
        return Ok(all);
    }
    let mut mine = Vec::new();
    for s in all {
        if s.kind == SLACK
            && let Some(team) = s.team_id
            && crate::services::teams::manages_team(ctx.db.conn(), team, caller).await?
        {
            mine.push(s);
        }
    }
    Ok(mine)
}

/// Deletes a subscription: admins any, a team's managers their team's Slack channel; its
/// pending deliveries go with it.
pub async fn delete(ctx: Ctx<'_>, id: &str) -> ServiceResult<bool> {
    let caller = ctx.principal.require(Role::Manager)?;
    let id = parse_id(id, "event subscription")?;
    let txn = ctx.db.begin_write().await?;
    let Some(row) = event_subscription::Entity::find_by_id(id).one(&txn).await? else {
        return Err(ServiceError::NotFound("event subscription"));
    };
    let allowed = caller.role >= Role::Admin
        || (row.kind == SLACK
            && match row.team_id {
                Some(t) => crate::services::teams::manages_team(&txn, t, caller).await?,
                None => false,
            });
    if !allowed {
        return Err(ServiceError::NotFound("event subscription"));
    }
    event_subscription::Entity::delete_by_id(id)
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        ctx.now,
        Change {
            actor: Some(caller.id),
            action: "event_subscription.delete",
            target_type: "event_subscription",
            target_id: id.to_string(),
            before: Some(json!({ "kind": row.kind, "label": row.label })),
            after: None,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(true)
}
