//! What a resolver reaches through `Context`: the app state (schema data), and per request
//! the principal and the DataLoaders.

use crate::app::AppState;
use crate::auth::Principal;
use crate::services::Ctx;
use async_graphql::Context;

/// Per-request data attached by the HTTP handler.
pub struct RequestData {
    pub principal: Principal,
    pub now: chrono::DateTime<chrono::Utc>,
}

pub fn state<'a>(ctx: &Context<'a>) -> &'a AppState {
    ctx.data_unchecked::<AppState>()
}

pub fn request<'a>(ctx: &Context<'a>) -> &'a RequestData {
    ctx.data_unchecked::<RequestData>()
}

/// The service context for this request: its database, caller and instant. One instant
/// per request, so everything a request writes carries the same time.
pub fn svc<'a>(ctx: &Context<'a>) -> Ctx<'a> {
    let req = request(ctx);
    Ctx {
        db: &state(ctx).db,
        principal: &req.principal,
        now: req.now,
    }
}
