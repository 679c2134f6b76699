//! Cost limits that match cost: a root field repeated through aliases is as expensive to ask
//! as it is to answer, lists are counted by their bound, the public status page is shared
//! between requests, and an anonymous caller can neither cost more than one status-page read
//! nor choose metric labels.

use entity::Role;
use firebreak_tests::serde_json::{Value, json};
use firebreak_tests::{TestApp, e2e};

async fn metrics(app: &TestApp) -> String {
    app.client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// The total statements and the request count recorded under an operation label.
fn statements(metrics: &str, op: &str) -> (f64, f64) {
    let read = |suffix: &str| -> f64 {
        let key = format!("firebreak_graphql_sql_statements_{suffix}{{operation=\"{op}\"}} ");
        metrics
            .lines()
            .find_map(|l| l.strip_prefix(&key))
            .map_or(0.0, |v| v.trim().parse().unwrap())
    };
    (read("sum"), read("count"))
}

fn aliases(n: usize, field: &str) -> String {
    let body: Vec<String> = (0..n).map(|i| format!("a{i}: {field}")).collect();
    format!("query Many {{ {} }}", body.join(" "))
}

e2e!(
    an_anonymous_request_costs_at_most_one_status_page_read,
    |app| {
        let app = TestApp::spawn_with(app.backend, |c| {
            c.graphql.status_page_cache = std::time::Duration::from_secs(60);
        })
        .await
        .unwrap();
        let t = app.token(Role::Responder).await;
        app.declare(&t, json!({ "title": "Checkout down", "severity": "SEV1", "customerImpact": true, "publicTitle": "Checkout" }))
        .await;
        let page = "statusPage { ongoing { title impact updates { message } } recent { title } postmortems { title } generatedAt }";

        // A thousand aliases: refused before anything runs.
        let res = app.gql(None, &aliases(1000, page), json!({})).await;
        assert_eq!(res.status, 422, "{}", res.body);
        // A hundred and fifty: one read of the page (five statements), shared by all of them
        // and by the requests after it.
        for _ in 0..3 {
            let res = app.gql(None, &aliases(150, page), json!({})).await;
            let data = res.ok();
            assert_eq!(data["a0"]["ongoing"][0]["title"], "Checkout");
            assert_eq!(data["a149"]["ongoing"][0]["title"], "Checkout");
        }
        let m = metrics(&app).await;
        let (sum, count) = statements(&m, "unauthenticated");
        assert_eq!(
            count, 4.0,
            "every anonymous request is counted under one label: {m}"
        );
        assert_eq!(sum, 5.0, "one status-page read in all: {m}");

        // Anonymous callers cannot mint operation labels.
        for n in 0..5 {
            app.gql(
                None,
                &format!("query Label{n} {{ statusPage {{ generatedAt }} }}"),
                json!({}),
            )
            .await
            .ok();
        }
        let m = metrics(&app).await;
        assert!(!m.contains("operation=\"Label"), "{m}");
        assert!(!m.contains("operation=\"Many\""), "{m}");
    }
);

e2e!(
    expensive_fields_and_nested_lists_are_priced_by_what_they_cost,
    |app| {
        let viewer = app.token(Role::Viewer).await;
        let metrics_field = "incidentMetrics(filter: { from: \"2026-11-01T00:00:00Z\", to: \"2026-12-01T00:00:00Z\" }) { total }";
        app.gql(Some(&viewer), &aliases(5, metrics_field), json!({}))
            .await
            .ok();
        let res = app
            .gql(Some(&viewer), &aliases(20, metrics_field), json!({}))
            .await;
        assert_eq!(res.status, 422, "{}", res.body);
        // A single-object root field costs its statement: a thousand aliases are refused.
        let res = app
            .gql(Some(&viewer), &aliases(1000, "viewer { id }"), json!({}))
            .await;
        assert_eq!(res.status, 422, "{}", res.body);
        // Capped lists count by their cap: nested, they multiply.
        let nested = "{ teams(first: 100) { nodes { members { user { teams { team { members { user { name } } } } } } } } }";
        let res = app.gql(Some(&viewer), nested, json!({})).await;
        assert_eq!(res.status, 422, "{}", res.body);
        let modest = "{ teams(first: 20) { nodes { name members { user { name } } } } }";
        app.gql(Some(&viewer), modest, json!({})).await.ok();
    }
);

e2e!(an_incident_timeline_is_paged_both_ways, |app| {
    let t = app.token(Role::Responder).await;
    let id = app
        .declare(&t, json!({ "title": "Flapping", "severity": "SEV3" }))
        .await["id"]
        .clone();
    for n in 0..7 {
        app.call(
            &t,
            "logEvent",
            "LogEventInput",
            json!({ "incidentId": id, "kind": "NOTE", "message": format!("note {n}") }),
            "incident { id }",
        )
        .await
        .ok();
        app.advance_clock(chrono::Duration::seconds(1));
    }
    let q = "query($id: ID!, $first: Int!, $after: String, $order: LogOrder!) { incident(id: $id) { timeline(first: $first, after: $after, order: $order) { nodes { message } pageInfo { hasNextPage endCursor } } } }";
    let mut seen = Vec::new();
    let mut after = Value::Null;
    loop {
        let res = app
            .gql(
                Some(&t),
                q,
                json!({ "id": id, "first": 3, "after": after, "order": "NEWEST_FIRST" }),
            )
            .await;
        let tl = res.ok()["incident"]["timeline"].clone();
        seen.extend(
            tl["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| n["message"].as_str().unwrap().to_owned()),
        );
        if tl["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = tl["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(seen.len(), 8, "declared + 7 notes: {seen:?}");
    assert_eq!(seen[0], "note 6");
    assert!(seen[7].starts_with("Declared"));
    let res = app
        .gql(
            Some(&t),
            q,
            json!({ "id": id, "first": 101, "order": "OLDEST_FIRST" }),
        )
        .await;
    res.expect_reason("BAD_USER_INPUT", "PAGE_SIZE_OUT_OF_RANGE");
});
