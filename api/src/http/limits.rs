//! Header limits, enforced before anything parses a header: 431 for oversized headers or
//! an oversized `Authorization` header.

use super::problem::problem;
use super::state::AppState;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;

pub async fn header_limits(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let limits = &state.config.http;
    let total: usize = req
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 4)
        .sum();
    if total > limits.max_header_bytes {
        return problem(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "BAD_REQUEST",
            "request headers are too large",
        );
    }
    let auth_len: usize = req
        .headers()
        .get_all(header::AUTHORIZATION)
        .iter()
        .map(|v| v.len())
        .sum();
    if auth_len > state.config.auth.max_auth_header_bytes {
        return problem(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "BAD_REQUEST",
            "the Authorization header is too large",
        );
    }
    next.run(req).await
}
