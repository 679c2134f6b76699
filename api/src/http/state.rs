//! What every HTTP handler needs, built once by the app's assembly (`app`) and cloned
//! into each request: the handlers depend on this, never on the assembly itself.

use crate::auth::token::TokenService;
use crate::config::Config;
use crate::db::Db;
use crate::graphql::AppSchema;
use crate::metrics::Metrics;
use scheduler::clock::SharedClock;
use std::sync::Arc;

/// Everything a request handler needs; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub clock: SharedClock,
    pub tokens: Arc<TokenService>,
    pub metrics: Arc<Metrics>,
    pub schema: AppSchema,
    /// The same schema with a deeper nesting allowance, for operations that only
    /// introspect (the standard introspection query nests `ofType` deeply).
    pub introspection_schema: AppSchema,
    pub config: Arc<Config>,
    /// Parsed documents by their text.
    pub documents: Arc<super::documents::Documents>,
    /// Where deliveries of notifications written by a request are queued (None: the
    /// worker's next scan finds them, as in the tests, which deliver in line).
    pub queue: Option<crate::worker::queue::Queue>,
}
