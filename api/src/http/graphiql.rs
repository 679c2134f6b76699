//! GraphiQL, served from the binary: an incident tool is used during outages and inside
//! closed networks, and a page where people paste tokens should run no script from a CDN.
//! The assets are GraphiQL's and React's UMD production builds, refreshed from the npm
//! registry by `api/assets/graphiql/refresh.sh` and committed with their licences.

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// Scripts only from this origin (no inline script, no CDN); GraphiQL sets inline styles,
/// so styles may be inline; requests go to this origin only.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
                   img-src 'self' data:; font-src 'self' data:; connect-src 'self'; \
                   object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

const PAGE: &str = r#"<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Firebreak GraphiQL</title>
    <link rel="stylesheet" href="/graphiql/graphiql.min.css" />
    <style>body { margin: 0; } #graphiql { height: 100vh; }</style>
  </head>
  <body>
    <div id="graphiql">Loading GraphiQL…</div>
    <script src="/graphiql/react.production.min.js"></script>
    <script src="/graphiql/react-dom.production.min.js"></script>
    <script src="/graphiql/graphiql.min.js"></script>
    <script src="/graphiql/init.js"></script>
  </body>
</html>
"#;

/// One embedded file: its name in the URL, its media type and its bytes.
struct Asset {
    name: &'static str,
    media_type: &'static str,
    bytes: &'static [u8],
}

const ASSETS: &[Asset] = &[
    Asset {
        name: "graphiql.min.js",
        media_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../assets/graphiql/graphiql.min.js"),
    },
    Asset {
        name: "graphiql.min.css",
        media_type: "text/css; charset=utf-8",
        bytes: include_bytes!("../../assets/graphiql/graphiql.min.css"),
    },
    Asset {
        name: "react.production.min.js",
        media_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../assets/graphiql/react.production.min.js"),
    },
    Asset {
        name: "react-dom.production.min.js",
        media_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../assets/graphiql/react-dom.production.min.js"),
    },
    Asset {
        name: "init.js",
        media_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../assets/graphiql/init.js"),
    },
    Asset {
        name: "LICENSE.graphiql",
        media_type: "text/plain; charset=utf-8",
        bytes: include_bytes!("../../assets/graphiql/LICENSE.graphiql"),
    },
    Asset {
        name: "LICENSE.react",
        media_type: "text/plain; charset=utf-8",
        bytes: include_bytes!("../../assets/graphiql/LICENSE.react"),
    },
    Asset {
        name: "LICENSE.react-dom",
        media_type: "text/plain; charset=utf-8",
        bytes: include_bytes!("../../assets/graphiql/LICENSE.react-dom"),
    },
];

fn with_security_headers(mut res: Response) -> Response {
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    res
}

/// The GraphiQL page.
pub fn page() -> Response {
    with_security_headers(
        ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], PAGE).into_response(),
    )
}

/// `GET /graphiql/{file}`: one embedded asset.
pub async fn asset(Path(file): Path<String>) -> Response {
    match ASSETS.iter().find(|a| a.name == file) {
        Some(a) => with_security_headers(
            (
                [
                    (header::CONTENT_TYPE, a.media_type),
                    (header::CACHE_CONTROL, "public, max-age=86400"),
                ],
                a.bytes,
            )
                .into_response(),
        ),
        None => (StatusCode::NOT_FOUND, "no such file").into_response(),
    }
}
