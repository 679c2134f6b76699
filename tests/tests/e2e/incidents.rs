//! The incident core over HTTP: lifecycle, rules, restricted incidents, the status page,
//! severity policies and the statement count of a page under load.

use chrono::Duration;
use entity::Role;
use firebreak_tests::serde_json::{Value, json};
use firebreak_tests::{TestApp, e2e};

pub(crate) const DECLARE: &str = "mutation($in: DeclareIncidentInput!) { declareIncident(input: $in) { incident { id channel status severity nextUpdateDueAt declaredAt startedAt detectedAt commander { login } } } }";

pub(crate) async fn declare(app: &TestApp, token: &str, input: Value) -> Value {
    let res = app.gql(Some(token), DECLARE, json!({ "in": input })).await;
    res.ok()["declareIncident"]["incident"].clone()
}

pub(crate) async fn mutate(
    app: &TestApp,
    token: &str,
    name: &str,
    input: Value,
) -> firebreak_tests::Gql {
    let input_type = match name {
        "acknowledgeIncident" | "markMitigated" => "IncidentIdInput".to_owned(),
        "resolveIncident" | "reopenIncident" => format!("{}Input", upper_first(name)),
        other => format!("{}Input", upper_first(other)),
    };
    let q = format!(
        "mutation($in: {input_type}!) {{ {name}(input: $in) {{ incident {{ id status }} }} }}"
    );
    app.gql(Some(token), &q, json!({ "in": input })).await
}

fn upper_first(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

pub(crate) const DETAILS: &str = "query($id: ID!) { incident(id: $id) {
    status severity highestSeverity acknowledgedAt mitigatedAt resolvedAt nextUpdateDueAt isUpdateOverdue
    falseAlarm resolutionSummary
    roles { role user { login } }
    timeline(first: 100) { nodes { kind message author { login } before after } }
    updates(first: 100) { nodes { status message public } }
    severityPolicy { updateEveryMinutes pages customerComms }
    messages { internalInitial internalUpdate internalResolution customerInitial customerResolution }
} }";

e2e!(declare_work_resolve_reopen_resolve, |app| {
    let (_, ada) = app.named_user("ada", Role::Responder).await;
    let (bob_id, bob) = app.named_user("bob", Role::Responder).await;
    let (cat_id, _) = app.named_user("cat", Role::Responder).await;
    let inc = declare(&app, &ada, json!({ "title": "Payment failure", "severity": "SEV1", "customerImpact": true, "description": "Card payments fail" })).await;
    let id = inc["id"].as_str().unwrap().to_owned();
    assert_eq!(inc["channel"], "#inc-2026-11-23-payment-failure");
    assert_eq!(inc["status"], "INVESTIGATING");
    assert_eq!(
        inc["commander"]["login"], "ada",
        "the declarer commands by default"
    );
    assert_eq!(inc["detectedAt"], inc["declaredAt"]);
    assert_eq!(inc["startedAt"], inc["detectedAt"]);
    assert_eq!(
        inc["nextUpdateDueAt"], "2026-11-23T09:15:00+00:00",
        "SEV1: every 15 min"
    );

    mutate(
        &app,
        &bob,
        "acknowledgeIncident",
        json!({ "incidentId": id }),
    )
    .await
    .ok();
    mutate(
        &app,
        &ada,
        "assignRole",
        json!({ "incidentId": id, "role": "TECH_LEAD", "userId": bob_id }),
    )
    .await
    .ok();
    mutate(
        &app,
        &ada,
        "assignRole",
        json!({ "incidentId": id, "role": "SCRIBE", "userId": cat_id }),
    )
    .await
    .ok();
    mutate(
        &app,
        &ada,
        "assignRole",
        json!({ "incidentId": id, "role": "COMMS_LEAD", "userId": cat_id }),
    )
    .await
    .ok();

    app.advance_clock(Duration::minutes(16));
    let d = app.gql(Some(&ada), DETAILS, json!({ "id": id })).await;
    assert_eq!(d.ok()["incident"]["isUpdateOverdue"], true);

    let post = "mutation($in: PostUpdateInput!) { postUpdate(input: $in) { incident { status nextUpdateDueAt isUpdateOverdue } update { public } } }";
    let res = app
        .gql(Some(&ada), post, json!({ "in": { "incidentId": id, "message": "Rolled back deploy 4411; error rate falling", "status": "IDENTIFIED", "public": false } }))
        .await;
    let r = &res.ok()["postUpdate"];
    assert_eq!(r["incident"]["status"], "IDENTIFIED");
    assert_eq!(r["incident"]["isUpdateOverdue"], false);
    assert_eq!(
        r["incident"]["nextUpdateDueAt"],
        "2026-11-23T09:31:00+00:00"
    );
    app.gql(Some(&ada), post, json!({ "in": { "incidentId": id, "message": "We identified the cause and are fixing it.", "status": "IDENTIFIED", "public": true } }))
        .await
        .ok();
    mutate(&app, &bob, "logEvent", json!({ "incidentId": id, "kind": "ACTION_TAKEN", "message": "Rolled back deployment at 09:14 because error rate increased after deploy" })).await.ok();
    mutate(&app, &ada, "logEvent", json!({ "incidentId": id, "kind": "DECISION", "message": "No failover: rollback suffices" })).await.ok();
    app.advance_clock(Duration::minutes(10));
    let res = mutate(&app, &bob, "markMitigated", json!({ "incidentId": id })).await;
    assert_eq!(
        res.ok()["markMitigated"]["incident"]["status"],
        "MONITORING"
    );
    app.advance_clock(Duration::minutes(30));
    let res = mutate(
        &app,
        &ada,
        "resolveIncident",
        json!({ "incidentId": id, "summary": "Rolled back deploy 4411" }),
    )
    .await;
    assert_eq!(
        res.ok()["resolveIncident"]["incident"]["status"],
        "RESOLVED"
    );

    let d = app.gql(Some(&ada), DETAILS, json!({ "id": id })).await;
    let i = d.ok()["incident"].clone();
    assert_eq!(i["resolvedAt"], "2026-11-23T09:56:00+00:00");
    assert_eq!(i["mitigatedAt"], "2026-11-23T09:26:00+00:00");
    assert_eq!(i["acknowledgedAt"], "2026-11-23T09:00:00+00:00");
    assert!(i["nextUpdateDueAt"].is_null());
    let roles: Vec<(String, String)> = i["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["role"].as_str().unwrap().to_owned(),
                r["user"]["login"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert!(roles.contains(&("COMMANDER".into(), "ada".into())));
    assert!(roles.contains(&("TECH_LEAD".into(), "bob".into())));
    assert!(roles.contains(&("SCRIBE".into(), "cat".into())));
    let m = &i["messages"];
    assert!(
        m["internalInitial"]
            .as_str()
            .unwrap()
            .contains("Incident Commander: ada")
    );
    assert!(
        m["internalUpdate"]
            .as_str()
            .unwrap()
            .contains("Rolled back deployment at 09:14")
    );
    let res_msg = m["internalResolution"].as_str().unwrap();
    assert!(
        res_msg.contains("Duration: 56 min")
            && res_msg.contains("Postmortem due 2026-11-25 09:56 UTC"),
        "{res_msg}"
    );
    let cust = m["customerResolution"].as_str().unwrap();
    firebreak_tests::leaks::assert_none_of(cust, &["ada", "#inc-", "4411"]);

    // Reopen, resolve again.
    let res = mutate(
        &app,
        &ada,
        "reopenIncident",
        json!({ "incidentId": id, "reason": "Errors are back" }),
    )
    .await;
    assert_eq!(
        res.ok()["reopenIncident"]["incident"]["status"],
        "INVESTIGATING"
    );
    app.advance_clock(Duration::minutes(5));
    mutate(
        &app,
        &ada,
        "resolveIncident",
        json!({ "incidentId": id, "summary": "Disabled the flag" }),
    )
    .await
    .ok();
    let d = app.gql(Some(&ada), DETAILS, json!({ "id": id })).await;
    let i = d.ok()["incident"].clone();
    assert_eq!(i["resolvedAt"], "2026-11-23T10:01:00+00:00");
    let kinds: Vec<&str> = i["timeline"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "DECLARED",
            "ACKNOWLEDGED",
            "ROLE_CHANGE",
            "ROLE_CHANGE",
            "ROLE_CHANGE",
            "STATUS_CHANGE",
            "UPDATE_POSTED",
            "UPDATE_POSTED",
            "ACTION_TAKEN",
            "DECISION",
            "MITIGATED",
            "RESOLVED",
            "REOPENED",
            "RESOLVED"
        ]
    );
    let status_change = &i["timeline"]["nodes"][5];
    assert_eq!(status_change["before"]["status"], "INVESTIGATING");
    assert_eq!(status_change["after"]["status"], "IDENTIFIED");
    assert_eq!(i["timeline"]["nodes"][1]["author"]["login"], "bob");
});

e2e!(invalid_transitions_and_input_are_refused_whole, |app| {
    let (_, t) = app.user(Role::Responder).await;
    let id = declare(
        &app,
        &t,
        json!({ "title": "Login broken", "severity": "SEV2" }),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    mutate(&app, &t, "acknowledgeIncident", json!({ "incidentId": id }))
        .await
        .ok();
    mutate(&app, &t, "acknowledgeIncident", json!({ "incidentId": id }))
        .await
        .expect_code("CONFLICT");
    mutate(
        &app,
        &t,
        "reopenIncident",
        json!({ "incidentId": id, "reason": "x" }),
    )
    .await
    .expect_code("CONFLICT");
    let post = "mutation($in: PostUpdateInput!) { postUpdate(input: $in) { update { id } } }";
    app.gql(
        Some(&t),
        post,
        json!({ "in": { "incidentId": id, "message": "done", "status": "RESOLVED" } }),
    )
    .await
    .expect_code("BAD_USER_INPUT");
    app.gql(Some(&t), post, json!({ "in": { "incidentId": id, "message": "x", "status": "MONITORING", "public": true } }))
        .await
        .expect_code("BAD_USER_INPUT");
    mutate(
        &app,
        &t,
        "changeSeverity",
        json!({ "incidentId": id, "severity": "SEV2", "reason": "same" }),
    )
    .await
    .expect_code("CONFLICT");
    mutate(
        &app,
        &t,
        "resolveIncident",
        json!({ "incidentId": id, "summary": "  " }),
    )
    .await
    .expect_code("BAD_USER_INPUT");
    mutate(
        &app,
        &t,
        "resolveIncident",
        json!({ "incidentId": id, "summary": "fixed" }),
    )
    .await
    .ok();
    mutate(
        &app,
        &t,
        "resolveIncident",
        json!({ "incidentId": id, "summary": "again" }),
    )
    .await
    .expect_code("CONFLICT");
    mutate(
        &app,
        &t,
        "updateIncident",
        json!({ "incidentId": id, "title": "New" }),
    )
    .await
    .expect_code("CONFLICT");
    mutate(
        &app,
        &t,
        "logEvent",
        json!({ "incidentId": id, "kind": "NOTE", "message": "late" }),
    )
    .await
    .expect_code("CONFLICT");
    mutate(
        &app,
        &t,
        "acknowledgeIncident",
        json!({ "incidentId": "0190f0c2-0000-7000-8000-000000000000" }),
    )
    .await
    .expect_code("NOT_FOUND");

    for title in ["", "   ", &"x".repeat(10_000), "bell\u{7}", "two\nlines"] {
        let res = app
            .gql(
                Some(&t),
                DECLARE,
                json!({ "in": { "title": title, "severity": "SEV3" } }),
            )
            .await;
        res.expect_code("BAD_USER_INPUT");
    }
    // No severity: refused before execution (there is no default).
    let res = app
        .gql(
            Some(&t),
            DECLARE,
            json!({ "in": { "title": "No severity" } }),
        )
        .await;
    assert_eq!(res.status, 422);
    let res = app
        .gql(Some(&t), DECLARE, json!({ "in": { "title": "Future", "severity": "SEV3", "detectedAt": "2030-01-01T00:00:00Z" } }))
        .await;
    res.expect_code("BAD_USER_INPUT");
    let res = app
        .gql(Some(&t), DECLARE, json!({ "in": { "title": "Bad team", "severity": "SEV3", "teamId": "0190f0c2-0000-7000-8000-000000000000" } }))
        .await;
    res.expect_code("NOT_FOUND");
    // Viewers cannot declare.
    let viewer = app.token(Role::Viewer).await;
    app.gql(
        Some(&viewer),
        DECLARE,
        json!({ "in": { "title": "x", "severity": "SEV3" } }),
    )
    .await
    .expect_code("FORBIDDEN");
    // Nothing half-written: one incident, with exactly its own timeline.
    let res = app
        .gql(
            Some(&t),
            "{ incidents { edges { node { timeline(first: 100) { nodes { kind } } } } } }",
            json!({}),
        )
        .await;
    let edges = res.ok()["incidents"]["edges"].as_array().unwrap().clone();
    assert_eq!(edges.len(), 1);
    assert_eq!(
        edges[0]["node"]["timeline"]["nodes"]
            .as_array()
            .unwrap()
            .len(),
        3,
        "declared, acknowledged, resolved"
    );
});

e2e!(commander_and_tech_lead_need_a_call_out, |app| {
    let (ada_id, ada) = app.named_user("ada", Role::Responder).await;
    let id = declare(
        &app,
        &ada,
        json!({ "title": "Queue stuck", "severity": "SEV3" }),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    mutate(
        &app,
        &ada,
        "assignRole",
        json!({ "incidentId": id, "role": "TECH_LEAD", "userId": ada_id }),
    )
    .await
    .expect_code("CONFLICT");
    mutate(&app, &ada, "assignRole", json!({ "incidentId": id, "role": "TECH_LEAD", "userId": ada_id, "acknowledgeCommanderIsTechLead": true }))
        .await
        .ok();
    let d = app.gql(Some(&ada), DETAILS, json!({ "id": id })).await;
    let kinds: Vec<String> = d.ok()["incident"]["timeline"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        kinds.contains(&"ROLE_CONFLICT_ACKNOWLEDGED".to_owned()),
        "{kinds:?}"
    );
    // Reassignment is logged with before and after.
    let (bob_id, _) = app.named_user("bob", Role::Responder).await;
    mutate(
        &app,
        &ada,
        "assignRole",
        json!({ "incidentId": id, "role": "COMMANDER", "userId": bob_id }),
    )
    .await
    .ok();
    let d = app.gql(Some(&ada), DETAILS, json!({ "id": id })).await;
    let last = d.ok()["incident"]["timeline"]["nodes"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["message"], "Reassigned commander");
    assert_eq!(last["before"]["user"], ada_id);
    assert_eq!(last["after"]["user"], bob_id);
});

e2e!(
    channel_names_are_unique_and_idempotency_keys_dedupe,
    |app| {
        let (_, a) = app.named_user("a", Role::Responder).await;
        let (_, b) = app.named_user("b", Role::Responder).await;
        let first = declare(
            &app,
            &a,
            json!({ "title": "DB down!", "severity": "SEV2", "idempotencyKey": "alert-42" }),
        )
        .await;
        assert_eq!(first["channel"], "#inc-2026-11-23-db-down");
        let again = declare(
            &app,
            &a,
            json!({ "title": "DB down!", "severity": "SEV2", "idempotencyKey": "alert-42" }),
        )
        .await;
        assert_eq!(
            again["id"], first["id"],
            "same key, same caller: the first incident"
        );
        let other = declare(
            &app,
            &b,
            json!({ "title": "DB down!", "severity": "SEV2", "idempotencyKey": "alert-42" }),
        )
        .await;
        assert_ne!(other["id"], first["id"], "another caller's key is its own");
        assert_eq!(other["channel"], "#inc-2026-11-23-db-down-2");
        // A declaration refused after its channel was numbered gives the number back.
        let refused = app
            .gql(
                Some(&b),
                DECLARE,
                json!({ "in": { "title": "DB down!", "severity": "SEV2",
                    "serviceId": uuid::Uuid::now_v7().to_string() } }),
            )
            .await;
        assert_eq!(refused.code(), Some("NOT_FOUND"), "{refused:?}");
        let next = declare(&app, &b, json!({ "title": "DB down!", "severity": "SEV2" })).await;
        assert_eq!(next["channel"], "#inc-2026-11-23-db-down-3");
        app.advance_clock(Duration::hours(25));
        let a = app.sign("a");
        let later = declare(
            &app,
            &a,
            json!({ "title": "DB down!", "severity": "SEV2", "idempotencyKey": "alert-42" }),
        )
        .await;
        assert_ne!(
            later["id"], first["id"],
            "after 24 h the key starts a new incident"
        );
        assert_eq!(later["channel"], "#inc-2026-11-24-db-down");
        // The declaration entry names the severity without touching the title's own words.
        let sev = declare(
            &app,
            &a,
            json!({ "title": "Severe latency", "severity": "SEV3" }),
        )
        .await;
        let res = app
            .gql(
                Some(&a),
                "query($id: ID!) { incident(id: $id) { timeline(first: 100) { nodes { message } } } }",
                json!({ "id": sev["id"] }),
            )
            .await;
        assert_eq!(
            res.ok()["incident"]["timeline"]["nodes"][0]["message"],
            "Declared SEV3: Severe latency"
        );
    }
);

e2e!(restricted_incidents_are_invisible_to_others, |app| {
    let (_, sec) = app.named_user("sec", Role::Responder).await;
    let (friend_id, friend) = app.named_user("friend", Role::Viewer).await;
    let (_, viewer) = app.named_user("viewer", Role::Viewer).await;
    let (_, responder) = app.named_user("responder", Role::Responder).await;
    let (_, manager) = app.named_user("manager", Role::Manager).await;
    declare(
        &app,
        &sec,
        json!({ "title": "Public thing", "severity": "SEV3" }),
    )
    .await;
    let secret = declare(
        &app,
        &sec,
        json!({ "title": "Credential leak", "severity": "SEV1", "restricted": true }),
    )
    .await;
    let id = secret["id"].as_str().unwrap().to_owned();
    let list = "{ incidents { edges { node { title } } } }";
    let titles = |res: &firebreak_tests::Gql| -> Vec<String> {
        res.ok()["incidents"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"]["title"].as_str().unwrap().to_owned())
            .collect()
    };
    for token in [&viewer, &responder, &friend] {
        assert_eq!(
            titles(&app.gql(Some(token), list, json!({})).await),
            ["Public thing"]
        );
        app.gql(
            Some(token),
            "query($id: ID!) { incident(id: $id) { title } }",
            json!({ "id": id }),
        )
        .await
        .expect_code("NOT_FOUND");
        let res = app
            .gql(
                Some(token),
                "{ incidents(filter: { text: \"leak\" }) { edges { cursor } } }",
                json!({}),
            )
            .await;
        assert_eq!(res.ok()["incidents"]["edges"].as_array().unwrap().len(), 0);
    }
    mutate(
        &app,
        &responder,
        "acknowledgeIncident",
        json!({ "incidentId": id }),
    )
    .await
    .expect_code("NOT_FOUND");
    for token in [&sec, &manager] {
        assert_eq!(
            titles(&app.gql(Some(token), list, json!({})).await).len(),
            2
        );
    }
    mutate(
        &app,
        &sec,
        "addIncidentParticipant",
        json!({ "incidentId": id, "userId": friend_id }),
    )
    .await
    .ok();
    assert_eq!(
        titles(&app.gql(Some(&friend), list, json!({})).await).len(),
        2
    );
    // The status page never shows it.
    let page = app
        .gql(
            None,
            "{ statusPage { ongoing { title } recent { title } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        page.ok()["statusPage"]["ongoing"].as_array().unwrap().len(),
        0
    );
});
