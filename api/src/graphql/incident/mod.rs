//! Incidents over GraphQL: the `Incident` object and its relations (this file), the
//! list's look-ahead prefetch (`prefetch`), the queries and the mutations. Lists prefetch
//! the relations the query asks for and prime the request's DataLoaders, so a page costs a
//! constant number of statements; single objects use the loaders directly.

use crate::graphql::connection::{ListConnection, from_page};
use crate::graphql::context::{data, request, service_ctx};
use crate::graphql::input::change;
use crate::graphql::loaders::{FirstPages, Loaders, PageKey, group, with_empty, with_none};
use crate::graphql::severity::SeverityPolicyObject;
use crate::services::incidents::{self, Changes, Declare, IncidentFilter};
use crate::services::pagination::PageRequest;
use crate::services::{catalog, teams, users};
use async_graphql::{
    Context, Enum, ID, InputObject, Json, MaybeUndefined, Object, Result, SimpleObject,
};
use chrono::{DateTime, Utc};
use entity::{
    DetectionSource, IncidentRole, IncidentStatus, Severity, TimelineKind, incident,
    incident_event, incident_update,
};
use scheduler::domain::message_templates::{self, TemplateKind};
use scheduler::domain::{references, templates};
use std::collections::HashSet;
use uuid::Uuid;

mod mutations;
mod prefetch;
mod queries;

pub use mutations::*;
pub use queries::*;

pub use crate::graphql::objects::Incident;
use crate::graphql::objects::{ActionItem, Postmortem, Service, Team, User};

fn loaders<'a>(ctx: &Context<'a>) -> &'a Loaders {
    ctx.data_unchecked::<Loaders>()
}

async fn user_of(ctx: &Context<'_>, id: Uuid) -> Result<Option<User>> {
    Ok(loaders(ctx).users.load_one(id).await?.map(User))
}

/// One role and who holds it (loaded with it).
pub struct RoleAssignment(incidents::Held);

#[Object]
impl RoleAssignment {
    async fn role(&self) -> IncidentRole {
        self.0.0.role
    }
    async fn user(&self) -> Option<User> {
        self.0.1.clone().map(User)
    }
    async fn assigned_at(&self) -> DateTime<Utc> {
        self.0.0.assigned_at
    }
}

/// One entry of the timeline / decision log.
pub struct TimelineEvent(incident_event::Model);

#[Object]
impl TimelineEvent {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }
    async fn kind(&self) -> TimelineKind {
        self.0.kind
    }
    /// What happened. An entry about another incident (a duplicate's original, a
    /// recurrence's earlier incident) names it only for readers who may see it.
    async fn message(&self, ctx: &Context<'_>) -> Result<String> {
        let other = referenced_channel(ctx, self.0.ref_incident_id).await?;
        Ok(references::timeline_text(
            self.0.kind,
            &self.0.message,
            other.as_deref(),
        ))
    }
    async fn author(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        match self.0.author_id {
            Some(id) => user_of(ctx, id).await,
            None => Ok(None),
        }
    }
    /// The changed values before the change, where it applies.
    async fn before(&self) -> Option<Json<serde_json::Value>> {
        self.0.before.clone().map(Json)
    }
    /// The values after the change. A referenced incident's id is included only for
    /// readers who may see it.
    async fn after(&self, ctx: &Context<'_>) -> Result<Option<Json<serde_json::Value>>> {
        let mut after = self.0.after.clone();
        if let (Some(other), Some(key)) =
            (self.0.ref_incident_id, references::after_key(self.0.kind))
            && referenced_channel(ctx, Some(other)).await?.is_some()
        {
            let map = after.get_or_insert_with(|| serde_json::json!({}));
            if let Some(obj) = map.as_object_mut() {
                obj.insert(key.into(), serde_json::Value::String(other.to_string()));
            }
        }
        Ok(after.map(Json))
    }
}

/// The channel of a referenced incident, if the caller may see it.
async fn referenced_channel(ctx: &Context<'_>, id: Option<Uuid>) -> Result<Option<String>> {
    match id {
        Some(id) => Ok(loaders(ctx)
            .visible_incidents
            .load_one(id)
            .await?
            .flatten()
            .map(|i| scheduler::domain::references::incident_name(i.channel.as_deref(), &i.title))),
        None => Ok(None),
    }
}

/// What fixed it; for a duplicate, the original it duplicates (named only for readers
/// who may see it).
async fn resolution_summary(ctx: &Context<'_>, i: &incident::Model) -> Result<Option<String>> {
    match (&i.resolution_summary, i.duplicate_of) {
        (Some(s), _) => Ok(Some(s.clone())),
        (None, Some(other)) => {
            let ch = referenced_channel(ctx, Some(other)).await?;
            Ok(Some(references::duplicate_summary(ch.as_deref())))
        }
        (None, None) => Ok(None),
    }
}

/// A status update, internal or public.
pub struct StatusUpdate(incident_update::Model);

#[Object]
impl StatusUpdate {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }
    async fn status(&self) -> IncidentStatus {
        self.0.status
    }
    async fn message(&self) -> &str {
        &self.0.message
    }
    /// Public updates appear on the status page.
    async fn public(&self) -> bool {
        self.0.public
    }
    /// What happens next, as this update said.
    async fn next_steps(&self) -> Option<&str> {
        self.0.next_steps.as_deref()
    }
    /// The estimated time to resolution this update gave (null: none known).
    async fn eta(&self) -> Option<DateTime<Utc>> {
        self.0.eta
    }
    async fn author(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        user_of(ctx, self.0.author_id).await
    }
}

/// Messages rendered from the incident's data with the standard templates.
#[derive(SimpleObject)]
pub struct IncidentMessages {
    /// What, impact, status, Incident Commander, channel, start.
    pub internal_initial: String,
    /// Status, actions taken, next steps, next update.
    pub internal_update: String,
    /// Duration, what fixed it, postmortem date; once resolved.
    pub internal_resolution: Option<String>,
    /// For customer-facing incidents: "We're investigating an issue affecting …".
    pub customer_initial: Option<String>,
    /// For customer-facing incidents, once resolved: what, how long, apology.
    pub customer_resolution: Option<String>,
}

impl Incident {
    async fn roles_rows(&self, ctx: &Context<'_>) -> Result<Vec<incidents::Held>> {
        Ok(loaders(ctx)
            .incident_roles
            .load_one(self.0.id)
            .await?
            .unwrap_or_default())
    }
}

#[Object]
impl Incident {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// The title shown on the status page.
    async fn public_title(&self) -> Option<&str> {
        self.0.public_title.as_deref()
    }
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    async fn severity(&self) -> Severity {
        self.0.severity
    }
    /// The worst severity this incident ever had.
    async fn highest_severity(&self) -> Severity {
        self.0.highest_severity
    }
    async fn status(&self) -> IncidentStatus {
        self.0.status
    }
    /// The generated chat channel, e.g. `#inc-2025-10-13-payment-failure`. Null for a
    /// SEV4, which is filed as a ticket; raising its severity above SEV4 opens one.
    async fn channel(&self) -> Option<&str> {
        self.0.channel.as_deref()
    }
    async fn customer_impact(&self) -> bool {
        self.0.customer_impact
    }
    /// How the incident came to light (alert, customer report, internal report, another
    /// team; UNKNOWN when not recorded).
    async fn detection_source(&self) -> DetectionSource {
        self.0.detection_source
    }
    /// Visible only to role holders, the declarer, participants, managers and admins.
    async fn restricted(&self) -> bool {
        self.0.restricted
    }
    /// Closed as a false alarm (counted apart in metrics).
    async fn false_alarm(&self) -> bool {
        self.0.false_alarm
    }
    async fn resolution_summary(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        resolution_summary(ctx, &self.0).await
    }
    async fn service(&self, ctx: &Context<'_>) -> Result<Option<Service>> {
        match self.0.service_id {
            Some(id) => Ok(loaders(ctx).services.load_one(id).await?.map(Service)),
            None => Ok(None),
        }
    }
    async fn team(&self, ctx: &Context<'_>) -> Result<Option<Team>> {
        match self.0.team_id {
            Some(id) => Ok(loaders(ctx).teams.load_one(id).await?.map(Team)),
            None => Ok(None),
        }
    }
    async fn declared_by(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        user_of(ctx, self.0.declared_by).await
    }
    /// When impact began.
    async fn started_at(&self) -> DateTime<Utc> {
        self.0.started_at
    }
    /// When an alert fired or a customer reported it.
    async fn detected_at(&self) -> DateTime<Utc> {
        self.0.detected_at
    }
    async fn declared_at(&self) -> DateTime<Utc> {
        self.0.declared_at
    }
    async fn acknowledged_at(&self) -> Option<DateTime<Utc>> {
        self.0.acknowledged_at
    }
    async fn mitigated_at(&self) -> Option<DateTime<Utc>> {
        self.0.mitigated_at
    }
    async fn resolved_at(&self) -> Option<DateTime<Utc>> {
        self.0.resolved_at
    }
    async fn last_update_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_update_at
    }
    /// When the next status update is due under the severity's cadence (null: on change).
    async fn next_update_due_at(&self) -> Option<DateTime<Utc>> {
        self.0.next_update_due_at
    }
    /// Whether the next status update is overdue now.
    async fn is_update_overdue(&self, ctx: &Context<'_>) -> bool {
        scheduler::domain::severity::update_overdue(self.0.next_update_due_at, request(ctx).now)
    }
    /// The latest estimated time to resolution given in a status update.
    async fn eta(&self) -> Option<DateTime<Utc>> {
        self.0.eta
    }
    /// When customers were last told (a public update).
    async fn last_public_update_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_public_update_at
    }
    /// Customers are owed word: the severity's policy asks for customer communication, the
    /// incident affects customers and is not resolved, and no public update has been posted
    /// yet (the Communications Lead's cue).
    async fn customer_communication_owed(&self, ctx: &Context<'_>) -> Result<bool> {
        let policy = loaders(ctx)
            .policies
            .load_one(self.0.severity)
            .await?
            .ok_or(crate::services::ServiceError::NotFound("severity policy"))?;
        Ok(scheduler::domain::severity::customer_communication_owed(
            &policy,
            self.0.customer_impact,
            self.0.status == IncidentStatus::Resolved,
            self.0.last_public_update_at.is_some(),
        ))
    }
    /// The roles this incident's severity expects (its policy's `expectedRoles`).
    async fn expected_roles(&self, ctx: &Context<'_>) -> Result<Vec<IncidentRole>> {
        Ok(crate::graphql::severity::policy(ctx, self.0.severity)
            .await?
            .expected_roles)
    }
    /// The expected roles nobody holds yet: what the Incident Commander still has to assign.
    async fn unfilled_roles(&self, ctx: &Context<'_>) -> Result<Vec<IncidentRole>> {
        let expected = crate::graphql::severity::policy(ctx, self.0.severity)
            .await?
            .expected_roles;
        let held: Vec<IncidentRole> = self
            .roles_rows(ctx)
            .await?
            .iter()
            .map(|(r, _)| r.role)
            .collect();
        Ok(scheduler::domain::severity::unfilled_roles(
            &expected, &held,
        ))
    }
    async fn severity_policy(&self, ctx: &Context<'_>) -> Result<SeverityPolicyObject> {
        super::severity::policy(ctx, self.0.severity).await
    }
    #[graphql(complexity = "crate::graphql::cost::ROLES * child_complexity")]
    async fn roles(&self, ctx: &Context<'_>) -> Result<Vec<RoleAssignment>> {
        Ok(self
            .roles_rows(ctx)
            .await?
            .into_iter()
            .map(RoleAssignment)
            .collect())
    }
    async fn commander(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        let roles = self.roles_rows(ctx).await?;
        Ok(roles
            .into_iter()
            .find(|(r, _)| r.role == IncidentRole::Commander)
            .and_then(|(_, holder)| holder.map(User)))
    }
    /// The timeline / decision log, a page at a time (oldest first unless asked otherwise).
    #[graphql(complexity = "first.clamp(0, 100) as usize * child_complexity")]
    async fn timeline(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 20, desc = "At most 100.")] first: i32,
        after: Option<String>,
        #[graphql(default)] order: LogOrder,
    ) -> Result<ListConnection<TimelineEvent>> {
        let cache = &loaders(ctx).timeline_pages;
        log_connection(ctx, cache, self.0.id, first, after, order, TimelineEvent).await
    }
    /// Status updates, a page at a time (oldest first unless asked otherwise).
    #[graphql(complexity = "first.clamp(0, 100) as usize * child_complexity")]
    async fn updates(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 20, desc = "At most 100.")] first: i32,
        after: Option<String>,
        #[graphql(default)] order: LogOrder,
    ) -> Result<ListConnection<StatusUpdate>> {
        let cache = &loaders(ctx).update_pages;
        log_connection(ctx, cache, self.0.id, first, after, order, StatusUpdate).await
    }
    async fn duplicate_of(&self, ctx: &Context<'_>) -> Result<Option<Incident>> {
        linked(ctx, self.0.duplicate_of).await
    }
    /// The earlier incident this one repeats.
    async fn recurrence_of(&self, ctx: &Context<'_>) -> Result<Option<Incident>> {
        linked(ctx, self.0.recurrence_of).await
    }
    /// Follow-up work tracked on this incident, by due date (at most 100): items created
    /// while it was handled and those of its postmortem.
    #[graphql(complexity = "crate::graphql::cost::LIST_CAP * child_complexity")]
    async fn action_items(&self, ctx: &Context<'_>) -> Result<Vec<ActionItem>> {
        let rows = loaders(ctx)
            .incident_action_items
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        Ok(rows
            .into_iter()
            .take(crate::graphql::cost::LIST_CAP)
            .map(ActionItem)
            .collect())
    }
    /// The postmortem, once there is one (the severity policy says which severities get
    /// one on resolution).
    async fn postmortem(&self, ctx: &Context<'_>) -> Result<Option<Postmortem>> {
        Ok(loaders(ctx)
            .postmortems
            .load_one(self.0.id)
            .await?
            .flatten()
            .map(Postmortem::new))
    }
    async fn messages(&self, ctx: &Context<'_>) -> Result<IncidentMessages> {
        let data = facts_data(ctx, &self.0).await?;
        let facts = data.facts(&self.0);
        let defaults = templates::render(&facts);
        // The team's template, else the organization's, else the shipped one.
        let scopes = [
            self.0.team_id.map(|t| t.to_string()),
            Some(crate::services::templates::ORG_SCOPE.to_owned()),
        ];
        let stored = loaders(ctx)
            .templates
            .load_many(scopes.iter().flatten().cloned())
            .await?;
        let render = |kind: TemplateKind, default: Option<String>| -> Option<String> {
            let default = default?;
            let body = scopes.iter().flatten().find_map(|scope| {
                stored
                    .get(scope)?
                    .iter()
                    .find(|t| t.kind == kind.as_str())
                    .map(|t| t.body.as_str())
            });
            match body {
                Some(body) => Some(
                    message_templates::render(kind, body, &facts).unwrap_or_else(|e| {
                        tracing::warn!(error = %e, kind = kind.as_str(), "a stored template failed; the shipped one is used");
                        default
                    }),
                ),
                None => Some(default),
            }
        };
        Ok(IncidentMessages {
            internal_initial: render(
                TemplateKind::InternalInitial,
                Some(defaults.internal_initial),
            )
            .unwrap_or_default(),
            internal_update: render(TemplateKind::InternalUpdate, Some(defaults.internal_update))
                .unwrap_or_default(),
            internal_resolution: render(
                TemplateKind::InternalResolution,
                defaults.internal_resolution,
            ),
            customer_initial: render(TemplateKind::CustomerInitial, defaults.customer_initial),
            customer_resolution: render(
                TemplateKind::CustomerResolution,
                defaults.customer_resolution,
            ),
        })
    }

    /// Renders a template (not saved) against this incident, as `messages` would: how a
    /// template reads before it replaces the shipped one. Refused like a save would be.
    #[graphql(complexity = "crate::graphql::cost::STATEMENT * 4")]
    async fn preview_message(
        &self,
        ctx: &Context<'_>,
        kind: MessageTemplateKind,
        body: String,
    ) -> Result<String> {
        let kind = TemplateKind::from(kind);
        crate::services::templates::check(service_ctx(ctx), kind, &body)?;
        let data = facts_data(ctx, &self.0).await?;
        message_templates::render(kind, &body, &data.facts(&self.0)).map_err(|e| {
            crate::services::ServiceError::invalid(
                scheduler::domain::reason::Reason::TemplateInvalid,
                e.to_string(),
            )
            .into()
        })
    }
}

/// Which message a template writes.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "scheduler::domain::message_templates::TemplateKind")]
pub enum MessageTemplateKind {
    InternalInitial,
    InternalUpdate,
    InternalResolution,
    CustomerInitial,
    CustomerResolution,
}

/// What the templates are rendered from, read once per incident.
struct FactsData {
    commander: Option<String>,
    service: Option<String>,
    events: Vec<incident_event::Model>,
    updates: Vec<incident_update::Model>,
    summary: Option<String>,
    postmortem_due: Option<DateTime<Utc>>,
}

async fn facts_data(ctx: &Context<'_>, i: &incident::Model) -> Result<FactsData> {
    let cache = loaders(ctx);
    let roles = cache
        .incident_roles
        .load_one(i.id)
        .await?
        .unwrap_or_default();
    let commander = roles
        .into_iter()
        .find(|(r, _)| r.role == IncidentRole::Commander)
        .and_then(|(_, holder)| holder.map(|u| u.name));
    let service = match i.service_id {
        // Customers see the service's public name only, never the catalog name.
        Some(id) => cache
            .services
            .load_one(id)
            .await?
            .and_then(|s| s.public_name),
        None => None,
    };
    let events = cache
        .incident_events
        .load_one(i.id)
        .await?
        .unwrap_or_default();
    let updates = cache
        .incident_updates
        .load_one(i.id)
        .await?
        .unwrap_or_default();
    let summary = resolution_summary(ctx, i).await?;
    // The postmortem's own deadline (fixed when it was created, from the organization's
    // setting); an incident that owes one gets it in the resolving transaction.
    let postmortem_due = cache
        .postmortems
        .load_one(i.id)
        .await?
        .flatten()
        .map(|pm| pm.due_at);
    Ok(FactsData {
        commander,
        service,
        events,
        updates,
        summary,
        postmortem_due,
    })
}

impl FactsData {
    fn facts<'a>(&'a self, i: &'a incident::Model) -> templates::Facts<'a> {
        let updates = &self.updates;
        templates::Facts {
            title: &i.title,
            public_title: i.public_title.as_deref(),
            description: i.description.as_deref(),
            severity: i.severity,
            status: i.status,
            commander: self.commander.as_deref(),
            channel: i.channel.as_deref(),
            public_service: self.service.as_deref(),
            latest_public_update: updates
                .iter()
                .rev()
                .find(|u| u.public)
                .map(|u| u.message.as_str()),
            started_at: i.started_at,
            resolved_at: i.resolved_at,
            next_update_due: i.next_update_due_at,
            // Actions since the latest update: what the next update reports.
            actions_taken: {
                // (instant, id): ids are time-ordered, so an action logged in the same
                // instant as the update, but after it, still counts.
                let since = updates.last().map(|u| (u.at, u.id));
                let actions: Vec<&str> = self
                    .events
                    .iter()
                    .filter(|e| e.kind == TimelineKind::ActionTaken)
                    .filter(|e| since.is_none_or(|s| (e.at, e.id) > s))
                    .map(|e| e.message.as_str())
                    .collect();
                actions[actions.len().saturating_sub(10)..].to_vec()
            },
            latest_update: updates.last().map(|u| templates::UpdateFacts {
                at: u.at,
                message: &u.message,
                next_steps: u.next_steps.as_deref(),
            }),
            eta: i.eta,
            false_alarm: i.false_alarm,
            resolution_summary: self.summary.as_deref(),
            postmortem_due: self.postmortem_due,
            customer_impact: i.customer_impact,
        }
    }
}

/// A page of an incident's log as a connection: a first page through the request's loader
/// (prefetched for lists), a later one from the service.
async fn log_connection<L, N>(
    ctx: &Context<'_>,
    cache: &async_graphql::dataloader::DataLoader<
        FirstPages<L>,
        async_graphql::dataloader::HashMapCache,
    >,
    incident: Uuid,
    first: i32,
    after: Option<String>,
    order: LogOrder,
    node: impl Fn(L::Model) -> N,
) -> Result<ListConnection<N>>
where
    L: incidents::IncidentLog + 'static,
    N: async_graphql::OutputType,
{
    let page = PageRequest::new(Some(first), after.as_deref())?;
    let order = incidents::Order::from(order);
    let rows = match page.after {
        None => cache
            .load_one(PageKey {
                incident,
                first: page.first,
                order,
            })
            .await?
            .unwrap_or_default(),
        Some(_) => incidents::log_page::<L>(service_ctx(ctx), incident, &page, order).await?,
    };
    Ok(from_page(
        rows,
        page.after.is_some(),
        incidents::entry_cursor::<L>,
        node,
    ))
}

/// A linked incident (duplicate's original, recurrence's earlier incident), through the
/// request's loader (prefetched for lists); one the caller may not see is shown as absent.
async fn linked(ctx: &Context<'_>, id: Option<Uuid>) -> Result<Option<Incident>> {
    let Some(id) = id else { return Ok(None) };
    Ok(loaders(ctx)
        .visible_incidents
        .load_one(id)
        .await?
        .flatten()
        .map(Incident))
}

/// Which end of an incident's log a page starts from.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Default)]
#[graphql(remote = "crate::services::incidents::Order")]
pub enum LogOrder {
    #[default]
    OldestFirst,
    NewestFirst,
}
