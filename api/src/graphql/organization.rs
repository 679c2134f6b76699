//! The organization, its settings and the audit log.

use super::connection::{ListConnection, from_page};
use super::context::{data, service_ctx};
use super::loaders::Loaders;
use super::schedule::Weekday;
use super::user::User;
use crate::services::audit;
use crate::services::organization::{self, UpdateOrganization};
use crate::services::pagination::PageRequest;
use async_graphql::{Context, ID, InputObject, Json, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{Role, audit_log, organization as org};

pub struct Organization(pub org::Model);

#[Object]
impl Organization {
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// IANA zone used where a user or team has none of its own.
    async fn time_zone(&self) -> &str {
        &self.0.time_zone
    }
    /// Hours after resolution within which a postmortem is due (default 48).
    async fn postmortem_due_hours(&self) -> i32 {
        self.0.postmortem_due_hours
    }
    /// Days an action item may be overdue before the managers of its incident's team are
    /// told as well as its owner.
    async fn action_item_managers_after_days(&self) -> i32 {
        self.0.action_item_managers_after_days
    }
    /// Whether managers get the weekly digest of their teams' last week.
    async fn digest_enabled(&self) -> bool {
        self.0.digest_enabled
    }
    /// The day the weekly digest is sent, in the organization's time zone.
    async fn digest_weekday(&self) -> Weekday {
        organization::digest_weekday(&self.0).into()
    }
    /// The hour (0 to 23) the weekly digest is sent, in the organization's time zone.
    async fn digest_hour(&self) -> i32 {
        i32::from(self.0.digest_hour)
    }
    /// Whether the person who submitted a postmortem for review may also publish it
    /// (default false: someone else publishes; small teams may allow it).
    async fn allow_self_publication(&self) -> bool {
        self.0.allow_self_publication
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

/// One administrative change.
pub struct AuditEntry(pub audit_log::Model);

#[Object]
impl AuditEntry {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// Who made the change; null for the local `firebreak token` command.
    async fn actor(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        let Some(id) = self.0.actor_id else {
            return Ok(None);
        };
        let loaders = ctx.data_unchecked::<Loaders>();
        Ok(loaders.users.load_one(id).await?.map(User))
    }
    /// What was done, e.g. `user.role_change`.
    async fn action(&self) -> &str {
        &self.0.action
    }
    async fn target_type(&self) -> &str {
        &self.0.target_type
    }
    async fn target_id(&self) -> &str {
        &self.0.target_id
    }
    async fn before(&self) -> Option<Json<serde_json::Value>> {
        self.0.before.clone().map(Json)
    }
    async fn after(&self) -> Option<Json<serde_json::Value>> {
        self.0.after.clone().map(Json)
    }
    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }
}

#[derive(Default)]
pub struct OrganizationQuery;

#[Object]
impl OrganizationQuery {
    /// The organization and its settings. Readable by every signed-in user.
    #[graphql(complexity = "crate::graphql::cost::STATEMENT + child_complexity")]
    async fn organization(&self, ctx: &Context<'_>) -> Result<Organization> {
        service_ctx(ctx).principal.require(Role::Viewer)?;
        Ok(Organization(organization::get(&data(ctx).db).await?))
    }

    /// Administrative changes, newest first. Admins only.
    #[graphql(
        complexity = "crate::graphql::cost::STATEMENT + crate::graphql::cost::page(first) * child_complexity"
    )]
    async fn audit_log(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<ListConnection<AuditEntry>> {
        let page = PageRequest::new(first, after.as_deref())?;
        let result = audit::list(service_ctx(ctx), &page).await?;
        Ok(from_page(
            result,
            page.after.is_some(),
            |a| a.id.to_string(),
            AuditEntry,
        ))
    }
}

#[derive(InputObject)]
pub struct UpdateOrganizationInput {
    pub name: Option<String>,
    /// IANA zone name.
    pub time_zone: Option<String>,
    /// Hours after resolution within which a postmortem is due (1 to 720).
    pub postmortem_due_hours: Option<i32>,
    /// Let the person who submitted a postmortem for review publish it too.
    pub allow_self_publication: Option<bool>,
    /// Days an action item may be overdue before the managers are told (1 to 365).
    pub action_item_managers_after_days: Option<i32>,
    /// Send managers the weekly digest (default true).
    pub digest_enabled: Option<bool>,
    /// The weekly digest's day (default Monday), in the organization's time zone.
    pub digest_weekday: Option<Weekday>,
    /// The weekly digest's hour, 0 to 23 (default 9), in the organization's time zone.
    pub digest_hour: Option<i32>,
}

#[derive(SimpleObject)]
pub struct UpdateOrganizationPayload {
    pub organization: Organization,
}

#[derive(Default)]
pub struct OrganizationMutation;

#[Object]
impl OrganizationMutation {
    /// Admins only.
    async fn update_organization(
        &self,
        ctx: &Context<'_>,
        input: UpdateOrganizationInput,
    ) -> Result<UpdateOrganizationPayload> {
        let row = organization::update(
            service_ctx(ctx),
            UpdateOrganization {
                name: input.name,
                time_zone: input.time_zone,
                postmortem_due_hours: input.postmortem_due_hours,
                allow_self_publication: input.allow_self_publication,
                action_item_managers_after_days: input.action_item_managers_after_days,
                digest_enabled: input.digest_enabled,
                digest_weekday: input.digest_weekday.map(Into::into),
                digest_hour: input.digest_hour,
            },
        )
        .await?;
        Ok(UpdateOrganizationPayload {
            organization: Organization(row),
        })
    }
}
