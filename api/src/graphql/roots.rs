//! The schema's roots, wrapped. Two things happen once per root field: the request
//! records that execution began (the HTTP layer tells request errors from field errors by
//! it), and each root mutation field starts with empty loaders (see
//! [`Loaders::clear_all`]), so a mutation's answer is read fresh.
//!
//! These were async-graphql extensions, but an extension makes every field of every
//! request go through the extension chain (a registry look-up and a boxed future per
//! field and extension): a page of fifty incidents paid for it thousands of times.

use super::loaders::Loaders;
use async_graphql::parser::types::Field;
use async_graphql::registry::Registry;
use async_graphql::resolver_utils::{ContainerType, resolve_container};
use async_graphql::{
    Context, ContextSelectionSet, ObjectType, OutputType, Positioned, ServerResult, Value,
};
use std::borrow::Cow;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Set once a root field of the operation starts: errors before it are request errors
/// (HTTP 422).
#[derive(Default)]
pub struct ExecutionStarted(AtomicBool);

impl ExecutionStarted {
    pub fn started(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// A root type `T` (the merged query or mutation fields); `MUTATION` clears the loaders
/// before each field.
#[derive(Default)]
pub struct Root<T, const MUTATION: bool>(pub T);

impl<T: ContainerType, const MUTATION: bool> OutputType for Root<T, MUTATION> {
    fn type_name() -> Cow<'static, str> {
        T::type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        T::create_type_info(registry)
    }

    async fn resolve(
        &self,
        ctx: &ContextSelectionSet<'_>,
        _field: &Positioned<Field>,
    ) -> ServerResult<Value> {
        resolve_container(ctx, self).await
    }
}

impl<T: ContainerType, const MUTATION: bool> ContainerType for Root<T, MUTATION> {
    async fn resolve_field(&self, ctx: &Context<'_>) -> ServerResult<Option<Value>> {
        if let Some(flag) = ctx.data_opt::<Arc<ExecutionStarted>>() {
            flag.0.store(true, Ordering::SeqCst);
        }
        if MUTATION && let Some(loaders) = ctx.data_opt::<Loaders>() {
            loaders.clear_all();
        }
        self.0.resolve_field(ctx).await
    }
}

impl<T: ObjectType, const MUTATION: bool> ObjectType for Root<T, MUTATION> {}
