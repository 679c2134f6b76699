//! Handoffs (rotation changes) and their documents over GraphQL.

use super::loaders;
use crate::graphql::connection::{ListConnection, NodeSelection, from_page};
use crate::graphql::context::service_ctx;
use crate::graphql::cost::STATEMENT;
use crate::graphql::loaders::user_object;
use crate::graphql::objects::{Incident, User};
use crate::services::pagination::PageRequest;
use crate::services::schedules::handoffs;
use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entity::handoff_document;

/// A rotation change within a layer: the outgoing primary hands over to the incoming one.
pub struct Handoff(pub scheduler::oncall::Handoff);

#[Object]
impl Handoff {
    async fn layer_id(&self) -> ID {
        ID(self.0.layer.to_string())
    }
    async fn layer_name(&self, ctx: &Context<'_>) -> Result<String> {
        Ok(loaders(ctx)
            .layers
            .load_one(self.0.layer)
            .await?
            .map(|l| l.name)
            .unwrap_or_default())
    }
    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }
    async fn outgoing(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        user_object(ctx, Some(self.0.outgoing)).await
    }
    async fn incoming(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        user_object(ctx, Some(self.0.incoming)).await
    }
    /// When the outgoing person's rotation began.
    async fn outgoing_since(&self) -> DateTime<Utc> {
        self.0.outgoing_since
    }
}

/// What the outgoing on-caller leaves the incoming one: what happened, what is flaky,
/// what to watch (about five lines). Keyed by (layer, instant).
pub struct HandoffDocument(pub handoff_document::Model);

#[Object]
impl HandoffDocument {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn version(&self) -> i32 {
        self.0.version
    }
    async fn layer_id(&self) -> ID {
        ID(self.0.layer_id.to_string())
    }
    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }
    async fn outgoing_since(&self) -> DateTime<Utc> {
        self.0.outgoing_since
    }
    async fn outgoing(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        user_object(ctx, Some(self.0.outgoing_id)).await
    }
    async fn incoming(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        user_object(ctx, Some(self.0.incoming_id)).await
    }
    /// Empty until submitted.
    async fn notes(&self) -> &str {
        &self.0.notes
    }
    async fn submitted_at(&self) -> Option<DateTime<Utc>> {
        self.0.submitted_at
    }
    async fn submitted_by(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        user_object(ctx, self.0.submitted_by).await
    }
    async fn acknowledged_at(&self) -> Option<DateTime<Utc>> {
        self.0.acknowledged_at
    }
    async fn acknowledged_by(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        user_object(ctx, self.0.acknowledged_by).await
    }
    /// The team's incidents declared during the outgoing rotation that the reader may
    /// see (at most 50), oldest first.
    #[graphql(complexity = "3 * STATEMENT + 50 * child_complexity")]
    async fn incidents(&self, ctx: &Context<'_>) -> Result<Vec<Incident>> {
        Ok(self
            .rotation(ctx)
            .await?
            .into_iter()
            .map(Incident)
            .collect())
    }
    /// The outgoing person's pages during the rotation (at most 100), oldest first.
    #[graphql(complexity = "4 * STATEMENT + 100 * child_complexity")]
    async fn pages(&self, ctx: &Context<'_>) -> Result<Vec<crate::graphql::paging::Page>> {
        Ok(self
            .paging(ctx)
            .await?
            .pages
            .into_iter()
            .map(crate::graphql::paging::Page)
            .collect())
    }
    /// The team's noisiest alert sources during the rotation (at most 5).
    #[graphql(complexity = "4 * STATEMENT + 5 * child_complexity")]
    async fn noisiest_sources(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Vec<crate::graphql::paging::report::NoisySource>> {
        Ok(self
            .paging(ctx)
            .await?
            .sources
            .iter()
            .map(crate::graphql::paging::report::NoisySource::from)
            .collect())
    }
    /// What an editor starts the notes from: the rotation's pages and noisiest source,
    /// then a line per incident.
    #[graphql(complexity = "7 * STATEMENT")]
    async fn draft(&self, ctx: &Context<'_>) -> Result<String> {
        Ok(handoffs::draft(
            &self.rotation(ctx).await?,
            &self.paging(ctx).await?,
        ))
    }
}

impl HandoffDocument {
    async fn paging(&self, ctx: &Context<'_>) -> Result<handoffs::RotationPaging> {
        Ok(loaders(ctx)
            .rotation_paging
            .load_one(handoffs::Rotation::from(&self.0))
            .await?
            .unwrap_or_default())
    }

    /// Through the request's loader: a page of documents reads its incidents at once.
    async fn rotation(&self, ctx: &Context<'_>) -> Result<Vec<entity::incident::Model>> {
        Ok(loaders(ctx)
            .rotation_incidents
            .load_one(handoffs::Rotation::from(&self.0))
            .await?
            .unwrap_or_default())
    }
}

/// Loads what a page of documents is asked for (people, the rotations' incidents), and
/// primes the request's loaders: the same statements whatever the page's size and however
/// the loaders would batch.
async fn prefetch(ctx: &Context<'_>, docs: &[handoff_document::Model]) -> Result<()> {
    if docs.is_empty() {
        return Ok(());
    }
    let nodes = NodeSelection::of(ctx);
    let wants = |f: &str| nodes.wants(&[f]);
    let db = &crate::graphql::context::data(ctx).db;
    if ["outgoing", "incoming", "submittedBy", "acknowledgedBy"]
        .iter()
        .any(|f| wants(f))
    {
        let ids: Vec<uuid::Uuid> = docs
            .iter()
            .flat_map(|d| {
                [
                    Some(d.outgoing_id),
                    Some(d.incoming_id),
                    d.submitted_by,
                    d.acknowledged_by,
                ]
            })
            .flatten()
            .collect();
        crate::graphql::loaders::prime_users(ctx, &ids).await?;
    }
    if wants("pages") || wants("noisiestSources") || wants("draft") {
        let rotations: Vec<handoffs::Rotation> =
            docs.iter().map(handoffs::Rotation::from).collect();
        let user = crate::graphql::context::request(ctx).principal.user()?;
        let found = handoffs::rotation_paging(db, user, &rotations).await?;
        loaders(ctx).rotation_paging.feed_many(found).await;
    }
    if wants("incidents") || wants("draft") {
        let user = crate::graphql::context::request(ctx).principal.user()?;
        let rotations: Vec<handoffs::Rotation> =
            docs.iter().map(handoffs::Rotation::from).collect();
        let found = handoffs::rotation_incidents(db, user, &rotations).await?;
        loaders(ctx).rotation_incidents.feed_many(found).await;
    }
    Ok(())
}

#[derive(Default)]
pub struct HandoffQuery;

#[Object]
impl HandoffQuery {
    #[graphql(complexity = "STATEMENT + child_complexity")]
    async fn handoff_document(&self, ctx: &Context<'_>, id: ID) -> Result<HandoffDocument> {
        Ok(HandoffDocument(handoffs::get(service_ctx(ctx), &id).await?))
    }

    /// The handoff documents of a schedule's layers, newest first.
    #[graphql(complexity = "STATEMENT + crate::graphql::cost::page(first) * child_complexity")]
    async fn handoff_documents(
        &self,
        ctx: &Context<'_>,
        schedule_id: ID,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<ListConnection<HandoffDocument>> {
        let page = PageRequest::new(first, after.as_deref())?;
        let result = handoffs::list(service_ctx(ctx), &schedule_id, &page).await?;
        prefetch(ctx, &result.items).await?;
        Ok(from_page(
            result,
            page.after.is_some(),
            |d| d.id.to_string(),
            HandoffDocument,
        ))
    }
}

#[derive(InputObject)]
pub struct SubmitHandoffInput {
    pub layer_id: ID,
    /// The handoff's instant (from `handoffs`).
    pub at: DateTime<Utc>,
    pub notes: String,
}

#[derive(InputObject)]
pub struct AcknowledgeHandoffInput {
    pub document_id: ID,
}

#[derive(SimpleObject)]
pub struct HandoffDocumentPayload {
    pub document: HandoffDocument,
}

#[derive(Default)]
pub struct HandoffMutation;

#[Object]
impl HandoffMutation {
    /// The outgoing on-caller (or a manager of the team) writes the handoff's document,
    /// creating it if the worker has not yet; again to correct it until acknowledged.
    async fn submit_handoff(
        &self,
        ctx: &Context<'_>,
        input: SubmitHandoffInput,
    ) -> Result<HandoffDocumentPayload> {
        let doc =
            handoffs::submit(service_ctx(ctx), &input.layer_id, input.at, &input.notes).await?;
        Ok(HandoffDocumentPayload {
            document: HandoffDocument(doc),
        })
    }

    /// The incoming on-caller acknowledges a submitted document.
    async fn acknowledge_handoff(
        &self,
        ctx: &Context<'_>,
        input: AcknowledgeHandoffInput,
    ) -> Result<HandoffDocumentPayload> {
        let doc = handoffs::acknowledge(service_ctx(ctx), &input.document_id).await?;
        Ok(HandoffDocumentPayload {
            document: HandoffDocument(doc),
        })
    }
}
