//! Content negotiation for GraphQL over HTTP: which media type the response uses.

use axum::http::HeaderMap;
use axum::http::header::ACCEPT;

pub const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";
pub const JSON: &str = "application/json";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaType {
    /// `application/graphql-response+json`: the spec's primary response type.
    GraphqlResponse,
    /// `application/json`: legacy clients; same status codes, this type on 2xx.
    Json,
}

impl MediaType {
    pub fn content_type(self) -> &'static str {
        match self {
            MediaType::GraphqlResponse => "application/graphql-response+json; charset=utf-8",
            MediaType::Json => "application/json; charset=utf-8",
        }
    }
}

struct Range<'a> {
    kind: &'a str,
    q: f32,
    charset_ok: bool,
}

fn ranges(headers: &HeaderMap) -> Vec<Range<'_>> {
    headers
        .get_all(ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|item| {
            let mut parts = item.split(';').map(str::trim);
            let kind = parts.next().filter(|k| !k.is_empty())?;
            let mut q = 1.0f32;
            let mut charset_ok = true;
            for param in parts {
                let Some((k, v)) = param.split_once('=') else {
                    continue;
                };
                let v = v.trim().trim_matches('"');
                match k.trim().to_ascii_lowercase().as_str() {
                    "q" => q = v.parse().unwrap_or(0.0),
                    "charset" => charset_ok = v.eq_ignore_ascii_case("utf-8"),
                    _ => {}
                }
            }
            Some(Range {
                kind,
                q,
                charset_ok,
            })
        })
        .collect()
}

/// The response media type for this request's `Accept`, or `None` when nothing we can
/// produce is acceptable (406). No `Accept` at all means the server's choice.
pub fn negotiate(headers: &HeaderMap) -> Option<MediaType> {
    let ranges = ranges(headers);
    if ranges.is_empty() {
        return Some(MediaType::GraphqlResponse);
    }
    let quality = |ours: &str| -> f32 {
        // The most specific matching range decides, per RFC 9110 §12.5.1.
        let mut best: Option<(u8, f32)> = None;
        for r in &ranges {
            let specificity = if r.kind.eq_ignore_ascii_case(ours) {
                2
            } else if r.kind.eq_ignore_ascii_case("application/*") {
                1
            } else if r.kind == "*/*" {
                0
            } else {
                continue;
            };
            let q = if r.charset_ok { r.q } else { 0.0 };
            if best.is_none_or(|(s, _)| specificity > s) {
                best = Some((specificity, q));
            }
        }
        best.map_or(0.0, |(_, q)| q)
    };
    let gr = quality(GRAPHQL_RESPONSE);
    let json = quality(JSON);
    if gr <= 0.0 && json <= 0.0 {
        None
    } else if gr >= json {
        Some(MediaType::GraphqlResponse)
    } else {
        Some(MediaType::Json)
    }
}

/// Whether the client is a browser asking for a page (GraphiQL).
pub fn wants_html(headers: &HeaderMap) -> bool {
    ranges(headers)
        .iter()
        .any(|r| r.kind.eq_ignore_ascii_case("text/html") && r.q > 0.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn accept(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(ACCEPT, HeaderValue::from_str(v).unwrap());
        h
    }

    #[test]
    fn negotiation() {
        assert_eq!(
            negotiate(&HeaderMap::new()),
            Some(MediaType::GraphqlResponse)
        );
        assert_eq!(
            negotiate(&accept("application/json")),
            Some(MediaType::Json)
        );
        assert_eq!(
            negotiate(&accept(
                "application/graphql-response+json, application/json;q=0.9"
            )),
            Some(MediaType::GraphqlResponse)
        );
        assert_eq!(
            negotiate(&accept(
                "application/graphql-response+json;q=0.5, application/json"
            )),
            Some(MediaType::Json)
        );
        assert_eq!(negotiate(&accept("*/*")), Some(MediaType::GraphqlResponse));
        assert_eq!(
            negotiate(&accept("application/*")),
            Some(MediaType::GraphqlResponse)
        );
        assert_eq!(negotiate(&accept("text/html")), None);
        assert_eq!(negotiate(&accept("application/xml, text/plain")), None);
        assert_eq!(negotiate(&accept("application/json;q=0")), None);
        assert_eq!(negotiate(&accept("application/json; charset=latin1")), None);
        assert_eq!(
            negotiate(&accept("*/*, application/json;q=0")),
            Some(MediaType::GraphqlResponse)
        );
    }

    #[test]
    fn html() {
        assert!(wants_html(&accept(
            "text/html,application/xhtml+xml,*/*;q=0.8"
        )));
        assert!(!wants_html(&accept("application/json")));
    }
}
