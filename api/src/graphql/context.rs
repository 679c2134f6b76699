//! What a resolver reaches through `Context`: the schema's data (the database and the
//! shared status-page cache, given when the schema is built), and per request the
//! principal, the request's instant and the DataLoaders. Nothing here reaches back into
//! the HTTP layer or the app's assembly.

use crate::auth::Principal;
use crate::db::Db;
use crate::services::Ctx;
use crate::services::status_page::StatusPageCache;
use async_graphql::Context;
use std::sync::Arc;

/// What every resolver may use beyond the request: attached to the schema once.
#[derive(Clone)]
pub struct SchemaData {
    pub db: Db,
    pub status_page: Arc<StatusPageCache>,
    /// Checks (and, for test sends, makes) requests to users' own targets.
    pub outbound: crate::outbound::Outbound,
}

/// Per-request data attached by the HTTP handler.
pub struct RequestData {
    pub principal: Principal,
    pub now: chrono::DateTime<chrono::Utc>,
}

pub fn data<'a>(ctx: &Context<'a>) -> &'a SchemaData {
    ctx.data_unchecked::<SchemaData>()
}

pub fn request<'a>(ctx: &Context<'a>) -> &'a RequestData {
    ctx.data_unchecked::<RequestData>()
}

/// The service context for this request: its database, caller and instant. One instant
/// per request, so everything a request writes carries the same time.
pub fn service_ctx<'a>(ctx: &Context<'a>) -> Ctx<'a> {
    let req = request(ctx);
    Ctx {
        db: &data(ctx).db,
        principal: &req.principal,
        now: req.now,
    }
}
