//! The HTTP surface: the GraphQL endpoint, health, readiness and metrics, behind request
//! ids, tracing, timeouts and header-size limits.

mod body;
mod deliveries;
mod documents;
mod field_order;
pub mod graphiql;
pub mod graphql;
pub mod health;
pub mod ical;
pub mod limits;
pub(crate) mod state;

pub use state::AppState;
pub mod negotiate;
pub mod problem;
pub mod reports;
pub mod webhooks;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, Request};
use axum::routing::{get, post};
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

pub fn router(state: AppState) -> Router {
    let timeout = state.config.http.request_timeout;
    Router::new()
        .route(
            "/graphql",
            get(graphql::handle)
                .post(graphql::handle)
                .fallback(graphql::method_not_allowed),
        )
        .route("/graphiql/{file}", get(graphiql::asset))
        // The token is in the query string: the request span records the path only.
        .route("/ical/users/{file}", get(ical::user_feed))
        .route("/ical/schedules/{file}", get(ical::schedule_feed))
        // Integration keys may be in the path: the request span records it without them.
        .route("/webhooks/alertmanager/{key}", post(webhooks::alertmanager_keyed))
        .route("/webhooks/alertmanager", post(webhooks::alertmanager_bearer))
        .route("/webhooks/generic/{key}", post(webhooks::generic_keyed))
        .route("/webhooks/generic", post(webhooks::generic_bearer))
        .route("/reports/oncall-load.csv", get(reports::oncall_load))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(health::metrics))
        .route("/", get(health::root))
        // The GraphQL handler reads the body itself, with the configured limit (413).
        .layer(DefaultBodyLimit::disable())
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
                .layer(
                    TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
                        let id = req
                            .headers()
                            .get(REQUEST_ID)
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or("-");
                        tracing::info_span!("request", method = %req.method(), path = %webhooks::loggable(req.uri().path()), request_id = %id)
                    }),
                )
                .layer(PropagateRequestIdLayer::new(REQUEST_ID))
                .layer(CatchPanicLayer::custom(problem::panic_response))
                .layer(axum::middleware::from_fn_with_state(
                    state.clone(),
                    deliveries::queue_written,
                ))
                .layer(axum::middleware::from_fn_with_state(
                    state.clone(),
                    limits::header_limits,
                ))
                .layer(TimeoutLayer::with_status_code(
                    axum::http::StatusCode::REQUEST_TIMEOUT,
                    timeout,
                )),
        )
        .with_state(state)
}
