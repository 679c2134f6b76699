//! The schema's extensions: one records whether execution began (the HTTP layer tells
//! request errors from field errors by it), one keeps each mutation's answer fresh.

use super::loaders::Loaders;
use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextResolve, ResolveInfo,
};
use async_graphql::{ServerResult, Value};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Set once execution begins: errors before it are request errors (HTTP 422).
#[derive(Default)]
pub struct ExecutionStarted(AtomicBool);

impl ExecutionStarted {
    pub fn started(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

pub struct PhaseTracker;

impl ExtensionFactory for PhaseTracker {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(PhaseTrackerExt)
    }
}

struct PhaseTrackerExt;

#[async_trait::async_trait]
impl Extension for PhaseTrackerExt {
    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> async_graphql::Response {
        if let Some(flag) = ctx.data_opt::<Arc<ExecutionStarted>>() {
            flag.0.store(true, Ordering::SeqCst);
        }
        next.run(ctx, operation_name).await
    }
}

/// The schema's mutation root type name (a test checks it against the schema).
pub const MUTATION_TYPE: &str = "Mutation";

/// Clears the request's loaders before each root mutation field (see
/// [`Loaders::clear_all`]).
pub struct FreshPerMutation;

impl ExtensionFactory for FreshPerMutation {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(FreshPerMutationExt)
    }
}

struct FreshPerMutationExt;

#[async_trait::async_trait]
impl Extension for FreshPerMutationExt {
    async fn resolve(
        &self,
        ctx: &ExtensionContext<'_>,
        info: ResolveInfo<'_>,
        next: NextResolve<'_>,
    ) -> ServerResult<Option<Value>> {
        if info.path_node.parent.is_none()
            && info.parent_type == MUTATION_TYPE
            && let Some(loaders) = ctx.data_opt::<Loaders>()
        {
            loaders.clear_all();
        }
        next.run(ctx, info).await
    }
}
