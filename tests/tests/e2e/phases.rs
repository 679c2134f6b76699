//! Time as it happened: acknowledged, mitigated and resolved may be given when the button is
//! pressed late (never in the future, never before the phase they follow), corrected
//! afterwards with a logged before/after, and how an incident came to light is recorded and
//! counted in the metrics.

use chrono::Duration;
use entity::Role;
use firebreak_tests::serde_json::json;
use firebreak_tests::{TestApp, e2e};

async fn incident(app: &TestApp, token: &str, extra: firebreak_tests::serde_json::Value) -> String {
    let mut input = json!({ "title": "Login errors", "severity": "SEV2" });
    input
        .as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    app.declare(token, input).await["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

const TIMES: &str = "query($id: ID!) { incident(id: $id) { acknowledgedAt mitigatedAt resolvedAt detectionSource postmortem { dueAt } timeline(first: 50) { nodes { kind message before after } } } }";

e2e!(late_buttons_record_when_things_happened, |app| {
    let t = app.token(Role::Responder).await;
    // Declared at 09:00 about an alert at 08:50.
    let id = incident(&app, &t, json!({ "detectedAt": "2026-11-23T08:50:00Z", "startedAt": "2026-11-23T08:45:00Z", "detectionSource": "ALERT" })).await;
    app.advance_clock(Duration::minutes(60)); // 10:00
    let ack = |at: &str| {
        app.call(
            &t,
            "acknowledgeIncident",
            "IncidentIdInput",
            json!({ "incidentId": id, "at": at }),
            "incident { acknowledgedAt }",
        )
    };
    ack("2026-11-23T10:05:00Z")
        .await
        .expect_reason("BAD_USER_INPUT", "PHASE_IN_FUTURE");
    ack("2026-11-23T08:40:00Z")
        .await
        .expect_reason("BAD_USER_INPUT", "PHASE_OUT_OF_ORDER");
    ack("2026-11-23T08:55:00Z").await.ok();
    app.call(
        &t,
        "markMitigated",
        "IncidentIdInput",
        json!({ "incidentId": id, "at": "2026-11-23T08:52:00Z" }),
        "incident { id }",
    )
    .await
    .expect_reason("BAD_USER_INPUT", "PHASE_OUT_OF_ORDER");
    app.call(
        &t,
        "markMitigated",
        "IncidentIdInput",
        json!({ "incidentId": id, "at": "2026-11-23T09:30:00Z" }),
        "incident { id }",
    )
    .await
    .ok();
    let resolve = |at: &str| {
        app.call(
            &t,
            "resolveIncident",
            "ResolveIncidentInput",
            json!({ "incidentId": id, "summary": "Rolled back", "resolvedAt": at }),
            "incident { id }",
        )
    };
    resolve("2026-11-23T09:20:00Z")
        .await
        .expect_reason("BAD_USER_INPUT", "PHASE_OUT_OF_ORDER");
    resolve("2026-11-23T09:45:00Z").await.ok();
    let i = app.gql(Some(&t), TIMES, json!({ "id": id })).await.ok()["incident"].clone();
    assert_eq!(i["acknowledgedAt"], "2026-11-23T08:55:00+00:00");
    assert_eq!(i["mitigatedAt"], "2026-11-23T09:30:00+00:00");
    assert_eq!(i["resolvedAt"], "2026-11-23T09:45:00+00:00");
    assert_eq!(i["detectionSource"], "ALERT");
    // The postmortem is due 48 h after the resolution as it happened, not as it was recorded.
    assert_eq!(i["postmortem"]["dueAt"], "2026-11-25T09:45:00+00:00");

    // Corrected afterwards (resolved as it is): logged with before and after.
    app.call(&t, "correctIncidentTimes", "CorrectIncidentTimesInput", json!({ "incidentId": id, "mitigatedAt": "2026-11-23T09:10:00Z", "resolvedAt": "2026-11-23T09:40:00Z" }), "incident { id }")
        .await
        .ok();
    app.call(
        &t,
        "correctIncidentTimes",
        "CorrectIncidentTimesInput",
        json!({ "incidentId": id, "resolvedAt": "2026-11-23T09:05:00Z" }),
        "incident { id }",
    )
    .await
    .expect_reason("BAD_USER_INPUT", "PHASE_OUT_OF_ORDER");
    let i = app.gql(Some(&t), TIMES, json!({ "id": id })).await.ok()["incident"].clone();
    assert_eq!(i["mitigatedAt"], "2026-11-23T09:10:00+00:00");
    assert_eq!(i["resolvedAt"], "2026-11-23T09:40:00+00:00");
    let corrections: Vec<_> = i["timeline"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["message"].as_str().unwrap().starts_with("Corrected"))
        .cloned()
        .collect();
    assert_eq!(corrections.len(), 2, "{corrections:?}");
    assert_eq!(corrections[0]["message"], "Corrected mitigatedAt");
    assert_eq!(
        corrections[0]["before"]["mitigatedAt"],
        "2026-11-23T09:30:00Z"
    );
    assert_eq!(
        corrections[0]["after"]["mitigatedAt"],
        "2026-11-23T09:10:00Z"
    );

    // An instant of a phase that has not happened cannot be corrected.
    let open = incident(&app, &t, json!({})).await;
    app.call(
        &t,
        "correctIncidentTimes",
        "CorrectIncidentTimesInput",
        json!({ "incidentId": open, "resolvedAt": "2026-11-23T09:59:00Z" }),
        "incident { id }",
    )
    .await
    .expect_reason("BAD_USER_INPUT", "PHASE_NOT_REACHED");
});

e2e!(metrics_count_how_incidents_came_to_light, |app| {
    let t = app.token(Role::Responder).await;
    // Hand-counted: two customer reports, one alert, one unknown; a false alarm (from an
    // alert) and a duplicate (internal) are not counted.
    for src in ["CUSTOMER_REPORT", "CUSTOMER_REPORT", "ALERT"] {
        incident(&app, &t, json!({ "detectionSource": src })).await;
    }
    let unknown = incident(&app, &t, json!({})).await;
    let alarm = incident(&app, &t, json!({ "detectionSource": "ALERT" })).await;
    app.call(
        &t,
        "resolveIncident",
        "ResolveIncidentInput",
        json!({ "incidentId": alarm, "summary": "noise", "falseAlarm": true }),
        "incident { id }",
    )
    .await
    .ok();
    app.advance_clock(Duration::minutes(1));
    let dup = incident(&app, &t, json!({ "detectionSource": "INTERNAL_REPORT" })).await;
    app.call(
        &t,
        "markDuplicate",
        "MarkDuplicateInput",
        json!({ "incidentId": dup, "ofIncidentId": unknown }),
        "incident { id }",
    )
    .await
    .ok();
    // Recorded later: the unknown one was another team's call after all (logged).
    app.call(
        &t,
        "updateIncident",
        "UpdateIncidentInput",
        json!({ "incidentId": unknown, "detectionSource": "OTHER_TEAM" }),
        "incident { detectionSource }",
    )
    .await
    .ok();
    let q = "query($f: IncidentMetricsFilter!) { incidentMetrics(filter: $f) { total byDetectionSource { source count } } }";
    let res = app
        .gql(
            Some(&t),
            q,
            json!({ "f": { "from": "2026-11-23T00:00:00Z", "to": "2026-11-24T00:00:00Z" } }),
        )
        .await;
    let m = res.ok()["incidentMetrics"].clone();
    assert_eq!(m["total"], 4);
    assert_eq!(
        m["byDetectionSource"],
        json!([
            { "source": "ALERT", "count": 1 },
            { "source": "CUSTOMER_REPORT", "count": 2 },
            { "source": "INTERNAL_REPORT", "count": 0 },
            { "source": "OTHER_TEAM", "count": 1 },
            { "source": "UNKNOWN", "count": 0 }
        ])
    );
});

e2e!(
    updates_carry_next_steps_and_an_eta_and_messages_quote_them,
    |app| {
        let t = app.token(Role::Responder).await;
        let id = app
            .declare(
                &t,
                json!({ "title": "Checkout errors", "severity": "SEV2", "customerImpact": true }),
            )
            .await["id"]
            .clone();
        let post = |input: firebreak_tests::serde_json::Value| {
            let mut i = json!({ "incidentId": id, "status": "IDENTIFIED" });
            i.as_object_mut()
                .unwrap()
                .extend(input.as_object().unwrap().clone());
            app.call(
                &t,
                "postUpdate",
                "PostUpdateInput",
                i,
                "incident { eta } update { nextSteps eta }",
            )
        };
        app.call(&t, "logEvent", "LogEventInput", json!({ "incidentId": id, "kind": "ACTION_TAKEN", "message": "Restarted the payment workers" }), "incident { id }")
        .await
        .ok();
        app.advance_clock(Duration::minutes(10));
        let res = post(json!({ "message": "Cause found: a bad deploy.", "nextSteps": "Roll back deploy 4411", "eta": "2026-11-23T10:00:00Z" })).await;
        let r = res.ok()["postUpdate"].clone();
        assert_eq!(r["update"]["nextSteps"], "Roll back deploy 4411");
        assert_eq!(r["incident"]["eta"], "2026-11-23T10:00:00+00:00");
        app.call(&t, "logEvent", "LogEventInput", json!({ "incidentId": id, "kind": "ACTION_TAKEN", "message": "Rolled back deploy 4411" }), "incident { id }")
        .await
        .ok();
        let q = "query($id: ID!) { incident(id: $id) { eta messages { internalUpdate internalResolution customerResolution } timeline(first: 50) { nodes { message before after } } } }";
        let i = app.gql(Some(&t), q, json!({ "id": id })).await.ok()["incident"].clone();
        let update = i["messages"]["internalUpdate"].as_str().unwrap().to_owned();
        for part in [
            "as of 2026-11-23 09:10 UTC",
            "Current status: identified (Cause found: a bad deploy.)",
            "Actions taken: Rolled back deploy 4411\n",
            "Next steps: Roll back deploy 4411",
            "ETA: 2026-11-23 10:00 UTC",
        ] {
            assert!(update.contains(part), "{part:?} in {update}");
        }
        assert!(
            !update.contains("Restarted"),
            "actions before the update are not repeated: {update}"
        );
        // A later update without an ETA keeps it; null withdraws it, logged each time.
        post(json!({ "message": "Rollback done." })).await.ok();
        assert_eq!(
            app.gql(Some(&t), q, json!({ "id": id })).await.ok()["incident"]["eta"],
            "2026-11-23T10:00:00+00:00"
        );
        post(json!({ "message": "Errors back; investigating again.", "eta": null }))
            .await
            .ok();
        let i = app.gql(Some(&t), q, json!({ "id": id })).await.ok()["incident"].clone();
        assert!(i["eta"].is_null());
        let eta_changes: Vec<_> = i["timeline"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["message"] == "Changed the estimated time to resolution")
            .cloned()
            .collect();
        assert_eq!(eta_changes.len(), 2);
        assert!(eta_changes[1]["after"]["eta"].is_null());
        post(json!({ "message": "x", "eta": "1999-01-01T00:00:00Z" }))
            .await
            .expect_reason("BAD_USER_INPUT", "INSTANT_OUT_OF_RANGE");

        // A false alarm is called one, to the team and to customers.
        app.call(&t, "resolveIncident", "ResolveIncidentInput", json!({ "incidentId": id, "summary": "A monitoring probe misfired", "falseAlarm": true }), "incident { id }")
        .await
        .ok();
        let m =
            app.gql(Some(&t), q, json!({ "id": id })).await.ok()["incident"]["messages"].clone();
        assert!(
            m["internalResolution"]
                .as_str()
                .unwrap()
                .starts_with("Closed as a false alarm: Checkout errors"),
            "{m}"
        );
        assert!(
            m["customerResolution"]
                .as_str()
                .unwrap()
                .contains("turned out not to affect"),
            "{m}"
        );
    }
);

e2e!(metrics_a_manager_can_trust, |app| {
    // With no team, a page falls back to the admins: Ana is paged at each declaration, so
    // time to acknowledge runs from the declaration here.
    app.named_user("ana-admin", Role::Admin).await;
    let t = app.token(Role::Responder).await;
    let a = incident(&app, &t, json!({ "severity": "SEV3", "startedAt": "2026-11-23T08:30:00Z", "detectedAt": "2026-11-23T08:50:00Z" })).await;
    let b = incident(&app, &t, json!({})).await; // SEV2, nobody said when it started
    app.advance_clock(Duration::minutes(60)); // 10:00
    for sev in ["SEV1", "SEV3"] {
        app.call(
            &t,
            "changeSeverity",
            "ChangeSeverityInput",
            json!({ "incidentId": a, "severity": sev, "reason": "reassessed" }),
            "incident { id }",
        )
        .await
        .ok();
    }
    app.call(
        &t,
        "acknowledgeIncident",
        "IncidentIdInput",
        json!({ "incidentId": a, "at": "2026-11-23T09:05:00Z" }),
        "incident { id }",
    )
    .await
    .ok();
    app.call(
        &t,
        "markMitigated",
        "IncidentIdInput",
        json!({ "incidentId": a, "at": "2026-11-23T09:20:00Z" }),
        "incident { id }",
    )
    .await
    .ok();
    app.call(
        &t,
        "resolveIncident",
        "ResolveIncidentInput",
        json!({ "incidentId": a, "summary": "fixed", "resolvedAt": "2026-11-23T09:40:00Z" }),
        "incident { id }",
    )
    .await
    .ok();
    let alarm = incident(&app, &t, json!({ "severity": "SEV3" })).await;
    app.call(
        &t,
        "resolveIncident",
        "ResolveIncidentInput",
        json!({ "incidentId": alarm, "summary": "noise", "falseAlarm": true }),
        "incident { id }",
    )
    .await
    .ok();
    let dup = incident(&app, &t, json!({ "severity": "SEV3" })).await;
    app.call(
        &t,
        "markDuplicate",
        "MarkDuplicateInput",
        json!({ "incidentId": dup, "ofIncidentId": b }),
        "incident { id }",
    )
    .await
    .ok();

    let q = "query($f: IncidentMetricsFilter!) { incidentMetrics(filter: $f) {
        total bySeverity { severity count } falseAlarms falseAlarmRate duplicates startUnknown notPaged
        mttd { medianSeconds sampleSize } mtta { medianSeconds sampleSize } mttm { medianSeconds sampleSize }
        mttr { medianSeconds sampleSize } openIncidents oldestOpenSeconds } }";
    let m = app
        .gql(
            Some(&t),
            q,
            json!({ "f": { "from": "2026-11-23T00:00:00Z", "to": "2026-11-24T00:00:00Z" } }),
        )
        .await
        .ok()["incidentMetrics"]
        .clone();
    // Hand-computed: counted A and B; A by its highest severity (SEV1).
    assert_eq!(m["total"], 2);
    assert_eq!(
        m["bySeverity"],
        json!([
            { "severity": "SEV1", "count": 1 }, { "severity": "SEV2", "count": 1 },
            { "severity": "SEV3", "count": 0 }, { "severity": "SEV4", "count": 0 }
        ])
    );
    assert_eq!(
        (m["falseAlarms"].clone(), m["duplicates"].clone()),
        (json!(1), json!(1))
    );
    assert!((m["falseAlarmRate"].as_f64().unwrap() - 1.0 / 3.0).abs() < 1e-9);
    // A: started 08:30, detected 08:50 (20 min), declared and paged 09:00, acknowledged
    // 09:05 (5 min from the first page),
    // mitigated 09:20 (50 min from start), resolved 09:40 (70 min). B: start unknown.
    assert_eq!(m["startUnknown"], 1);
    assert_eq!(m["notPaged"], 0);
    assert_eq!(m["mttd"], json!({ "medianSeconds": 1200, "sampleSize": 1 }));
    assert_eq!(m["mtta"], json!({ "medianSeconds": 300, "sampleSize": 1 }));
    assert_eq!(m["mttm"], json!({ "medianSeconds": 3000, "sampleSize": 1 }));
    assert_eq!(m["mttr"], json!({ "medianSeconds": 4200, "sampleSize": 1 }));
    // B is open, declared at 09:00: an hour old at 10:00.
    assert_eq!(
        (m["openIncidents"].clone(), m["oldestOpenSeconds"].clone()),
        (json!(1), json!(3600))
    );
});
