//! Users: `viewer`, `user`, `users`, and the admin mutations on them.

use super::connection::{ListConnection, from_page};
use super::context::service_ctx;
use super::input::change;
use super::loaders::Loaders;
use super::objects::Team;
use crate::services::pagination::PageRequest;
use crate::services::users::{self, NewUser, UserChanges, UserFilter};
use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{Role, TeamRole};

/// A person who uses Firebreak.
pub use super::objects::User;

#[Object]
impl User {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// The login: the `sub` of this user's tokens (from Firebreak's own tokens or from
    /// the identity provider's; the two never name the same user).
    async fn login(&self) -> &str {
        crate::auth::keys::unscoped_subject(&self.0.subject)
    }
    /// Whether the user signs in with the identity provider's tokens.
    async fn identity_provider(&self) -> bool {
        self.0.subject.starts_with("idp:")
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn email(&self) -> Option<&str> {
        self.0.email.as_deref()
    }
    /// IANA time zone, e.g. `Europe/Berlin`.
    async fn time_zone(&self) -> &str {
        &self.0.time_zone
    }
    async fn role(&self) -> Role {
        self.0.role
    }
    async fn active(&self) -> bool {
        self.0.active
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// The teams this user belongs to, with their role in each (at most 100).
    #[graphql(complexity = "crate::graphql::cost::LIST_CAP * child_complexity")]
    async fn teams(&self, ctx: &Context<'_>) -> Result<Vec<TeamMembership>> {
        let loaders = ctx.data_unchecked::<Loaders>();
        let memberships = loaders
            .memberships
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        let memberships: Vec<_> = memberships
            .into_iter()
            .take(crate::graphql::cost::LIST_CAP)
            .collect();
        let ids: Vec<_> = memberships.iter().map(|m| m.team_id).collect();
        let teams = loaders.teams.load_many(ids).await?;
        Ok(memberships
            .into_iter()
            .filter_map(|m| {
                teams.get(&m.team_id).map(|t| TeamMembership {
                    team: Team(t.clone()),
                    team_role: m.team_role,
                })
            })
            .collect())
    }
}

#[derive(SimpleObject)]
pub struct TeamMembership {
    pub team: Team,
    pub team_role: TeamRole,
}

#[derive(InputObject, Default)]
pub struct UserFilterInput {
    pub active: Option<bool>,
    pub role: Option<Role>,
}

#[derive(Default)]
pub struct UserQuery;

#[Object]
impl UserQuery {
    /// The signed-in user.
    #[graphql(complexity = "crate::graphql::cost::STATEMENT + child_complexity")]
    async fn viewer(&self, ctx: &Context<'_>) -> Result<User> {
        let s = service_ctx(ctx);
        let me = s.principal.user()?;
        Ok(User(users::get(s, &me.id.to_string()).await?))
    }

    #[graphql(complexity = "crate::graphql::cost::STATEMENT + child_complexity")]
    async fn user(&self, ctx: &Context<'_>, id: ID) -> Result<User> {
        Ok(User(users::get(service_ctx(ctx), &id).await?))
    }

    /// Users in creation order.
    #[graphql(
        complexity = "crate::graphql::cost::STATEMENT + crate::graphql::cost::page(first) * child_complexity"
    )]
    async fn users(
        &self,
        ctx: &Context<'_>,
        filter: Option<UserFilterInput>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<ListConnection<User>> {
        let page = PageRequest::new(first, after.as_deref())?;
        let filter = filter.unwrap_or_default();
        let filter = UserFilter {
            active: filter.active,
            role: filter.role,
        };
        let result = users::list(service_ctx(ctx), &filter, &page).await?;
        Ok(from_page(
            result,
            page.after.is_some(),
            |u| u.id.to_string(),
            User,
        ))
    }
}

#[derive(InputObject)]
pub struct CreateUserInput {
    /// The login (token `sub`); unique among users of the same origin.
    pub login: String,
    pub name: String,
    pub email: Option<String>,
    /// IANA zone; defaults to the organization's.
    pub time_zone: Option<String>,
    pub role: Role,
    /// The user signs in with the identity provider's tokens (`login` is their `sub`
    /// there) rather than Firebreak's own. The two never name the same user.
    #[graphql(default = false)]
    pub identity_provider: bool,
}

#[derive(InputObject)]
pub struct UpdateUserInput {
    pub id: ID,
    pub name: Option<String>,
    /// `null` clears the address.
    pub email: MaybeUndefined<String>,
    pub time_zone: Option<String>,
    /// Admins only.
    pub role: Option<Role>,
}

#[derive(InputObject)]
pub struct UserIdInput {
    pub id: ID,
}

#[derive(SimpleObject)]
pub struct UserPayload {
    pub user: User,
}

#[derive(Default)]
pub struct UserMutation;

#[Object]
impl UserMutation {
    /// Admins create users.
    async fn create_user(&self, ctx: &Context<'_>, input: CreateUserInput) -> Result<UserPayload> {
        let row = users::create(
            service_ctx(ctx),
            NewUser {
                login: input.login,
                name: input.name,
                email: input.email,
                time_zone: input.time_zone,
                role: input.role,
                identity_provider: input.identity_provider,
            },
        )
        .await?;
        Ok(UserPayload { user: User(row) })
    }

    /// Admins change anyone; users change their own name, e-mail and time zone.
    async fn update_user(&self, ctx: &Context<'_>, input: UpdateUserInput) -> Result<UserPayload> {
        let email = change(input.email, |v| v);
        let changes = UserChanges {
            name: input.name,
            email,
            time_zone: input.time_zone,
            role: input.role,
            active: None,
        };
        let row = users::update(service_ctx(ctx), &input.id, changes).await?;
        Ok(UserPayload { user: User(row) })
    }

    /// Admins deactivate a user: their tokens stop working on the next request.
    async fn deactivate_user(&self, ctx: &Context<'_>, input: UserIdInput) -> Result<UserPayload> {
        let changes = UserChanges {
            active: Some(false),
            ..Default::default()
        };
        let row = users::update(service_ctx(ctx), &input.id, changes).await?;
        Ok(UserPayload { user: User(row) })
    }

    async fn reactivate_user(&self, ctx: &Context<'_>, input: UserIdInput) -> Result<UserPayload> {
        let changes = UserChanges {
            active: Some(true),
            ..Default::default()
        };
        let row = users::update(service_ctx(ctx), &input.id, changes).await?;
        Ok(UserPayload { user: User(row) })
    }
}
