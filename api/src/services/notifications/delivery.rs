//! Delivering the outbox: at least once, each attempt under a claim so two workers never
//! send one notification at the same time, retry timing on the injectable clock.
//!
//! A delivery is claimed by a conditional update (due, not delivered, not failed, not
//! claimed by a live worker): of two workers, one changes the row and the other finds
//! nothing to do. A worker killed mid-send leaves its claim to run out, after which the
//! next sweep queues the notification again; the receiver may then see it twice, with the
//! same `webhook-id`, and de-duplicates.

use super::contact::WEBHOOK;
use crate::db::Db;
use crate::outbound::Outbound;
use crate::services::{ServiceError, ServiceResult};
use chrono::{DateTime, Duration, Utc};
use entity::{contact_method, notification};
use scheduler::clock::SharedClock;
use scheduler::due::retry::{Next, after_failure};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, Condition, EntityTrait, ExprTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::json;
use uuid::Uuid;

/// How deliveries are attempted.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// How long a claim holds: longer than one attempt can take.
    pub lease: Duration,
    /// The first retry's wait; each later one doubles (capped at an hour).
    pub backoff: Duration,
    /// Attempts before a delivery is marked failed.
    pub max_attempts: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            lease: Duration::seconds(60),
            backoff: Duration::seconds(30),
            max_attempts: 8,
        }
    }
}

/// What one delivery job did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Delivered,
    /// Failed this time; due again at this instant.
    Retry(DateTime<Utc>),
    /// Failed for the last time: marked failed.
    Failed,
    /// Already delivered or failed, or claimed by another worker.
    NotDue,
    /// Pending, but its next attempt is later (a job that ran early): queue it again then.
    NotYet(DateTime<Utc>),
    /// The recipient has no webhook (any more): it stays in their inbox.
    InboxOnly,
}

impl Outcome {
    pub fn label(&self) -> &'static str {
        match self {
            Outcome::Delivered => "delivered",
            Outcome::Retry(_) => "retry",
            Outcome::Failed => "failed",
            Outcome::NotDue | Outcome::NotYet(_) => "skipped",
            Outcome::InboxOnly => "inbox_only",
        }
    }
}

fn deliverable(now: DateTime<Utc>) -> Condition {
    Condition::all()
        .add(notification::Column::NextAttemptAt.lte(now))
        .add(notification::Column::DeliveredAt.is_null())
        .add(notification::Column::FailedAt.is_null())
        .add(
            Condition::any()
                .add(notification::Column::ClaimedUntil.is_null())
                .add(notification::Column::ClaimedUntil.lte(now)),
        )
}

/// Notifications due for delivery since at least `older_than` before `now` and not
/// claimed: what a sweep queues (again), oldest first, at most `limit`.
pub async fn due(
    db: &Db,
    now: DateTime<Utc>,
    older_than: Duration,
    limit: u64,
) -> ServiceResult<Vec<Uuid>> {
    Ok(notification::Entity::find()
        .select_only()
        .column(notification::Column::Id)
        .filter(deliverable(now))
        .filter(notification::Column::NextAttemptAt.lte(now - older_than))
        .order_by_asc(notification::Column::NextAttemptAt)
        .limit(limit)
        .into_tuple::<Uuid>()
        .all(db.conn())
        .await?)
}

/// The JSON body a webhook receives: Standard Webhooks' recommended envelope.
pub fn payload(n: &notification::Model) -> serde_json::Value {
    json!({
        "type": format!("notification.{}", n.kind.to_ascii_lowercase()),
        "timestamp": n.created_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        "data": {
            "id": n.id.to_string(),
            "kind": n.kind,
            "subject": n.subject,
            "body": n.body,
            "object": { "type": n.object_type, "id": n.object_id.to_string() },
            "recipient": { "id": n.recipient_id.to_string() },
            "createdAt": n.created_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        }
    })
}

/// Attempts to deliver notification `id` now, if it is due and nobody else holds it.
pub async fn deliver(
    db: &Db,
    outbound: &Outbound,
    settings: &Settings,
    clock: &SharedClock,
    id: Uuid,
) -> ServiceResult<Outcome> {
    let now = clock.now();
    let claimed = notification::Entity::update_many()
        .col_expr(
            notification::Column::ClaimedUntil,
            Expr::value(now + settings.lease),
        )
        .col_expr(
            notification::Column::Attempts,
            Expr::col(notification::Column::Attempts).add(1),
        )
        .filter(notification::COLUMN.id.eq(id))
        .filter(deliverable(now))
        .exec(db.conn())
        .await?
        .rows_affected;
    if claimed == 0 {
        let pending = notification::Entity::find_by_id(id)
            .one(db.conn())
            .await?
            .filter(|n| n.delivered_at.is_none() && n.failed_at.is_none())
            .and_then(|n| n.next_attempt_at)
            .filter(|at| *at > now);
        return Ok(pending.map_or(Outcome::NotDue, Outcome::NotYet));
    }
    let claim = now + settings.lease;
    let n = notification::Entity::find_by_id(id)
        .one(db.conn())
        .await?
        .ok_or(ServiceError::NotFound("notification"))?;
    let method = contact_method::Entity::find()
        .filter(contact_method::COLUMN.user_id.eq(n.recipient_id))
        .filter(contact_method::COLUMN.kind.eq(WEBHOOK))
        .one(db.conn())
        .await?;
    let Some(method) = method else {
        settle(db, id, claim, None, None, None, None).await?;
        return Ok(Outcome::InboxOnly);
    };
    let body =
        serde_json::to_vec(&payload(&n)).map_err(|e| ServiceError::Internal(anyhow::anyhow!(e)))?;
    let sent = outbound
        .post_signed(&method.target, &method.secret, &n.id.to_string(), &body)
        .await;
    let now = clock.now();
    match sent {
        Ok(()) => {
            settle(db, id, claim, None, Some(now), None, None).await?;
            Ok(Outcome::Delivered)
        }
        Err(e) => {
            let error = Some(e.to_string());
            // A refused target will not become acceptable by waiting.
            let attempts = if e == crate::outbound::OutboundError::PrivateAddress {
                settings.max_attempts
            } else {
                std::cmp::max(n.attempts, 0) as u32
            };
            match after_failure(attempts, settings.max_attempts, settings.backoff) {
                Next::RetryAfter(wait) => {
                    settle(db, id, claim, Some(now + wait), None, None, error).await?;
                    Ok(Outcome::Retry(now + wait))
                }
                Next::GiveUp => {
                    tracing::warn!(notification = %id, recipient = %n.recipient_id, error = %e,
                        "a notification could not be delivered and was marked failed");
                    settle(db, id, claim, None, None, Some(now), error).await?;
                    Ok(Outcome::Failed)
                }
            }
        }
    }
}

/// Records an attempt's result and releases the claim, if it is still ours: a worker
/// whose claim ran out (and was taken over) leaves the row to its new holder.
#[allow(clippy::too_many_arguments)]
async fn settle(
    db: &Db,
    id: Uuid,
    claim: DateTime<Utc>,
    next_attempt: Option<DateTime<Utc>>,
    delivered: Option<DateTime<Utc>>,
    failed: Option<DateTime<Utc>>,
    error: Option<String>,
) -> ServiceResult<()> {
    notification::Entity::update_many()
        .col_expr(
            notification::Column::NextAttemptAt,
            Expr::value(next_attempt),
        )
        .col_expr(
            notification::Column::ClaimedUntil,
            Expr::value(None::<DateTime<Utc>>),
        )
        .col_expr(notification::Column::DeliveredAt, Expr::value(delivered))
        .col_expr(notification::Column::FailedAt, Expr::value(failed))
        .col_expr(notification::Column::LastError, Expr::value(error))
        .filter(notification::COLUMN.id.eq(id))
        .filter(notification::Column::ClaimedUntil.eq(claim))
        .exec(db.conn())
        .await?;
    Ok(())
}
