//! Postmortems and action items over GraphQL.

use super::connection::{ListConnection, from_page};
use super::context::{data, request, service_ctx};
use super::incident::Incident;
use super::input::change;
use super::loaders::{Loaders, with_none};
use super::user::User;
use crate::services::ServiceError;
use crate::services::action_items::{self, Changes, Filter, NewItem};
use crate::services::pagination::PageRequest;
use crate::services::postmortems::{self, Fields};
use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{ActionItemStatus, PostmortemStatus, Priority, Visibility, action_item, postmortem};
use scheduler::domain::postmortem as rules;
use scheduler::domain::templates::human_duration;
use tokio::sync::OnceCell;

fn loaders<'a>(ctx: &Context<'a>) -> &'a Loaders {
    ctx.data_unchecked::<Loaders>()
}

/// A postmortem as GraphQL shows it. The incident and the merged timeline are read at most
/// once per object, however many fields need them.
pub struct Postmortem {
    row: postmortem::Model,
    incident: OnceCell<entity::incident::Model>,
    timeline: OnceCell<Vec<rules::Line>>,
}

impl Postmortem {
    pub fn new(row: postmortem::Model) -> Self {
        Self {
            row,
            incident: OnceCell::new(),
            timeline: OnceCell::new(),
        }
    }
}

/// Impact, with the duration computed from the incident's timestamps.
#[derive(SimpleObject)]
pub struct PostmortemImpact {
    /// Seconds from impact start to resolution.
    pub duration_seconds: Option<i32>,
    /// The same, for people ("1 h 25 min").
    pub duration: Option<String>,
    pub users_affected: String,
    pub business_impact: String,
}

/// One line of the postmortem's timeline (UTC).
#[derive(SimpleObject)]
pub struct PostmortemTimelineLine {
    /// Pass this to `editPostmortemTimelineEntry`: the incident log entry's id, or the
    /// added line's id.
    pub entry_id: ID,
    pub at: DateTime<Utc>,
    pub text: String,
    /// Hidden lines are left out of the Markdown.
    pub hidden: bool,
    /// Whether the line was corrected or added in the postmortem (the incident log keeps
    /// the original).
    pub edited: bool,
    /// Whether the line comes from the incident log.
    pub from_incident_log: bool,
}

impl Postmortem {
    async fn incident_row(&self, ctx: &Context<'_>) -> Result<&entity::incident::Model> {
        self.incident
            .get_or_try_init(|| async {
                // Through the request's loader: a list of postmortems (or of action items)
                // reads their incidents in one statement.
                loaders(ctx)
                    .visible_incidents
                    .load_one(self.row.incident_id)
                    .await?
                    .flatten()
                    .ok_or_else(|| ServiceError::NotFound("incident").into())
            })
            .await
    }

    async fn lines(&self, ctx: &Context<'_>) -> Result<&Vec<rules::Line>> {
        self.timeline
            .get_or_try_init(|| async {
                postmortems::timeline(service_ctx(ctx), &self.row)
                    .await
                    .map_err(async_graphql::Error::from)
            })
            .await
    }
}

#[Object]
impl Postmortem {
    async fn id(&self) -> ID {
        ID(self.row.id.to_string())
    }
    /// Every change passes the version it was made against (`expectedVersion`).
    async fn version(&self) -> i32 {
        self.row.version
    }
    async fn incident(&self, ctx: &Context<'_>) -> Result<Incident> {
        Ok(Incident(self.incident_row(ctx).await?.clone()))
    }
    async fn status(&self) -> PostmortemStatus {
        self.row.status
    }
    async fn visibility(&self) -> Visibility {
        self.row.visibility
    }
    /// Suggested for significant incidents: 30 minutes of downtime or more.
    async fn public_suggested(&self, ctx: &Context<'_>) -> Result<bool> {
        let i = self.incident_row(ctx).await?;
        Ok(rules::public_suggested(rules::downtime(
            i.started_at,
            i.resolved_at,
        )))
    }
    /// Resolution (first resolution, kept across reopening) plus the organization's
    /// postmortem hours (48 by default).
    async fn due_at(&self) -> DateTime<Utc> {
        self.row.due_at
    }
    /// Not published and past its deadline.
    async fn is_overdue(&self, ctx: &Context<'_>) -> bool {
        rules::is_overdue(self.row.status, self.row.due_at, request(ctx).now)
    }
    /// Once published: whether it was published by its deadline.
    async fn published_on_time(&self) -> Option<bool> {
        rules::on_time(self.row.published_at, self.row.due_at)
    }
    async fn summary(&self) -> &str {
        &self.row.summary
    }
    /// The timeline (UTC) from the incident log with this postmortem's corrections (at
    /// most 500 lines; the Markdown has them all).
    #[graphql(complexity = "crate::graphql::cost::TIMELINE_LINES_CAP * child_complexity")]
    async fn timeline(&self, ctx: &Context<'_>) -> Result<Vec<PostmortemTimelineLine>> {
        let lines = self.lines(ctx).await?;
        Ok(lines
            .iter()
            .take(crate::graphql::cost::TIMELINE_LINES_CAP)
            .map(|l| PostmortemTimelineLine {
                entry_id: ID(l
                    .edit
                    .filter(|_| l.source.is_none())
                    .or(l.source)
                    .unwrap_or_default()
                    .to_string()),
                at: l.at,
                text: l.text.clone(),
                hidden: l.hidden,
                edited: l.edit.is_some(),
                from_incident_log: l.source.is_some(),
            })
            .collect())
    }
    async fn impact(&self, ctx: &Context<'_>) -> Result<PostmortemImpact> {
        let i = self.incident_row(ctx).await?;
        let d = rules::downtime(i.started_at, i.resolved_at);
        Ok(PostmortemImpact {
            duration_seconds: d.map(|d| scheduler::domain::instant::graphql_int(d.num_seconds())),
            duration: d.map(human_duration),
            users_affected: self.row.users_affected.clone(),
            business_impact: self.row.business_impact.clone(),
        })
    }
    async fn root_cause(&self) -> &str {
        &self.row.root_cause
    }
    async fn contributing_factors(&self) -> &str {
        &self.row.contributing_factors
    }
    async fn went_well(&self) -> &str {
        &self.row.went_well
    }
    async fn went_poorly(&self) -> &str {
        &self.row.went_poorly
    }
    /// What we are doing about it (shown publicly when the postmortem is public).
    async fn remediation(&self) -> &str {
        &self.row.remediation
    }
    /// The postmortem's action items, by due date (at most 100).
    #[graphql(complexity = "crate::graphql::cost::LIST_CAP * child_complexity")]
    async fn action_items(&self, ctx: &Context<'_>) -> Result<Vec<ActionItem>> {
        let rows = loaders(ctx)
            .action_items
            .load_one(self.row.id)
            .await?
            .unwrap_or_default();
        Ok(rows
            .into_iter()
            .take(crate::graphql::cost::LIST_CAP)
            .map(ActionItem)
            .collect())
    }
    async fn submitted_at(&self) -> Option<DateTime<Utc>> {
        self.row.submitted_at
    }
    async fn submitted_by(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        user(ctx, self.row.submitted_by).await
    }
    async fn published_at(&self) -> Option<DateTime<Utc>> {
        self.row.published_at
    }
    async fn published_by(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        user(ctx, self.row.published_by).await
    }
    /// When every action item became DONE or WONT_DO (null while any is open).
    async fn loop_closed_at(&self) -> Option<DateTime<Utc>> {
        self.row.loop_closed_at
    }
    /// The whole document as Markdown, in template order, for sharing.
    async fn markdown(&self, ctx: &Context<'_>) -> Result<String> {
        let i = self.incident_row(ctx).await?;
        let lines = self.lines(ctx).await?;
        let items = loaders(ctx)
            .action_items
            .load_one(self.row.id)
            .await?
            .unwrap_or_default();
        let owners = loaders(ctx)
            .users
            .load_many(items.iter().map(|a| a.owner_id))
            .await?;
        let item_lines: Vec<rules::ActionItemLine<'_>> = items
            .iter()
            .map(|a| rules::ActionItemLine {
                title: &a.title,
                owner: owners
                    .get(&a.owner_id)
                    .map_or("unknown", |u| u.name.as_str()),
                due: a.due_at,
                priority: a.priority,
                status: a.status,
            })
            .collect();
        Ok(rules::markdown(&rules::Document {
            title: &i.title,
            severity: i.highest_severity.as_str(),
            started: i.started_at,
            resolved: i.resolved_at,
            status: self.row.status,
            summary: &self.row.summary,
            timeline: lines,
            users_affected: &self.row.users_affected,
            business_impact: &self.row.business_impact,
            root_cause: &self.row.root_cause,
            contributing_factors: &self.row.contributing_factors,
            went_well: &self.row.went_well,
            went_poorly: &self.row.went_poorly,
            action_items: &item_lines,
        }))
    }
}

async fn user(ctx: &Context<'_>, id: Option<uuid::Uuid>) -> Result<Option<User>> {
    match id {
        Some(id) => Ok(loaders(ctx).users.load_one(id).await?.map(User)),
        None => Ok(None),
    }
}

pub struct ActionItem(pub action_item::Model);

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
        user(ctx, Some(self.0.owner_id)).await
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
    async fn postmortem(&self, ctx: &Context<'_>) -> Result<Postmortem> {
        let pm = loaders(ctx)
            .postmortems_by_id
            .load_one(self.0.postmortem_id)
            .await?
            .ok_or(ServiceError::NotFound("postmortem"))?;
        Ok(Postmortem::new(pm))
    }
}

/// Loads what a page of action items is asked for (owners, postmortems and their
/// incidents), one statement each, and primes the request's loaders with it.
async fn prefetch_items(ctx: &Context<'_>, rows: &[action_item::Model]) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let la = ctx.look_ahead();
    let nodes = [la.field("edges").field("node"), la.field("nodes")];
    let wants = |name: &str| nodes.iter().any(|n| n.field(name).exists());
    let db = &data(ctx).db;
    let l = loaders(ctx);
    let owners: Vec<uuid::Uuid> = rows.iter().map(|a| a.owner_id).collect();
    let pm_ids: Vec<uuid::Uuid> = rows.iter().map(|a| a.postmortem_id).collect();
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
    if !pms.is_empty() {
        let incident_ids: Vec<uuid::Uuid> = pms.iter().map(|p| p.incident_id).collect();
        let user = request(ctx).principal.user()?;
        let incidents =
            crate::services::visibility::visible_by_ids(db.conn(), user, &incident_ids).await?;
        l.visible_incidents
            .feed_many(with_none(
                &incident_ids,
                incidents.into_iter().map(|i| (i.id, i)),
            ))
            .await;
    }
    l.users
        .feed_many(users.into_iter().map(|u| (u.id, u)))
        .await;
    l.postmortems_by_id
        .feed_many(pms.into_iter().map(|p| (p.id, p)))
        .await;
    Ok(())
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
}

#[derive(Default)]
pub struct PostmortemQuery;

#[Object]
impl PostmortemQuery {
    #[graphql(complexity = "crate::graphql::cost::STATEMENT + child_complexity")]
    async fn postmortem(&self, ctx: &Context<'_>, id: ID) -> Result<Postmortem> {
        Ok(Postmortem::new(
            postmortems::get(service_ctx(ctx), &id).await?,
        ))
    }

    #[graphql(complexity = "crate::graphql::cost::STATEMENT + child_complexity")]
    async fn action_item(&self, ctx: &Context<'_>, id: ID) -> Result<ActionItem> {
        Ok(ActionItem(action_items::get(service_ctx(ctx), &id).await?))
    }

    /// Action items across postmortems, in creation order.
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

#[derive(InputObject)]
pub struct StartPostmortemInput {
    pub incident_id: ID,
}

#[derive(InputObject)]
pub struct UpdatePostmortemInput {
    pub postmortem_id: ID,
    pub expected_version: i32,
    pub summary: Option<String>,
    pub users_affected: Option<String>,
    pub business_impact: Option<String>,
    pub root_cause: Option<String>,
    pub contributing_factors: Option<String>,
    pub went_well: Option<String>,
    pub went_poorly: Option<String>,
    pub remediation: Option<String>,
}

#[derive(InputObject)]
pub struct PostmortemVersionInput {
    pub postmortem_id: ID,
    pub expected_version: i32,
}

#[derive(InputObject)]
pub struct SetPostmortemVisibilityInput {
    pub postmortem_id: ID,
    pub expected_version: i32,
    pub visibility: Visibility,
}

#[derive(InputObject)]
pub struct AddPostmortemTimelineEntryInput {
    pub postmortem_id: ID,
    pub expected_version: i32,
    pub at: DateTime<Utc>,
    pub text: String,
}

#[derive(InputObject)]
pub struct EditPostmortemTimelineEntryInput {
    pub postmortem_id: ID,
    pub expected_version: i32,
    /// `entryId` of a timeline line.
    pub entry_id: ID,
    pub text: Option<String>,
    pub at: Option<DateTime<Utc>>,
    pub hidden: Option<bool>,
}

#[derive(InputObject)]
pub struct CreateActionItemInput {
    pub postmortem_id: ID,
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
pub struct PostmortemPayload {
    pub postmortem: Postmortem,
}

#[derive(SimpleObject)]
pub struct ActionItemPayload {
    pub action_item: ActionItem,
}

fn pm(row: postmortem::Model) -> PostmortemPayload {
    PostmortemPayload {
        postmortem: Postmortem::new(row),
    }
}

fn item(row: action_item::Model) -> ActionItemPayload {
    ActionItemPayload {
        action_item: ActionItem(row),
    }
}

#[derive(Default)]
pub struct PostmortemMutation;

/// Responders and above. Stale `expectedVersion`s are refused with CONFLICT.
#[Object]
impl PostmortemMutation {
    /// For any resolved incident without one (SEV1/SEV2 get theirs on resolution).
    async fn start_postmortem(
        &self,
        ctx: &Context<'_>,
        input: StartPostmortemInput,
    ) -> Result<PostmortemPayload> {
        Ok(pm(
            postmortems::start(service_ctx(ctx), &input.incident_id).await?
        ))
    }

    async fn update_postmortem(
        &self,
        ctx: &Context<'_>,
        input: UpdatePostmortemInput,
    ) -> Result<PostmortemPayload> {
        let fields = Fields {
            summary: input.summary,
            users_affected: input.users_affected,
            business_impact: input.business_impact,
            root_cause: input.root_cause,
            contributing_factors: input.contributing_factors,
            went_well: input.went_well,
            went_poorly: input.went_poorly,
            remediation: input.remediation,
        };
        Ok(pm(postmortems::update(
            service_ctx(ctx),
            &input.postmortem_id,
            input.expected_version,
            fields,
        )
        .await?))
    }

    async fn add_postmortem_timeline_entry(
        &self,
        ctx: &Context<'_>,
        input: AddPostmortemTimelineEntryInput,
    ) -> Result<PostmortemPayload> {
        Ok(pm(postmortems::add_timeline_entry(
            service_ctx(ctx),
            &input.postmortem_id,
            input.expected_version,
            input.at,
            &input.text,
        )
        .await?))
    }

    /// Corrects or hides a line; the incident's own log is never changed.
    async fn edit_postmortem_timeline_entry(
        &self,
        ctx: &Context<'_>,
        input: EditPostmortemTimelineEntryInput,
    ) -> Result<PostmortemPayload> {
        Ok(pm(postmortems::edit_timeline_entry(
            service_ctx(ctx),
            &input.postmortem_id,
            input.expected_version,
            &input.entry_id,
            input.text,
            input.at,
            input.hidden,
        )
        .await?))
    }

    /// DRAFT → IN_REVIEW.
    async fn submit_postmortem_for_review(
        &self,
        ctx: &Context<'_>,
        input: PostmortemVersionInput,
    ) -> Result<PostmortemPayload> {
        Ok(pm(postmortems::set_status(
            service_ctx(ctx),
            &input.postmortem_id,
            input.expected_version,
            PostmortemStatus::InReview,
        )
        .await?))
    }

    /// IN_REVIEW → DRAFT, for more work.
    async fn return_postmortem_to_draft(
        &self,
        ctx: &Context<'_>,
        input: PostmortemVersionInput,
    ) -> Result<PostmortemPayload> {
        Ok(pm(postmortems::set_status(
            service_ctx(ctx),
            &input.postmortem_id,
            input.expected_version,
            PostmortemStatus::Draft,
        )
        .await?))
    }

    /// IN_REVIEW → PUBLISHED.
    async fn publish_postmortem(
        &self,
        ctx: &Context<'_>,
        input: PostmortemVersionInput,
    ) -> Result<PostmortemPayload> {
        Ok(pm(postmortems::set_status(
            service_ctx(ctx),
            &input.postmortem_id,
            input.expected_version,
            PostmortemStatus::Published,
        )
        .await?))
    }

    /// PUBLIC needs a manager or the incident's Communications Lead.
    async fn set_postmortem_visibility(
        &self,
        ctx: &Context<'_>,
        input: SetPostmortemVisibilityInput,
    ) -> Result<PostmortemPayload> {
        Ok(pm(postmortems::set_visibility(
            service_ctx(ctx),
            &input.postmortem_id,
            input.expected_version,
            input.visibility,
        )
        .await?))
    }

    async fn create_action_item(
        &self,
        ctx: &Context<'_>,
        input: CreateActionItemInput,
    ) -> Result<ActionItemPayload> {
        Ok(item(
            action_items::create(
                service_ctx(ctx),
                NewItem {
                    postmortem_id: input.postmortem_id.0,
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

/// The postmortem of an incident, if it has one.
pub async fn of_incident(ctx: &Context<'_>, incident_id: uuid::Uuid) -> Result<Option<Postmortem>> {
    Ok(loaders(ctx)
        .postmortems
        .load_one(incident_id)
        .await?
        .flatten()
        .map(Postmortem::new))
}
