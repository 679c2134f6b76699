//! The stack's ceiling for a single object: `incident(id)` served by async-graphql alone,
//! with nothing of Firebreak's. The reference's token check and the reference's SQL (the
//! same four statements, token included, only the columns asked for), the rows turned into plain
//! `SimpleObject`s by the root resolver, async-graphql's default schema (strict validation,
//! no extensions, no limits) and its own JSON. It answers the same bytes as Firebreak and
//! the reference. Its ratio to the reference is what the required GraphQL library costs a
//! read of this shape before any code of ours runs: the most Firebreak's `incident(id)`
//! could reach on this stack.

use super::reference::{COLUMNS, LATEST, Ref, Shared, instant, roles_sql, timeline_sql, upper};
use async_graphql::{Context, EmptyMutation, EmptySubscription, ID, Object, SimpleObject};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use std::sync::Arc;

pub type CeilingSchema = async_graphql::Schema<Query, EmptyMutation, EmptySubscription>;

pub fn schema(reference: Arc<Ref>) -> CeilingSchema {
    async_graphql::Schema::build(Query, EmptyMutation, EmptySubscription)
        .data(reference)
        .finish()
}

pub struct Query;

#[derive(SimpleObject)]
#[graphql(rename_fields = "camelCase", complex)]
pub struct Incident {
    id: ID,
    title: String,
    severity: String,
    status: String,
    declared_at: String,
    roles: Vec<Role>,
    #[graphql(skip)]
    timeline: Timeline,
}

#[derive(async_graphql::Enum, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    NewestFirst,
    OldestFirst,
}

#[async_graphql::ComplexObject]
impl Incident {
    /// The latest entries, read with the incident (the arguments the measured query
    /// passes are the ones the SQL answers).
    async fn timeline(&self, first: i32, order: Order) -> &Timeline {
        debug_assert!(first as usize == LATEST && order == Order::NewestFirst);
        &self.timeline
    }
}

#[derive(SimpleObject)]
pub struct Role {
    role: String,
    user: Option<User>,
}

#[derive(SimpleObject)]
pub struct User {
    name: String,
}

#[derive(SimpleObject)]
pub struct Timeline {
    nodes: Vec<Entry>,
}

#[derive(SimpleObject)]
pub struct Entry {
    id: ID,
    at: String,
    kind: String,
    message: String,
}

#[Object]
impl Query {
    /// The incident with its roles and latest timeline entries, read at once.
    async fn incident(&self, ctx: &Context<'_>, id: ID) -> Option<Incident> {
        let db = ctx.data_unchecked::<Arc<Ref>>();
        let id: uuid::Uuid = id.parse().ok()?;
        let one = db.placeholders(1, 1);
        let rows = db
            .query(
                format!("SELECT {COLUMNS} FROM incidents WHERE id = {one}"),
                vec![id.into()],
            )
            .await;
        let row = rows.first()?;
        let roles = db.query(roles_sql(&one), vec![id.into()]).await;
        let timeline = db.query(timeline_sql(&one), vec![id.into()]).await;
        Some(Incident {
            id: ID(id.to_string()),
            title: row.try_get("", "title").ok()?,
            severity: upper(row.try_get("", "severity").ok()?),
            status: upper(row.try_get("", "status").ok()?),
            declared_at: instant(row.try_get("", "declared_at").ok()?),
            roles: roles
                .iter()
                .map(|r| Role {
                    role: upper(r.try_get("", "role").unwrap()),
                    user: r
                        .try_get::<Option<String>>("", "name")
                        .unwrap()
                        .map(|name| User { name }),
                })
                .collect(),
            timeline: Timeline {
                nodes: timeline
                    .iter()
                    .map(|e| Entry {
                        id: ID(e.try_get::<uuid::Uuid>("", "id").unwrap().to_string()),
                        at: instant(e.try_get("", "at").unwrap()),
                        kind: upper(e.try_get("", "kind").unwrap()),
                        message: e.try_get("", "message").unwrap(),
                    })
                    .collect(),
            },
        })
    }
}

/// `POST /one-graphql`: the reference's token check, then async-graphql.
pub async fn one(
    State(s): Shared,
    axum::Extension(schema): axum::Extension<CeilingSchema>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<String, StatusCode> {
    s.authenticate(&headers).await?;
    let request: async_graphql::Request =
        serde_json::from_slice(&body).map_err(|_| StatusCode::BAD_REQUEST)?;
    let response = schema.execute(request).await;
    serde_json::to_string(&response).map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)
}
