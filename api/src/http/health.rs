//! Liveness, readiness and metrics.

use super::state::AppState;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

/// The process is up.
pub async fn healthz() -> &'static str {
    "ok"
}

/// The database answers; 503 otherwise, so a load balancer stops sending traffic.
pub async fn readyz(State(state): State<AppState>) -> Response {
    match state.db.ping().await {
        Ok(()) => (StatusCode::OK, "ready").into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}

/// Prometheus text exposition format.
pub async fn metrics(State(state): State<AppState>) -> Response {
    if state.queue.is_some() {
        crate::worker::http::refresh_queue_metrics(&state.db, &state.metrics, state.clock.now())
            .await;
    }
    let (open, idle) = state.db.pool_state();
    let body = state.metrics.render(open, idle);
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        body,
    )
        .into_response()
}

/// A browser opening the root lands in GraphiQL.
pub async fn root() -> Redirect {
    Redirect::temporary("/graphql")
}
