//! A shift as the API shows it. What a shift shows besides its own row (its layer's name,
//! its person) is read once for the whole answer and shared by its shifts: resolving it
//! per shift went through the request's loaders once per field of each shift (a lock, a
//! lookup and a cloned row each), which on a month of shifts cost more than the rest of
//! the answer's own fields.

use super::loaders;
use crate::graphql::loaders::user_object;
use crate::graphql::objects::User;
use async_graphql::{Context, ID, Object, Result};
use chrono::{DateTime, Utc};
use entity::{schedule_layer, user};
use scheduler::oncall::shifts::Shift as ShiftRow;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use uuid::Uuid;

/// What the shifts of one answer share: their layers' names and, when the query asks for
/// people, the people. A shift whose layer or person is not here asks the loaders.
#[derive(Default)]
pub struct Shared {
    layer_names: HashMap<Uuid, String>,
    /// `None` when the people were not read up front.
    users: Option<HashMap<Uuid, user::Model>>,
}

impl Shared {
    /// The names of `layers`, and the people with ids `people` (those of the shifts, when
    /// the query selects their `user`), read in one batch.
    pub async fn read<'l>(
        ctx: &Context<'_>,
        layers: impl IntoIterator<Item = &'l schedule_layer::Model>,
        people: Option<HashSet<Uuid>>,
    ) -> Result<Arc<Self>> {
        let users = match people {
            Some(ids) => Some(loaders(ctx).users.load_many(ids).await?),
            None => None,
        };
        Ok(Arc::new(Self {
            layer_names: layers.into_iter().map(|l| (l.id, l.name.clone())).collect(),
            users,
        }))
    }
}

/// A person on call (or shadowing) on one layer for a span.
pub struct Shift {
    row: ShiftRow,
    shared: Arc<Shared>,
}

impl Shift {
    pub fn new(row: ShiftRow, shared: Arc<Shared>) -> Self {
        Self { row, shared }
    }

    /// A shift shown on its own: its layer and person come from the loaders.
    pub fn alone(row: ShiftRow) -> Self {
        Self::new(row, Arc::default())
    }
}

#[Object]
impl Shift {
    async fn user(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        match &self.shared.users {
            // A vacant piece's person (the nil id) is absent from the batch: nobody.
            Some(users) => Ok(users.get(&self.row.user).cloned().map(User)),
            None => user_object(ctx, Some(self.row.user)).await,
        }
    }
    async fn layer_id(&self) -> ID {
        ID(self.row.layer.to_string())
    }
    async fn layer_name(&self, ctx: &Context<'_>) -> Result<String> {
        if let Some(name) = self.shared.layer_names.get(&self.row.layer) {
            return Ok(name.clone());
        }
        Ok(loaders(ctx)
            .layers
            .load_one(self.row.layer)
            .await?
            .map(|l| l.name)
            .unwrap_or_default())
    }
    async fn starts_at(&self) -> DateTime<Utc> {
        self.row.span.start
    }
    async fn ends_at(&self) -> DateTime<Utc> {
        self.row.span.end
    }
    /// Shadowing: sees what the primary sees, never paged.
    async fn shadow(&self) -> bool {
        self.row.shadow
    }
    /// The overrides this shift comes from, in order (empty: the rotation's own; a shift
    /// merged from a rotation piece and an override of the same person lists it).
    async fn override_ids(&self) -> Vec<ID> {
        self.row
            .overrides
            .iter()
            .map(|o| ID(o.to_string()))
            .collect()
    }
}
