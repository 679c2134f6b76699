//! Severity policies: read by every signed-in user, changed by admins.

use super::context::service_ctx;
use super::input::change;
use super::loaders::Loaders;
use crate::error::ServiceError;
use crate::services::severity::{self as policies, PolicyChange};
use async_graphql::{Context, InputObject, MaybeUndefined, Object, Result, SimpleObject};
use entity::{CustomerComms, IncidentRole, PageTarget, Role, Severity};
use scheduler::domain::severity::SeverityPolicy;

/// What a severity means in practice.
#[derive(SimpleObject)]
#[graphql(name = "SeverityPolicy")]
pub struct SeverityPolicyObject {
    pub severity: Severity,
    /// Minutes to acknowledge a page (0: immediately); null: next business day, no page.
    pub respond_within_minutes: Option<i32>,
    /// Response is expected within business hours only.
    pub business_hours_only: bool,
    /// Who is paged when an incident of this severity is declared.
    pub pages: Vec<PageTarget>,
    /// Minutes between status updates; null: on change only.
    pub update_every_minutes: Option<i32>,
    pub customer_comms: CustomerComms,
    /// The roles an incident of this severity should have filled (the Incident Commander
    /// always); an incident lists those still unfilled.
    pub expected_roles: Vec<IncidentRole>,
    /// Whether an incident that reached this severity owes a postmortem when it is
    /// resolved (default: SEV1 and SEV2; never for false alarms or duplicates).
    pub postmortem_required: bool,
}

impl From<SeverityPolicy> for SeverityPolicyObject {
    fn from(p: SeverityPolicy) -> Self {
        Self {
            severity: p.severity,
            respond_within_minutes: p
                .respond_within
                .map(|d| scheduler::domain::instant::graphql_int(d.num_minutes())),
            business_hours_only: p.business_hours_only,
            pages: p.pages,
            update_every_minutes: p
                .update_every
                .map(|d| scheduler::domain::instant::graphql_int(d.num_minutes())),
            customer_comms: p.customer_comms,
            expected_roles: p.expected_roles,
            postmortem_required: p.postmortem_required,
        }
    }
}

/// The policy in force for `severity`, through the request's cache.
pub async fn policy(ctx: &Context<'_>, severity: Severity) -> Result<SeverityPolicyObject> {
    let loaders = ctx.data_unchecked::<Loaders>();
    loaders
        .policies
        .load_one(severity)
        .await?
        .map(Into::into)
        .ok_or_else(|| ServiceError::NotFound("severity policy").into())
}

#[derive(Default)]
pub struct SeverityQuery;

#[Object]
impl SeverityQuery {
    /// The policy of each severity, SEV1 first.
    #[graphql(
        complexity = "crate::graphql::cost::STATEMENT + crate::graphql::cost::POLICIES * child_complexity"
    )]
    async fn severity_policies(&self, ctx: &Context<'_>) -> Result<Vec<SeverityPolicyObject>> {
        let s = service_ctx(ctx);
        s.principal.require(Role::Viewer)?;
        Ok(policies::all(s.db.conn())
            .await?
            .into_iter()
            .map(Into::into)
            .collect())
    }
}

#[derive(InputObject)]
pub struct UpdateSeverityPolicyInput {
    pub severity: Severity,
    /// null: no paging deadline (next business day).
    pub respond_within_minutes: MaybeUndefined<i32>,
    pub business_hours_only: Option<bool>,
    pub pages: Option<Vec<PageTarget>>,
    /// null: updates on change only.
    pub update_every_minutes: MaybeUndefined<i32>,
    pub customer_comms: Option<CustomerComms>,
    /// The roles this severity expects; the Incident Commander is always among them.
    pub expected_roles: Option<Vec<IncidentRole>>,
    pub postmortem_required: Option<bool>,
}

#[derive(SimpleObject)]
pub struct UpdateSeverityPolicyPayload {
    pub policy: SeverityPolicyObject,
}

#[derive(Default)]
pub struct SeverityMutation;

#[Object]
impl SeverityMutation {
    /// Admins only; audited.
    async fn update_severity_policy(
        &self,
        ctx: &Context<'_>,
        input: UpdateSeverityPolicyInput,
    ) -> Result<UpdateSeverityPolicyPayload> {
        let p = policies::update(
            service_ctx(ctx),
            PolicyChange {
                severity: input.severity,
                respond_within_minutes: change(input.respond_within_minutes, |v| v),
                business_hours_only: input.business_hours_only,
                pages: input.pages,
                update_every_minutes: change(input.update_every_minutes, |v| v),
                expected_roles: input.expected_roles,
                postmortem_required: input.postmortem_required,
                customer_comms: input.customer_comms,
            },
        )
        .await?;
        Ok(UpdateSeverityPolicyPayload { policy: p.into() })
    }
}
