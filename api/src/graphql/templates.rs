//! Message templates over GraphQL: the ones written for the organization or a team, the
//! variables each kind offers, and saving or resetting one. `Incident.previewMessage`
//! renders a template against an incident before it is saved.

use super::context::service_ctx;
use super::incident::MessageTemplateKind;
use super::objects::User;
use crate::graphql::loaders::user_object;
use crate::services::templates;
use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entity::message_template;
use scheduler::domain::message_templates::TemplateKind;

pub struct MessageTemplate(message_template::Model);

#[Object]
impl MessageTemplate {
    async fn kind(&self) -> Option<MessageTemplateKind> {
        TemplateKind::parse(&self.0.kind).map(Into::into)
    }
    /// A minijinja template (`{{ title }}`, `{% for a in actions_taken %}…{% endfor %}`)
    /// over the variables its kind offers (`messageTemplateVariables`).
    async fn body(&self) -> &str {
        &self.0.body
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    async fn updated_by(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        user_object(ctx, Some(self.0.updated_by)).await
    }
}

#[derive(Default)]
pub struct TemplateQuery;

#[Object]
impl TemplateQuery {
    /// The templates written for the organization (no `teamId`) or for a team; kinds
    /// without one use the level below (the organization's, then the shipped one).
    #[graphql(complexity = "crate::graphql::cost::STATEMENT + 5 * child_complexity")]
    async fn message_templates(
        &self,
        ctx: &Context<'_>,
        team_id: Option<ID>,
    ) -> Result<Vec<MessageTemplate>> {
        Ok(
            templates::list(service_ctx(ctx), team_id.as_ref().map(|t| t.as_str()))
                .await?
                .into_iter()
                .map(MessageTemplate)
                .collect(),
        )
    }

    /// The variables a template of `kind` may use (customer templates get no internal
    /// names, titles or channels). Instants are UTC strings, `actions_taken` a list, absent
    /// values null (test them with `{% if eta %}`).
    async fn message_template_variables(&self, kind: MessageTemplateKind) -> Vec<&'static str> {
        TemplateKind::from(kind).variables().to_vec()
    }
}

#[derive(InputObject)]
pub struct SetMessageTemplateInput {
    /// Omit for the organization's template.
    pub team_id: Option<ID>,
    pub kind: MessageTemplateKind,
    pub body: String,
}

#[derive(InputObject)]
pub struct ResetMessageTemplateInput {
    pub team_id: Option<ID>,
    pub kind: MessageTemplateKind,
}

#[derive(SimpleObject)]
pub struct SetMessageTemplatePayload {
    pub template: MessageTemplate,
}

#[derive(SimpleObject)]
pub struct ResetMessageTemplatePayload {
    /// The level below applies again.
    pub reset: bool,
}

#[derive(Default)]
pub struct TemplateMutation;

/// Admins write the organization's templates; admins and a team's managers the team's.
#[Object]
impl TemplateMutation {
    /// Checked on save: syntax (with its line), known variables only, and a bounded render.
    async fn set_message_template(
        &self,
        ctx: &Context<'_>,
        input: SetMessageTemplateInput,
    ) -> Result<SetMessageTemplatePayload> {
        let row = templates::set(
            service_ctx(ctx),
            input.team_id.as_ref().map(|t| t.as_str()),
            input.kind.into(),
            &input.body,
        )
        .await?;
        Ok(SetMessageTemplatePayload {
            template: MessageTemplate(row),
        })
    }

    async fn reset_message_template(
        &self,
        ctx: &Context<'_>,
        input: ResetMessageTemplateInput,
    ) -> Result<ResetMessageTemplatePayload> {
        templates::reset(
            service_ctx(ctx),
            input.team_id.as_ref().map(|t| t.as_str()),
            input.kind.into(),
        )
        .await?;
        Ok(ResetMessageTemplatePayload { reset: true })
    }
}
