//! What customers read: the service's public name (never its catalog name), the seeds'
//! message shapes, and a false alarm that customers had heard of closed with a note on the
//! status page instead of vanishing.

use super::incidents::{declare, mutate};
use chrono::Duration;
use entity::Role;
use firebreak_tests::e2e;
use firebreak_tests::serde_json::json;

e2e!(
    customer_messages_use_public_names_and_the_seeds_shapes,
    |app| {
        let admin = app.token(Role::Admin).await;
        let t = app.token(Role::Responder).await;
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
        let service = |name: &str, public: Option<&str>| {
            let mut input = json!({ "name": name, "teamId": team });
            if let Some(p) = public {
                input["publicName"] = json!(p);
            }
            app.call(
                &admin,
                "createService",
                "CreateServiceInput",
                input,
                "service { id publicName }",
            )
        };
        let named = service("pay-gw-eu-2", Some("Checkout")).await.ok()["createService"]["service"]
            ["id"]
            .clone();
        let unnamed =
            service("ledger-db", None).await.ok()["createService"]["service"]["id"].clone();
        let q = "query($id: ID!) { incident(id: $id) { messages { customerInitial customerResolution } } }";

        let id = app
        .declare(&t, json!({ "title": "pay-gw-eu-2 5xx", "severity": "SEV1", "customerImpact": true, "serviceId": named }))
        .await["id"]
        .clone();
        let m =
            app.gql(Some(&t), q, json!({ "id": id })).await.ok()["incident"]["messages"].clone();
        assert_eq!(
            m["customerInitial"],
            "We're investigating an issue affecting Checkout.\nSome users may experience errors or slowness.\nOur team is actively working on a resolution. We'll provide an update by 2026-11-23 09:15 UTC.\nStatus: Investigating\nImpact: High\nStarted: 2026-11-23 09:00 UTC"
        );
        app.call(&t, "postUpdate", "PostUpdateInput", json!({ "incidentId": id, "message": "Some card payments failed; we have fixed it.", "status": "MONITORING", "public": true }), "incident { id }")
        .await
        .ok();
        app.advance_clock(Duration::minutes(50));
        app.call(
            &t,
            "resolveIncident",
            "ResolveIncidentInput",
            json!({ "incidentId": id, "summary": "Rolled back pay-gw-eu-2 deploy 4411" }),
            "incident { id }",
        )
        .await
        .ok();
        let m =
            app.gql(Some(&t), q, json!({ "id": id })).await.ok()["incident"]["messages"].clone();
        let r = m["customerResolution"].as_str().unwrap();
        assert_eq!(
            r,
            "The issue affecting Checkout has been resolved at 2026-11-23 09:50 UTC.\nWhat happened: Some card payments failed; we have fixed it.\nDuration: 50 min\nImpact: Checkout was unavailable or degraded for some users from 2026-11-23 09:00 UTC.\nWe're conducting a thorough review to prevent recurrence.\nWe apologize for the disruption."
        );
        for internal in ["pay-gw", "4411", "#inc-"] {
            assert!(!r.contains(internal), "{internal} in {r}");
        }
        // A service without a public name: a neutral phrase, never the catalog name.
        let id = app
        .declare(&t, json!({ "title": "ledger lag", "severity": "SEV2", "customerImpact": true, "serviceId": unnamed }))
        .await["id"]
        .clone();
        let m =
            app.gql(Some(&t), q, json!({ "id": id })).await.ok()["incident"]["messages"].clone();
        let c = m["customerInitial"].as_str().unwrap();
        assert!(
            c.starts_with("We're investigating an issue affecting some of our services."),
            "{c}"
        );
        assert!(!c.contains("ledger"), "{c}");
    }
);

e2e!(a_false_alarm_customers_heard_of_closes_with_a_note, |app| {
    let t = app.token(Role::Responder).await;
    let page = "{ statusPage { ongoing { title } recent { title closingNote } } }";
    let told = app.declare(&t, json!({ "title": "Login errors?", "severity": "SEV2", "customerImpact": true, "publicTitle": "Sign-in problems" })).await["id"].clone();
    let untold = app.declare(&t, json!({ "title": "Checkout errors?", "severity": "SEV2", "customerImpact": true, "publicTitle": "Checkout problems" })).await["id"].clone();
    app.call(&t, "postUpdate", "PostUpdateInput", json!({ "incidentId": told, "message": "Some users may not be able to sign in.", "status": "INVESTIGATING", "public": true }), "incident { id }")
        .await
        .ok();
    for id in [&told, &untold] {
        app.call(
            &t,
            "resolveIncident",
            "ResolveIncidentInput",
            json!({ "incidentId": id, "summary": "A probe misfired", "falseAlarm": true }),
            "incident { id }",
        )
        .await
        .ok();
    }
    let s = app.gql(None, page, json!({})).await.ok()["statusPage"].clone();
    assert_eq!(s["ongoing"], json!([]));
    assert_eq!(
        s["recent"],
        json!([{ "title": "Sign-in problems", "closingNote": "This turned out to be a false alarm: our services were not affected. We apologize for any concern." }]),
        "the one customers never heard of stays off the page"
    );
});

e2e!(
    status_page_shows_public_updates_of_customer_facing_incidents_only,
    |app| {
        let (_, ada) = app.named_user("ada.lovelace", Role::Responder).await;
        let public = declare(&app, &ada, json!({ "title": "checkout-db-7 primary disk full", "publicTitle": "Checkout errors", "severity": "SEV2", "customerImpact": true })).await;
        let internal = declare(
            &app,
            &ada,
            json!({ "title": "CI runners slow", "severity": "SEV4" }),
        )
        .await;
        let post = "mutation($in: PostUpdateInput!) { postUpdate(input: $in) { update { id } } }";
        for (msg, public_flag) in [
            ("Internal: db-7 disk at 100%, paging ada.lovelace", false),
            ("We are investigating errors at checkout.", true),
        ] {
            app.gql(Some(&ada), post, json!({ "in": { "incidentId": public["id"], "message": msg, "status": "INVESTIGATING", "public": public_flag } }))
            .await
            .ok();
        }
        app.gql(Some(&ada), post, json!({ "in": { "incidentId": internal["id"], "message": "slow", "status": "INVESTIGATING" } }))
        .await
        .ok();
        let q = "{ statusPage { ongoing { id title status impact startedAt resolvedAt updates { message status } } recent { title } } }";
        let res = app.gql(None, q, json!({})).await;
        let page = res.ok()["statusPage"].clone();
        let ongoing = page["ongoing"].as_array().unwrap();
        assert_eq!(ongoing.len(), 1);
        assert_eq!(ongoing[0]["title"], "Checkout errors");
        assert_eq!(ongoing[0]["impact"], "PARTIAL_OUTAGE");
        assert_eq!(ongoing[0]["updates"].as_array().unwrap().len(), 1);
        assert_eq!(
            ongoing[0]["updates"][0]["message"],
            "We are investigating errors at checkout."
        );
        firebreak_tests::leaks::assert_none_of(
            &res.body.to_string(),
            &["ada", "db-7", "#inc-", "Internal", "CI runners"],
        );
        // Anonymous callers still see nothing else.
        app.gql(None, "{ incidents { edges { cursor } } }", json!({}))
            .await
            .expect_code("UNAUTHENTICATED");
        // Resolved: moves to recent; a false alarm disappears.
        mutate(
            &app,
            &ada,
            "resolveIncident",
            json!({ "incidentId": public["id"], "summary": "Freed disk" }),
        )
        .await
        .ok();
        let res = app.gql(None, q, json!({})).await;
        assert_eq!(
            res.ok()["statusPage"]["recent"][0]["title"],
            "Checkout errors"
        );
        app.advance_clock(Duration::days(8));
        let res = app.gql(None, q, json!({})).await;
        assert_eq!(
            res.ok()["statusPage"]["recent"].as_array().unwrap().len(),
            0,
            "older than 7 days"
        );
    }
);
