//! Integrations over GraphQL: created and revoked by the team's managers; the key is
//! shown once, in the creation's answer, and never again.

use crate::graphql::context::service_ctx;
use crate::graphql::objects::Team;
use crate::services::paging::integrations::{self, NewIntegration, severity_named};
use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{Severity, integration};

pub struct Integration(pub integration::Model);

#[derive(SimpleObject)]
pub struct SeverityMapping {
    /// The label's value, e.g. `critical`.
    pub value: String,
    pub severity: Severity,
}

#[Object]
impl Integration {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// `alertmanager` or `generic`.
    async fn kind(&self) -> &str {
        &self.0.kind
    }
    async fn team(&self, ctx: &Context<'_>) -> Result<Option<Team>> {
        Ok(ctx
            .data_unchecked::<crate::graphql::loaders::Loaders>()
            .teams
            .load_one(self.0.team_id)
            .await?
            .map(Team))
    }
    /// The label whose value picks an alert's severity.
    async fn severity_label(&self) -> &str {
        &self.0.severity_label
    }
    async fn severity_map(&self) -> Vec<SeverityMapping> {
        self.0
            .severity_map
            .as_object()
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| {
                        v.as_str()
                            .and_then(severity_named)
                            .map(|severity| SeverityMapping {
                                value: k.clone(),
                                severity,
                            })
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
    /// When no mapping applies.
    async fn default_severity(&self) -> Severity {
        self.0.default_severity
    }
    /// Where it delivers (with the key as the last segment, or as a bearer token).
    async fn path(&self) -> String {
        format!("/webhooks/{}/{{key}}", self.0.kind)
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn revoked_at(&self) -> Option<DateTime<Utc>> {
        self.0.revoked_at
    }
}

#[derive(InputObject)]
pub struct SeverityMappingInput {
    pub value: String,
    pub severity: Severity,
}

#[derive(InputObject)]
pub struct CreateIntegrationInput {
    pub team_id: ID,
    pub name: String,
    /// `alertmanager` or `generic`.
    pub kind: String,
    /// Default `severity`.
    pub severity_label: Option<String>,
    /// Default: critical/page → SEV1, error/major → SEV2, warning/minor → SEV3, info → SEV4.
    pub severity_map: Option<Vec<SeverityMappingInput>>,
    #[graphql(default_with = "Severity::Sev3")]
    pub default_severity: Severity,
}

#[derive(SimpleObject)]
pub struct CreatedIntegration {
    pub integration: Integration,
    /// The secret key, shown this once (only its hash is stored).
    pub key: String,
}

#[derive(InputObject)]
pub struct IntegrationIdInput {
    pub integration_id: ID,
}

#[derive(SimpleObject)]
pub struct IntegrationPayload {
    pub integration: Integration,
}

#[derive(Default)]
pub struct IntegrationQuery;

#[Object]
impl IntegrationQuery {
    /// A team's integrations (at most 100); keys are never shown.
    #[graphql(
        complexity = "crate::graphql::cost::STATEMENT + crate::graphql::cost::LIST_CAP * child_complexity"
    )]
    async fn integrations(&self, ctx: &Context<'_>, team_id: ID) -> Result<Vec<Integration>> {
        Ok(integrations::of_team(service_ctx(ctx), &team_id)
            .await?
            .into_iter()
            .map(Integration)
            .collect())
    }
}

#[derive(Default)]
pub struct IntegrationMutation;

#[Object]
impl IntegrationMutation {
    /// Admins and the team's managers.
    async fn create_integration(
        &self,
        ctx: &Context<'_>,
        input: CreateIntegrationInput,
    ) -> Result<CreatedIntegration> {
        let (row, key) = integrations::create(
            service_ctx(ctx),
            NewIntegration {
                team_id: input.team_id.0,
                name: input.name,
                kind: input.kind,
                severity_label: input.severity_label,
                severity_map: input
                    .severity_map
                    .map(|m| m.into_iter().map(|x| (x.value, x.severity)).collect()),
                default_severity: input.default_severity,
            },
        )
        .await?;
        Ok(CreatedIntegration {
            integration: Integration(row),
            key,
        })
    }

    /// Admins and the team's managers: deliveries with its key get 404 from then on.
    async fn revoke_integration(
        &self,
        ctx: &Context<'_>,
        input: IntegrationIdInput,
    ) -> Result<IntegrationPayload> {
        Ok(IntegrationPayload {
            integration: Integration(
                integrations::revoke(service_ctx(ctx), &input.integration_id).await?,
            ),
        })
    }
}
