//! Who paging reaches beyond the schedules: the organization's engineering lead and VP
//! Engineering (admins), and each team's escalation policy (its managers).

use crate::graphql::context::service_ctx;
use crate::services::paging::settings;
use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};

#[derive(InputObject)]
pub struct SetPagingPeopleInput {
    /// Paged for SEV1 and an escalation target; null clears.
    pub engineering_lead_id: Option<ID>,
    /// Paged for SEV1; null clears.
    pub vp_engineering_id: Option<ID>,
}

#[derive(InputObject)]
pub struct EscalationStepInput {
    /// `on_call`, `team_leads`, `engineering_lead`, `vp_engineering`, `person:<user id>`.
    pub targets: Vec<String>,
    /// How long the step waits for an acknowledgement, 1 to 1440.
    pub delay_minutes: i32,
}

#[derive(InputObject)]
pub struct SetEscalationPolicyInput {
    pub team_id: ID,
    /// In order, 1 to 10.
    pub steps: Vec<EscalationStepInput>,
    /// How many times the steps run again, 0 to 9.
    #[graphql(default)]
    pub repeats: i32,
}

#[derive(SimpleObject)]
pub struct EscalationStep {
    pub targets: Vec<String>,
    pub delay_minutes: i32,
}

#[derive(SimpleObject)]
pub struct EscalationPolicy {
    pub steps: Vec<EscalationStep>,
    pub repeats: i32,
}

impl From<scheduler::paging::escalation::Policy> for EscalationPolicy {
    fn from(p: scheduler::paging::escalation::Policy) -> Self {
        EscalationPolicy {
            steps: p
                .steps
                .iter()
                .map(|s| EscalationStep {
                    targets: s
                        .targets
                        .iter()
                        .map(|t| crate::services::paging::target_name(*t))
                        .collect(),
                    delay_minutes: s.delay.num_minutes() as i32,
                })
                .collect(),
            repeats: p.repeats as i32,
        }
    }
}

#[derive(SimpleObject)]
pub struct PagingPeople {
    pub engineering_lead_id: Option<ID>,
    pub vp_engineering_id: Option<ID>,
}

#[derive(Default)]
pub struct PagingSettingsQuery;

#[Object]
impl PagingSettingsQuery {
    /// The team's escalation policy (the product default when it has set none).
    #[graphql(complexity = "crate::graphql::cost::STATEMENT + child_complexity")]
    async fn escalation_policy(&self, ctx: &Context<'_>, team_id: ID) -> Result<EscalationPolicy> {
        Ok(settings::escalation_policy(service_ctx(ctx), &team_id)
            .await?
            .into())
    }
}

#[derive(Default)]
pub struct PagingSettingsMutation;

#[Object]
impl PagingSettingsMutation {
    /// Admins only.
    async fn set_paging_people(
        &self,
        ctx: &Context<'_>,
        input: SetPagingPeopleInput,
    ) -> Result<PagingPeople> {
        let (lead, vp) = settings::set_people(
            service_ctx(ctx),
            input.engineering_lead_id.as_ref().map(|i| i.as_str()),
            input.vp_engineering_id.as_ref().map(|i| i.as_str()),
        )
        .await?;
        Ok(PagingPeople {
            engineering_lead_id: lead.map(|u| ID(u.to_string())),
            vp_engineering_id: vp.map(|u| ID(u.to_string())),
        })
    }

    /// Admins and the team's managers.
    async fn set_escalation_policy(
        &self,
        ctx: &Context<'_>,
        input: SetEscalationPolicyInput,
    ) -> Result<EscalationPolicy> {
        let steps = input
            .steps
            .into_iter()
            .map(|s| (s.targets, s.delay_minutes))
            .collect();
        Ok(
            settings::set_escalation_policy(service_ctx(ctx), &input.team_id, steps, input.repeats)
                .await?
                .into(),
        )
    }
}
