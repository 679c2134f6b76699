//! SEV4 incidents filed as tickets (no channel until raised), and follow-up work tracked
//! while an incident is handled, joining its postmortem when there is one.

use entity::Role;
use firebreak_tests::serde_json::{Value, json};
use firebreak_tests::{TestApp, e2e};

const TICKET: &str = "query($id: ID!) { incident(id: $id) {
    channel severity nextUpdateDueAt resolutionSummary
    messages { internalInitial }
    timeline(first: 100) { nodes { kind after } }
} }";

async fn read(app: &TestApp, token: &str, id: &str) -> Value {
    app.gql(Some(token), TICKET, json!({ "id": id })).await.ok()["incident"].clone()
}

async fn change_severity(app: &TestApp, token: &str, id: &str, to: &str) {
    app.call(
        token,
        "changeSeverity",
        "ChangeSeverityInput",
        json!({ "incidentId": id, "severity": to, "reason": "impact grew" }),
        "incident { id }",
    )
    .await
    .ok();
}

e2e!(a_sev4_is_a_ticket_until_raised, |app| {
    let ada = app.token(Role::Responder).await;
    let declare = |title: &'static str, restricted: bool| {
        let app = &app;
        let ada = ada.clone();
        async move {
            app.declare(
                &ada,
                json!({ "title": title, "severity": "SEV4", "restricted": restricted }),
            )
            .await["id"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    let id = declare("Slow CSV export", false).await;
    let twin = declare("Slow CSV export", false).await;
    let t = read(&app, &ada, &id).await;
    assert_eq!(t["channel"], Value::Null, "a ticket has no channel");
    assert_eq!(read(&app, &ada, &twin).await["channel"], Value::Null);
    assert_eq!(t["nextUpdateDueAt"], Value::Null, "no update cadence");
    let initial = t["messages"]["internalInitial"].as_str().unwrap();
    assert!(
        initial.contains("Channel: none (filed as a ticket)"),
        "{initial}"
    );
    assert_eq!(t["timeline"]["nodes"][0]["after"]["channel"], Value::Null);

    // Naming a ticket from another incident uses its title.
    let other = app
        .declare(
            &ada,
            json!({ "title": "Exports slow again", "severity": "SEV3" }),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.call(
        &ada,
        "markDuplicate",
        "MarkDuplicateInput",
        json!({ "incidentId": other, "ofIncidentId": id }),
        "incident { id }",
    )
    .await
    .ok();
    assert_eq!(
        read(&app, &ada, &other).await["resolutionSummary"],
        "Duplicate of “Slow CSV export”"
    );

    // Raised above SEV4, it becomes an incident with a channel, logged.
    change_severity(&app, &ada, &id, "SEV2").await;
    let raised = read(&app, &ada, &id).await;
    assert_eq!(raised["channel"], "#inc-2026-11-23-slow-csv-export");
    let entries = raised["timeline"]["nodes"].as_array().unwrap();
    let change = entries
        .iter()
        .rfind(|e| e["kind"] == "SEVERITY_CHANGE")
        .unwrap();
    assert_eq!(
        change["after"]["channel"],
        "#inc-2026-11-23-slow-csv-export"
    );
    assert!(raised["nextUpdateDueAt"].is_string(), "SEV2 has a cadence");
    // The twin gets the next free name.
    change_severity(&app, &ada, &twin, "SEV3").await;
    assert_eq!(
        read(&app, &ada, &twin).await["channel"],
        "#inc-2026-11-23-slow-csv-export-2"
    );
    // Lowered back, it keeps the channel it has.
    change_severity(&app, &ada, &id, "SEV4").await;
    assert_eq!(
        read(&app, &ada, &id).await["channel"],
        "#inc-2026-11-23-slow-csv-export"
    );

    // A restricted ticket raised gets a channel that carries nothing of its title.
    let secret = declare("Acquisition of Initech", true).await;
    assert_eq!(read(&app, &ada, &secret).await["channel"], Value::Null);
    change_severity(&app, &ada, &secret, "SEV1").await;
    let ch = read(&app, &ada, &secret).await["channel"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(ch.starts_with("#inc-2026-11-23-restricted-"), "{ch}");
    assert!(!ch.contains("initech"), "{ch}");
});

const ITEM: &str = "actionItem { id version incident { id } postmortem { id } }";

async fn create_item(
    app: &TestApp,
    token: &str,
    target: Value,
    title: &str,
) -> firebreak_tests::Gql {
    let owner = app.named_user("olga", Role::Responder).await.0;
    let mut input = json!({ "title": title, "ownerId": owner, "dueAt": "2026-11-30T17:00:00Z", "priority": "P2" });
    for (k, v) in target.as_object().unwrap() {
        input[k] = v.clone();
    }
    app.call(
        token,
        "createActionItem",
        "CreateActionItemInput",
        input,
        ITEM,
    )
    .await
}

const PM: &str = "query($id: ID!) { incident(id: $id) {
    actionItems { id title postmortem { id } }
    postmortem { id loopClosedAt actionItems { id } }
} }";

e2e!(
    work_is_tracked_during_the_incident_and_joins_the_postmortem,
    |app| {
        let ada = app.token(Role::Responder).await;
        let (_, eve) = app.named_user("eve", Role::Responder).await;
        let id = app
            .declare(
                &ada,
                json!({ "title": "Checkout errors", "severity": "SEV2" }),
            )
            .await["id"]
            .as_str()
            .unwrap()
            .to_owned();

        // While the incident is open: an item on the incident, no postmortem yet.
        let res = create_item(&app, &ada, json!({ "incidentId": id }), "Add a canary").await;
        let item = res.ok()["createActionItem"]["actionItem"].clone();
        assert_eq!(item["incident"]["id"], id.as_str());
        assert_eq!(item["postmortem"], Value::Null);
        let listed = app
            .gql(
                Some(&ada),
                "query($id: ID!) { actionItems(filter: { incidentId: $id }) { nodes { id } } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(listed.ok()["actionItems"]["nodes"][0]["id"], item["id"]);
        app.call(
            &ada,
            "completeActionItem",
            "CompleteActionItemInput",
            json!({ "actionItemId": item["id"], "expectedVersion": item["version"] }),
            "actionItem { status }",
        )
        .await
        .ok();

        // Naming neither, or a postmortem of another incident, is refused with its reason.
        create_item(&app, &ada, json!({}), "x")
            .await
            .expect_reason("BAD_USER_INPUT", "ACTION_ITEM_TARGET");

        // Resolution creates the SEV2's postmortem; the item joins it, and as it is done the
        // loop is closed at once.
        app.advance_clock(chrono::Duration::hours(2));
        app.call(
            &ada,
            "resolveIncident",
            "ResolveIncidentInput",
            json!({ "incidentId": id, "summary": "Rolled back" }),
            "incident { id }",
        )
        .await
        .ok();
        let i = app.gql(Some(&ada), PM, json!({ "id": id })).await.ok()["incident"].clone();
        let pm = i["postmortem"]["id"].as_str().unwrap().to_owned();
        assert_eq!(i["actionItems"][0]["postmortem"]["id"], pm.as_str());
        assert_eq!(i["postmortem"]["actionItems"][0]["id"], item["id"]);
        assert_eq!(i["postmortem"]["loopClosedAt"], "2026-11-23T11:00:00+00:00");

        // Created on the incident after that, an item joins the postmortem and reopens the loop.
        let later = create_item(&app, &ada, json!({ "incidentId": id }), "Alert on 5xx").await;
        assert_eq!(
            later.ok()["createActionItem"]["actionItem"]["postmortem"]["id"],
            pm.as_str()
        );
        let i = app.gql(Some(&ada), PM, json!({ "id": id })).await.ok()["incident"].clone();
        assert_eq!(i["actionItems"].as_array().unwrap().len(), 2);
        assert_eq!(i["postmortem"]["loopClosedAt"], Value::Null);

        let other = app
            .declare(&ada, json!({ "title": "Other", "severity": "SEV3" }))
            .await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        create_item(
            &app,
            &ada,
            json!({ "incidentId": other, "postmortemId": pm }),
            "x",
        )
        .await
        .expect_reason("BAD_USER_INPUT", "ACTION_ITEM_TARGET");

        // A restricted incident stays invisible: NOT_FOUND, as for an incident that does not exist.
        let secret = app
            .declare(
                &ada,
                json!({ "title": "Secret", "severity": "SEV2", "restricted": true }),
            )
            .await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        create_item(&app, &eve, json!({ "incidentId": secret }), "peek")
            .await
            .expect_code("NOT_FOUND");
    }
);
