//! Paging over GraphQL: alerts and pages, the responder's actions, escalation policies and
//! the people the severity policy names.

pub mod integrations;
pub mod report;
pub mod settings;

use crate::graphql::connection::{ListConnection, NodeSelection, from_page};
use crate::graphql::context::service_ctx;
use crate::graphql::cost::{LIST_CAP, STATEMENT};
use crate::graphql::loaders::{Loaders, user_object};
use crate::graphql::objects::{Incident, Team, User};
use crate::services::pagination::PageRequest;
use crate::services::paging::alerts::{self, Filter};
use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{Severity, alert, page};

fn loaders<'a>(ctx: &Context<'a>) -> &'a Loaders {
    ctx.data_unchecked::<Loaders>()
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum AlertStatus {
    Triggered,
    Acknowledged,
    Resolved,
}

impl AlertStatus {
    fn of(s: &str) -> AlertStatus {
        match s {
            "acknowledged" => AlertStatus::Acknowledged,
            "resolved" => AlertStatus::Resolved,
            _ => AlertStatus::Triggered,
        }
    }
    fn stored(self) -> &'static str {
        match self {
            AlertStatus::Triggered => "triggered",
            AlertStatus::Acknowledged => "acknowledged",
            AlertStatus::Resolved => "resolved",
        }
    }
}

/// Something that needs a human. It pages one person per target of its policy and
/// escalates as one; acknowledging any of its pages acknowledges it.
pub struct Alert(pub alert::Model);

#[Object]
impl Alert {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn version(&self) -> i32 {
        self.0.version
    }
    async fn team(&self, ctx: &Context<'_>) -> Result<Option<Team>> {
        match self.0.team_id {
            Some(t) => Ok(loaders(ctx).teams.load_one(t).await?.map(Team)),
            None => Ok(None),
        }
    }
    /// An integration's name, `manual` (triggerPage) or `incident`.
    async fn source(&self) -> &str {
        &self.0.source
    }
    /// Its name at the source (Alertmanager's alertname).
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn summary(&self) -> &str {
        &self.0.summary
    }
    async fn severity(&self) -> Severity {
        self.0.severity
    }
    async fn status(&self) -> AlertStatus {
        AlertStatus::of(&self.0.status)
    }
    /// Its position in the escalation policy (repeats included), 0 first.
    async fn escalation_position(&self) -> i32 {
        self.0.position
    }
    /// Nobody could be paged, not even a fallback: someone must take it.
    async fn unrouted(&self) -> bool {
        self.0.unrouted
    }
    async fn incident(&self, ctx: &Context<'_>) -> Result<Option<Incident>> {
        match self.0.incident_id {
            Some(i) => Ok(loaders(ctx)
                .visible_incidents
                .load_one(i)
                .await?
                .flatten()
                .map(Incident)),
            None => Ok(None),
        }
    }
    /// Its pages, oldest first (at most 100).
    #[graphql(complexity = "LIST_CAP * child_complexity")]
    async fn pages(&self, ctx: &Context<'_>) -> Result<Vec<Page>> {
        Ok(loaders(ctx)
            .alert_pages
            .load_one(self.0.id)
            .await?
            .unwrap_or_default()
            .into_iter()
            .take(LIST_CAP)
            .map(Page)
            .collect())
    }
    async fn snoozed_until(&self) -> Option<DateTime<Utc>> {
        self.0.snoozed_until
    }
    async fn acknowledged_at(&self) -> Option<DateTime<Utc>> {
        self.0.acknowledged_at
    }
    async fn acknowledged_by(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        user_object(ctx, self.0.acknowledged_by).await
    }
    async fn resolved_at(&self) -> Option<DateTime<Utc>> {
        self.0.resolved_at
    }
    /// Null when it resolved on its own (its source said so).
    async fn resolved_by(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        user_object(ctx, self.0.resolved_by).await
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// One notification of one person about an alert.
pub struct Page(pub page::Model);

#[Object]
impl Page {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn user(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        user_object(ctx, Some(self.0.user_id)).await
    }
    /// Why this person: `on_call`, `team_leads`, `engineering_lead`, `vp_engineering`,
    /// `person:<id>`, `admins`, `fallback:<target>` when the targets reached nobody,
    /// `reassigned`, `snooze_ended`.
    async fn via(&self) -> &str {
        &self.0.via
    }
    async fn escalation_position(&self) -> i32 {
        self.0.position
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When the alert escalates if nobody acknowledges.
    async fn acknowledge_by(&self) -> DateTime<Utc> {
        self.0.acknowledge_by
    }
    async fn acknowledged_at(&self) -> Option<DateTime<Utc>> {
        self.0.acknowledged_at
    }
    async fn alert(&self, ctx: &Context<'_>) -> Result<Option<Alert>> {
        Ok(loaders(ctx)
            .alerts
            .load_one(self.0.alert_id)
            .await?
            .map(Alert))
    }
}

/// Loads what a page of alerts is asked for (teams, incidents, pages and their people),
/// one statement each, and primes the request's loaders with it: a page costs the same
/// number of statements whatever its size and however the loaders would batch. `under`
/// is where the alerts sit below the page's nodes (`["alert"]` on a page of pages).
async fn prefetch(ctx: &Context<'_>, rows: &[alert::Model], under: &[&'static str]) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let nodes = NodeSelection::of(ctx);
    let path =
        |f: &[&'static str]| -> Vec<&'static str> { under.iter().chain(f).copied().collect() };
    let wants = |f: &'static str| nodes.wants(&path(&[f]));
    let db = &crate::graphql::context::data(ctx).db;
    let cache = loaders(ctx);
    cache
        .alerts
        .feed_many(rows.iter().map(|a| (a.id, a.clone())))
        .await;
    let ids: Vec<uuid::Uuid> = rows.iter().map(|a| a.id).collect();
    if wants("team") {
        let teams: Vec<uuid::Uuid> = rows.iter().filter_map(|a| a.team_id).collect();
        crate::graphql::loaders::prime_teams(ctx, &teams).await?;
    }
    if wants("incident") {
        let incidents: Vec<uuid::Uuid> = rows.iter().filter_map(|a| a.incident_id).collect();
        crate::graphql::loaders::prime_visible_incidents(ctx, &incidents).await?;
    }
    if wants("pages") {
        let pages = alerts::pages_of(db, &ids).await?;
        if nodes.wants(&path(&["pages", "user"])) {
            let users: Vec<uuid::Uuid> = pages.iter().map(|p| p.user_id).collect();
            crate::graphql::loaders::prime_users(ctx, &users).await?;
        }
        let grouped = crate::graphql::loaders::with_empty(
            &ids,
            crate::graphql::loaders::group(pages, |p| p.alert_id),
        );
        cache.alert_pages.feed_many(grouped).await;
    }
    Ok(())
}

#[derive(InputObject, Default)]
pub struct AlertFilterInput {
    pub team_id: Option<ID>,
    pub statuses: Option<Vec<AlertStatus>>,
    pub unrouted: Option<bool>,
}

#[derive(Default)]
pub struct PagingQuery;

#[Object]
impl PagingQuery {
    #[graphql(complexity = "2 * STATEMENT + child_complexity")]
    async fn alert(&self, ctx: &Context<'_>, id: ID) -> Result<Alert> {
        Ok(Alert(alerts::get(service_ctx(ctx), &id).await?))
    }

    /// Newest first; alerts about restricted incidents only for those who may see them.
    #[graphql(complexity = "STATEMENT + crate::graphql::cost::page(first) * child_complexity")]
    async fn alerts(
        &self,
        ctx: &Context<'_>,
        filter: Option<AlertFilterInput>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<ListConnection<Alert>> {
        let page = PageRequest::new(first, after.as_deref())?;
        let f = filter.unwrap_or_default();
        let filter = Filter {
            team_id: f.team_id.map(|t| t.0),
            statuses: f
                .statuses
                .unwrap_or_default()
                .into_iter()
                .map(|s| s.stored().to_owned())
                .collect(),
            unrouted: f.unrouted,
        };
        let result = alerts::list(service_ctx(ctx), &filter, &page).await?;
        prefetch(ctx, &result.items, &[]).await?;
        Ok(from_page(
            result,
            page.after.is_some(),
            |a| a.id.to_string(),
            Alert,
        ))
    }

    /// The caller's pages, newest first.
    #[graphql(complexity = "2 * STATEMENT + crate::graphql::cost::page(first) * child_complexity")]
    async fn my_pages(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<ListConnection<Page>> {
        let page = PageRequest::new(first, after.as_deref())?;
        let result = alerts::my_pages(service_ctx(ctx), &page).await?;
        if NodeSelection::of(ctx).wants(&["alert"]) {
            // Their alerts by id, not joined to the pages: sea-orm reads a join's columns by
            // prefixed names, which cost more than the extra statement (a page of 50 on
            // SQLite: 1,086 → 1,205 req/s, six alternating runs).
            let ids: Vec<uuid::Uuid> = result.items.iter().map(|p| p.alert_id).collect();
            let rows = alerts::by_ids(&crate::graphql::context::data(ctx).db, &ids).await?;
            prefetch(ctx, &rows, &["alert"]).await?;
        }
        Ok(from_page(
            result,
            page.after.is_some(),
            |p| p.id.to_string(),
            Page,
        ))
    }
}

#[derive(InputObject)]
pub struct TriggerPageInput {
    pub team_id: ID,
    pub summary: String,
    pub severity: Severity,
}

#[derive(InputObject)]
pub struct AlertIdInput {
    pub alert_id: ID,
}

#[derive(InputObject)]
pub struct ReassignAlertInput {
    pub alert_id: ID,
    pub user_id: ID,
}

#[derive(InputObject)]
pub struct SnoozeAlertInput {
    pub alert_id: ID,
    /// When it triggers again.
    pub until: DateTime<Utc>,
}

#[derive(InputObject)]
pub struct DeclareIncidentFromAlertInput {
    pub alert_id: ID,
    /// Default: the alert's summary.
    pub title: Option<String>,
}

#[derive(SimpleObject)]
pub struct AlertPayload {
    pub alert: Alert,
}

#[derive(SimpleObject)]
pub struct IncidentFromAlertPayload {
    pub incident: Incident,
}

fn payload(a: alert::Model) -> AlertPayload {
    AlertPayload { alert: Alert(a) }
}

#[derive(Default)]
pub struct PagingMutation;

/// Responders and above.
#[Object]
impl PagingMutation {
    /// Pages a team now (what a chat `/page` command calls): its severity's targets.
    async fn trigger_page(
        &self,
        ctx: &Context<'_>,
        input: TriggerPageInput,
    ) -> Result<AlertPayload> {
        Ok(payload(
            alerts::trigger(
                service_ctx(ctx),
                &input.team_id,
                &input.summary,
                input.severity,
            )
            .await?,
        ))
    }
    async fn acknowledge_alert(
        &self,
        ctx: &Context<'_>,
        input: AlertIdInput,
    ) -> Result<AlertPayload> {
        Ok(payload(
            alerts::acknowledge(service_ctx(ctx), &input.alert_id).await?,
        ))
    }
    async fn resolve_alert(&self, ctx: &Context<'_>, input: AlertIdInput) -> Result<AlertPayload> {
        Ok(payload(
            alerts::resolve(service_ctx(ctx), &input.alert_id).await?,
        ))
    }
    /// Escalates now, to the next step of the team's policy.
    async fn escalate_alert(&self, ctx: &Context<'_>, input: AlertIdInput) -> Result<AlertPayload> {
        Ok(payload(
            alerts::escalate(service_ctx(ctx), &input.alert_id).await?,
        ))
    }
    /// Pages a named person about it.
    async fn reassign_alert(
        &self,
        ctx: &Context<'_>,
        input: ReassignAlertInput,
    ) -> Result<AlertPayload> {
        Ok(payload(
            alerts::reassign(service_ctx(ctx), &input.alert_id, &input.user_id).await?,
        ))
    }
    /// Acknowledged until `until`, then triggered again.
    async fn snooze_alert(
        &self,
        ctx: &Context<'_>,
        input: SnoozeAlertInput,
    ) -> Result<AlertPayload> {
        Ok(payload(
            alerts::snooze(service_ctx(ctx), &input.alert_id, input.until).await?,
        ))
    }
    /// Turns the alert into an incident: its team, severity and summary, linked.
    async fn declare_incident_from_alert(
        &self,
        ctx: &Context<'_>,
        input: DeclareIncidentFromAlertInput,
    ) -> Result<IncidentFromAlertPayload> {
        let row = alerts::declare_incident(service_ctx(ctx), &input.alert_id, input.title).await?;
        Ok(IncidentFromAlertPayload {
            incident: Incident(row),
        })
    }
}
