//! After a request, queue the deliveries of the notifications it wrote (pages raised by
//! a declaration or an Alertmanager webhook), so a worker picks them up within a second
//! instead of at its next scan. The services that write notifications know nothing of
//! queues: they record ids in a task-local that this layer sets around the request.

use super::state::AppState;
use crate::services::notifications::pending;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;

pub async fn queue_written(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let Some(queue) = state.queue.clone() else {
        return next.run(req).await;
    };
    let written = pending::Written::default();
    let response = pending::collecting(written.clone(), next.run(req)).await;
    let ids = pending::take(&written);
    // Rows of a transaction that rolled back are not there: their jobs find nothing.
    if !ids.is_empty()
        && let Err(e) = queue.push(&ids, std::time::Duration::ZERO).await
    {
        tracing::warn!(error = %e, "could not queue deliveries; the worker's next scan will");
    }
    response
}
