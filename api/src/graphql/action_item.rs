//! Action items over GraphQL: the object, `actionItem`, `actionItems`, `myActionItems`
//! (lists prefetch owners, postmortems and incidents), and the mutations.

use super::connection::{ListConnection, NodeSelection, from_page};
use super::context::{data, request, service_ctx};
use super::input::change;
use super::loaders::{Loaders, user_object};
use super::objects::{ActionItem, Incident, Postmortem, User};
use crate::services::ServiceError;
use crate::services::action_items::{self, Changes, Filter, NewItem};
use crate::services::pagination::PageRequest;
use crate::services::postmortems;
use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{ActionItemStatus, Priority, action_item};

fn loaders<'a>(ctx: &Context<'a>) -> &'a Loaders {
    ctx.data_unchecked::<Loaders>()
}

#[Object]
impl ActionItem {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn version(&self) -> i32 {
        self.0.version
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    async fn description(&self) -> &str {
        &self.0.description
    }
    /// Exactly one owner.
    async fn owner(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        user_object(ctx, Some(self.0.owner_id)).await
    }
    async fn due_at(&self) -> DateTime<Utc> {
        self.0.due_at
    }
    async fn priority(&self) -> Priority {
        self.0.priority
    }
    async fn status(&self) -> ActionItemStatus {
        self.0.status
    }
    async fn wont_do_reason(&self) -> Option<&str> {
        self.0.wont_do_reason.as_deref()
    }
    async fn tracker_url(&self) -> Option<&str> {
        self.0.tracker_url.as_deref()
    }
    async fn tracker_key(&self) -> Option<&str> {
        self.0.tracker_key.as_deref()
    }
    async fn completed_at(&self) -> Option<DateTime<Utc>> {
        self.0.completed_at
    }
    /// Open or in progress past its due date, now.
    async fn is_overdue(&self, ctx: &Context<'_>) -> bool {
        !self.0.status.is_closed() && request(ctx).now > self.0.due_at
    }
    /// Every change of the due date, oldest first (at most 100): moving a date that had
    /// already passed still counts as a miss in the metrics.
    #[graphql(complexity = "crate::graphql::cost::LIST_CAP * child_complexity")]
    async fn due_date_changes(&self, ctx: &Context<'_>) -> Result<Vec<DueDateChange>> {
        let rows = loaders(ctx)
            .due_changes
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        Ok(rows
            .into_iter()
            .take(crate::graphql::cost::LIST_CAP)
            .map(DueDateChange)
            .collect())
    }
    /// The incident this item follows up.
    async fn incident(&self, ctx: &Context<'_>) -> Result<Incident> {
        let row = loaders(ctx)
            .visible_incidents
            .load_one(self.0.incident_id)
            .await?
            .flatten()
            .ok_or(ServiceError::NotFound("incident"))?;
        Ok(Incident(row))
    }
    /// The incident's postmortem, once it has one: an item created during the incident
    /// joins the postmortem when it is created.
    async fn postmortem(&self, ctx: &Context<'_>) -> Result<Option<Postmortem>> {
        let Some(id) = self.0.postmortem_id else {
            return Ok(None);
        };
        let pm = loaders(ctx)
            .postmortems_by_id
            .load_one(id)
            .await?
            .ok_or(ServiceError::NotFound("postmortem"))?;
        Ok(Some(Postmortem::new(pm)))
    }
}

/// Loads what a page of action items is asked for (owners, postmortems, incidents), one
/// statement each, and primes the request's loaders with it.
async fn prefetch_items(ctx: &Context<'_>, rows: &[action_item::Model]) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let nodes = NodeSelection::of(ctx);
    let wants = |name: &str| nodes.wants(&[name]);
    let db = &data(ctx).db;
    let cache = loaders(ctx);
    let owners: Vec<uuid::Uuid> = rows.iter().map(|a| a.owner_id).collect();
    let pm_ids: Vec<uuid::Uuid> = rows.iter().filter_map(|a| a.postmortem_id).collect();
    let (users, pms) = tokio::try_join!(
        async {
            if wants("owner") {
                crate::services::users::by_ids(db, &owners).await
            } else {
                Ok(vec![])
            }
        },
        async {
            if wants("postmortem") {
                postmortems::by_ids(db, &pm_ids).await
            } else {
                Ok(vec![])
            }
        },
    )?;
    if wants("postmortem") || wants("incident") {
        let incident_ids: Vec<uuid::Uuid> = rows.iter().map(|a| a.incident_id).collect();
        crate::graphql::loaders::prime_visible_incidents(ctx, &incident_ids).await?;
    }
    cache
        .users
        .feed_many(users.into_iter().map(|u| (u.id, u)))
        .await;
    cache
        .postmortems_by_id
        .feed_many(pms.into_iter().map(|p| (p.id, p)))
        .await;
    Ok(())
}

/// One change of an action item's due date.
pub struct DueDateChange(entity::action_item_due_change::Model);

#[Object]
impl DueDateChange {
    async fn from(&self) -> DateTime<Utc> {
        self.0.from_due
    }
    async fn to(&self) -> DateTime<Utc> {
        self.0.to_due
    }
    async fn changed_at(&self) -> DateTime<Utc> {
        self.0.changed_at
    }
    async fn changed_by(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        user_object(ctx, Some(self.0.changed_by)).await
    }
}

#[derive(InputObject, Default)]
pub struct ActionItemFilterInput {
    pub owner_id: Option<ID>,
    /// The team of the incident the item follows up.
    pub team_id: Option<ID>,
    pub statuses: Option<Vec<ActionItemStatus>>,
    pub priorities: Option<Vec<Priority>>,
    /// Only items still open or in progress whose due date is before this instant.
    pub overdue_at: Option<DateTime<Utc>>,
    pub postmortem_id: Option<ID>,
    /// Items following up this incident, with or without a postmortem yet.
    pub incident_id: Option<ID>,
}

#[derive(Default)]
pub struct ActionItemQuery;

#[Object]
impl ActionItemQuery {
    #[graphql(complexity = "crate::graphql::cost::STATEMENT + child_complexity")]
    async fn action_item(&self, ctx: &Context<'_>, id: ID) -> Result<ActionItem> {
        Ok(ActionItem(action_items::get(service_ctx(ctx), &id).await?))
    }

    /// Action items across incidents, in creation order.
    #[graphql(
        complexity = "crate::graphql::cost::STATEMENT + crate::graphql::cost::page(first) * child_complexity"
    )]
    async fn action_items(
        &self,
        ctx: &Context<'_>,
        filter: Option<ActionItemFilterInput>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<ListConnection<ActionItem>> {
        let page = PageRequest::new(first, after.as_deref())?;
        let f = filter.unwrap_or_default();
        let filter = Filter {
            owner_id: f.owner_id.map(|i| i.0),
            team_id: f.team_id.map(|i| i.0),
            statuses: f.statuses.unwrap_or_default(),
            priorities: f.priorities.unwrap_or_default(),
            overdue_at: f.overdue_at,
            postmortem_id: f.postmortem_id.map(|i| i.0),
            incident_id: f.incident_id.map(|i| i.0),
        };
        let result = action_items::list(service_ctx(ctx), &filter, &page).await?;
        prefetch_items(ctx, &result.items).await?;
        Ok(from_page(
            result,
            page.after.is_some(),
            |a| a.id.to_string(),
            ActionItem,
        ))
    }

    /// The caller's action items, in creation order.
    #[graphql(
        complexity = "crate::graphql::cost::STATEMENT + crate::graphql::cost::page(first) * child_complexity"
    )]
    async fn my_action_items(
        &self,
        ctx: &Context<'_>,
        statuses: Option<Vec<ActionItemStatus>>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<ListConnection<ActionItem>> {
        let s = service_ctx(ctx);
        let me = s.principal.user()?;
        let page = PageRequest::new(first, after.as_deref())?;
        let filter = Filter {
            owner_id: Some(me.id.to_string()),
            statuses: statuses.unwrap_or_default(),
            ..Default::default()
        };
        let result = action_items::list(s, &filter, &page).await?;
        prefetch_items(ctx, &result.items).await?;
        Ok(from_page(
            result,
            page.after.is_some(),
            |a| a.id.to_string(),
            ActionItem,
        ))
    }
}

/// An item follows up an incident: name the incident (work found while it is being
/// handled) or its postmortem, or both (then the postmortem must be the incident's;
/// otherwise `ACTION_ITEM_TARGET`). It joins the incident's postmortem when there is one.
#[derive(InputObject)]
pub struct CreateActionItemInput {
    pub incident_id: Option<ID>,
    pub postmortem_id: Option<ID>,
    pub title: String,
    #[graphql(default)]
    pub description: String,
    /// Exactly one owner.
    pub owner_id: ID,
    pub due_at: DateTime<Utc>,
    pub priority: Priority,
    pub tracker_url: Option<String>,
    pub tracker_key: Option<String>,
}

#[derive(InputObject)]
pub struct UpdateActionItemInput {
    pub action_item_id: ID,
    pub expected_version: i32,
    pub title: Option<String>,
    pub description: Option<String>,
    pub owner_id: Option<ID>,
    pub due_at: Option<DateTime<Utc>>,
    pub priority: Option<Priority>,
    pub status: Option<ActionItemStatus>,
    /// Required with WONT_DO.
    pub wont_do_reason: Option<String>,
    pub tracker_url: MaybeUndefined<String>,
    pub tracker_key: MaybeUndefined<String>,
}

#[derive(InputObject)]
pub struct CompleteActionItemInput {
    pub action_item_id: ID,
    pub expected_version: i32,
}

#[derive(SimpleObject)]
pub struct ActionItemPayload {
    pub action_item: ActionItem,
}

fn item(row: action_item::Model) -> ActionItemPayload {
    ActionItemPayload {
        action_item: ActionItem(row),
    }
}

#[derive(Default)]
pub struct ActionItemMutation;

/// Responders and above. Stale `expectedVersion`s are refused with CONFLICT.
#[Object]
impl ActionItemMutation {
    async fn create_action_item(
        &self,
        ctx: &Context<'_>,
        input: CreateActionItemInput,
    ) -> Result<ActionItemPayload> {
        Ok(item(
            action_items::create(
                service_ctx(ctx),
                NewItem {
                    incident_id: input.incident_id.map(|i| i.0),
                    postmortem_id: input.postmortem_id.map(|i| i.0),
                    title: input.title,
                    description: input.description,
                    owner_id: input.owner_id.0,
                    due_at: input.due_at,
                    priority: input.priority,
                    tracker_url: input.tracker_url,
                    tracker_key: input.tracker_key,
                },
            )
            .await?,
        ))
    }

    async fn update_action_item(
        &self,
        ctx: &Context<'_>,
        input: UpdateActionItemInput,
    ) -> Result<ActionItemPayload> {
        let changes = Changes {
            title: input.title,
            description: input.description,
            owner_id: input.owner_id.map(|i| i.0),
            due_at: input.due_at,
            priority: input.priority,
            status: input.status,
            wont_do_reason: input.wont_do_reason,
            tracker_url: change(input.tracker_url, |v| v),
            tracker_key: change(input.tracker_key, |v| v),
        };
        Ok(item(
            action_items::update(
                service_ctx(ctx),
                &input.action_item_id,
                input.expected_version,
                changes,
            )
            .await?,
        ))
    }

    /// Marks the item DONE.
    async fn complete_action_item(
        &self,
        ctx: &Context<'_>,
        input: CompleteActionItemInput,
    ) -> Result<ActionItemPayload> {
        Ok(item(
            action_items::complete(
                service_ctx(ctx),
                &input.action_item_id,
                input.expected_version,
            )
            .await?,
        ))
    }
}
