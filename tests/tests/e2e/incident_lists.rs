//! Incident lists: links between incidents (duplicates, recurrences), filters and keyset
//! pages.

use super::incidents::{DECLARE, declare, mutate};
use chrono::Duration;
use entity::Role;
use firebreak_tests::e2e;
use firebreak_tests::serde_json::json;

e2e!(links_duplicates_and_filters, |app| {
    let (_, t) = app.user(Role::Responder).await;
    let first = declare(
        &app,
        &t,
        json!({ "title": "Search slow", "severity": "SEV3" }),
    )
    .await;
    app.advance_clock(Duration::hours(1));
    let dup = declare(
        &app,
        &t,
        json!({ "title": "Search is slow again", "severity": "SEV3" }),
    )
    .await;
    let later = declare(
        &app,
        &t,
        json!({ "title": "Checkout down", "severity": "SEV1" }),
    )
    .await;
    mutate(
        &app,
        &t,
        "markDuplicate",
        json!({ "incidentId": first["id"], "ofIncidentId": dup["id"] }),
    )
    .await
    .expect_code("BAD_USER_INPUT");
    mutate(
        &app,
        &t,
        "markDuplicate",
        json!({ "incidentId": dup["id"], "ofIncidentId": dup["id"] }),
    )
    .await
    .expect_code("BAD_USER_INPUT");
    let res = mutate(
        &app,
        &t,
        "markDuplicate",
        json!({ "incidentId": dup["id"], "ofIncidentId": first["id"] }),
    )
    .await;
    assert_eq!(res.ok()["markDuplicate"]["incident"]["status"], "RESOLVED");
    mutate(
        &app,
        &t,
        "resolveIncident",
        json!({ "incidentId": first["id"], "summary": "reindexed" }),
    )
    .await
    .ok();
    mutate(
        &app,
        &t,
        "linkRecurrence",
        json!({ "incidentId": later["id"], "earlierIncidentId": first["id"] }),
    )
    .await
    .ok();
    let res = app
        .gql(
            Some(&t),
            "query($id: ID!) { incident(id: $id) { recurrenceOf { title } } }",
            json!({ "id": later["id"] }),
        )
        .await;
    assert_eq!(res.ok()["incident"]["recurrenceOf"]["title"], "Search slow");
    let res = app
        .gql(
            Some(&t),
            "query($id: ID!) { incident(id: $id) { duplicateOf { title } resolutionSummary } }",
            json!({ "id": dup["id"] }),
        )
        .await;
    assert_eq!(res.ok()["incident"]["duplicateOf"]["title"], "Search slow");

    let names = |res: firebreak_tests::Gql| -> Vec<String> {
        res.ok()["incidents"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"]["title"].as_str().unwrap().to_owned())
            .collect()
    };
    let q = "query($f: IncidentFilterInput, $first: Int, $after: String) { incidents(filter: $f, first: $first, after: $after) { edges { node { title } } pageInfo { hasNextPage endCursor } } }";
    assert_eq!(
        names(
            app.gql(
                Some(&t),
                q,
                json!({ "f": { "statuses": ["INVESTIGATING"] } })
            )
            .await
        ),
        ["Checkout down"]
    );
    assert_eq!(
        names(
            app.gql(Some(&t), q, json!({ "f": { "severities": ["SEV3"] } }))
                .await
        ),
        ["Search is slow again", "Search slow"]
    );
    assert_eq!(
        names(
            app.gql(Some(&t), q, json!({ "f": { "text": "SLOW" } }))
                .await
        )
        .len(),
        2
    );
    assert_eq!(
        names(
            app.gql(Some(&t), q, json!({ "f": { "text": "100%_" } }))
                .await
        )
        .len(),
        0
    );
    assert_eq!(
        names(
            app.gql(
                Some(&t),
                q,
                json!({ "f": { "declaredFrom": "2026-11-23T09:30:00Z" } })
            )
            .await
        ),
        ["Checkout down", "Search is slow again"]
    );
    // Newest declared first, with an id tie-break: the two declared at the same instant page cleanly.
    let res = app.gql(Some(&t), q, json!({ "first": 1 })).await;
    let cursor = res.ok()["incidents"]["pageInfo"]["endCursor"].clone();
    assert_eq!(names(res), ["Checkout down"]);
    let res = app
        .gql(Some(&t), q, json!({ "first": 1, "after": cursor }))
        .await;
    assert_eq!(names(res), ["Search is slow again"]);
    app.gql(Some(&t), q, json!({ "first": 101 }))
        .await
        .expect_code("BAD_USER_INPUT");
});

e2e!(incidents_filter_by_team_and_service, |app| {
    let admin = app.token(Role::Admin).await;
    let (_, t) = app.user(Role::Responder).await;
    let team = app
        .gql(
            Some(&admin),
            r#"mutation { createTeam(input: { name: "Payments" }) { team { id } } }"#,
            json!({}),
        )
        .await
        .ok()["createTeam"]["team"]["id"]
        .clone();
    let svc = app
        .gql(Some(&admin), "mutation($t: ID!) { createService(input: { name: \"checkout\", teamId: $t }) { service { id } } }", json!({ "t": team }))
        .await
        .ok()["createService"]["service"]["id"]
        .clone();
    // The service's team becomes the incident's team.
    let with_service = app
        .gql(
            Some(&t),
            DECLARE,
            json!({ "in": { "title": "Checkout errors", "severity": "SEV2", "serviceId": svc } }),
        )
        .await;
    with_service.ok();
    declare(&app, &t, json!({ "title": "Unowned", "severity": "SEV3" })).await;
    let q = "query($f: IncidentFilterInput) { incidents(filter: $f) { edges { node { title team { name } service { name } } } } }";
    for f in [json!({ "teamId": team }), json!({ "serviceId": svc })] {
        let res = app.gql(Some(&t), q, json!({ "f": f })).await;
        let edges = res.ok()["incidents"]["edges"].as_array().unwrap().clone();
        assert_eq!(edges.len(), 1, "{f}");
        assert_eq!(edges[0]["node"]["team"]["name"], "Payments");
        assert_eq!(edges[0]["node"]["service"]["name"], "checkout");
    }
});
