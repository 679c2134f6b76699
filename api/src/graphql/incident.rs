//! Incidents over GraphQL: the `Incident` type, `incident`/`incidents`, and the mutations
//! that declare, work and resolve them. Lists prefetch the relations the query asks for
//! (look-ahead) and prime the request's DataLoaders, so a page costs a constant number of
//! statements; single objects use the loaders directly.

use super::connection::{ListConnection, from_page};
use super::context::{data, request, service_ctx};
use super::input::change;
use super::loaders::{Loaders, group, with_empty, with_none};
use super::service::Service;
use super::severity::SeverityPolicyObject;
use super::team::Team;
use super::user::User;
use crate::error::ServiceError;
use crate::services::incidents::{self, Changes, Declare, IncidentFilter};
use crate::services::pagination::PageRequest;
use crate::services::{catalog, teams, users};
use async_graphql::{
    Context, Enum, ID, InputObject, Json, MaybeUndefined, Object, Result, SimpleObject,
};
use chrono::{DateTime, Utc};
use entity::{
    IncidentRole, IncidentStatus, Severity, TimelineKind, incident, incident_event, incident_role,
    incident_update,
};
use scheduler::domain::{deadlines, references, templates};
use std::collections::HashSet;
use uuid::Uuid;

pub struct Incident(pub incident::Model);

fn loaders<'a>(ctx: &Context<'a>) -> &'a Loaders {
    ctx.data_unchecked::<Loaders>()
}

async fn user_of(ctx: &Context<'_>, id: Uuid) -> Result<Option<User>> {
    Ok(loaders(ctx).users.load_one(id).await?.map(User))
}

/// One role and who holds it.
pub struct RoleAssignment(incident_role::Model);

#[Object]
impl RoleAssignment {
    async fn role(&self) -> IncidentRole {
        self.0.role
    }
    async fn user(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        user_of(ctx, self.0.user_id).await
    }
    async fn assigned_at(&self) -> DateTime<Utc> {
        self.0.assigned_at
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
        Some(id) => Ok(loaders(ctx).visible_channels.load_one(id).await?.flatten()),
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
    async fn roles_rows(&self, ctx: &Context<'_>) -> Result<Vec<incident_role::Model>> {
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
    /// The generated chat channel, e.g. `#inc-2025-10-13-payment-failure`.
    async fn channel(&self) -> &str {
        &self.0.channel
    }
    async fn customer_impact(&self) -> bool {
        self.0.customer_impact
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
    async fn severity_policy(&self, ctx: &Context<'_>) -> Result<SeverityPolicyObject> {
        super::severity::policy(ctx, self.0.severity).await
    }
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
        match roles.iter().find(|r| r.role == IncidentRole::Commander) {
            Some(r) => user_of(ctx, r.user_id).await,
            None => Ok(None),
        }
    }
    /// The timeline, oldest first.
    async fn timeline(&self, ctx: &Context<'_>) -> Result<Vec<TimelineEvent>> {
        let rows = loaders(ctx)
            .incident_events
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        Ok(rows.into_iter().map(TimelineEvent).collect())
    }
    /// Status updates, oldest first.
    async fn updates(&self, ctx: &Context<'_>) -> Result<Vec<StatusUpdate>> {
        let rows = loaders(ctx)
            .incident_updates
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        Ok(rows.into_iter().map(StatusUpdate).collect())
    }
    async fn duplicate_of(&self, ctx: &Context<'_>) -> Result<Option<Incident>> {
        linked(ctx, self.0.duplicate_of).await
    }
    /// The earlier incident this one repeats.
    async fn recurrence_of(&self, ctx: &Context<'_>) -> Result<Option<Incident>> {
        linked(ctx, self.0.recurrence_of).await
    }
    /// The postmortem, once there is one (SEV1/SEV2 get one on resolution).
    async fn postmortem(&self, ctx: &Context<'_>) -> Result<Option<super::postmortem::Postmortem>> {
        super::postmortem::of_incident(ctx, self.0.id).await
    }
    async fn messages(&self, ctx: &Context<'_>) -> Result<IncidentMessages> {
        let l = loaders(ctx);
        let roles = self.roles_rows(ctx).await?;
        let commander = match roles.iter().find(|r| r.role == IncidentRole::Commander) {
            Some(r) => l.users.load_one(r.user_id).await?.map(|u| u.name),
            None => None,
        };
        let service = match self.0.service_id {
            Some(id) => l.services.load_one(id).await?.map(|s| s.name),
            None => None,
        };
        let events = l
            .incident_events
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        let updates = l
            .incident_updates
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        let i = &self.0;
        let summary = resolution_summary(ctx, i).await?;
        // The postmortem's own deadline when there is one; otherwise what it would be.
        let postmortem_due = match l.postmortems.load_one(i.id).await?.flatten() {
            Some(pm) => Some(pm.due_at),
            None => i
                .resolved_at
                .filter(|_| {
                    i.duplicate_of.is_none()
                        && deadlines::postmortem_required(i.highest_severity, i.false_alarm)
                })
                .map(|r| deadlines::postmortem_due(r, deadlines::DEFAULT_POSTMORTEM_HOURS)),
        };
        let facts = templates::Facts {
            title: &i.title,
            public_title: i.public_title.as_deref(),
            description: i.description.as_deref(),
            severity: i.severity,
            status: i.status,
            commander: commander.as_deref(),
            channel: &i.channel,
            service: service.as_deref(),
            started_at: i.started_at,
            resolved_at: i.resolved_at,
            next_update_due: i.next_update_due_at,
            actions_taken: {
                let actions: Vec<&str> = events
                    .iter()
                    .filter(|e| e.kind == TimelineKind::ActionTaken)
                    .map(|e| e.message.as_str())
                    .collect();
                actions[actions.len().saturating_sub(3)..].to_vec()
            },
            latest_update: updates.last().map(|u| u.message.as_str()),
            resolution_summary: summary.as_deref(),
            postmortem_due,
            customer_impact: i.customer_impact,
        };
        let m = templates::render(&facts);
        Ok(IncidentMessages {
            internal_initial: m.internal_initial,
            internal_update: m.internal_update,
            internal_resolution: m.internal_resolution,
            customer_initial: m.customer_initial,
            customer_resolution: m.customer_resolution,
        })
    }
}

async fn linked(ctx: &Context<'_>, id: Option<Uuid>) -> Result<Option<Incident>> {
    let Some(id) = id else { return Ok(None) };
    match incidents::get(service_ctx(ctx), &id.to_string()).await {
        Ok(row) => Ok(Some(Incident(row))),
        // A link to an incident the caller may not see is shown as absent.
        Err(ServiceError::NotFound(_)) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Loads, in a fixed number of statements, every relation the query selects on a page of
/// incidents, and primes the request's loaders with them.
async fn prefetch(ctx: &Context<'_>, rows: &[incident::Model]) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let la = ctx.look_ahead();
    let nodes = [la.field("edges").field("node"), la.field("nodes")];
    let wants = |name: &str| nodes.iter().any(|n| n.field(name).exists());
    let messages = wants("messages");
    let need_roles = messages || wants("roles") || wants("commander");
    let need_events = messages || wants("timeline");
    let need_updates = messages || wants("updates");
    let need_users = need_roles || need_events || need_updates || wants("declaredBy");
    let need_services = messages || wants("service");
    let need_teams = wants("team");
    let need_postmortems = messages || wants("postmortem");
    let need_policies = wants("severityPolicy");

    let db = &data(ctx).db;
    let l = loaders(ctx);
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let (roles, events, updates, postmortems, policies) = tokio::try_join!(
        async {
            if need_roles {
                incidents::roles_of(db, &ids).await.map(Some)
            } else {
                Ok(None)
            }
        },
        async {
            if need_events {
                incidents::events_of(db, &ids).await.map(Some)
            } else {
                Ok(None)
            }
        },
        async {
            if need_updates {
                incidents::updates_of(db, &ids).await.map(Some)
            } else {
                Ok(None)
            }
        },
        async {
            if need_postmortems {
                crate::services::postmortems::of_incidents(db, &ids)
                    .await
                    .map(Some)
            } else {
                Ok(None)
            }
        },
        async {
            if need_policies {
                crate::services::severity::all(db.conn()).await.map(Some)
            } else {
                Ok(None)
            }
        },
    )?;
    if let Some(pms) = postmortems {
        l.postmortems
            .feed_many(with_none(&ids, pms.into_iter().map(|p| (p.incident_id, p))))
            .await;
    }
    if let Some(policies) = policies {
        l.policies
            .feed_many(policies.into_iter().map(|p| (p.severity, p)))
            .await;
    }
    let mut user_ids: HashSet<Uuid> = rows.iter().map(|r| r.declared_by).collect();
    user_ids.extend(roles.iter().flatten().map(|r| r.user_id));
    user_ids.extend(events.iter().flatten().filter_map(|e| e.author_id));
    user_ids.extend(updates.iter().flatten().map(|u| u.author_id));
    let user_ids: Vec<Uuid> = user_ids.into_iter().collect();
    let service_ids: Vec<Uuid> = rows.iter().filter_map(|r| r.service_id).collect();
    let team_ids: Vec<Uuid> = rows.iter().filter_map(|r| r.team_id).collect();
    let (users, services, teams) = tokio::try_join!(
        async {
            if need_users {
                users::by_ids(db, &user_ids).await
            } else {
                Ok(vec![])
            }
        },
        async {
            if need_services && !service_ids.is_empty() {
                catalog::by_ids(db, &service_ids).await
            } else {
                Ok(vec![])
            }
        },
        async {
            if need_teams && !team_ids.is_empty() {
                teams::by_ids(db, &team_ids).await
            } else {
                Ok(vec![])
            }
        },
    )?;
    if let Some(roles) = roles {
        l.incident_roles
            .feed_many(with_empty(&ids, group(roles, |r| r.incident_id)))
            .await;
    }
    let refs: Vec<Uuid> = events
        .iter()
        .flatten()
        .filter_map(|e| e.ref_incident_id)
        .chain(rows.iter().filter_map(|r| r.duplicate_of))
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    if !refs.is_empty() && (need_events || wants("resolutionSummary")) {
        let user = request(ctx).principal.user()?;
        let found = crate::services::visibility::visible_channels(db.conn(), user, &refs).await?;
        l.visible_channels.feed_many(with_none(&refs, found)).await;
    }
    if let Some(events) = events {
        l.incident_events
            .feed_many(with_empty(&ids, group(events, |e| e.incident_id)))
            .await;
    }
    if let Some(updates) = updates {
        l.incident_updates
            .feed_many(with_empty(&ids, group(updates, |u| u.incident_id)))
            .await;
    }
    l.users
        .feed_many(users.into_iter().map(|u| (u.id, u)))
        .await;
    l.services
        .feed_many(services.into_iter().map(|s| (s.id, s)))
        .await;
    l.teams
        .feed_many(teams.into_iter().map(|t| (t.id, t)))
        .await;
    Ok(())
}

#[derive(InputObject, Default)]
pub struct IncidentFilterInput {
    pub statuses: Option<Vec<IncidentStatus>>,
    pub severities: Option<Vec<Severity>>,
    pub team_id: Option<ID>,
    pub service_id: Option<ID>,
    /// Declared at or after this instant.
    pub declared_from: Option<DateTime<Utc>>,
    /// Declared before this instant.
    pub declared_to: Option<DateTime<Utc>>,
    /// Text in the title, case-insensitive.
    pub text: Option<String>,
}

#[derive(Default)]
pub struct IncidentQuery;

#[Object]
impl IncidentQuery {
    async fn incident(&self, ctx: &Context<'_>, id: ID) -> Result<Incident> {
        Ok(Incident(incidents::get(service_ctx(ctx), &id).await?))
    }

    /// Incidents the caller may see, newest declared first (ties broken by id); at most
    /// 100 a page.
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity")]
    async fn incidents(
        &self,
        ctx: &Context<'_>,
        filter: Option<IncidentFilterInput>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<ListConnection<Incident>> {
        let page = PageRequest::new(first, after.as_deref())?;
        let f = filter.unwrap_or_default();
        let filter = IncidentFilter {
            statuses: f.statuses.unwrap_or_default(),
            severities: f.severities.unwrap_or_default(),
            team_id: f.team_id.map(|t| t.0),
            service_id: f.service_id.map(|s| s.0),
            declared_from: f.declared_from,
            declared_to: f.declared_to,
            text: f.text,
        };
        let result = incidents::list(service_ctx(ctx), &filter, &page).await?;
        prefetch(ctx, &result.items).await?;
        Ok(from_page(
            result,
            page.after.is_some(),
            incidents::incident_cursor,
            Incident,
        ))
    }
}

#[derive(InputObject)]
pub struct DeclareIncidentInput {
    pub title: String,
    /// Required: there is no default severity.
    pub severity: Severity,
    pub description: Option<String>,
    /// Shown on the status page instead of the title.
    pub public_title: Option<String>,
    pub service_id: Option<ID>,
    /// Defaults to the service's team.
    pub team_id: Option<ID>,
    /// Defaults to `detectedAt`.
    pub started_at: Option<DateTime<Utc>>,
    /// Defaults to now.
    pub detected_at: Option<DateTime<Utc>>,
    #[graphql(default = false)]
    pub customer_impact: bool,
    /// Security incidents: visible only to those involved, managers and admins.
    #[graphql(default = false)]
    pub restricted: bool,
    /// Defaults to the declaring user.
    pub commander_id: Option<ID>,
    /// The same key from the same caller within 24 h returns the first incident.
    pub idempotency_key: Option<String>,
}

#[derive(InputObject)]
pub struct UpdateIncidentInput {
    pub incident_id: ID,
    pub title: Option<String>,
    pub public_title: MaybeUndefined<String>,
    pub description: MaybeUndefined<String>,
    pub service_id: MaybeUndefined<ID>,
    pub team_id: MaybeUndefined<ID>,
    pub customer_impact: Option<bool>,
    /// A correction, logged in the timeline.
    pub started_at: Option<DateTime<Utc>>,
    /// A correction, logged in the timeline.
    pub detected_at: Option<DateTime<Utc>>,
}

#[derive(InputObject)]
pub struct IncidentIdInput {
    pub incident_id: ID,
}

#[derive(InputObject)]
pub struct ChangeSeverityInput {
    pub incident_id: ID,
    pub severity: Severity,
    pub reason: String,
}

#[derive(InputObject)]
pub struct AssignRoleInput {
    pub incident_id: ID,
    pub role: IncidentRole,
    pub user_id: ID,
    /// Set to call out explicitly that the Incident Commander is also the Technical Lead.
    #[graphql(default = false)]
    pub acknowledge_commander_is_tech_lead: bool,
}

#[derive(InputObject)]
pub struct PostUpdateInput {
    pub incident_id: ID,
    pub message: String,
    pub status: IncidentStatus,
    /// Public updates appear on the status page (customer-facing incidents only).
    #[graphql(default = false)]
    pub public: bool,
}

/// What a person logs by hand.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum LogEventKind {
    Decision,
    ActionTaken,
    Note,
}

#[derive(InputObject)]
pub struct LogEventInput {
    pub incident_id: ID,
    pub kind: LogEventKind,
    pub message: String,
}

#[derive(InputObject)]
pub struct ResolveIncidentInput {
    pub incident_id: ID,
    /// What fixed it.
    pub summary: String,
    #[graphql(default = false)]
    pub false_alarm: bool,
}

#[derive(InputObject)]
pub struct ReopenIncidentInput {
    pub incident_id: ID,
    pub reason: String,
}

#[derive(InputObject)]
pub struct MarkDuplicateInput {
    pub incident_id: ID,
    pub of_incident_id: ID,
}

#[derive(InputObject)]
pub struct LinkRecurrenceInput {
    pub incident_id: ID,
    pub earlier_incident_id: ID,
}

#[derive(InputObject)]
pub struct AddIncidentParticipantInput {
    pub incident_id: ID,
    pub user_id: ID,
}

#[derive(SimpleObject)]
pub struct IncidentPayload {
    pub incident: Incident,
}

#[derive(SimpleObject)]
pub struct PostUpdatePayload {
    pub incident: Incident,
    pub update: StatusUpdate,
}

fn payload(row: incident::Model) -> IncidentPayload {
    IncidentPayload {
        incident: Incident(row),
    }
}

#[derive(Default)]
pub struct IncidentMutation;

/// Responders and above; restricted incidents only for those who can see them.
#[Object]
impl IncidentMutation {
    /// Declares an incident in one call: a title and a severity are enough.
    async fn declare_incident(
        &self,
        ctx: &Context<'_>,
        input: DeclareIncidentInput,
    ) -> Result<IncidentPayload> {
        let row = incidents::declare(
            service_ctx(ctx),
            Declare {
                title: input.title,
                severity: Some(input.severity),
                public_title: input.public_title,
                description: input.description,
                service_id: input.service_id.map(|i| i.0),
                team_id: input.team_id.map(|i| i.0),
                started_at: input.started_at,
                detected_at: input.detected_at,
                customer_impact: input.customer_impact,
                restricted: input.restricted,
                commander_id: input.commander_id.map(|i| i.0),
                idempotency_key: input.idempotency_key,
            },
        )
        .await?;
        Ok(payload(row))
    }

    async fn update_incident(
        &self,
        ctx: &Context<'_>,
        input: UpdateIncidentInput,
    ) -> Result<IncidentPayload> {
        let changes = Changes {
            title: input.title,
            public_title: change(input.public_title, |v| v),
            description: change(input.description, |v| v),
            service_id: change(input.service_id, |v| v.0),
            team_id: change(input.team_id, |v| v.0),
            customer_impact: input.customer_impact,
            started_at: input.started_at,
            detected_at: input.detected_at,
        };
        Ok(payload(
            incidents::update(service_ctx(ctx), &input.incident_id, changes).await?,
        ))
    }

    /// Sets acknowledged-at, once.
    async fn acknowledge_incident(
        &self,
        ctx: &Context<'_>,
        input: IncidentIdInput,
    ) -> Result<IncidentPayload> {
        Ok(payload(
            incidents::acknowledge(service_ctx(ctx), &input.incident_id).await?,
        ))
    }

    async fn change_severity(
        &self,
        ctx: &Context<'_>,
        input: ChangeSeverityInput,
    ) -> Result<IncidentPayload> {
        Ok(payload(
            incidents::change_severity(
                service_ctx(ctx),
                &input.incident_id,
                input.severity,
                &input.reason,
            )
            .await?,
        ))
    }

    async fn assign_role(
        &self,
        ctx: &Context<'_>,
        input: AssignRoleInput,
    ) -> Result<IncidentPayload> {
        Ok(payload(
            incidents::assign_role(
                service_ctx(ctx),
                &input.incident_id,
                input.role,
                &input.user_id,
                input.acknowledge_commander_is_tech_lead,
            )
            .await?,
        ))
    }

    /// Posts a status update and sets the next-update deadline from the severity's cadence.
    async fn post_update(
        &self,
        ctx: &Context<'_>,
        input: PostUpdateInput,
    ) -> Result<PostUpdatePayload> {
        let (row, update) = incidents::post_update(
            service_ctx(ctx),
            &input.incident_id,
            &input.message,
            input.status,
            input.public,
        )
        .await?;
        Ok(PostUpdatePayload {
            incident: Incident(row),
            update: StatusUpdate(update),
        })
    }

    /// Logs a decision, an action taken or a note in the timeline.
    async fn log_event(&self, ctx: &Context<'_>, input: LogEventInput) -> Result<IncidentPayload> {
        let kind = match input.kind {
            LogEventKind::Decision => TimelineKind::Decision,
            LogEventKind::ActionTaken => TimelineKind::ActionTaken,
            LogEventKind::Note => TimelineKind::Note,
        };
        Ok(payload(
            incidents::log_event(service_ctx(ctx), &input.incident_id, kind, &input.message)
                .await?,
        ))
    }

    /// Sets mitigated-at and the status MONITORING.
    async fn mark_mitigated(
        &self,
        ctx: &Context<'_>,
        input: IncidentIdInput,
    ) -> Result<IncidentPayload> {
        Ok(payload(
            incidents::mark_mitigated(service_ctx(ctx), &input.incident_id).await?,
        ))
    }

    /// The only way to RESOLVED.
    async fn resolve_incident(
        &self,
        ctx: &Context<'_>,
        input: ResolveIncidentInput,
    ) -> Result<IncidentPayload> {
        Ok(payload(
            incidents::resolve(
                service_ctx(ctx),
                &input.incident_id,
                &input.summary,
                input.false_alarm,
            )
            .await?,
        ))
    }

    /// Back to INVESTIGATING, with a reason.
    async fn reopen_incident(
        &self,
        ctx: &Context<'_>,
        input: ReopenIncidentInput,
    ) -> Result<IncidentPayload> {
        Ok(payload(
            incidents::reopen(service_ctx(ctx), &input.incident_id, &input.reason).await?,
        ))
    }

    /// Closes this incident as a duplicate of an earlier one.
    async fn mark_duplicate(
        &self,
        ctx: &Context<'_>,
        input: MarkDuplicateInput,
    ) -> Result<IncidentPayload> {
        Ok(payload(
            incidents::mark_duplicate(service_ctx(ctx), &input.incident_id, &input.of_incident_id)
                .await?,
        ))
    }

    /// Links this incident to an earlier one it repeats.
    async fn link_recurrence(
        &self,
        ctx: &Context<'_>,
        input: LinkRecurrenceInput,
    ) -> Result<IncidentPayload> {
        Ok(payload(
            incidents::link_recurrence(
                service_ctx(ctx),
                &input.incident_id,
                &input.earlier_incident_id,
            )
            .await?,
        ))
    }

    /// Adds a person to the incident; for a restricted one, this lets them see it.
    async fn add_incident_participant(
        &self,
        ctx: &Context<'_>,
        input: AddIncidentParticipantInput,
    ) -> Result<IncidentPayload> {
        Ok(payload(
            incidents::add_participant(service_ctx(ctx), &input.incident_id, &input.user_id)
                .await?,
        ))
    }
}
