//! Restricted incidents stay invisible everywhere: not through links from ordinary
//! incidents (summaries, timeline texts and values, rendered messages, postmortem
//! timelines and Markdown), not through counts, not through channel names.

use entity::Role;
use firebreak_tests::serde_json::{Value, json};
use firebreak_tests::{TestApp, e2e};

const EVERYTHING: &str = "query($id: ID!) { incident(id: $id) {
    resolutionSummary duplicateOf { id } recurrenceOf { id }
    timeline(first: 100) { nodes { kind message before after } }
    messages { internalInitial internalUpdate internalResolution customerInitial customerResolution }
    postmortem { timeline { text } markdown }
} }";

/// Neither the restricted incident's id nor its channel (nor, in texts about other
/// incidents, its title) appears.
fn assert_no_trace(body: &Value, secret_id: &str, secret_channel: &str, what: &str) {
    let text = body.to_string();
    let title = if what == "list" { secret_id } else { "Acme" };
    for leak in [secret_id, secret_channel, title] {
        assert!(!text.contains(leak), "{what}: `{leak}` leaked: {text}");
    }
}

async fn resolve(app: &TestApp, token: &str, id: &str) {
    app.call(
        token,
        "resolveIncident",
        "ResolveIncidentInput",
        json!({ "incidentId": id, "summary": "Rolled back" }),
        "incident { id }",
    )
    .await
    .ok();
}

e2e!(links_to_a_restricted_incident_reveal_nothing, |app| {
    let (_, mia) = app.named_user("mia", Role::Manager).await;
    let (_, viewer) = app.named_user("vic", Role::Viewer).await;
    let (_, rex) = app.named_user("rex", Role::Responder).await;

    let secret = app
        .declare(
            &mia,
            json!({ "title": "Breach at Acme", "severity": "SEV1", "restricted": true }),
        )
        .await;
    let secret_id = secret["id"].as_str().unwrap().to_owned();
    let secret_channel = secret["channel"].as_str().unwrap().to_owned();
    // The channel says nothing of the title.
    assert!(
        secret_channel.starts_with("#inc-2026-11-23-restricted-")
            && !secret_channel.to_lowercase().contains("acme")
            && !secret_channel.contains("breach"),
        "{secret_channel}"
    );
    // … and takes no title-based name, so an ordinary namesake gets no suffix.
    let namesake = app
        .declare(
            &rex,
            json!({ "title": "Breach at Acme", "severity": "SEV3" }),
        )
        .await;
    assert_eq!(namesake["channel"], "#inc-2026-11-23-breach-at-acme");

    app.advance_clock(chrono::Duration::minutes(5));
    // An ordinary duplicate and an ordinary recurrence (with a postmortem) of it.
    let dup = app
        .declare(&rex, json!({ "title": "Login errors", "severity": "SEV3" }))
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.call(
        &mia,
        "markDuplicate",
        "MarkDuplicateInput",
        json!({ "incidentId": dup, "ofIncidentId": secret_id }),
        "incident { id }",
    )
    .await
    .ok();
    let rec = app
        .declare(
            &rex,
            json!({ "title": "Checkout slow", "severity": "SEV2" }),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.call(
        &mia,
        "linkRecurrence",
        "LinkRecurrenceInput",
        json!({ "incidentId": rec, "earlierIncidentId": secret_id }),
        "incident { id }",
    )
    .await
    .ok();
    resolve(&app, &rex, &rec).await;

    // Those who may not see it find no trace, in any text or value.
    for token in [&viewer, &rex] {
        for id in [&dup, &rec] {
            let res = app.gql(Some(token), EVERYTHING, json!({ "id": id })).await;
            res.ok();
            assert_no_trace(&res.body, &secret_id, &secret_channel, "incident");
        }
        let list = app
            .gql(
                Some(token),
                "{ incidents(first: 50) { nodes { id channel resolutionSummary timeline(first: 100) { nodes { message after } } } } }",
                json!({}),
            )
            .await;
        assert_no_trace(list.ok(), &secret_id, &secret_channel, "list");
    }
    let dup_view = app
        .gql(Some(&viewer), EVERYTHING, json!({ "id": dup }))
        .await;
    assert_eq!(
        dup_view.ok()["incident"]["resolutionSummary"],
        "Duplicate of another incident"
    );

    // Who may see it reads the links in full.
    let res = app.gql(Some(&mia), EVERYTHING, json!({ "id": dup })).await;
    let i = &res.ok()["incident"];
    assert_eq!(
        i["resolutionSummary"],
        format!("Duplicate of {secret_channel}")
    );
    assert_eq!(i["duplicateOf"]["id"], secret_id);
    let entry = i["timeline"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "MARKED_DUPLICATE")
        .unwrap();
    assert_eq!(entry["message"], format!("Duplicate of {secret_channel}"));
    assert_eq!(entry["after"]["duplicateOf"], secret_id);
    let res = app.gql(Some(&mia), EVERYTHING, json!({ "id": rec })).await;
    let md = res.ok()["incident"]["postmortem"]["markdown"]
        .as_str()
        .unwrap();
    assert!(
        md.contains(&format!("Recurrence of {secret_channel}")),
        "{md}"
    );

    // The recurrence rate counts only links the caller can follow.
    let q = "query($f: IncidentMetricsFilter!) { incidentMetrics(filter: $f) { total recurrenceRate } }";
    let f = json!({ "f": { "from": "2026-11-23T00:00:00Z", "to": "2026-11-24T00:00:00Z" } });
    let m = app.gql(Some(&viewer), q, f.clone()).await;
    let m = &m.ok()["incidentMetrics"];
    // Duplicates are not counted: the namesake and the recurrence.
    assert_eq!(m["total"], 2);
    assert_eq!(m["recurrenceRate"], 0.0);
    let m = app.gql(Some(&mia), q, f).await;
    let m = &m.ok()["incidentMetrics"];
    assert_eq!(m["total"], 3);
    assert!(
        (m["recurrenceRate"].as_f64().unwrap() - 1.0 / 3.0).abs() < 1e-9,
        "{m}"
    );
});

e2e!(
    an_action_item_owner_can_see_its_restricted_incident,
    |app| {
        let (_, mia) = app.named_user("mia", Role::Manager).await;
        let (olga_id, olga) = app.named_user("olga", Role::Responder).await;
        let id = app
            .declare(
                &mia,
                json!({ "title": "Token leak", "severity": "SEV2", "restricted": true }),
            )
            .await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        resolve(&app, &mia, &id).await;
        let q = "query($id: ID!) { incident(id: $id) { postmortem { id } timeline(first: 100) { nodes { kind after } } } }";
        app.gql(Some(&olga), q, json!({ "id": id }))
            .await
            .expect_code("NOT_FOUND");
        let pm =
            app.gql(Some(&mia), q, json!({ "id": id })).await.ok()["incident"]["postmortem"]["id"]
                .clone();
        app.call(&mia, "createActionItem", "CreateActionItemInput", json!({ "postmortemId": pm, "title": "Rotate keys", "ownerId": olga_id, "dueAt": "2026-11-30T17:00:00Z", "priority": "P1" }), "actionItem { id }")
        .await
        .ok();
        // The owner now sees the incident and the item; the timeline says why.
        let res = app.gql(Some(&olga), q, json!({ "id": id })).await;
        let timeline = res.ok()["incident"]["timeline"]["nodes"]
            .as_array()
            .unwrap()
            .clone();
        assert!(
            timeline
                .iter()
                .any(|e| e["kind"] == "PARTICIPANT_ADDED" && e["after"]["user"] == olga_id),
            "{timeline:?}"
        );
        let mine = app
            .gql(
                Some(&olga),
                "{ myActionItems { edges { node { title } } } }",
                json!({}),
            )
            .await;
        assert_eq!(
            mine.ok()["myActionItems"]["edges"][0]["node"]["title"],
            "Rotate keys"
        );
    }
);
