//! What a `firebreak worker` process serves on its listen address: `/healthz`,
//! `/readyz` and `/metrics` (deliveries by outcome, scans, queue depth and the oldest
//! pending job, read at scrape time).

use crate::db::Db;
use crate::metrics::Metrics;
use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sea_orm::{ConnectionTrait, Statement};
use std::sync::Arc;

#[derive(Clone)]
pub struct WorkerHttp {
    pub db: Db,
    pub metrics: Arc<Metrics>,
    pub clock: scheduler::clock::SharedClock,
}

pub fn router(state: WorkerHttp) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .with_state(state)
}

async fn readyz(State(state): State<WorkerHttp>) -> Response {
    match state.db.ping().await {
        Ok(()) => (StatusCode::OK, "ready").into_response(),
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response(),
    }
}

async fn metrics(State(state): State<WorkerHttp>) -> Response {
    refresh_queue_metrics(&state.db, &state.metrics, state.clock.now()).await;
    let (open, idle) = state.db.pool_state();
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics.render(open, idle),
    )
        .into_response()
}

/// Reads the queue's depth and oldest job, and the outbox's due count, into the gauges.
/// A failed read leaves the last values (and is logged).
pub async fn refresh_queue_metrics(db: &Db, metrics: &Metrics, now: chrono::DateTime<chrono::Utc>) {
    let queue = super::queue::stats(db).await;
    let backend = db.backend();
    let placeholder = if backend == sea_orm::DatabaseBackend::Postgres {
        "$1"
    } else {
        "?"
    };
    let sql = format!(
        "SELECT COUNT(*) AS n FROM deliveries WHERE next_attempt_at <= {placeholder} \
         AND delivered_at IS NULL AND failed_at IS NULL"
    );
    let outbox = db
        .conn()
        .query_one_raw(Statement::from_sql_and_values(backend, sql, [now.into()]))
        .await;
    match (queue, outbox) {
        (Ok((depth, oldest)), Ok(row)) => {
            let due = row
                .and_then(|r| r.try_get::<i64>("", "n").ok())
                .unwrap_or(0);
            metrics.worker().queue(depth, oldest, due);
        }
        (Err(e), _) => tracing::warn!(error = %e, "cannot read the queue's state"),
        (_, Err(e)) => tracing::warn!(error = %e, "cannot read the outbox's state"),
    }
}
