//! The inbox over GraphQL (`myNotifications`, `markNotificationsRead`), contact methods
//! (added, tested, verified, removed) and the rules of which method gets which kind.

use crate::graphql::connection::{ListConnection, NodeSelection, from_page};
use crate::graphql::context::{data, service_ctx};
use crate::graphql::cost::{LIST_CAP, STATEMENT};
use crate::services::notifications::{Kind, contact, inbox, rules};
use crate::services::pagination::PageRequest;
use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{contact_method, delivery, notification};

/// Where a delivery stands (or, for a notification, the least advanced of its deliveries).
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum DeliveryStatus {
    /// Waiting for (another) attempt.
    Pending,
    Delivered,
    /// Every attempt failed; `lastError` says why.
    Failed,
    /// No contact method received it: it is in the inbox only.
    InboxOnly,
}

fn status_of(d: &delivery::Model) -> DeliveryStatus {
    if d.delivered_at.is_some() {
        DeliveryStatus::Delivered
    } else if d.failed_at.is_some() {
        DeliveryStatus::Failed
    } else if d.next_attempt_at.is_some() {
        DeliveryStatus::Pending
    } else {
        DeliveryStatus::InboxOnly
    }
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum ContactMethodKind {
    Email,
    Webhook,
}

impl ContactMethodKind {
    fn stored(self) -> &'static str {
        match self {
            ContactMethodKind::Email => contact::EMAIL,
            ContactMethodKind::Webhook => contact::WEBHOOK,
        }
    }
}

pub struct Notification {
    row: notification::Model,
    deliveries: Vec<delivery::Model>,
}

#[Object]
impl Notification {
    /// Also the `webhook-id` of its webhook deliveries and the Message-ID of its e-mails.
    async fn id(&self) -> ID {
        ID(self.row.id.to_string())
    }
    async fn kind(&self) -> Option<Kind> {
        self.row.kind.parse().ok()
    }
    async fn subject(&self) -> &str {
        &self.row.subject
    }
    async fn body(&self) -> &str {
        &self.row.body
    }
    /// The body as an HTML document, for notifications with tables (the weekly digest);
    /// null for the others. Every value in it is escaped.
    async fn html(&self) -> Option<&str> {
        self.row.html.as_deref()
    }
    /// What it is about: `incident`, `postmortem`, `action_item`, `alert`, `handoff`,
    /// `page`, `user` or `contact_method`.
    async fn object_type(&self) -> &str {
        &self.row.object_type
    }
    async fn object_id(&self) -> ID {
        ID(self.row.object_id.to_string())
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.row.created_at
    }
    async fn read_at(&self) -> Option<DateTime<Utc>> {
        self.row.read_at
    }
    /// Its deliveries, one per contact method that received it.
    async fn deliveries(&self) -> Vec<Delivery> {
        self.deliveries.iter().cloned().map(Delivery).collect()
    }
    /// Failed if any delivery failed, else pending if any is pending, else delivered;
    /// inbox only when no method received it.
    async fn delivery_status(&self) -> DeliveryStatus {
        let all: Vec<DeliveryStatus> = self.deliveries.iter().map(status_of).collect();
        if all.is_empty() {
            DeliveryStatus::InboxOnly
        } else if all.contains(&DeliveryStatus::Failed) {
            DeliveryStatus::Failed
        } else if all.contains(&DeliveryStatus::Pending) {
            DeliveryStatus::Pending
        } else {
            DeliveryStatus::Delivered
        }
    }
    /// The most attempts any of its deliveries took.
    async fn delivery_attempts(&self) -> i32 {
        self.deliveries
            .iter()
            .map(|d| d.attempts)
            .max()
            .unwrap_or(0)
    }
}

pub struct Delivery(pub delivery::Model);

#[Object]
impl Delivery {
    async fn method_id(&self) -> Option<ID> {
        self.0.method_id.map(|m| ID(m.to_string()))
    }
    async fn status(&self) -> DeliveryStatus {
        status_of(&self.0)
    }
    async fn attempts(&self) -> i32 {
        self.0.attempts
    }
    async fn next_attempt_at(&self) -> Option<DateTime<Utc>> {
        self.0.next_attempt_at
    }
    async fn delivered_at(&self) -> Option<DateTime<Utc>> {
        self.0.delivered_at
    }
    /// Why the last attempt failed (no addresses or secrets in it).
    async fn last_error(&self) -> Option<&str> {
        self.0.last_error.as_deref()
    }
}

/// An e-mail address or a webhook of the caller. A webhook's URL is not shown again after
/// it is added (it may carry a secret).
pub struct ContactMethod(pub contact_method::Model);

#[Object]
impl ContactMethod {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn kind(&self) -> ContactMethodKind {
        if self.0.kind == contact::EMAIL {
            ContactMethodKind::Email
        } else {
            ContactMethodKind::Webhook
        }
    }
    async fn label(&self) -> &str {
        &self.0.label
    }
    /// The e-mail address, or the webhook's host.
    async fn destination(&self) -> Option<String> {
        if self.0.kind == contact::EMAIL {
            Some(self.0.target.clone())
        } else {
            url::Url::parse(&self.0.target)
                .ok()
                .and_then(|u| u.host_str().map(str::to_owned))
        }
    }
    /// Verified by a test send: only verified methods receive notifications.
    async fn verified(&self) -> bool {
        self.0.verified_at.is_some()
    }
    async fn verified_at(&self) -> Option<DateTime<Utc>> {
        self.0.verified_at
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

#[derive(SimpleObject)]
pub struct AddContactMethodPayload {
    pub contact_method: ContactMethod,
    /// For a webhook, the Standard Webhooks signing secret (`whsec_…`), shown this once.
    pub signing_secret: Option<String>,
}

#[derive(InputObject)]
pub struct AddContactMethodInput {
    pub kind: ContactMethodKind,
    /// The e-mail address, or the webhook's absolute http(s) URL.
    pub target: String,
    #[graphql(default)]
    pub label: String,
}

#[derive(InputObject)]
pub struct VerifyContactMethodInput {
    pub id: ID,
    /// The code the test e-mail carried.
    pub code: String,
}

#[derive(InputObject)]
pub struct NotificationRuleInput {
    pub kind: Kind,
    /// The caller's methods that receive this kind; empty: all of them again.
    pub method_ids: Vec<ID>,
}

#[derive(SimpleObject)]
pub struct NotificationRule {
    pub kind: Option<Kind>,
    pub method_id: ID,
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
    #[graphql(complexity = "2 * STATEMENT + crate::graphql::cost::page(first) * child_complexity")]
    async fn my_notifications(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        #[graphql(default = false)] unread_only: bool,
    ) -> Result<ListConnection<Notification>> {
        let page = PageRequest::new(first, after.as_deref())?;
        let result = inbox::mine(service_ctx(ctx), &page, unread_only).await?;
        let nodes = NodeSelection::of(ctx);
        let deliveries = if ["deliveries", "deliveryStatus", "deliveryAttempts"]
            .iter()
            .any(|f| nodes.wants(&[f]))
        {
            let ids: Vec<uuid::Uuid> = result.items.iter().map(|n| n.id).collect();
            inbox::deliveries_of(&data(ctx).db, &ids).await?
        } else {
            Vec::new()
        };
        Ok(from_page(
            result,
            page.after.is_some(),
            |n| n.id.to_string(),
            |row| Notification {
                deliveries: deliveries
                    .iter()
                    .filter(|d| d.notification_id == Some(row.id))
                    .cloned()
                    .collect(),
                row,
            },
        ))
    }

    /// How many of the caller's notifications are unread.
    #[graphql(complexity = "STATEMENT")]
    async fn unread_notification_count(&self, ctx: &Context<'_>) -> Result<i32> {
        let n = inbox::unread_count(service_ctx(ctx)).await?;
        Ok(i32::try_from(n).unwrap_or(i32::MAX))
    }

    /// The caller's contact methods (at most 10).
    #[graphql(complexity = "STATEMENT + 10 * child_complexity")]
    async fn my_contact_methods(&self, ctx: &Context<'_>) -> Result<Vec<ContactMethod>> {
        Ok(contact::mine(service_ctx(ctx))
            .await?
            .into_iter()
            .take(LIST_CAP)
            .map(ContactMethod)
            .collect())
    }

    /// The caller's rules: which methods get which kind (kinds without rules go to every
    /// verified method; pages always do).
    #[graphql(complexity = "STATEMENT + 100 * child_complexity")]
    async fn my_notification_rules(&self, ctx: &Context<'_>) -> Result<Vec<NotificationRule>> {
        Ok(rules::mine(service_ctx(ctx))
            .await?
            .into_iter()
            .take(LIST_CAP)
            .map(|(kind, m)| NotificationRule {
                kind: kind.parse().ok(),
                method_id: ID(m.to_string()),
            })
            .collect())
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

    /// Adds an e-mail address or a webhook (signed per Standard Webhooks) for the caller,
    /// unverified: send it a test (`sendTestNotification`) before it receives anything.
    /// Loopback and private webhook addresses are refused unless the server allows them.
    async fn add_contact_method(
        &self,
        ctx: &Context<'_>,
        input: AddContactMethodInput,
    ) -> Result<AddContactMethodPayload> {
        let added = contact::add(
            service_ctx(ctx),
            &data(ctx).outbound,
            input.kind.stored(),
            &input.target,
            &input.label,
        )
        .await?;
        Ok(AddContactMethodPayload {
            contact_method: ContactMethod(added.method),
            signing_secret: added.secret,
        })
    }

    /// Removes one of the caller's contact methods.
    async fn remove_contact_method(&self, ctx: &Context<'_>, id: ID) -> Result<bool> {
        Ok(contact::remove(service_ctx(ctx), &id).await?)
    }

    /// Sends a test through the outbox to one of the caller's methods; returns the test
    /// notification's id. A webhook that answers it with 2xx is verified; an e-mail carries
    /// a code for `verifyContactMethod`.
    async fn send_test_notification(&self, ctx: &Context<'_>, id: ID) -> Result<ID> {
        Ok(ID(contact::send_test(service_ctx(ctx), &id)
            .await?
            .to_string()))
    }

    /// Verifies an e-mail method with the code of its test send.
    async fn verify_contact_method(
        &self,
        ctx: &Context<'_>,
        input: VerifyContactMethodInput,
    ) -> Result<ContactMethod> {
        Ok(ContactMethod(
            contact::verify(service_ctx(ctx), &input.id, &input.code).await?,
        ))
    }

    /// Chooses which of the caller's methods receive one kind of notification.
    async fn set_notification_rule(
        &self,
        ctx: &Context<'_>,
        input: NotificationRuleInput,
    ) -> Result<Vec<ID>> {
        let ids: Vec<String> = input.method_ids.into_iter().map(|i| i.0).collect();
        Ok(rules::set(service_ctx(ctx), input.kind, &ids)
            .await?
            .into_iter()
            .map(|i| ID(i.to_string()))
            .collect())
    }
}
