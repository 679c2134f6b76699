//! What users' tools send works: real third-party clients from another ecosystem, pinned
//! in `tests/node/package-lock.json` and installed by `.ci/run`.

use firebreak_tests::serde_json::{self, Value};
use firebreak_tests::{e2e, node};

e2e!(
    graphql_js_standard_introspection_builds_a_client_schema,
    |app| {
        let Some(out) = node("introspect.mjs", &[&app.url("/graphql")]).await else {
            return;
        };
        let summary: Value = serde_json::from_str(out.trim()).unwrap();
        assert_eq!(summary["status"], 200, "{summary}");
        assert_eq!(summary["query"], "Query");
        assert_eq!(summary["mutation"], "Mutation");
        assert_eq!(summary["hasIncident"], true);
        assert!(summary["types"].as_u64().unwrap() > 50, "{summary}");
    }
);

e2e!(a_streamed_oversized_body_gets_its_413, |app| {
    // Twice the 1 MiB limit, streamed without a Content-Length, as a browser sends it.
    let Some(out) = node("stream413.mjs", &[&app.url("/graphql"), "2097152"]).await else {
        return;
    };
    let res: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(res["status"], 413, "{res}");
    assert_eq!(res["connection"], "close");
});

/// Debian's Chromium, installed by `.ci/run`.
fn chromium() -> Option<&'static str> {
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
}

e2e!(graphiql_works_offline_in_a_real_browser, |app| {
    let Some(browser) = chromium() else {
        firebreak_tests::skip_or_fail("the GraphiQL browser test", "chromium is not installed");
        return;
    };
    let shot = std::env::temp_dir().join(format!("firebreak-graphiql-{:?}.png", app.backend));
    let Some(out) = node(
        "graphiql.mjs",
        &[&app.url(""), browser, shot.to_str().unwrap()],
    )
    .await
    else {
        return;
    };
    let res: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(res["ok"], true, "{res}");
    assert_eq!(
        res["outside"],
        serde_json::json!([]),
        "no request left the server: {res}"
    );
    assert!(
        res["csp"].as_str().unwrap().contains("script-src 'self'"),
        "{res}"
    );
    assert!(res["explorer"].as_str().unwrap().contains("Query"), "{res}");
});

e2e!(response_fields_come_in_the_order_the_query_asked, |app| {
    let token = app.token(entity::Role::Viewer).await;
    // Fields resolve concurrently and finish in any order: ask often enough to see it.
    for _ in 0..20 {
        let text = app
            .client
            .post(app.url("/graphql"))
            .bearer_auth(&token)
            .json(&serde_json::json!({
                "query": "{ zulu: organization { timeZone name } alpha: viewer { role login id } }"
            }))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let at = |key: &str| {
            text.find(&format!("\"{key}\""))
                .unwrap_or_else(|| panic!("{key} in {text}"))
        };
        let order = ["zulu", "timeZone", "name", "alpha", "role", "login", "id"];
        for pair in order.windows(2) {
            assert!(at(pair[0]) < at(pair[1]), "{pair:?} out of order: {text}");
        }
    }
});
