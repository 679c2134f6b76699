//! Use cases. Each service function validates its input, computes with the pure core and
//! persists inside one transaction, returning a typed [`ServiceError`]. Callers (GraphQL
//! resolvers, the CLI, jobs) only translate in and out.

pub mod action_items;
pub mod audit;
pub mod catalog;
pub mod due;
pub mod events;
pub mod incidents;
pub mod metrics;
pub mod notifications;
pub mod organization;
pub mod pagination;
pub mod paging;
pub mod postmortems;
pub mod retention;
pub mod schedules;
pub mod severity;
pub mod status_page;
pub mod teams;
pub mod templates;
pub mod users;
pub mod visibility;

use crate::auth::Principal;
use crate::db::Db;
use chrono::{DateTime, Utc};

pub use crate::error::{ServiceError, ServiceResult};

/// What every use case needs: the database, who is acting, and when.
#[derive(Clone, Copy)]
pub struct Ctx<'a> {
    pub db: &'a Db,
    pub principal: &'a Principal,
    pub now: DateTime<Utc>,
}

/// Parses an opaque ID given by a client. A malformed one cannot name anything, so it is
/// reported like an unknown one.
pub fn parse_id(raw: &str, what: &'static str) -> ServiceResult<uuid::Uuid> {
    uuid::Uuid::parse_str(raw).map_err(|_| ServiceError::NotFound(what))
}
