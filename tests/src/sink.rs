//! A local HTTP receiver for webhook deliveries: it records every request (headers and
//! raw body), can refuse the first N with a 500, and can take its time answering (so a
//! worker can be killed mid-send).

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use serde_json::Value;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One request the sink received.
#[derive(Debug, Clone)]
pub struct Received {
    pub id: String,
    pub timestamp: String,
    pub signature: String,
    pub raw: String,
    pub body: Value,
    /// Whether the sink answered it with success.
    pub accepted: bool,
}

#[derive(Default)]
struct Inner {
    received: Mutex<Vec<Received>>,
    fail_first: AtomicUsize,
    delay_ms: AtomicUsize,
}

#[derive(Clone)]
pub struct Sink {
    pub addr: SocketAddr,
    inner: Arc<Inner>,
}

async fn receive(State(inner): State<Arc<Inner>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let delay = inner.delay_ms.load(Ordering::SeqCst);
    if delay > 0 {
        tokio::time::sleep(Duration::from_millis(delay as u64)).await;
    }
    let fail = inner
        .fail_first
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok();
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let raw = String::from_utf8_lossy(&body).into_owned();
    inner
        .received
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .push(Received {
            id: header("webhook-id"),
            timestamp: header("webhook-timestamp"),
            signature: header("webhook-signature"),
            body: serde_json::from_str(&raw).unwrap_or(Value::Null),
            raw,
            accepted: !fail,
        });
    if fail {
        StatusCode::INTERNAL_SERVER_ERROR
    } else {
        StatusCode::NO_CONTENT
    }
}

impl Sink {
    pub async fn start() -> Sink {
        let inner = Arc::new(Inner::default());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a local port");
        let addr = listener.local_addr().expect("an address");
        let app = Router::new()
            .route("/hook", post(receive))
            .with_state(Arc::clone(&inner));
        tokio::spawn(async move {
            axum::serve(listener, app).await.ok();
        });
        Sink { addr, inner }
    }

    pub fn url(&self) -> String {
        format!("http://{}/hook", self.addr)
    }

    /// Answers the next `n` requests with HTTP 500.
    pub fn fail_next(&self, n: usize) {
        self.inner.fail_first.store(n, Ordering::SeqCst);
    }

    /// Waits this long before answering each request.
    pub fn delay(&self, ms: usize) {
        self.inner.delay_ms.store(ms, Ordering::SeqCst);
    }

    /// Forgets what it received.
    pub fn clear(&self) {
        self.inner
            .received
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }

    pub fn received(&self) -> Vec<Received> {
        self.inner
            .received
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Distinct webhook ids accepted.
    pub fn accepted_ids(&self) -> std::collections::BTreeSet<String> {
        self.received()
            .into_iter()
            .filter(|r| r.accepted)
            .map(|r| r.id)
            .collect()
    }

    /// The recorded requests as the independent verifier reads them.
    pub fn as_verifier_input(&self) -> Value {
        Value::Array(
            self.received()
                .into_iter()
                .map(|r| {
                    serde_json::json!({
                        "headers": {
                            "webhook-id": r.id,
                            "webhook-timestamp": r.timestamp,
                            "webhook-signature": r.signature,
                        },
                        "body": r.raw,
                    })
                })
                .collect(),
        )
    }
}
