//! Teams, their members and managers.

use super::connection::{ListConnection, from_page};
use super::context::service_ctx;
use super::input::change;
use super::loaders::Loaders;
use super::objects::{Service, User};
use crate::services::pagination::PageRequest;
use crate::services::teams::{self, NewTeam, TeamChanges};
use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{TeamRole, team};

pub use super::objects::Team;

#[Object]
impl Team {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// Fewer primaries than this in a schedule layer is `LAYER_UNDERSTAFFED`.
    async fn min_rotation_size(&self) -> i32 {
        self.0.min_rotation_size
    }
    /// On-call load limits, night window and compensation.
    async fn load_settings(&self) -> TeamLoadSettings {
        let t = &self.0;
        TeamLoadSettings {
            page_warn_above: t.page_warn_above,
            page_breach_at: t.page_breach_at,
            night_start: scheduler::oncall::local::time_at_minute(t.night_start_minute),
            night_end: scheduler::oncall::local::time_at_minute(t.night_end_minute),
            rest_per_night_page_minutes: t.rest_per_night_page_minutes,
            pay_per_hour_minor: t.pay_per_hour_minor,
            pay_per_week_minor: t.pay_per_week_minor,
            currency: t.currency.clone(),
        }
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    async fn active(&self) -> bool {
        self.0.active
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// The team's members (at most 100).
    #[graphql(complexity = "crate::graphql::cost::LIST_CAP * child_complexity")]
    async fn members(&self, ctx: &Context<'_>) -> Result<Vec<TeamMember>> {
        let loaders = ctx.data_unchecked::<Loaders>();
        let rows = loaders
            .members
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        let rows: Vec<_> = rows
            .into_iter()
            .take(crate::graphql::cost::LIST_CAP)
            .collect();
        let users = loaders
            .users
            .load_many(rows.iter().map(|m| m.user_id))
            .await?;
        Ok(rows
            .into_iter()
            .filter_map(|m| {
                users.get(&m.user_id).map(|u| TeamMember {
                    user: User(u.clone()),
                    team_role: m.team_role,
                    since: m.created_at,
                })
            })
            .collect())
    }
    /// The managers who may change this team's membership (at most 100).
    #[graphql(complexity = "crate::graphql::cost::LIST_CAP * child_complexity")]
    async fn managers(&self, ctx: &Context<'_>) -> Result<Vec<User>> {
        let loaders = ctx.data_unchecked::<Loaders>();
        let rows = loaders
            .managers
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        let rows: Vec<_> = rows
            .into_iter()
            .take(crate::graphql::cost::LIST_CAP)
            .collect();
        let users = loaders
            .users
            .load_many(rows.iter().map(|m| m.user_id))
            .await?;
        Ok(rows
            .iter()
            .filter_map(|m| users.get(&m.user_id).cloned().map(User))
            .collect())
    }
    /// The services this team owns (at most 100).
    #[graphql(complexity = "crate::graphql::cost::LIST_CAP * child_complexity")]
    async fn services(&self, ctx: &Context<'_>) -> Result<Vec<Service>> {
        let loaders = ctx.data_unchecked::<Loaders>();
        let rows = loaders
            .team_services
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        Ok(rows
            .into_iter()
            .take(crate::graphql::cost::LIST_CAP)
            .map(Service)
            .collect())
    }
}

#[derive(SimpleObject)]
pub struct TeamMember {
    pub user: User,
    pub team_role: TeamRole,
    pub since: DateTime<Utc>,
}

#[derive(Default)]
pub struct TeamQuery;

#[Object]
impl TeamQuery {
    #[graphql(complexity = "crate::graphql::cost::STATEMENT + child_complexity")]
    async fn team(&self, ctx: &Context<'_>, id: ID) -> Result<Team> {
        Ok(Team(teams::get(service_ctx(ctx), &id).await?))
    }

    /// Teams in creation order.
    #[graphql(
        complexity = "crate::graphql::cost::STATEMENT + crate::graphql::cost::page(first) * child_complexity"
    )]
    async fn teams(
        &self,
        ctx: &Context<'_>,
        active: Option<bool>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<ListConnection<Team>> {
        let page = PageRequest::new(first, after.as_deref())?;
        let result = teams::list(service_ctx(ctx), active, &page).await?;
        Ok(from_page(
            result,
            page.after.is_some(),
            |t| t.id.to_string(),
            Team,
        ))
    }
}

#[derive(InputObject)]
pub struct CreateTeamInput {
    pub name: String,
    pub description: Option<String>,
}

#[derive(async_graphql::SimpleObject)]
pub struct TeamLoadSettings {
    pub page_warn_above: i32,
    pub page_breach_at: i32,
    pub night_start: chrono::NaiveTime,
    pub night_end: chrono::NaiveTime,
    pub rest_per_night_page_minutes: i32,
    pub pay_per_hour_minor: i64,
    pub pay_per_week_minor: i64,
    pub currency: String,
}

#[derive(InputObject)]
pub struct UpdateTeamInput {
    pub id: ID,
    pub name: Option<String>,
    /// `null` clears it.
    pub description: MaybeUndefined<String>,
    /// Fewer primary members than this in one of the team's schedule layers and the layer
    /// carries a `LAYER_UNDERSTAFFED` warning (default 4).
    pub min_rotation_size: Option<i32>,
    /// More pages than this in an on-call week is a warning sign (default 2).
    pub page_warn_above: Option<i32>,
    /// This many pages or more in an on-call week is a breach (default 5).
    pub page_breach_at: Option<i32>,
    /// The night window in each responder's own zone (default 22:00–07:00).
    pub night_start: Option<chrono::NaiveTime>,
    pub night_end: Option<chrono::NaiveTime>,
    /// Compensation: rest per night page (minutes), pay per on-call hour and per on-call
    /// week (minor units of `currency`, an ISO 4217 code).
    pub rest_per_night_page_minutes: Option<i32>,
    pub pay_per_hour_minor: Option<i64>,
    pub pay_per_week_minor: Option<i64>,
    pub currency: Option<String>,
}

#[derive(InputObject)]
pub struct TeamIdInput {
    pub id: ID,
}

#[derive(InputObject)]
pub struct SetTeamMemberInput {
    pub team_id: ID,
    pub user_id: ID,
    pub team_role: TeamRole,
}

#[derive(InputObject)]
pub struct TeamUserInput {
    pub team_id: ID,
    pub user_id: ID,
}

#[derive(SimpleObject)]
pub struct TeamPayload {
    pub team: Team,
}

fn payload(row: team::Model) -> TeamPayload {
    TeamPayload { team: Team(row) }
}

#[derive(Default)]
pub struct TeamMutation;

#[Object]
impl TeamMutation {
    /// Admins only.
    async fn create_team(&self, ctx: &Context<'_>, input: CreateTeamInput) -> Result<TeamPayload> {
        let row = teams::create(
            service_ctx(ctx),
            NewTeam {
                name: input.name,
                description: input.description,
            },
        )
        .await?;
        Ok(payload(row))
    }

    /// Admins only.
    async fn update_team(&self, ctx: &Context<'_>, input: UpdateTeamInput) -> Result<TeamPayload> {
        let description = change(input.description, |v| v);
        let changes = TeamChanges {
            name: input.name,
            description,
            active: None,
            min_rotation_size: input.min_rotation_size,
            load: crate::services::teams::LoadSettings {
                page_warn_above: input.page_warn_above,
                page_breach_at: input.page_breach_at,
                night_start: input.night_start,
                night_end: input.night_end,
                rest_per_night_page_minutes: input.rest_per_night_page_minutes,
                pay_per_hour_minor: input.pay_per_hour_minor,
                pay_per_week_minor: input.pay_per_week_minor,
                currency: input.currency,
            },
        };
        Ok(payload(
            teams::update(service_ctx(ctx), &input.id, changes).await?,
        ))
    }

    /// Admins only.
    async fn deactivate_team(&self, ctx: &Context<'_>, input: TeamIdInput) -> Result<TeamPayload> {
        let changes = TeamChanges {
            active: Some(false),
            ..Default::default()
        };
        Ok(payload(
            teams::update(service_ctx(ctx), &input.id, changes).await?,
        ))
    }

    /// Adds a member or changes their team role. Admins and the team's managers.
    async fn set_team_member(
        &self,
        ctx: &Context<'_>,
        input: SetTeamMemberInput,
    ) -> Result<TeamPayload> {
        Ok(payload(
            teams::set_member(
                service_ctx(ctx),
                &input.team_id,
                &input.user_id,
                input.team_role,
            )
            .await?,
        ))
    }

    /// Admins and the team's managers.
    async fn remove_team_member(
        &self,
        ctx: &Context<'_>,
        input: TeamUserInput,
    ) -> Result<TeamPayload> {
        Ok(payload(
            teams::remove_member(service_ctx(ctx), &input.team_id, &input.user_id).await?,
        ))
    }

    /// Admins only; the user needs the manager role.
    async fn add_team_manager(
        &self,
        ctx: &Context<'_>,
        input: TeamUserInput,
    ) -> Result<TeamPayload> {
        Ok(payload(
            teams::add_manager(service_ctx(ctx), &input.team_id, &input.user_id).await?,
        ))
    }

    /// Admins only.
    async fn remove_team_manager(
        &self,
        ctx: &Context<'_>,
        input: TeamUserInput,
    ) -> Result<TeamPayload> {
        Ok(payload(
            teams::remove_manager(service_ctx(ctx), &input.team_id, &input.user_id).await?,
        ))
    }
}
