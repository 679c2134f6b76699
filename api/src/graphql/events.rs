//! Outbound event subscriptions over GraphQL: admins register signed webhooks; a team's
//! managers may add the team's Slack channel.

use crate::graphql::context::{data, service_ctx};
use crate::graphql::cost::{LIST_CAP, STATEMENT};
use crate::services::events::subscriptions::{self, NewSubscription, SLACK, WEBHOOK};
use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entity::event_subscription;

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum SubscriptionKind {
    /// JSON signed per Standard Webhooks.
    Webhook,
    /// A Slack incoming webhook: text and Block Kit blocks, for one team's events.
    Slack,
}

pub struct EventSubscription(pub event_subscription::Model);

#[Object]
impl EventSubscription {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn kind(&self) -> SubscriptionKind {
        if self.0.kind == SLACK {
            SubscriptionKind::Slack
        } else {
            SubscriptionKind::Webhook
        }
    }
    async fn label(&self) -> &str {
        &self.0.label
    }
    async fn team_id(&self) -> Option<ID> {
        self.0.team_id.map(|t| ID(t.to_string()))
    }
    /// The host it posts to (the URL may carry a secret and is not shown again).
    async fn host(&self) -> Option<String> {
        url::Url::parse(&self.0.target)
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned))
    }
    /// The event types it gets; empty: all of them.
    async fn types(&self) -> Vec<String> {
        serde_json::from_value(self.0.types.clone()).unwrap_or_default()
    }
    /// Whether events about restricted incidents reach it.
    async fn include_restricted(&self) -> bool {
        self.0.include_restricted
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

#[derive(InputObject)]
pub struct CreateEventSubscriptionInput {
    pub kind: SubscriptionKind,
    pub label: String,
    pub url: String,
    /// Only this team's events (required for Slack).
    pub team_id: Option<ID>,
    /// Event types (see `eventTypes`); empty or omitted: all.
    #[graphql(default)]
    pub types: Vec<String>,
    /// Admins only: let events about restricted incidents through.
    #[graphql(default = false)]
    pub include_restricted: bool,
}

#[derive(SimpleObject)]
pub struct CreateEventSubscriptionPayload {
    pub subscription: EventSubscription,
    /// For a webhook, the Standard Webhooks signing secret, shown this once.
    pub signing_secret: Option<String>,
}

#[derive(Default)]
pub struct EventQuery;

#[Object]
impl EventQuery {
    /// Every event type a subscription can ask for.
    async fn event_types(&self) -> Vec<&'static str> {
        crate::services::events::TYPES.to_vec()
    }

    /// Every event subscription (admins); a team's managers see their teams' Slack channels.
    #[graphql(complexity = "STATEMENT + 100 * child_complexity")]
    async fn event_subscriptions(&self, ctx: &Context<'_>) -> Result<Vec<EventSubscription>> {
        Ok(subscriptions::list(service_ctx(ctx))
            .await?
            .into_iter()
            .take(LIST_CAP)
            .map(EventSubscription)
            .collect())
    }
}

#[derive(Default)]
pub struct EventMutation;

#[Object]
impl EventMutation {
    async fn create_event_subscription(
        &self,
        ctx: &Context<'_>,
        input: CreateEventSubscriptionInput,
    ) -> Result<CreateEventSubscriptionPayload> {
        let created = subscriptions::create(
            service_ctx(ctx),
            &data(ctx).outbound,
            NewSubscription {
                kind: match input.kind {
                    SubscriptionKind::Webhook => WEBHOOK,
                    SubscriptionKind::Slack => SLACK,
                },
                label: input.label,
                team: input.team_id.map(|t| t.0),
                url: input.url,
                types: input.types,
                include_restricted: input.include_restricted,
            },
        )
        .await?;
        Ok(CreateEventSubscriptionPayload {
            subscription: EventSubscription(created.subscription),
            signing_secret: created.secret,
        })
    }

    /// Admins any; a team's managers their team's Slack channel.
    async fn delete_event_subscription(&self, ctx: &Context<'_>, id: ID) -> Result<bool> {
        Ok(subscriptions::delete(service_ctx(ctx), &id).await?)
    }
}
