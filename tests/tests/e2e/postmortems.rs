//! Postmortems, action items and metrics over HTTP: resolve a SEV2 → postmortem with a
//! 48 h deadline → fill, review, publish → action items created and completed → metrics.

use chrono::Duration;
use entity::Role;
use firebreak_tests::serde_json::{Value, json};
use firebreak_tests::{Gql, TestApp, e2e};

pub(crate) async fn declare(app: &TestApp, token: &str, title: &str, severity: &str) -> String {
    let res = app.call(token,
        "declareIncident",
        "DeclareIncidentInput",
        json!({ "title": title, "severity": severity, "customerImpact": true, "publicTitle": format!("Public {title}") }),
        "incident { id }",
    )
    .await;
    res.ok()["declareIncident"]["incident"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

pub(crate) async fn resolve(app: &TestApp, token: &str, id: &str) -> Gql {
    app.call(
        token,
        "resolveIncident",
        "ResolveIncidentInput",
        json!({ "incidentId": id, "summary": "Freed disk space" }),
        "incident { id }",
    )
    .await
}

const PM: &str = "query($id: ID!) { incident(id: $id) { resolvedAt postmortem {
    id version status visibility dueAt isOverdue publicSuggested publishedOnTime loopClosedAt summary rootCause
    impact { durationSeconds duration usersAffected }
    timeline { entryId at text hidden edited fromIncidentLog }
    actionItems { id version title status owner { login } }
    markdown
} } }";

pub(crate) async fn postmortem(app: &TestApp, token: &str, incident: &str) -> Value {
    app.gql(Some(token), PM, json!({ "id": incident }))
        .await
        .ok()["incident"]["postmortem"]
        .clone()
}

e2e!(the_whole_postmortem_flow, |app| {
    // The admin nobody-else-reachable pages fall back to (the incident has no team).
    app.named_user("ana-admin", Role::Admin).await;
    let (_, ada) = app.named_user("ada", Role::Responder).await;
    let (bob_id, bob) = app.named_user("bob", Role::Responder).await;
    let (_, viewer) = app.named_user("vera", Role::Viewer).await;
    let (_, mia) = app.named_user("mia", Role::Manager).await;
    let id = declare(&app, &ada, "Checkout disk full", "SEV2").await;
    app.call(
        &ada,
        "assignRole",
        "AssignRoleInput",
        json!({ "incidentId": id, "role": "COMMS_LEAD", "userId": bob_id }),
        "incident { id }",
    )
    .await
    .ok();
    app.advance_clock(Duration::minutes(3));
    app.call(
        &bob,
        "acknowledgeIncident",
        "IncidentIdInput",
        json!({ "incidentId": id }),
        "incident { id }",
    )
    .await
    .ok();
    app.advance_clock(Duration::minutes(42));
    resolve(&app, &ada, &id).await.ok();

    // Created on resolution, due 48 h later.
    let pm = postmortem(&app, &ada, &id).await;
    let pm_id = pm["id"].as_str().unwrap().to_owned();
    assert_eq!(pm["status"], "DRAFT");
    assert_eq!(pm["dueAt"], "2026-11-25T09:45:00+00:00");
    assert_eq!(pm["isOverdue"], false);
    assert_eq!(pm["publicSuggested"], true, "45 minutes of downtime");
    assert_eq!(pm["impact"]["durationSeconds"], 45 * 60);
    assert_eq!(pm["version"], 1);
    assert!(pm["timeline"].as_array().unwrap().len() >= 4);

    // Fill it; a stale version is refused.
    let up = |v: i64, summary: &str| json!({ "postmortemId": pm_id, "expectedVersion": v, "summary": summary, "rootCause": "Log rotation was off", "usersAffected": "30% of buyers", "remediation": "Disk alerts and log rotation" });
    let res = app
        .call(
            &ada,
            "updatePostmortem",
            "UpdatePostmortemInput",
            up(1, "Checkout failed for 45 minutes."),
            "postmortem { version }",
        )
        .await;
    assert_eq!(res.ok()["updatePostmortem"]["postmortem"]["version"], 2);
    app.call(
        &bob,
        "updatePostmortem",
        "UpdatePostmortemInput",
        up(1, "Overwrite!"),
        "postmortem { version }",
    )
    .await
    .expect_code("CONFLICT");
    // Viewers read but do not write.
    assert_eq!(
        postmortem(&app, &viewer, &id).await["summary"],
        "Checkout failed for 45 minutes."
    );
    app.call(
        &viewer,
        "updatePostmortem",
        "UpdatePostmortemInput",
        up(2, "x"),
        "postmortem { version }",
    )
    .await
    .expect_code("FORBIDDEN");

    // Timeline edits: hide, correct, add; the incident's own log is untouched.
    let pm = postmortem(&app, &ada, &id).await;
    let declared_line = pm["timeline"][0]["entryId"].clone();
    let v = pm["version"].as_i64().unwrap();
    app.call(&ada, "editPostmortemTimelineEntry", "EditPostmortemTimelineEntryInput", json!({ "postmortemId": pm_id, "expectedVersion": v, "entryId": declared_line, "text": "Declared SEV2 after disk alarms" }), "postmortem { version }").await.ok();
    let second = pm["timeline"][1]["entryId"].clone();
    app.call(&ada, "editPostmortemTimelineEntry", "EditPostmortemTimelineEntryInput", json!({ "postmortemId": pm_id, "expectedVersion": v + 1, "entryId": second, "hidden": true }), "postmortem { version }").await.ok();
    app.call(&ada, "addPostmortemTimelineEntry", "AddPostmortemTimelineEntryInput", json!({ "postmortemId": pm_id, "expectedVersion": v + 2, "at": "2026-11-23T08:50:00Z", "text": "Disk usage crossed 95%" }), "postmortem { version }").await.ok();
    let pm = postmortem(&app, &ada, &id).await;
    assert_eq!(pm["timeline"][0]["text"], "Disk usage crossed 95%");
    assert_eq!(pm["timeline"][0]["fromIncidentLog"], false);
    assert_eq!(pm["timeline"][1]["text"], "Declared SEV2 after disk alarms");
    assert_eq!(pm["timeline"][1]["edited"], true);
    assert_eq!(pm["timeline"][2]["hidden"], true);
    let log = app
        .gql(
            Some(&ada),
            "query($id: ID!) { incident(id: $id) { timeline(first: 100) { nodes { message } } } }",
            json!({ "id": id }),
        )
        .await;
    assert!(
        log.ok()["incident"]["timeline"]["nodes"][0]["message"]
            .as_str()
            .unwrap()
            .starts_with("Declared SEV2: Checkout disk full")
    );

    // Action items: one owner and a due date each.
    let create = |title: &str, priority: &str| json!({ "postmortemId": pm_id, "title": title, "ownerId": bob_id, "dueAt": "2026-11-30T17:00:00Z", "priority": priority, "trackerUrl": "https://tracker.example/OPS-1", "trackerKey": "OPS-1" });
    let a1 = app
        .call(
            &ada,
            "createActionItem",
            "CreateActionItemInput",
            create("Alert on disk usage", "P1"),
            "actionItem { id version status }",
        )
        .await;
    let a1 = a1.ok()["createActionItem"]["actionItem"].clone();
    let a2 = app
        .call(
            &ada,
            "createActionItem",
            "CreateActionItemInput",
            create("Enable log rotation", "P2"),
            "actionItem { id version }",
        )
        .await;
    let a2 = a2.ok()["createActionItem"]["actionItem"].clone();
    let ownerless = app.call(&ada, "createActionItem", "CreateActionItemInput", json!({ "postmortemId": pm_id, "title": "x", "dueAt": "2026-11-30T17:00:00Z", "priority": "P3" }), "actionItem { id }").await;
    assert_eq!(ownerless.status, 422, "owner-less items are refused");
    let dateless = app
        .call(
            &ada,
            "createActionItem",
            "CreateActionItemInput",
            json!({ "postmortemId": pm_id, "title": "x", "ownerId": bob_id, "priority": "P3" }),
            "actionItem { id }",
        )
        .await;
    assert_eq!(dateless.status, 422, "date-less items are refused");
    app.call(
        &ada,
        "updateActionItem",
        "UpdateActionItemInput",
        json!({ "actionItemId": a2["id"], "expectedVersion": 1, "status": "WONT_DO" }),
        "actionItem { id }",
    )
    .await
    .expect_code("BAD_USER_INPUT");
    let mine = app
        .gql(
            Some(&bob),
            "{ myActionItems { edges { node { title priority status isOverdue } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        mine.ok()["myActionItems"]["edges"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    app.advance_clock(Duration::hours(2));
    app.call(
        &bob,
        "completeActionItem",
        "CompleteActionItemInput",
        json!({ "actionItemId": a1["id"], "expectedVersion": 1 }),
        "actionItem { status completedAt }",
    )
    .await
    .ok();
    app.call(
        &bob,
        "completeActionItem",
        "CompleteActionItemInput",
        json!({ "actionItemId": a1["id"], "expectedVersion": 1 }),
        "actionItem { status }",
    )
    .await
    .expect_code("CONFLICT");
    assert!(postmortem(&app, &ada, &id).await["loopClosedAt"].is_null());
    app.call(&bob, "updateActionItem", "UpdateActionItemInput", json!({ "actionItemId": a2["id"], "expectedVersion": 1, "status": "WONT_DO", "wontDoReason": "Replaced by the disk alert" }), "actionItem { status }").await.ok();
    let pm = postmortem(&app, &ada, &id).await;
    assert_eq!(pm["loopClosedAt"], "2026-11-23T11:45:00+00:00");

    // Public: a manager or an admin only (the Communications Lead is not enough), set
    // before publication; published PUBLIC ones then reach the status page.
    let status_page =
        "{ statusPage { postmortems { title summary impact rootCause remediation } } }";
    assert_eq!(
        app.gql(None, status_page, json!({})).await.ok()["statusPage"]["postmortems"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    let v = pm["version"].as_i64().unwrap();
    let vis =
        |v: i64| json!({ "postmortemId": pm_id, "expectedVersion": v, "visibility": "PUBLIC" });
    for who in [&ada, &bob] {
        let res = app
            .call(
                who,
                "setPostmortemVisibility",
                "SetPostmortemVisibilityInput",
                vis(v),
                "postmortem { visibility }",
            )
            .await;
        res.expect_code("FORBIDDEN");
        assert_eq!(
            res.body["errors"][0]["extensions"]["reason"],
            "PUBLIC_NEEDS_MANAGER"
        );
    }
    // Public fields of its own first: the status page never falls back to the internal text.
    app.call(
        &mia,
        "setPostmortemVisibility",
        "SetPostmortemVisibilityInput",
        vis(v),
        "postmortem { visibility }",
    )
    .await
    .expect_reason("BAD_USER_INPUT", "PUBLIC_SUMMARY_REQUIRED");
    app.call(&ada, "updatePostmortem", "UpdatePostmortemInput", json!({ "postmortemId": pm_id, "expectedVersion": v, "publicSummary": "Checkout failed for 45 minutes.", "publicImpact": "Some shoppers could not pay", "publicRootCause": "A payment server ran out of disk space", "publicRemediation": "We now alert well before disks fill up" }), "postmortem { version }")
        .await
        .ok();
    let v = v + 1;
    app.call(
        &mia,
        "setPostmortemVisibility",
        "SetPostmortemVisibilityInput",
        vis(v),
        "postmortem { visibility }",
    )
    .await
    .ok();
    let v = v + 1;

    // Review, publish (no shortcut from draft), then it is final.
    let publish = |who: &str, v: i64| {
        let who = who.to_owned();
        let pm_id = pm_id.clone();
        let app = &app;
        async move {
            app.call(
                &who,
                "publishPostmortem",
                "PostmortemVersionInput",
                json!({ "postmortemId": pm_id, "expectedVersion": v }),
                "postmortem { status publishedOnTime publishedBy { login } }",
            )
            .await
        }
    };
    let res = publish(&ada, v).await;
    res.expect_code("CONFLICT");
    assert_eq!(
        res.body["errors"][0]["extensions"]["reason"],
        "POSTMORTEM_TRANSITION"
    );
    app.call(
        &ada,
        "submitPostmortemForReview",
        "PostmortemVersionInput",
        json!({ "postmortemId": pm_id, "expectedVersion": v }),
        "postmortem { status }",
    )
    .await
    .ok();
    // Not by the person who submitted it (by default), and a public one only by a
    // manager or an admin, checked again at publication.
    let res = publish(&ada, v + 1).await;
    res.expect_code("FORBIDDEN");
    assert_eq!(
        res.body["errors"][0]["extensions"]["reason"],
        "SELF_PUBLICATION"
    );
    let res = publish(&bob, v + 1).await;
    res.expect_code("FORBIDDEN");
    assert_eq!(
        res.body["errors"][0]["extensions"]["reason"],
        "PUBLIC_NEEDS_MANAGER"
    );
    let res = publish(&mia, v + 1).await;
    let published = &res.ok()["publishPostmortem"]["postmortem"];
    assert_eq!(published["status"], "PUBLISHED");
    assert_eq!(published["publishedOnTime"], true);
    assert_eq!(published["publishedBy"]["login"], "mia");
    // Final: fields, timeline and visibility.
    for res in [
        app.call(&ada, "updatePostmortem", "UpdatePostmortemInput", up(v + 2, "late edit"), "postmortem { version }").await,
        app.call(&ada, "addPostmortemTimelineEntry", "AddPostmortemTimelineEntryInput", json!({ "postmortemId": pm_id, "expectedVersion": v + 2, "at": "2026-11-23T09:00:00Z", "text": "late line" }), "postmortem { version }").await,
        app.call(&mia, "setPostmortemVisibility", "SetPostmortemVisibilityInput", json!({ "postmortemId": pm_id, "expectedVersion": v + 2, "visibility": "INTERNAL" }), "postmortem { version }").await,
    ] {
        res.expect_code("CONFLICT");
        assert_eq!(res.body["errors"][0]["extensions"]["reason"], "POSTMORTEM_PUBLISHED");
    }

    let res = app.gql(None, status_page, json!({})).await;
    let public = res.ok()["statusPage"]["postmortems"][0].clone();
    assert_eq!(public["title"], "Public Checkout disk full");
    assert_eq!(
        public["rootCause"],
        "A payment server ran out of disk space"
    );
    assert_eq!(public["summary"], "Checkout failed for 45 minutes.");
    assert_eq!(
        public["remediation"],
        "We now alert well before disks fill up"
    );
    assert!(
        public["impact"]
            .as_str()
            .unwrap()
            .contains("Affected: Some shoppers could not pay")
    );
    assert!(public["impact"].as_str().unwrap().contains("45 min"));
    firebreak_tests::leaks::assert_none_of(
        &res.body.to_string(),
        &[
            "ada",
            "bob",
            "#inc-",
            "\"Checkout disk full\"",
            "Log rotation",
        ],
    );

    // The Markdown document.
    let md = postmortem(&app, &ada, &id).await["markdown"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(md.starts_with("# Postmortem: Checkout disk full"));
    assert!(
        md.contains("**Date:** 2026-11-23 | **Duration:** 45 min | **Severity:** SEV2 | **Status:** Published"),
        "{md}"
    );
    assert!(
        md.contains(
            "## People involved\n\n- Incident Commander: ada\n- Communications Lead: bob\n"
        ),
        "{md}"
    );
    assert!(
        md.contains("## Timeline (UTC)")
            && md.contains("| 2026-11-23 08:50 | Disk usage crossed 95% |"),
        "{md}"
    );
    assert!(
        md.contains("| Alert on disk usage | bob | 2026-11-30 | P1 | Done |"),
        "{md}"
    );
    assert!(
        md.contains("| Enable log rotation | bob | 2026-11-30 | P2 | Won't do |"),
        "{md}"
    );

    // Reopened and re-resolved: same postmortem, same deadline.
    app.call(
        &ada,
        "reopenIncident",
        "ReopenIncidentInput",
        json!({ "incidentId": id, "reason": "Disk filled again" }),
        "incident { id }",
    )
    .await
    .ok();
    app.advance_clock(Duration::hours(1));
    resolve(&app, &ada, &id).await.ok();
    let again = postmortem(&app, &ada, &id).await;
    assert_eq!(again["id"], pm_id);
    assert_eq!(again["dueAt"], "2026-11-25T09:45:00+00:00");

    // Metrics see it.
    let q = "query($f: IncidentMetricsFilter!) { incidentMetrics(filter: $f) {
        total falseAlarms bySeverity { severity count }
        mtta { medianSeconds sampleSize } mttr { medianSeconds p90Seconds meanSeconds sampleSize }
        weekly { week count } postmortems { due doneOnTime overdue pending }
        startUnknown mttd { medianSeconds } mttm { medianSeconds } openIncidents oldestOpenSeconds
        falseAlarmRate duplicates
        actionItemsDue actionItemsNotYetDue actionItemsClosed actionItemsDoneOnTime
        actionItemCompletionRate actionItemOnTimeRate } }";
    // Before the items' due date (30 Nov) they are not yet due: out of the rates.
    let early = app
        .gql(
            Some(&viewer),
            q,
            json!({ "f": { "from": "2026-11-23T00:00:00Z", "to": "2026-12-07T00:00:00Z" } }),
        )
        .await;
    let e = early.ok()["incidentMetrics"].clone();
    assert_eq!(
        (
            e["actionItemsDue"].clone(),
            e["actionItemsNotYetDue"].clone()
        ),
        (json!(2), json!(2))
    );
    assert!(e["actionItemCompletionRate"].is_null());
    app.advance_clock(Duration::days(8));
    let viewer = app.sign("vera"); // tokens last 12 h
    let res = app
        .gql(
            Some(&viewer),
            q,
            json!({ "f": { "from": "2026-11-23T00:00:00Z", "to": "2026-12-07T00:00:00Z" } }),
        )
        .await;
    let m = res.ok()["incidentMetrics"].clone();
    assert_eq!(m["total"], 1);
    assert_eq!(
        m["bySeverity"][1],
        json!({ "severity": "SEV2", "count": 1 })
    );
    assert_eq!(m["mtta"], json!({ "medianSeconds": 180, "sampleSize": 1 }));
    // Resolved again at 12:45 after reopening: MTTR is started → final resolution.
    assert_eq!(m["mttr"]["medianSeconds"], 3 * 3600 + 45 * 60);
    assert_eq!(
        m["weekly"],
        json!([{ "week": "2026-W48", "count": 1 }, { "week": "2026-W49", "count": 0 }])
    );
    assert_eq!(
        m["postmortems"],
        json!({ "due": 1, "doneOnTime": 1, "overdue": 0, "pending": 0 })
    );
    // Nobody said when impact began: time to detect is unknown, not zero.
    assert_eq!(m["startUnknown"], 1);
    assert!(m["mttd"].is_null());
    assert!(m["mttm"].is_null(), "never marked mitigated");
    assert_eq!(
        (m["openIncidents"].clone(), m["oldestOpenSeconds"].clone()),
        (json!(0), json!(null))
    );
    assert_eq!(
        (m["falseAlarmRate"].clone(), m["duplicates"].clone()),
        (json!(0.0), json!(0))
    );
    // Both items past due now: one done on time, one won't do; both closed.
    assert_eq!(m["actionItemsDue"], 2);
    assert_eq!(m["actionItemsNotYetDue"], 0);
    assert_eq!(m["actionItemsClosed"], 2);
    assert_eq!(m["actionItemsDoneOnTime"], 1);
    assert_eq!(m["actionItemCompletionRate"], 1.0);
    assert_eq!(m["actionItemOnTimeRate"], 0.5);
});

e2e!(postmortems_on_request_and_their_rules, |app| {
    let (_, ada) = app.named_user("ada", Role::Responder).await;
    let (_, manager) = app.named_user("mia", Role::Manager).await;
    let minor = declare(&app, &ada, "Slow search", "SEV3").await;
    let start = |id: &str| json!({ "incidentId": id });
    app.call(
        &ada,
        "startPostmortem",
        "StartPostmortemInput",
        start(&minor),
        "postmortem { id }",
    )
    .await
    .expect_code("BAD_USER_INPUT");
    resolve(&app, &ada, &minor).await.ok();
    assert!(
        postmortem(&app, &ada, &minor).await.is_null(),
        "SEV3: optional"
    );
    let res = app
        .call(
            &ada,
            "startPostmortem",
            "StartPostmortemInput",
            start(&minor),
            "postmortem { id dueAt }",
        )
        .await;
    assert_eq!(
        res.ok()["startPostmortem"]["postmortem"]["dueAt"],
        "2026-11-25T09:00:00+00:00"
    );
    app.call(
        &ada,
        "startPostmortem",
        "StartPostmortemInput",
        start(&minor),
        "postmortem { id }",
    )
    .await
    .expect_code("CONFLICT");

    // False alarms get none; the deadline follows the organization setting.
    let alarm = declare(&app, &ada, "Pager storm", "SEV1").await;
    app.call(
        &ada,
        "resolveIncident",
        "ResolveIncidentInput",
        json!({ "incidentId": alarm, "summary": "noise", "falseAlarm": true }),
        "incident { id }",
    )
    .await
    .ok();
    assert!(postmortem(&app, &ada, &alarm).await.is_null());
    let admin = app.token(Role::Admin).await;
    app.gql(Some(&admin), "mutation { updateOrganization(input: { postmortemDueHours: 72 }) { organization { postmortemDueHours } } }", json!({}))
        .await
        .ok();
    let big = declare(&app, &ada, "Payments down", "SEV1").await;
    resolve(&app, &ada, &big).await.ok();
    let pm = postmortem(&app, &ada, &big).await;
    assert_eq!(pm["dueAt"], "2026-11-26T09:00:00+00:00");
    // Overdue once the deadline passes unpublished; managers may make it public.
    app.advance_clock(Duration::hours(73));
    let ada = app.sign("ada");
    let manager = {
        let _ = manager;
        app.sign("mia")
    };
    assert_eq!(postmortem(&app, &ada, &big).await["isOverdue"], true);
    let res = app
        .gql(
            Some(&ada),
            "{ actionItems(filter: { overdueAt: \"2026-12-01T00:00:00Z\" }) { edges { cursor } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        res.ok()["actionItems"]["edges"].as_array().unwrap().len(),
        0
    );
    let res = app.call(&manager, "updatePostmortem", "UpdatePostmortemInput", json!({ "postmortemId": pm["id"], "expectedVersion": pm["version"], "publicSummary": "Payments were down." }), "postmortem { version }").await;
    let version = res.ok()["updatePostmortem"]["postmortem"]["version"].clone();
    let res = app
        .call(
            &manager,
            "setPostmortemVisibility",
            "SetPostmortemVisibilityInput",
            json!({ "postmortemId": pm["id"], "expectedVersion": version, "visibility": "PUBLIC" }),
            "postmortem { visibility }",
        )
        .await;
    assert_eq!(
        res.ok()["setPostmortemVisibility"]["postmortem"]["visibility"],
        "PUBLIC"
    );
    // Not published: not on the status page.
    let res = app
        .gql(None, "{ statusPage { postmortems { id } } }", json!({}))
        .await;
    assert_eq!(
        res.ok()["statusPage"]["postmortems"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
});
