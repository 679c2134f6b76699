//! The inbox over GraphQL (`myNotifications`, `markNotificationsRead`) and the caller's
//! own webhook (`setMyWebhook`, shown once with its signing secret).

use crate::graphql::connection::{ListConnection, from_page};
use crate::graphql::context::{data, service_ctx};
use crate::graphql::cost::STATEMENT;
use crate::services::notifications::{Kind, contact, inbox};
use crate::services::pagination::PageRequest;
use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{contact_method, notification};

/// Where a notification's delivery stands.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum DeliveryStatus {
    /// Waiting for (another) attempt.
    Pending,
    Delivered,
    /// Every attempt failed; `lastError` says why.
    Failed,
    /// The recipient has no webhook: it is in their inbox only.
    InboxOnly,
}

pub struct Notification(pub notification::Model);

#[Object]
impl Notification {
    /// Also the `webhook-id` of its deliveries.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn kind(&self) -> Option<Kind> {
        self.0.kind.parse().ok()
    }
    async fn subject(&self) -> &str {
        &self.0.subject
    }
    async fn body(&self) -> &str {
        &self.0.body
    }
    /// What it is about: `incident`, `postmortem`, `action_item`, `alert`, `handoff`,
    /// `page` or `user`.
    async fn object_type(&self) -> &str {
        &self.0.object_type
    }
    async fn object_id(&self) -> ID {
        ID(self.0.object_id.to_string())
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn read_at(&self) -> Option<DateTime<Utc>> {
        self.0.read_at
    }
    async fn delivery_status(&self) -> DeliveryStatus {
        let n = &self.0;
        if n.delivered_at.is_some() {
            DeliveryStatus::Delivered
        } else if n.failed_at.is_some() {
            DeliveryStatus::Failed
        } else if n.next_attempt_at.is_some() {
            DeliveryStatus::Pending
        } else {
            DeliveryStatus::InboxOnly
        }
    }
    async fn delivery_attempts(&self) -> i32 {
        self.0.attempts
    }
    async fn delivered_at(&self) -> Option<DateTime<Utc>> {
        self.0.delivered_at
    }
    /// Why the last attempt failed (no addresses or secrets in it).
    async fn last_error(&self) -> Option<&str> {
        self.0.last_error.as_deref()
    }
}

/// A personal webhook; its URL is not shown again after it is set.
pub struct Webhook(pub contact_method::Model);

#[Object]
impl Webhook {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// The host it posts to (the full URL may carry a secret and is not shown).
    async fn host(&self) -> Option<String> {
        url::Url::parse(&self.0.target)
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned))
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

#[derive(SimpleObject)]
pub struct SetWebhookPayload {
    pub webhook: Webhook,
    /// The Standard Webhooks signing secret (`whsec_…`), shown this once. Verify each
    /// delivery's `webhook-signature` with it.
    pub signing_secret: String,
}

#[derive(InputObject)]
pub struct SetWebhookInput {
    /// An absolute http(s) URL.
    pub url: String,
}

#[derive(InputObject, Default)]
pub struct MarkReadInput {
    /// At most 100; omitted, every unread notification of the caller.
    pub ids: Option<Vec<ID>>,
}

#[derive(Default)]
pub struct NotificationQuery;

#[Object]
impl NotificationQuery {
    /// The caller's notifications, newest first.
    #[graphql(complexity = "STATEMENT + crate::graphql::cost::page(first) * child_complexity")]
    async fn my_notifications(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        #[graphql(default = false)] unread_only: bool,
    ) -> Result<ListConnection<Notification>> {
        let page = PageRequest::new(first, after.as_deref())?;
        let result = inbox::mine(service_ctx(ctx), &page, unread_only).await?;
        Ok(from_page(
            result,
            page.after.is_some(),
            |n| n.id.to_string(),
            Notification,
        ))
    }

    /// How many of the caller's notifications are unread.
    #[graphql(complexity = "STATEMENT")]
    async fn unread_notification_count(&self, ctx: &Context<'_>) -> Result<i32> {
        let n = inbox::unread_count(service_ctx(ctx)).await?;
        Ok(i32::try_from(n).unwrap_or(i32::MAX))
    }

    /// The caller's webhook, if set.
    #[graphql(complexity = "STATEMENT")]
    async fn my_webhook(&self, ctx: &Context<'_>) -> Result<Option<Webhook>> {
        Ok(contact::mine(service_ctx(ctx)).await?.map(Webhook))
    }
}

#[derive(Default)]
pub struct NotificationMutation;

#[Object]
impl NotificationMutation {
    /// Marks the caller's notifications read; returns how many changed.
    async fn mark_notifications_read(
        &self,
        ctx: &Context<'_>,
        input: Option<MarkReadInput>,
    ) -> Result<i32> {
        let input = input.unwrap_or_default();
        let ids: Option<Vec<String>> = input.ids.map(|v| v.into_iter().map(|i| i.0).collect());
        let n = inbox::mark_read(service_ctx(ctx), ids.as_deref()).await?;
        Ok(i32::try_from(n).unwrap_or(i32::MAX))
    }

    /// Sets (or replaces) where the caller's notifications are delivered: a webhook
    /// signed per Standard Webhooks. Loopback and private addresses are refused unless
    /// the server allows them.
    async fn set_my_webhook(
        &self,
        ctx: &Context<'_>,
        input: SetWebhookInput,
    ) -> Result<SetWebhookPayload> {
        let set = contact::set_webhook(service_ctx(ctx), &data(ctx).outbound, &input.url).await?;
        Ok(SetWebhookPayload {
            webhook: Webhook(set.method),
            signing_secret: set.secret,
        })
    }

    /// Removes the caller's webhook; returns whether there was one.
    async fn remove_my_webhook(&self, ctx: &Context<'_>) -> Result<bool> {
        Ok(contact::remove_webhook(service_ctx(ctx)).await?)
    }
}
