//! The GraphQL API: types, resolvers and the schema. Resolvers are thin: they turn
//! arguments into a service call and the service's typed error into `extensions.code`.

pub mod action_item;
mod batch;
pub mod connection;
pub mod context;
pub mod cost;
pub mod error;
pub mod events;
pub mod incident;
pub mod input;
pub mod loaders;
pub mod metrics;
pub mod notification;
pub mod objects;
pub mod organization;
pub mod paging;
pub mod postmortem;
pub mod roots;
pub mod schedule;
pub mod service;
pub mod severity;
pub mod status_page;
pub mod team;
pub mod templates;
pub mod user;

use crate::config::GraphqlConfig;
use async_graphql::{EmptySubscription, MergedObject, Schema, SchemaBuilder};

/// The query root: every query field of the schema.
pub type QueryRoot = roots::Root<QueryFields, false>;
/// The mutation root: root mutation fields start with empty loaders.
pub type MutationRoot = roots::Root<MutationFields, true>;

#[derive(MergedObject, Default)]
#[graphql(name = "Query")]
pub struct QueryFields(
    organization::OrganizationQuery,
    user::UserQuery,
    team::TeamQuery,
    service::ServiceQuery,
    incident::IncidentQuery,
    severity::SeverityQuery,
    status_page::StatusPageQuery,
    postmortem::PostmortemQuery,
    action_item::ActionItemQuery,
    templates::TemplateQuery,
    metrics::MetricsQuery,
    schedule::queries::ScheduleQuery,
    schedule::handoff::HandoffQuery,
    schedule::feeds::FeedQuery,
    paging::PagingQuery,
    paging::settings::PagingSettingsQuery,
    paging::integrations::IntegrationQuery,
    paging::report::ReportQuery,
    notification::NotificationQuery,
    events::EventQuery,
);

#[derive(MergedObject, Default)]
#[graphql(name = "Mutation")]
pub struct MutationFields(
    organization::OrganizationMutation,
    user::UserMutation,
    team::TeamMutation,
    service::ServiceMutation,
    incident::IncidentMutation,
    severity::SeverityMutation,
    postmortem::PostmortemMutation,
    action_item::ActionItemMutation,
    templates::TemplateMutation,
    schedule::mutations::ScheduleMutation,
    schedule::handoff::HandoffMutation,
    schedule::feeds::FeedMutation,
    paging::PagingMutation,
    paging::settings::PagingSettingsMutation,
    paging::integrations::IntegrationMutation,
    notification::NotificationMutation,
    events::EventMutation,
);

pub type AppSchema = Schema<QueryRoot, MutationRoot, EmptySubscription>;

fn builder() -> SchemaBuilder<QueryRoot, MutationRoot, EmptySubscription> {
    Schema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        EmptySubscription,
    )
}

/// How deep an operation that only introspects may nest: graphql-js'
/// `getIntrospectionQuery()` (GraphiQL, Apollo, Relay, codegen) nests `ofType` to depth 13
/// and more; its cost is bounded by the schema's size, not by data.
pub const INTROSPECTION_DEPTH: usize = 32;

/// The schema with the configured limits. Application state is attached per request
/// (see `http::graphql`), so one schema serves every request.
pub fn build(config: &GraphqlConfig, data: context::SchemaData) -> AppSchema {
    build_with_depth(config, config.max_depth, data)
}

/// The schema for operations whose root fields are all `__schema`, `__type` or
/// `__typename`: the same types and limits but [`INTROSPECTION_DEPTH`].
pub fn build_for_introspection(config: &GraphqlConfig, data: context::SchemaData) -> AppSchema {
    build_with_depth(config, config.max_depth.max(INTROSPECTION_DEPTH), data)
}

fn build_with_depth(config: &GraphqlConfig, depth: usize, data: context::SchemaData) -> AppSchema {
    let mut b = builder()
        .data(data)
        .limit_depth(depth)
        .limit_complexity(config.max_complexity)
        .limit_recursive_depth(64)
        .limit_directives(32);
    if !config.introspection {
        b = b.disable_introspection();
    }
    if !config.suggestions {
        b = b.disable_suggestions();
    }
    b.finish()
}

/// The SDL the server serves; `schema.graphql` must equal it.
pub fn sdl() -> String {
    builder().finish().sdl()
}
