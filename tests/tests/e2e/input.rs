//! Bad input gets a typed error with a stable reason, never a 500 and never a half-written
//! record: instants out of range, times out of order, invisible characters, search text,
//! malformed cursors, deactivated or mismatched teams and services.

use entity::Role;
use firebreak_tests::serde_json::json;
use firebreak_tests::{TestApp, e2e};

async fn team_with_service(app: &TestApp, admin: &str, name: &str) -> (String, String) {
    let team = app
        .call(
            admin,
            "createTeam",
            "CreateTeamInput",
            json!({ "name": name }),
            "team { id }",
        )
        .await
        .ok()["createTeam"]["team"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let service = app
        .call(
            admin,
            "createService",
            "CreateServiceInput",
            json!({ "name": format!("{name} API"), "teamId": team }),
            "service { id }",
        )
        .await
        .ok()["createService"]["service"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    (team, service)
}

async fn count_incidents(app: &TestApp, token: &str) -> usize {
    app.gql(
        Some(token),
        "{ incidents(first: 100) { nodes { id } } }",
        json!({}),
    )
    .await
    .ok()["incidents"]["nodes"]
        .as_array()
        .unwrap()
        .len()
}

e2e!(instants_out_of_range_are_refused_everywhere, |app| {
    let (ada_id, ada) = app.user(Role::Responder).await;
    let declare = |extra: firebreak_tests::serde_json::Value| {
        let mut input = json!({ "title": "Slow API", "severity": "SEV3" });
        input
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        app.call(
            &ada,
            "declareIncident",
            "DeclareIncidentInput",
            input,
            "incident { id }",
        )
    };
    for extra in [
        json!({ "startedAt": "1900-01-01T00:00:00Z" }),
        json!({ "detectedAt": "1970-01-01T00:00:00Z" }),
        json!({ "detectedAt": "9999-12-31T23:59:59Z" }),
        json!({ "startedAt": "+262143-12-31T23:59:59Z" }),
    ] {
        let res = declare(extra.clone()).await;
        assert_ne!(res.status, 500, "{extra}: {}", res.body);
        assert_eq!(res.code(), Some("BAD_USER_INPUT"), "{extra}: {}", res.body);
    }
    declare(json!({ "startedAt": "2100-01-01T00:00:00Z" }))
        .await
        .expect_reason("BAD_USER_INPUT", "INSTANT_OUT_OF_RANGE");
    // Impact may start at most 90 days before the declaration.
    declare(json!({ "startedAt": "2026-08-24T08:59:59Z" }))
        .await
        .expect_reason("BAD_USER_INPUT", "STARTED_TOO_EARLY");
    let id = declare(json!({ "startedAt": "2026-08-25T09:00:00Z" }))
        .await
        .ok()["declareIncident"]["incident"]["id"]
        .clone();
    assert_eq!(count_incidents(&app, &ada).await, 1, "nothing half-written");

    // Detection is never after the declaration, even when corrected later.
    app.advance_clock(chrono::Duration::hours(2));
    app.call(
        &ada,
        "updateIncident",
        "UpdateIncidentInput",
        json!({ "incidentId": id, "detectedAt": "2026-11-23T10:00:00Z" }),
        "incident { id }",
    )
    .await
    .expect_reason("BAD_USER_INPUT", "DETECTED_AFTER_DECLARED");
    app.call(
        &ada,
        "updateIncident",
        "UpdateIncidentInput",
        json!({ "incidentId": id, "startedAt": "1999-12-31T00:00:00Z" }),
        "incident { id }",
    )
    .await
    .expect_reason("BAD_USER_INPUT", "INSTANT_OUT_OF_RANGE");

    // Filters and metrics: far but parseable dates are a clear error, not a 500.
    for (q, vars) in [
        (
            "query($f: IncidentMetricsFilter!) { incidentMetrics(filter: $f) { total } }",
            json!({ "f": { "from": "9000-01-01T00:00:00Z", "to": "9001-01-01T00:00:00Z" } }),
        ),
        (
            "query($f: IncidentMetricsFilter!) { incidentMetrics(filter: $f) { total } }",
            json!({ "f": { "from": "1000-01-01T00:00:00Z", "to": "1001-01-01T00:00:00Z" } }),
        ),
        (
            "query($f: IncidentFilterInput) { incidents(filter: $f) { nodes { id } } }",
            json!({ "f": { "declaredFrom": "3000-01-01T00:00:00Z" } }),
        ),
        (
            "query { actionItems(filter: { overdueAt: \"2500-01-01T00:00:00Z\" }) { nodes { id } } }",
            json!({}),
        ),
    ] {
        let res = app.gql(Some(&ada), q, vars.clone()).await;
        res.expect_reason("BAD_USER_INPUT", "INSTANT_OUT_OF_RANGE");
    }

    // Durations fit a GraphQL Int whatever the data.
    let res = app
        .gql(
            Some(&ada),
            "{ severityPolicies { respondWithinMinutes updateEveryMinutes } }",
            json!({}),
        )
        .await;
    res.ok();
    let _ = ada_id;
});

e2e!(invisible_and_bidirectional_characters_are_refused, |app| {
    let ada = app.token(Role::Responder).await;
    for bad in [
        "line\u{2028}separator",
        "para\u{2029}separator",
        "right\u{202E}to-left override",
        "isolate\u{2066}x\u{2069}",
        "zero\u{200B}width",
        "word\u{2060}joiner",
        "\u{FEFF}bom",
        "soft\u{AD}hyphen",
        "bell\u{7}",
    ] {
        app.call(
            &ada,
            "declareIncident",
            "DeclareIncidentInput",
            json!({ "title": bad, "severity": "SEV3" }),
            "incident { id }",
        )
        .await
        .expect_reason("BAD_USER_INPUT", "TEXT_FORBIDDEN_CHARACTERS");
    }
    assert_eq!(count_incidents(&app, &ada).await, 0);
    // Joiners that scripts and emoji need are kept as typed.
    for good in ["क्\u{200D}ष सेवा", "می\u{200C}خواهم", "👩\u{200D}💻 paging"]
    {
        let res = app
            .call(
                &ada,
                "declareIncident",
                "DeclareIncidentInput",
                json!({ "title": good, "severity": "SEV3" }),
                "incident { title }",
            )
            .await;
        assert_eq!(res.ok()["declareIncident"]["incident"]["title"], good);
    }
});

e2e!(
    search_is_validated_and_folds_case_alike_on_both_databases,
    |app| {
        let ada = app.token(Role::Responder).await;
        for title in [
            "ÉCHEC du paiement",
            "Straße closed",
            "ΣΊΣΥΦΟΣ loop",
            "plain ascii",
        ] {
            app.declare(&ada, json!({ "title": title, "severity": "SEV3" }))
                .await;
        }
        let q = "query($t: String) { incidents(filter: { text: $t }) { nodes { title } } }";
        for (needle, expected) in [
            ("échec", "ÉCHEC du paiement"),
            ("ÉCHEC", "ÉCHEC du paiement"),
            ("STRASSE", "Straße closed"),
            ("σίσυφος", "ΣΊΣΥΦΟΣ loop"),
            ("PLAIN", "plain ascii"),
        ] {
            let res = app.gql(Some(&ada), q, json!({ "t": needle })).await;
            let nodes = res.ok()["incidents"]["nodes"].as_array().unwrap().clone();
            assert_eq!(nodes.len(), 1, "{needle}: {nodes:?}");
            assert_eq!(nodes[0]["title"], expected, "{needle}");
        }
        for bad in ["nul\u{0}byte".to_owned(), "x".repeat(201)] {
            app.gql(Some(&ada), q, json!({ "t": bad }))
                .await
                .expect_code("BAD_USER_INPUT");
        }
    }
);

e2e!(malformed_cursors_are_bad_input_everywhere, |app| {
    let admin = app.token(Role::Admin).await;
    let garbage = "bm90LWEtY3Vyc29y"; // base64 of "not-a-cursor"
    for list in [
        "incidents(first: 1, after: $a) { nodes { id } }",
        "users(first: 1, after: $a) { nodes { id } }",
        "teams(first: 1, after: $a) { nodes { id } }",
        "services(first: 1, after: $a) { nodes { id } }",
        "auditLog(first: 1, after: $a) { nodes { id } }",
        "actionItems(first: 1, after: $a) { nodes { id } }",
        "myActionItems(first: 1, after: $a) { nodes { id } }",
    ] {
        for cursor in [garbage, "%%%"] {
            let q = format!("query($a: String) {{ {list} }}");
            let res = app.gql(Some(&admin), &q, json!({ "a": cursor })).await;
            res.expect_reason("BAD_USER_INPUT", "INVALID_CURSOR");
        }
    }
});

e2e!(
    deactivated_or_mismatched_teams_and_services_are_refused,
    |app| {
        let admin = app.token(Role::Admin).await;
        let ada = app.token(Role::Responder).await;
        let (pay_team, pay_api) = team_with_service(&app, &admin, "Payments").await;
        let (search_team, search_api) = team_with_service(&app, &admin, "Search").await;
        // A service that belongs to another team.
        app.call(&ada, "declareIncident", "DeclareIncidentInput", json!({ "title": "x", "severity": "SEV3", "teamId": pay_team, "serviceId": search_api }), "incident { id }")
        .await
        .expect_reason("BAD_USER_INPUT", "SERVICE_NOT_IN_TEAM");
        // The service alone names its team.
        let i = app
            .call(
                &ada,
                "declareIncident",
                "DeclareIncidentInput",
                json!({ "title": "x", "severity": "SEV3", "serviceId": pay_api }),
                "incident { id team { id } }",
            )
            .await;
        let i = i.ok()["declareIncident"]["incident"].clone();
        assert_eq!(i["team"]["id"], pay_team.as_str());
        app.call(
            &ada,
            "updateIncident",
            "UpdateIncidentInput",
            json!({ "incidentId": i["id"], "teamId": search_team }),
            "incident { id }",
        )
        .await
        .expect_reason("BAD_USER_INPUT", "SERVICE_NOT_IN_TEAM");
        // Moving to another team's service moves the incident to that team.
        let moved = app
            .call(
                &ada,
                "updateIncident",
                "UpdateIncidentInput",
                json!({ "incidentId": i["id"], "serviceId": search_api }),
                "incident { team { id } service { id } }",
            )
            .await;
        assert_eq!(
            moved.ok()["updateIncident"]["incident"]["team"]["id"],
            search_team.as_str()
        );

        // Deactivated ones take no incidents.
        app.call(
            &admin,
            "deactivateService",
            "ServiceIdInput",
            json!({ "id": pay_api }),
            "service { id }",
        )
        .await
        .ok();
        app.call(
            &ada,
            "declareIncident",
            "DeclareIncidentInput",
            json!({ "title": "x", "severity": "SEV3", "serviceId": pay_api }),
            "incident { id }",
        )
        .await
        .expect_reason("BAD_USER_INPUT", "SERVICE_DEACTIVATED");
        app.call(
            &admin,
            "deactivateTeam",
            "TeamIdInput",
            json!({ "id": search_team }),
            "team { id }",
        )
        .await
        .ok();
        app.call(
            &ada,
            "declareIncident",
            "DeclareIncidentInput",
            json!({ "title": "x", "severity": "SEV3", "teamId": search_team }),
            "incident { id }",
        )
        .await
        .expect_reason("BAD_USER_INPUT", "TEAM_DEACTIVATED");
        app.call(
            &ada,
            "updateIncident",
            "UpdateIncidentInput",
            json!({ "incidentId": i["id"], "serviceId": pay_api }),
            "incident { id }",
        )
        .await
        .expect_reason("BAD_USER_INPUT", "SERVICE_DEACTIVATED");
        // A deactivated team's membership is frozen.
        let (someone, _) = app.user(Role::Responder).await;
        app.call(
            &admin,
            "setTeamMember",
            "SetTeamMemberInput",
            json!({ "teamId": search_team, "userId": someone, "teamRole": "MEMBER" }),
            "team { id }",
        )
        .await
        .expect_reason("BAD_USER_INPUT", "TEAM_DEACTIVATED");
    }
);

e2e!(
    demoting_a_manager_removes_their_team_manager_rights,
    |app| {
        let admin = app.token(Role::Admin).await;
        let (mia_id, mia) = app.user(Role::Manager).await;
        let (someone, _) = app.user(Role::Responder).await;
        let (team, _) = team_with_service(&app, &admin, "Payments").await;
        app.call(
            &admin,
            "addTeamManager",
            "TeamUserInput",
            json!({ "teamId": team, "userId": mia_id }),
            "team { id }",
        )
        .await
        .ok();
        app.call(
            &mia,
            "setTeamMember",
            "SetTeamMemberInput",
            json!({ "teamId": team, "userId": someone, "teamRole": "MEMBER" }),
            "team { id }",
        )
        .await
        .ok();
        app.call(
            &admin,
            "updateUser",
            "UpdateUserInput",
            json!({ "id": mia_id, "role": "RESPONDER" }),
            "user { role }",
        )
        .await
        .ok();
        let t = app
            .gql(
                Some(&admin),
                "query($id: ID!) { team(id: $id) { managers { id } } }",
                json!({ "id": team }),
            )
            .await;
        assert_eq!(t.ok()["team"]["managers"], json!([]));
        let log = app
            .gql(
                Some(&admin),
                "{ auditLog(first: 100) { nodes { action targetId } } }",
                json!({}),
            )
            .await;
        let removed = log.ok()["auditLog"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| {
                e["action"] == "team.manager_remove" && e["targetId"] == format!("{team}/{mia_id}")
            });
        assert!(removed, "audited: {}", log.body);
        // Promoted again, the rights do not come back by themselves.
        app.call(
            &admin,
            "updateUser",
            "UpdateUserInput",
            json!({ "id": mia_id, "role": "MANAGER" }),
            "user { role }",
        )
        .await
        .ok();
        app.call(
            &mia,
            "removeTeamMember",
            "TeamUserInput",
            json!({ "teamId": team, "userId": someone }),
            "team { id }",
        )
        .await
        .expect_reason("FORBIDDEN", "NOT_TEAM_MANAGER");
    }
);

e2e!(
    a_mutation_sees_the_writes_of_the_mutations_before_it,
    |app| {
        let (_, ada) = app.user(Role::Responder).await;
        let (bob_id, _) = app.user(Role::Responder).await;
        let (cat_id, _) = app.user(Role::Responder).await;
        let id = app
            .declare(&ada, json!({ "title": "Queue stuck", "severity": "SEV3" }))
            .await["id"]
            .clone();
        let q = "mutation($id: ID!, $bob: ID!, $cat: ID!) {
        a: assignRole(input: { incidentId: $id, role: SCRIBE, userId: $bob }) { incident { roles { role } } }
        b: assignRole(input: { incidentId: $id, role: COMMS_LEAD, userId: $cat }) { incident { roles { role } timeline(first: 100) { nodes { kind } } } }
    }";
        let res = app
            .gql(
                Some(&ada),
                q,
                json!({ "id": id, "bob": bob_id, "cat": cat_id }),
            )
            .await;
        let data = res.ok();
        let roles = |k: &str| -> Vec<String> {
            let mut r: Vec<String> = data[k]["incident"]["roles"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["role"].as_str().unwrap().to_owned())
                .collect();
            r.sort();
            r
        };
        assert_eq!(roles("a"), ["COMMANDER", "SCRIBE"]);
        assert_eq!(roles("b"), ["COMMANDER", "COMMS_LEAD", "SCRIBE"]);
        assert_eq!(
            data["b"]["incident"]["timeline"]["nodes"]
                .as_array()
                .unwrap()
                .len(),
            3,
            "declared + two role changes"
        );
    }
);
