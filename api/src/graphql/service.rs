//! The service catalog.

use super::connection::{ListConnection, from_page};
use super::context::service_ctx;
use super::input::change;
use super::loaders::Loaders;
use super::objects::Team;
use crate::services::catalog::{self, NewService, ServiceChanges};
use crate::services::pagination::PageRequest;
use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};

/// Something that can break, owned by a team.
pub use super::objects::Service;

#[Object]
impl Service {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// What customers call it (used in customer-facing messages).
    async fn public_name(&self) -> Option<&str> {
        self.0.public_name.as_deref()
    }
    async fn active(&self) -> bool {
        self.0.active
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// The owning team.
    async fn team(&self, ctx: &Context<'_>) -> Result<Team> {
        let loaders = ctx.data_unchecked::<Loaders>();
        let team = loaders.teams.load_one(self.0.team_id).await?;
        team.map(Team)
            .ok_or_else(|| crate::error::ServiceError::NotFound("team").into())
    }
}

#[derive(Default)]
pub struct ServiceQuery;

#[Object]
impl ServiceQuery {
    #[graphql(complexity = "crate::graphql::cost::STATEMENT + child_complexity")]
    async fn service(&self, ctx: &Context<'_>, id: ID) -> Result<Service> {
        Ok(Service(catalog::get(service_ctx(ctx), &id).await?))
    }

    /// Services in creation order, optionally of one team.
    #[graphql(
        complexity = "crate::graphql::cost::STATEMENT + crate::graphql::cost::page(first) * child_complexity"
    )]
    async fn services(
        &self,
        ctx: &Context<'_>,
        team_id: Option<ID>,
        active: Option<bool>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<ListConnection<Service>> {
        let page = PageRequest::new(first, after.as_deref())?;
        let result = catalog::list(
            service_ctx(ctx),
            team_id.as_ref().map(|t| t.as_str()),
            active,
            &page,
        )
        .await?;
        Ok(from_page(
            result,
            page.after.is_some(),
            |s| s.id.to_string(),
            Service,
        ))
    }
}

#[derive(InputObject)]
pub struct CreateServiceInput {
    pub name: String,
    pub description: Option<String>,
    /// What customers call it; customer messages use it (or a neutral phrase), never the
    /// catalog name.
    pub public_name: Option<String>,
    pub team_id: ID,
}

#[derive(InputObject)]
pub struct UpdateServiceInput {
    pub id: ID,
    pub name: Option<String>,
    /// `null` clears it.
    pub description: MaybeUndefined<String>,
    /// `null` clears it.
    pub public_name: MaybeUndefined<String>,
    /// Moves the service to another team.
    pub team_id: Option<ID>,
}

#[derive(InputObject)]
pub struct ServiceIdInput {
    pub id: ID,
}

#[derive(SimpleObject)]
pub struct ServicePayload {
    pub service: Service,
}

#[derive(Default)]
pub struct ServiceMutation;

#[Object]
impl ServiceMutation {
    /// Admins only.
    async fn create_service(
        &self,
        ctx: &Context<'_>,
        input: CreateServiceInput,
    ) -> Result<ServicePayload> {
        let row = catalog::create(
            service_ctx(ctx),
            NewService {
                name: input.name,
                description: input.description,
                public_name: input.public_name,
                team_id: input.team_id.0,
            },
        )
        .await?;
        Ok(ServicePayload {
            service: Service(row),
        })
    }

    /// Admins only.
    async fn update_service(
        &self,
        ctx: &Context<'_>,
        input: UpdateServiceInput,
    ) -> Result<ServicePayload> {
        let description = change(input.description, |v| v);
        let changes = ServiceChanges {
            name: input.name,
            description,
            public_name: change(input.public_name, |v| v),
            team_id: input.team_id.map(|t| t.0),
            active: None,
        };
        let row = catalog::update(service_ctx(ctx), &input.id, changes).await?;
        Ok(ServicePayload {
            service: Service(row),
        })
    }

    /// Admins only.
    async fn deactivate_service(
        &self,
        ctx: &Context<'_>,
        input: ServiceIdInput,
    ) -> Result<ServicePayload> {
        let changes = ServiceChanges {
            active: Some(false),
            ..Default::default()
        };
        let row = catalog::update(service_ctx(ctx), &input.id, changes).await?;
        Ok(ServicePayload {
            service: Service(row),
        })
    }
}
