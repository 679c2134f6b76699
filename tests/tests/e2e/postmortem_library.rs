//! The library of past postmortems (list and search) and action items whose due dates
//! move: a date moved after it passed stays a miss.

use super::postmortems::{declare, postmortem, resolve};
use chrono::Duration;
use entity::Role;
use firebreak_tests::e2e;
use firebreak_tests::serde_json::json;

e2e!(the_postmortem_library_lists_and_searches, |app| {
    let (_, ada) = app.named_user("ada", Role::Responder).await;
    let (_, mia) = app.named_user("mia", Role::Manager).await;
    let (_, vic) = app.named_user("vic", Role::Viewer).await;
    let admin = app.token(Role::Admin).await;
    let team = app
        .call(
            &admin,
            "createTeam",
            "CreateTeamInput",
            json!({ "name": "Payments" }),
            "team { id }",
        )
        .await
        .ok()["createTeam"]["team"]["id"]
        .clone();
    let mut ids = Vec::new();
    for (title, severity, in_team) in [
        ("Checkout down", "SEV1", true),
        ("Zürich payouts delayed", "SEV2", true),
        ("Search slow", "SEV2", false),
    ] {
        let mut input = json!({ "title": title, "severity": severity });
        if in_team {
            input["teamId"] = team.clone();
        }
        let id = app.declare(&ada, input).await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        resolve(&app, &ada, &id).await.ok();
        ids.push(id);
        app.advance_clock(Duration::minutes(10));
    }
    // A restricted one: in the library only for those who may see it.
    let secret = app
        .declare(
            &mia,
            json!({ "title": "Token leak", "severity": "SEV1", "restricted": true }),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    resolve(&app, &mia, &secret).await.ok();
    let q = "query($f: PostmortemFilterInput, $first: Int, $after: String) { postmortems(filter: $f, first: $first, after: $after) { nodes { status incident { title } } pageInfo { hasNextPage endCursor } } }";
    let titles = |res: firebreak_tests::Gql| -> Vec<String> {
        res.ok()["postmortems"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["incident"]["title"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        titles(app.gql(Some(&vic), q, json!({})).await),
        ["Search slow", "Zürich payouts delayed", "Checkout down"]
    );
    assert_eq!(
        app.gql(Some(&mia), q, json!({})).await.ok()["postmortems"]["nodes"]
            .as_array()
            .unwrap()
            .len(),
        4
    );
    assert_eq!(
        titles(
            app.gql(
                Some(&vic),
                q,
                json!({ "f": { "teamId": team, "severities": ["SEV2"] } })
            )
            .await
        ),
        ["Zürich payouts delayed"]
    );
    assert_eq!(
        titles(
            app.gql(Some(&vic), q, json!({ "f": { "text": "ZÜRICH" } }))
                .await
        ),
        ["Zürich payouts delayed"]
    );
    assert_eq!(
        titles(app.gql(Some(&vic), q, json!({ "f": { "from": "2026-11-23T09:05:00Z", "to": "2026-11-23T09:25:00Z", "statuses": ["DRAFT"] } })).await),
        ["Search slow", "Zürich payouts delayed"]
    );
    let res = app.gql(Some(&vic), q, json!({ "first": 2 })).await;
    let cursor = res.ok()["postmortems"]["pageInfo"]["endCursor"].clone();
    assert_eq!(
        titles(
            app.gql(Some(&vic), q, json!({ "first": 2, "after": cursor }))
                .await
        ),
        ["Checkout down"]
    );
    app.gql(Some(&vic), q, json!({ "after": "garbage" }))
        .await
        .expect_reason("BAD_USER_INPUT", "INVALID_CURSOR");
});

e2e!(moving_a_passed_due_date_does_not_hide_the_miss, |app| {
    let (ada_id, ada) = app.named_user("ada", Role::Responder).await;
    let id = declare(&app, &ada, "Checkout down", "SEV2").await;
    resolve(&app, &ada, &id).await.ok();
    let pm = postmortem(&app, &ada, &id).await["id"].clone();
    let create = |title: &str| {
        app.call(&ada, "createActionItem", "CreateActionItemInput", json!({ "postmortemId": pm, "title": title, "ownerId": ada_id, "dueAt": "2026-11-30T17:00:00Z", "priority": "P2" }), "actionItem { id version }")
    };
    let late = create("Alert on disk").await.ok()["createActionItem"]["actionItem"].clone();
    let replanned = create("Runbook").await.ok()["createActionItem"]["actionItem"].clone();
    // Re-planned before its date: a legitimate move.
    app.call(&ada, "updateActionItem", "UpdateActionItemInput", json!({ "actionItemId": replanned["id"], "expectedVersion": 1, "dueAt": "2026-12-05T17:00:00Z" }), "actionItem { id }").await.ok();
    // The other is moved only once its date has passed: still a miss.
    app.advance_clock(Duration::days(8)); // 1 December
    let ada = app.sign("ada");
    app.call(&ada, "updateActionItem", "UpdateActionItemInput", json!({ "actionItemId": late["id"], "expectedVersion": 1, "dueAt": "2026-12-05T17:00:00Z" }), "actionItem { id }").await.ok();
    for item in [&late, &replanned] {
        app.call(
            &ada,
            "completeActionItem",
            "CompleteActionItemInput",
            json!({ "actionItemId": item["id"], "expectedVersion": 2 }),
            "actionItem { id }",
        )
        .await
        .ok();
    }
    let res = app
        .gql(Some(&ada), "query($id: ID!) { actionItem(id: $id) { dueAt dueDateChanges { from to changedAt changedBy { login } } } }", json!({ "id": late["id"] }))
        .await;
    let item = res.ok()["actionItem"].clone();
    assert_eq!(
        item["dueDateChanges"],
        json!([{ "from": "2026-11-30T17:00:00+00:00", "to": "2026-12-05T17:00:00+00:00", "changedAt": "2026-12-01T09:00:00+00:00", "changedBy": { "login": "ada" } }])
    );
    app.advance_clock(Duration::days(5)); // 6 December: both past their current dates
    let ada = app.sign("ada");
    let q = "query($f: IncidentMetricsFilter!) { incidentMetrics(filter: $f) { actionItemsDue actionItemsClosed actionItemsDoneOnTime actionItemOnTimeRate } }";
    let m = app
        .gql(
            Some(&ada),
            q,
            json!({ "f": { "from": "2026-12-01T00:00:00Z", "to": "2026-12-08T00:00:00Z" } }),
        )
        .await
        .ok()["incidentMetrics"]
        .clone();
    assert_eq!(
        m,
        json!({ "actionItemsDue": 2, "actionItemsClosed": 2, "actionItemsDoneOnTime": 1, "actionItemOnTimeRate": 0.5 })
    );
    // Only the figures asked for are read: through an alias and a fragment the action items
    // and their date changes are (authentication, incidents, items, changes, the
    // organization's time zone for its weeks)...
    let period = json!({ "f": { "from": "2026-12-01T00:00:00Z", "to": "2026-12-08T00:00:00Z" } });
    let q = "query Items($f: IncidentMetricsFilter!) { incidentMetrics(filter: $f) { ...F } }
        fragment F on IncidentMetrics { due: actionItemsDue actionItemOnTimeRate }";
    let m = app.gql(Some(&ada), q, period.clone()).await.ok()["incidentMetrics"].clone();
    assert_eq!(m, json!({ "due": 2, "actionItemOnTimeRate": 0.5 }));
    assert_eq!(app.statements("Items").await, (1.0, 5.0));
    // ...and a query of the incidents' own figures reads the incidents alone (and the time
    // zone).
    let q = "query Totals($f: IncidentMetricsFilter!) { incidentMetrics(filter: $f) { total mttr { sampleSize } } }";
    app.gql(Some(&ada), q, period).await.ok();
    assert_eq!(app.statements("Totals").await, (1.0, 3.0));
});
