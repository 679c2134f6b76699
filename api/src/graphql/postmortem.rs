//! Postmortems over GraphQL: the object, `postmortem(id)`, and the mutations that write,
//! review and publish them. Action items are in `action_item`.

use super::connection::{ListConnection, from_page};
use super::context::{request, service_ctx};
use super::loaders::{Loaders, user_object};
use super::objects::{ActionItem, Incident, Postmortem, User};
use crate::services::ServiceError;
use crate::services::pagination::PageRequest;
use crate::services::postmortems::{self, Fields};
use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{PostmortemStatus, Severity, Visibility, postmortem};
use scheduler::domain::postmortem as rules;
use scheduler::domain::templates::human_duration;

fn loaders<'a>(ctx: &Context<'a>) -> &'a Loaders {
    ctx.data_unchecked::<Loaders>()
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
    /// The public version's summary, written for customers (the status page shows only
    /// the public fields; they never fall back to the internal text).
    async fn public_summary(&self) -> &str {
        &self.row.public_summary
    }
    async fn public_impact(&self) -> &str {
        &self.row.public_impact
    }
    async fn public_root_cause(&self) -> &str {
        &self.row.public_root_cause
    }
    async fn public_remediation(&self) -> &str {
        &self.row.public_remediation
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
        user_object(ctx, self.row.submitted_by).await
    }
    async fn published_at(&self) -> Option<DateTime<Utc>> {
        self.row.published_at
    }
    async fn published_by(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        user_object(ctx, self.row.published_by).await
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
        let roles = loaders(ctx)
            .incident_roles
            .load_one(i.id)
            .await?
            .unwrap_or_default();
        let participants = loaders(ctx)
            .participants
            .load_one(i.id)
            .await?
            .unwrap_or_default();
        // Role holders come with their roles; only the other participants are loaded.
        let holders: Vec<uuid::Uuid> = roles.iter().map(|(r, _)| r.user_id).collect();
        let others = participants
            .iter()
            .filter(|p| !holders.contains(&p.user_id));
        let people = loaders(ctx)
            .users
            .load_many(others.clone().map(|p| p.user_id))
            .await?;
        let name = |id: &uuid::Uuid| people.get(id).map_or("unknown", |u| u.name.as_str());
        let mut role_lines: Vec<(entity::IncidentRole, &str)> = roles
            .iter()
            .map(|(r, holder)| {
                (
                    r.role,
                    holder.as_ref().map_or("unknown", |u| u.name.as_str()),
                )
            })
            .collect();
        role_lines.sort_by_key(|(role, _)| *role);
        let others: Vec<&str> = others.map(|p| name(&p.user_id)).collect();
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
            roles: &role_lines,
            participants: &others,
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

    /// The library of past postmortems the caller may see, newest first; filtered by
    /// status, team, service, the incident's highest severity, when the incident started,
    /// and text in its title. At most 100 a page.
    #[graphql(
        complexity = "crate::graphql::cost::STATEMENT + crate::graphql::cost::page(first) * child_complexity"
    )]
    async fn postmortems(
        &self,
        ctx: &Context<'_>,
        filter: Option<PostmortemFilterInput>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<ListConnection<Postmortem>> {
        let page = PageRequest::new(first, after.as_deref())?;
        let f = filter.unwrap_or_default();
        let result = postmortems::list(
            service_ctx(ctx),
            &postmortems::ListFilter {
                statuses: f.statuses.unwrap_or_default(),
                team_id: f.team_id.map(|i| i.0),
                service_id: f.service_id.map(|i| i.0),
                severities: f.severities.unwrap_or_default(),
                from: f.from,
                to: f.to,
                text: f.text,
            },
            &page,
        )
        .await?;
        let incident_ids: Vec<uuid::Uuid> = result.items.iter().map(|p| p.incident_id).collect();
        crate::graphql::loaders::prime_visible_incidents(ctx, &incident_ids).await?;
        Ok(from_page(
            result,
            page.after.is_some(),
            |p| p.id.to_string(),
            Postmortem::new,
        ))
    }
}

#[derive(InputObject, Default)]
pub struct PostmortemFilterInput {
    pub statuses: Option<Vec<PostmortemStatus>>,
    pub team_id: Option<ID>,
    pub service_id: Option<ID>,
    /// The incident's highest severity (the one its postmortem was owed by).
    pub severities: Option<Vec<Severity>>,
    /// The incident started at or after this instant.
    pub from: Option<DateTime<Utc>>,
    /// The incident started before this instant.
    pub to: Option<DateTime<Utc>>,
    /// Text in the incident's title, case-insensitive.
    pub text: Option<String>,
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
    /// The public version, for customers (required before it is made public).
    pub public_summary: Option<String>,
    /// Who and what was affected, in customers' words.
    pub public_impact: Option<String>,
    pub public_root_cause: Option<String>,
    pub public_remediation: Option<String>,
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

#[derive(SimpleObject)]
pub struct PostmortemPayload {
    pub postmortem: Postmortem,
}

fn pm(row: postmortem::Model) -> PostmortemPayload {
    PostmortemPayload {
        postmortem: Postmortem::new(row),
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
            public_summary: input.public_summary,
            public_impact: input.public_impact,
            public_root_cause: input.public_root_cause,
            public_remediation: input.public_remediation,
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
}
