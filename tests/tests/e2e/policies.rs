//! Policies that act: the severity policy decides which severities owe a postmortem, shows
//! customer communication owed until customers are told, and warns (without refusing) when
//! a declaration's customer impact contradicts the policy.

use super::incidents::{DETAILS, declare, mutate};
use entity::Role;
use firebreak_tests::serde_json::json;
use firebreak_tests::{TestApp, e2e};

const DECLARE: &str = "mutation($in: DeclareIncidentInput!) { declareIncident(input: $in) { incident { id customerCommunicationOwed } warnings { code message } } }";

async fn resolve(app: &TestApp, token: &str, id: &str) -> firebreak_tests::serde_json::Value {
    app.call(
        token,
        "resolveIncident",
        "ResolveIncidentInput",
        json!({ "incidentId": id, "summary": "fixed" }),
        "incident { postmortem { id } customerCommunicationOwed }",
    )
    .await
    .ok()["resolveIncident"]["incident"]
        .clone()
}

e2e!(
    the_policy_decides_which_severities_owe_a_postmortem,
    |app| {
        let t = app.token(Role::Responder).await;
        let admin = app.token(Role::Admin).await;
        let declare = |severity: &str| {
            app.declare(
                &t,
                json!({ "title": "Something broke", "severity": severity }),
            )
        };
        // Defaults: SEV2 owes one, SEV3 does not.
        let sev2 = declare("SEV2").await["id"].as_str().unwrap().to_owned();
        assert!(resolve(&app, &t, &sev2).await["postmortem"]["id"].is_string());
        let sev3 = declare("SEV3").await["id"].as_str().unwrap().to_owned();
        assert!(resolve(&app, &t, &sev3).await["postmortem"].is_null());
        // The organization decides otherwise.
        for (severity, required) in [("SEV2", false), ("SEV3", true)] {
            let res = app
                .call(
                    &admin,
                    "updateSeverityPolicy",
                    "UpdateSeverityPolicyInput",
                    json!({ "severity": severity, "postmortemRequired": required }),
                    "policy { postmortemRequired }",
                )
                .await;
            assert_eq!(
                res.ok()["updateSeverityPolicy"]["policy"]["postmortemRequired"],
                required
            );
        }
        let sev2 = declare("SEV2").await["id"].as_str().unwrap().to_owned();
        assert!(resolve(&app, &t, &sev2).await["postmortem"].is_null());
        let sev3 = declare("SEV3").await["id"].as_str().unwrap().to_owned();
        assert!(resolve(&app, &t, &sev3).await["postmortem"]["id"].is_string());
    }
);

e2e!(
    customers_are_owed_word_until_told_and_declarations_warn,
    |app| {
        let t = app.token(Role::Responder).await;
        // SEV1 without customer impact: declared all the same, with a warning.
        let res = app
            .gql(
                Some(&t),
                DECLARE,
                json!({ "in": { "title": "Internal dashboards down", "severity": "SEV1" } }),
            )
            .await;
        let d = res.ok()["declareIncident"].clone();
        assert_eq!(d["warnings"][0]["code"], "CUSTOMER_COMMS_WITHOUT_IMPACT");
        assert!(
            d["warnings"][0]["message"]
                .as_str()
                .unwrap()
                .contains("SEV1")
        );
        assert_eq!(d["incident"]["customerCommunicationOwed"], false);
        // With customer impact: no warning, and word is owed until a public update.
        let res = app.gql(Some(&t), DECLARE, json!({ "in": { "title": "Checkout down", "severity": "SEV1", "customerImpact": true } })).await;
        let d = res.ok()["declareIncident"].clone();
        assert_eq!(d["warnings"], json!([]));
        assert_eq!(d["incident"]["customerCommunicationOwed"], true);
        let id = d["incident"]["id"].as_str().unwrap().to_owned();
        app.call(
            &t,
            "postUpdate",
            "PostUpdateInput",
            json!({ "incidentId": id, "message": "Looking into it", "status": "INVESTIGATING" }),
            "incident { id }",
        )
        .await
        .ok();
        let owed = |id: String| {
            let app = &app;
            let t = t.clone();
            async move {
                app.gql(Some(&t), "query($id: ID!) { incident(id: $id) { customerCommunicationOwed lastPublicUpdateAt } }", json!({ "id": id }))
                .await
                .ok()["incident"]
                .clone()
            }
        };
        assert_eq!(
            owed(id.clone()).await["customerCommunicationOwed"],
            true,
            "an internal update tells no customer"
        );
        app.call(&t, "postUpdate", "PostUpdateInput", json!({ "incidentId": id, "message": "Some payments fail; we are on it.", "status": "IDENTIFIED", "public": true }), "incident { id }")
        .await
        .ok();
        let i = owed(id.clone()).await;
        assert_eq!(i["customerCommunicationOwed"], false);
        assert_eq!(i["lastPublicUpdateAt"], "2026-11-23T09:00:00+00:00");
        // SEV3 asks no customer communication.
        let res = app.gql(Some(&t), DECLARE, json!({ "in": { "title": "Slow search", "severity": "SEV3", "customerImpact": true } })).await;
        assert_eq!(
            res.ok()["declareIncident"]["incident"]["customerCommunicationOwed"],
            false
        );
    }
);

e2e!(
    severity_policies_are_readable_by_all_and_changed_by_admins,
    |app| {
        let viewer = app.token(Role::Viewer).await;
        let responder = app.token(Role::Responder).await;
        let admin = app.token(Role::Admin).await;
        let q = "{ severityPolicies { severity respondWithinMinutes businessHoursOnly pages updateEveryMinutes customerComms } }";
        let res = app.gql(Some(&viewer), q, json!({})).await;
        let p = res.ok()["severityPolicies"].clone();
        assert_eq!(p[0]["severity"], "SEV1");
        assert_eq!(
            p[0]["pages"],
            json!(["ON_CALL", "ENGINEERING_LEAD", "VP_ENGINEERING"])
        );
        assert_eq!(p[1]["updateEveryMinutes"], 30);
        assert_eq!(p[3]["pages"], json!([]));
        let m = "mutation($in: UpdateSeverityPolicyInput!) { updateSeverityPolicy(input: $in) { policy { severity updateEveryMinutes } } }";
        app.gql(
            Some(&responder),
            m,
            json!({ "in": { "severity": "SEV2", "updateEveryMinutes": 20 } }),
        )
        .await
        .expect_code("FORBIDDEN");
        app.gql(
            Some(&admin),
            m,
            json!({ "in": { "severity": "SEV2", "updateEveryMinutes": 0 } }),
        )
        .await
        .expect_code("BAD_USER_INPUT");
        let res = app
            .gql(
                Some(&admin),
                m,
                json!({ "in": { "severity": "SEV2", "updateEveryMinutes": 20 } }),
            )
            .await;
        assert_eq!(
            res.ok()["updateSeverityPolicy"]["policy"]["updateEveryMinutes"],
            20
        );
        let inc = declare(
            &app,
            &responder,
            json!({ "title": "x", "severity": "SEV2" }),
        )
        .await;
        assert_eq!(inc["nextUpdateDueAt"], "2026-11-23T09:20:00+00:00");
        // Upgrading to SEV1 moves the deadline to the SEV1 cadence and raises the highest severity.
        mutate(
            &app,
            &responder,
            "changeSeverity",
            json!({ "incidentId": inc["id"], "severity": "SEV1", "reason": "payments down" }),
        )
        .await
        .ok();
        mutate(
            &app,
            &responder,
            "changeSeverity",
            json!({ "incidentId": inc["id"], "severity": "SEV3", "reason": "contained" }),
        )
        .await
        .ok();
        let d = app
            .gql(Some(&responder), DETAILS, json!({ "id": inc["id"] }))
            .await;
        let i = &d.ok()["incident"];
        assert_eq!(i["severity"], "SEV3");
        assert_eq!(i["highestSeverity"], "SEV1");
        assert!(i["nextUpdateDueAt"].is_null(), "SEV3 updates on change");
    }
);

e2e!(
    a_declaration_reads_its_policy_once_and_warns_only_when_asked,
    |app| {
        let t = app.token(Role::Responder).await;
        let quiet = "mutation Quiet($in: DeclareIncidentInput!) { declareIncident(input: $in) { incident { id } } }";
        let told = "mutation Told($in: DeclareIncidentInput!) { declareIncident(input: $in) { incident { id } warnings { code } } }";
        // SEV1 pages the team's on-call and its lead and, without customer impact, warns.
        let o = crate::paging::org(&app, None).await;
        let input =
            json!({ "in": { "title": "Checkout down", "severity": "SEV1", "teamId": o.team } });
        let res = app.gql(Some(&t), quiet, input.clone()).await;
        assert!(res.ok()["declareIncident"]["warnings"].is_null());
        let res = app.gql(Some(&t), told, input).await;
        assert_eq!(
            res.ok()["declareIncident"]["warnings"][0]["code"],
            "CUSTOMER_COMMS_WITHOUT_IMPACT"
        );
        let (_, quiet) = app.statements("Quiet").await;
        let (_, told) = app.statements("Told").await;
        // The warnings cost the one read of the policy they need, and only when asked.
        assert_eq!(told - quiet, 1.0);
        // Every statement of a declaration that pages three people, counted, so a read
        // added anywhere on this path shows here. It was 38: the severity policy was read
        // four times (the update cadence, whether to page, whom, and for warnings nobody
        // asked for), the new alert's pages once (there are none yet), and the incident
        // and a participant row once per person paged (only a restricted incident's paged
        // people need either).
        assert_eq!(quiet, 29.0, "statements of a declaration that pages");
    }
);
