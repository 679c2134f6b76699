//! Alerts in: `POST /webhooks/alertmanager/{key}` (Prometheus Alertmanager's webhook,
//! payload version 4; the key may instead come as a bearer token, Alertmanager's
//! `http_config.authorization`) and `POST /webhooks/generic/{key}`. Unknown or revoked
//! key: 404; a body that is not the payload: 400 with the reason; applied: 200. The key
//! never reaches a log line: the request span records `/webhooks/<kind>/{key}`.

use super::state::AppState;
use crate::services::paging::inbound::{self, BadPayload, Outcome};
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// The path as request logs record it: a webhook's key replaced.
pub fn loggable(path: &str) -> String {
    match path.strip_prefix("/webhooks/") {
        Some(rest) => match rest.split_once('/') {
            Some((kind, _)) => format!("/webhooks/{kind}/{{key}}"),
            None => path.to_owned(),
        },
        None => path.to_owned(),
    }
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|k| k.trim().to_owned())
}

#[derive(Clone, Copy)]
enum Kind {
    Alertmanager,
    Generic,
}

async fn handle(state: AppState, kind: Kind, key: Option<String>, body: Body) -> Response {
    let Some(key) = key.filter(|k| !k.is_empty()) else {
        return (
            StatusCode::UNAUTHORIZED,
            "the integration key goes in the path or as a bearer token",
        )
            .into_response();
    };
    let limit = state.config.http.max_body_bytes;
    let bytes = match axum::body::to_bytes(body, limit).await {
        Ok(b) => b,
        Err(_) => return (StatusCode::PAYLOAD_TOO_LARGE, "the body is too large").into_response(),
    };
    let now = state.clock.now();
    let result = match kind {
        Kind::Alertmanager => inbound::alertmanager(&state.db, &key, &bytes, now).await,
        Kind::Generic => inbound::generic(&state.db, &key, &bytes, now).await,
    };
    match result {
        Err(BadPayload(reason)) => (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({ "error": reason })),
        )
            .into_response(),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "webhook delivery failed");
            (StatusCode::SERVICE_UNAVAILABLE, "try again").into_response()
        }
        Ok(Ok(Outcome::UnknownKey)) => {
            (StatusCode::NOT_FOUND, "no such integration").into_response()
        }
        Ok(Ok(outcome)) => {
            let (what, id) = match outcome {
                Outcome::Opened(id) => ("opened", Some(id)),
                Outcome::Updated(id) => ("updated", Some(id)),
                Outcome::Resolved(id) => ("resolved", Some(id)),
                _ => ("unchanged", None),
            };
            axum::Json(json!({ "result": what, "alertId": id })).into_response()
        }
    }
}

pub async fn alertmanager_keyed(
    State(state): State<AppState>,
    Path(key): Path<String>,
    body: Body,
) -> Response {
    handle(state, Kind::Alertmanager, Some(key), body).await
}

pub async fn alertmanager_bearer(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    handle(state, Kind::Alertmanager, bearer(&headers), body).await
}

pub async fn generic_keyed(
    State(state): State<AppState>,
    Path(key): Path<String>,
    body: Body,
) -> Response {
    handle(state, Kind::Generic, Some(key), body).await
}

pub async fn generic_bearer(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    handle(state, Kind::Generic, bearer(&headers), body).await
}

#[cfg(test)]
mod tests {
    #[test]
    fn keys_stay_out_of_logged_paths() {
        assert_eq!(
            super::loggable("/webhooks/alertmanager/s3cr3t"),
            "/webhooks/alertmanager/{key}"
        );
        assert_eq!(super::loggable("/webhooks/generic"), "/webhooks/generic");
        assert_eq!(super::loggable("/graphql"), "/graphql");
    }
}
