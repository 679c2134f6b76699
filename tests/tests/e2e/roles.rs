//! Roles follow the severity policy: an incident says which roles its severity expects and
//! which are still unfilled; roles can be removed as well as assigned (logged); admins set
//! the expected roles per severity.

use entity::Role;
use firebreak_tests::e2e;
use firebreak_tests::serde_json::json;

const ROLES: &str = "query($id: ID!) { incident(id: $id) { expectedRoles unfilledRoles roles { role } timeline(first: 50) { nodes { kind message before after } } } }";

e2e!(
    incidents_show_expected_and_unfilled_roles_and_roles_can_be_removed,
    |app| {
        let (_, ada) = app.user(Role::Responder).await;
        let (bob_id, _) = app.user(Role::Responder).await;
        let (cat_id, _) = app.user(Role::Responder).await;
        let id = app
            .declare(
                &ada,
                json!({ "title": "Payments down", "severity": "SEV1" }),
            )
            .await["id"]
            .clone();
        let read = || app.gql(Some(&ada), ROLES, json!({ "id": id }));
        let i = read().await.ok()["incident"].clone();
        assert_eq!(
            i["expectedRoles"],
            json!(["COMMANDER", "TECH_LEAD", "COMMS_LEAD", "SCRIBE"])
        );
        assert_eq!(
            i["unfilledRoles"],
            json!(["TECH_LEAD", "COMMS_LEAD", "SCRIBE"])
        );
        for (role, user) in [("TECH_LEAD", &bob_id), ("SCRIBE", &cat_id)] {
            app.call(
                &ada,
                "assignRole",
                "AssignRoleInput",
                json!({ "incidentId": id, "role": role, "userId": user }),
                "incident { id }",
            )
            .await
            .ok();
        }
        assert_eq!(
            read().await.ok()["incident"]["unfilledRoles"],
            json!(["COMMS_LEAD"])
        );

        // Removing a holder is logged with who held it; the role is unfilled again.
        app.call(
            &ada,
            "removeRole",
            "RemoveRoleInput",
            json!({ "incidentId": id, "role": "SCRIBE" }),
            "incident { id }",
        )
        .await
        .ok();
        let i = read().await.ok()["incident"].clone();
        assert_eq!(i["unfilledRoles"], json!(["COMMS_LEAD", "SCRIBE"]));
        let removal = i["timeline"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["message"] == "Removed scribe")
            .cloned()
            .unwrap();
        assert_eq!(removal["kind"], "ROLE_CHANGE");
        assert_eq!(removal["before"]["user"], cat_id.as_str());
        assert!(removal["after"]["user"].is_null());
        app.call(
            &ada,
            "removeRole",
            "RemoveRoleInput",
            json!({ "incidentId": id, "role": "SCRIBE" }),
            "incident { id }",
        )
        .await
        .expect_reason("CONFLICT", "ROLE_NOT_HELD");
        app.call(
            &ada,
            "removeRole",
            "RemoveRoleInput",
            json!({ "incidentId": id, "role": "COMMANDER" }),
            "incident { id }",
        )
        .await
        .expect_reason("BAD_USER_INPUT", "COMMANDER_REQUIRED");

        // Admins decide what a severity expects; the Commander is always expected.
        let admin = app.token(Role::Admin).await;
        let res = app
            .call(
                &admin,
                "updateSeverityPolicy",
                "UpdateSeverityPolicyInput",
                json!({ "severity": "SEV1", "expectedRoles": ["TECH_LEAD"] }),
                "policy { expectedRoles }",
            )
            .await;
        assert_eq!(
            res.ok()["updateSeverityPolicy"]["policy"]["expectedRoles"],
            json!(["COMMANDER", "TECH_LEAD"])
        );
        let i = read().await.ok()["incident"].clone();
        assert_eq!(i["expectedRoles"], json!(["COMMANDER", "TECH_LEAD"]));
        assert_eq!(i["unfilledRoles"], json!([]));
        // SEV3 by default: a commander and a technical lead.
        let minor = app
            .declare(&ada, json!({ "title": "Slow search", "severity": "SEV3" }))
            .await["id"]
            .clone();
        let m = app
            .gql(Some(&ada), ROLES, json!({ "id": minor }))
            .await
            .ok()["incident"]
            .clone();
        assert_eq!(m["unfilledRoles"], json!(["TECH_LEAD"]));
        // A list reads them too.
        let list = app
            .gql(
                Some(&ada),
                "{ incidents(first: 10) { nodes { unfilledRoles } } }",
                json!({}),
            )
            .await;
        assert_eq!(list.ok()["incidents"]["nodes"].as_array().unwrap().len(), 2);
    }
);
