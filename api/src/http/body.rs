//! Reading a request body within the size limit, and refusing an oversized one so that
//! every client, streaming ones included, sees the 413.

use super::problem::problem;
use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;

/// How much of an oversized body is read and thrown away, as a multiple of the limit,
/// before the 413 is sent. A client that streams its body (a browser, Node's fetch) only
/// reads the response once it has sent everything; answering at once and closing the
/// connection under it shows that client a reset connection instead of the 413.
const DRAIN_FACTOR: usize = 8;
/// … and for how long at most.
const DRAIN_TIME: std::time::Duration = std::time::Duration::from_secs(5);

pub struct TooLarge {
    pub rest: axum::body::BodyDataStream,
    pub seen: usize,
}

/// Reads the body up to `limit` bytes; past that, hands back the unread rest.
pub async fn read_limited(body: Body, limit: usize) -> Result<bytes::Bytes, TooLarge> {
    use futures::StreamExt;
    let mut stream = body.into_data_stream();
    let mut buf = bytes::BytesMut::new();
    while let Some(chunk) = stream.next().await {
        let Ok(chunk) = chunk else {
            // A broken upload: nothing to answer but the refusal.
            return Err(TooLarge {
                rest: stream,
                seen: usize::MAX,
            });
        };
        if buf.len() + chunk.len() > limit {
            let seen = buf.len() + chunk.len();
            return Err(TooLarge { rest: stream, seen });
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf.freeze())
}

/// Reads and discards a bounded amount of the rest of an oversized body (see
/// [`DRAIN_FACTOR`]), then answers 413 and closes the connection.
pub async fn drain_then_too_large(
    mut rest: axum::body::BodyDataStream,
    mut seen: usize,
    limit: usize,
) -> Response {
    use futures::StreamExt;
    let cap = limit.saturating_mul(DRAIN_FACTOR);
    let deadline = tokio::time::Instant::now() + DRAIN_TIME;
    while seen < cap {
        match tokio::time::timeout_at(deadline, rest.next()).await {
            Ok(Some(Ok(chunk))) => seen = seen.saturating_add(chunk.len()),
            _ => break,
        }
    }
    let mut res = problem(
        StatusCode::PAYLOAD_TOO_LARGE,
        "BAD_REQUEST",
        "the request body is too large",
    );
    res.headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    res
}
