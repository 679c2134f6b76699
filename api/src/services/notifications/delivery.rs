//! Delivering the outbox: at least once, each attempt under a claim so two workers never
//! send one notification at the same time, retry timing on the injectable clock.
//!
//! A delivery is claimed by a conditional update (due, not delivered, not failed, not
//! claimed by a live worker): of two workers, one changes the row and the other finds
//! nothing to do. A worker killed mid-send leaves its claim to run out, after which the
//! next sweep queues the notification again; the receiver may then see it twice, with the
//! same `webhook-id`, and de-duplicates.

use super::contact::{EMAIL, WEBHOOK};
use crate::db::Db;
use crate::outbound::Outbound;
use crate::services::{ServiceError, ServiceResult};
use chrono::{DateTime, Duration, Utc};
use entity::{contact_method, delivery, notification};
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
    /// The method is gone (removed after the delivery was written).
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
        .add(delivery::Column::NextAttemptAt.lte(now))
        .add(delivery::Column::DeliveredAt.is_null())
        .add(delivery::Column::FailedAt.is_null())
        .add(
            Condition::any()
                .add(delivery::Column::ClaimedUntil.is_null())
                .add(delivery::Column::ClaimedUntil.lte(now)),
        )
}

/// Deliveries due since at least `older_than` before `now` and not claimed: what a sweep
/// queues (again), oldest first, at most `limit`.
pub async fn due(
    db: &Db,
    now: DateTime<Utc>,
    older_than: Duration,
    limit: u64,
) -> ServiceResult<Vec<Uuid>> {
    Ok(delivery::Entity::find()
        .select_only()
        .column(delivery::Column::Id)
        .filter(deliverable(now))
        .filter(delivery::Column::NextAttemptAt.lte(now - older_than))
        .order_by_asc(delivery::Column::NextAttemptAt)
        .limit(limit)
        .into_tuple::<Uuid>()
        .all(db.conn())
        .await?)
}

/// The JSON body a webhook receives: Standard Webhooks' recommended envelope.
pub fn payload(n: &notification::Model) -> serde_json::Value {
    let mut v = json!({
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
    });
    if let Some(html) = &n.html {
        v["data"]["html"] = json!(html);
    }
    v
}

/// Attempts delivery `id` now, if it is due and nobody else holds it.
pub async fn deliver(
    db: &Db,
    outbound: &Outbound,
    settings: &Settings,
    clock: &SharedClock,
    id: Uuid,
) -> ServiceResult<Outcome> {
    let now = clock.now();
    let claim = now + settings.lease;
    let claimed = delivery::Entity::update_many()
        .col_expr(delivery::Column::ClaimedUntil, Expr::value(claim))
        .col_expr(
            delivery::Column::Attempts,
            Expr::col(delivery::Column::Attempts).add(1),
        )
        .filter(delivery::COLUMN.id.eq(id))
        .filter(deliverable(now))
        .exec(db.conn())
        .await?
        .rows_affected;
    if claimed == 0 {
        let pending = delivery::Entity::find_by_id(id)
            .one(db.conn())
            .await?
            .filter(|d| d.delivered_at.is_none() && d.failed_at.is_none())
            .and_then(|d| d.next_attempt_at)
            .filter(|at| *at > now);
        return Ok(pending.map_or(Outcome::NotDue, Outcome::NotYet));
    }
    let d = delivery::Entity::find_by_id(id)
        .one(db.conn())
        .await?
        .ok_or(ServiceError::NotFound("delivery"))?;
    let attempt = match (
        d.notification_id,
        d.method_id,
        d.event_id,
        d.subscription_id,
    ) {
        (Some(n), Some(m), _, _) => to_method(db, outbound, n, m).await?,
        (_, _, Some(e), Some(s)) => to_subscription(db, outbound, e, s).await?,
        _ => None,
    };
    let Some((sent, verifies)) = attempt else {
        // Its method or subscription is gone.
        settle(db, id, claim, None, None, None, None).await?;
        return Ok(Outcome::InboxOnly);
    };
    let now = clock.now();
    match sent {
        Ok(()) => {
            settle(db, id, claim, None, Some(now), None, None).await?;
            // A webhook that took its test send is verified.
            if let Some(method) = verifies {
                contact_method::Entity::update_many()
                    .col_expr(contact_method::Column::VerifiedAt, Expr::value(now))
                    .filter(contact_method::COLUMN.id.eq(method))
                    .filter(contact_method::Column::VerifiedAt.is_null())
                    .exec(db.conn())
                    .await?;
            }
            Ok(Outcome::Delivered)
        }
        Err((permanent, error)) => {
            // A refused target will not become acceptable by waiting.
            let attempts = if permanent {
                settings.max_attempts
            } else {
                std::cmp::max(d.attempts, 0) as u32
            };
            match after_failure(attempts, settings.max_attempts, settings.backoff) {
                Next::RetryAfter(wait) => {
                    settle(db, id, claim, Some(now + wait), None, None, Some(error)).await?;
                    Ok(Outcome::Retry(now + wait))
                }
                Next::GiveUp => {
                    tracing::warn!(delivery = %id, notification = ?d.notification_id,
                        method = ?d.method_id, event = ?d.event_id, subscription = ?d.subscription_id,
                        error = %error, "a delivery failed for good and was marked failed");
                    settle(db, id, claim, None, None, Some(now), Some(error)).await?;
                    Ok(Outcome::Failed)
                }
            }
        }
    }
}

/// What sending a notification to a contact method gave: the result (and whether a
/// failure is permanent), and the method a success verifies (a webhook's test send).
type Attempt = Option<(Result<(), (bool, String)>, Option<Uuid>)>;

async fn to_method(
    db: &Db,
    outbound: &Outbound,
    notification: Uuid,
    method: Uuid,
) -> ServiceResult<Attempt> {
    let Some(n) = notification::Entity::find_by_id(notification)
        .one(db.conn())
        .await?
    else {
        return Ok(None);
    };
    let Some(method) = contact_method::Entity::find_by_id(method)
        .one(db.conn())
        .await?
    else {
        return Ok(None);
    };
    let sent = match method.kind.as_str() {
        WEBHOOK => {
            let body = serde_json::to_vec(&payload(&n))
                .map_err(|e| ServiceError::Internal(anyhow::anyhow!(e)))?;
            let secret = method.secret.clone().unwrap_or_default();
            outbound
                .post_signed(&method.target, &secret, &n.id.to_string(), &body)
                .await
                .map_err(|e| {
                    (
                        e == crate::outbound::OutboundError::PrivateAddress,
                        e.to_string(),
                    )
                })
        }
        EMAIL => {
            let test = n.kind == super::Kind::Test.to_string();
            let mut body = email_body(&n);
            if test {
                match &method.pending_code {
                    Some(code) => body = format!("Your verification code: {code}\n\n{body}"),
                    None => {
                        let gone = "the code was already sent or used".to_owned();
                        return Ok(Some((Err((true, gone)), None)));
                    }
                }
            }
            let sent = outbound
                .email(
                    &method.target,
                    &n.id.to_string(),
                    &n.subject,
                    &body,
                    n.html.as_deref(),
                )
                .await;
            if sent.is_ok() && test {
                // Sent: from now on only its hash is kept.
                contact_method::Entity::update_many()
                    .col_expr(
                        contact_method::Column::PendingCode,
                        Expr::value(None::<String>),
                    )
                    .filter(contact_method::COLUMN.id.eq(method.id))
                    .exec(db.conn())
                    .await?;
            }
            sent
        }
        other => Err((true, format!("unknown contact method kind {other}"))),
    };
    let verifies = (n.kind == super::Kind::Test.to_string()
        && method.kind == WEBHOOK
        && method.verified_at.is_none())
    .then_some(method.id);
    Ok(Some((sent, verifies)))
}

/// Sends an event to a subscription: signed JSON (`webhook-id` is the event's id), or a
/// Slack message.
async fn to_subscription(
    db: &Db,
    outbound: &Outbound,
    event: Uuid,
    subscription: Uuid,
) -> ServiceResult<Attempt> {
    use entity::{event, event_subscription};
    let Some(e) = event::Entity::find_by_id(event).one(db.conn()).await? else {
        return Ok(None);
    };
    let Some(s) = event_subscription::Entity::find_by_id(subscription)
        .one(db.conn())
        .await?
    else {
        return Ok(None);
    };
    let sent = if s.kind == crate::services::events::subscriptions::SLACK {
        let link = outbound.link(&e);
        let body = serde_json::to_vec(&crate::services::events::slack::message(
            &e.kind, &e.payload, link,
        ))
        .map_err(|e| ServiceError::Internal(anyhow::anyhow!(e)))?;
        outbound.post_json(&s.target, &body).await
    } else {
        let body = serde_json::to_vec(&json!({
            "type": e.kind,
            "timestamp": e.occurred_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            "data": { "eventId": e.id.to_string(), "occurredAt": e.occurred_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true), "payload": e.payload },
        }))
        .map_err(|e| ServiceError::Internal(anyhow::anyhow!(e)))?;
        let secret = s.secret.clone().unwrap_or_default();
        outbound
            .post_signed(&s.target, &secret, &e.id.to_string(), &body)
            .await
    };
    Ok(Some((
        sent.map_err(|e| {
            (
                e == crate::outbound::OutboundError::PrivateAddress,
                e.to_string(),
            )
        }),
        None,
    )))
}

/// The text of an e-mail: the notification, and why the reader gets it.
fn email_body(n: &notification::Model) -> String {
    format!(
        "{}\n\n-- \nFirebreak notification {} ({}). Choose which of your contact methods get which notifications in Firebreak.",
        n.body,
        n.id,
        n.kind.to_ascii_lowercase()
    )
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
    delivery::Entity::update_many()
        .col_expr(delivery::Column::NextAttemptAt, Expr::value(next_attempt))
        .col_expr(
            delivery::Column::ClaimedUntil,
            Expr::value(None::<DateTime<Utc>>),
        )
        .col_expr(delivery::Column::DeliveredAt, Expr::value(delivered))
        .col_expr(delivery::Column::FailedAt, Expr::value(failed))
        .col_expr(delivery::Column::LastError, Expr::value(error))
        .filter(delivery::COLUMN.id.eq(id))
        .filter(delivery::Column::ClaimedUntil.eq(claim))
        .exec(db.conn())
        .await?;
    Ok(())
}
