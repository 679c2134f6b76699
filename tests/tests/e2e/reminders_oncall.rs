//! The worker's on-call duties end to end on the test clock: escalation of unacknowledged
//! alerts (and its catch-up), overdue status updates, handoffs, load limits and night
//! pages, each delivered as a signed webhook.

use crate::paging::{ALERT, alerts_of, logins, org};
use crate::schedules::{add_layer, members, schedule};
use chrono::{Duration, TimeZone, Utc};
use entity::Role;
use firebreak_tests::serde_json::json;
use firebreak_tests::{Sink, TestApp, e2e};

fn of_kind(sink: &Sink, kind: &str) -> Vec<String> {
    sink.received()
        .into_iter()
        .filter(|r| r.accepted && r.body["data"]["kind"] == kind)
        .map(|r| {
            r.body["data"]["subject"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect()
}

async fn sink_for(app: &TestApp, login: &str) -> Sink {
    let sink = Sink::start().await;
    app.set_webhook(&app.sign(login), &sink).await;
    sink
}

e2e!(
    unacknowledged_alerts_escalate_on_time_and_catch_up_to_the_step_due_now,
    |app| {
        let o = org(&app, None).await;
        let olga = sink_for(&app, "olga").await;
        let lena = sink_for(&app, "lena").await;
        let eric = sink_for(&app, "eric").await;
        let ada = app.token(Role::Responder).await;
        let trigger = |summary: &'static str| {
            let (app, ada, team) = (&app, &ada, &o.team);
            async move {
                app.call(
                    ada,
                    "triggerPage",
                    "TriggerPageInput",
                    json!({ "teamId": team, "summary": summary, "severity": "SEV3" }),
                    ALERT,
                )
                .await
                .ok()["triggerPage"]["alert"]["id"]
                    .clone()
            }
        };
        trigger("API 5xx above 5%").await;
        app.run_due().await;
        assert_eq!(
            of_kind(&olga, "PAGE"),
            vec!["Paged [SEV3]: API 5xx above 5%".to_owned()]
        );
        assert!(of_kind(&lena, "PAGE").is_empty());
        // Not acknowledged within the step's 15 minutes: the team lead is paged.
        app.advance_clock(Duration::minutes(15));
        let (summary, _) = app.run_due().await;
        assert_eq!(summary.escalated, 1);
        assert_eq!(
            of_kind(&lena, "PAGE"),
            vec!["Paged [SEV3]: API 5xx above 5%".to_owned()]
        );
        // A second alert while no worker runs for three days: one jump to the last step.
        let late = trigger("Queue backlog growing").await;
        app.advance_clock(Duration::days(3));
        let (summary, _) = app.run_due().await;
        assert_eq!(
            summary.escalated, 2,
            "both alerts reach the step due now in one move"
        );
        let alert = alerts_of(&app, &app.sign("mia"), &o.team)
            .await
            .into_iter()
            .find(|a| a["id"] == late)
            .unwrap();
        assert_eq!(alert["escalationPosition"], 2);
        let paged = logins(&alert);
        assert!(
            paged.contains(&("eric".into(), "engineering_lead".into())),
            "{paged:?}"
        );
        assert!(
            !paged.iter().any(|(l, _)| l == "lena"),
            "the missed step is not paged late: {paged:?}"
        );
        assert_eq!(of_kind(&eric, "PAGE").len(), 2);
        let _ = (&o.oncall, &o.lead, &o.eng, &o.vp, &o.mia);
    }
);

e2e!(
    an_overdue_status_update_reminds_the_commander_then_the_lead,
    |app| {
        let o = org(&app, None).await;
        let (_, ada) = app.named_user("ada", Role::Responder).await;
        let ada_sink = sink_for(&app, "ada").await;
        let lena = sink_for(&app, "lena").await;
        let open = app
            .declare(
                &ada,
                json!({ "title": "Login errors", "severity": "SEV1", "teamId": o.team }),
            )
            .await;
        let hidden = app
        .declare(&ada, json!({ "title": "Payroll data exposed", "severity": "SEV1", "teamId": o.team, "restricted": true }))
        .await;
        // Acknowledged, so their pages do not escalate to the team lead (who would then be a
        // participant of the restricted one).
        for i in [&open, &hidden] {
            app.call(
                &ada,
                "acknowledgeIncident",
                "IncidentIdInput",
                json!({ "incidentId": i["id"] }),
                "incident { id }",
            )
            .await
            .ok();
        }
        let due = app
            .gql(
                Some(&ada),
                "query($id: ID!) { incident(id: $id) { nextUpdateDueAt } }",
                json!({ "id": open["id"] }),
            )
            .await
            .ok()["incident"]["nextUpdateDueAt"]
            .as_str()
            .unwrap()
            .parse::<chrono::DateTime<Utc>>()
            .unwrap();
        app.clock.set(due - Duration::seconds(1));
        app.run_due().await;
        assert!(of_kind(&ada_sink, "STATUS_UPDATE_DUE").is_empty());
        app.clock.set(due);
        app.run_due().await;
        let mut subjects = of_kind(&ada_sink, "STATUS_UPDATE_DUE");
        subjects.sort();
        assert_eq!(subjects.len(), 2, "{subjects:?}");
        assert!(subjects.iter().any(|s| s.contains("login-errors")));
        assert!(
            !subjects.iter().any(|s| s.contains("a restricted incident")),
            "the commander sees both: {subjects:?}"
        );
        assert!(of_kind(&lena, "STATUS_UPDATE_DUE").is_empty());
        // Still overdue 15 minutes later: the team lead, who may not see the restricted one
        // (a SEV1 pages the on-call and the engineering leadership, not the team lead).
        app.advance_clock(Duration::minutes(15));
        app.run_due().await;
        let mut lead = of_kind(&lena, "STATUS_UPDATE_DUE");
        lead.sort();
        assert_eq!(lead.len(), 2);
        assert!(lead.iter().any(|s| s.contains("login-errors")));
        assert!(
            lead.contains(&"Status update overdue: a restricted incident".to_owned()),
            "{lead:?}"
        );
        for r in lena.received() {
            assert!(!r.raw.to_lowercase().contains("payroll"), "{}", r.raw);
        }
    }
);

e2e!(
    handoffs_ask_for_the_document_tell_the_incoming_and_remind_until_acknowledged,
    |app| {
        let o = org(&app, None).await;
        let (ada_id, _) = app.named_user("ada", Role::Responder).await;
        let (bob_id, _) = app.named_user("bob", Role::Responder).await;
        let ada = sink_for(&app, "ada").await;
        let bob = sink_for(&app, "bob").await;
        let sid = schedule(&app, &o.mia, &o.team).await;
        // Weekly, Mondays 09:00 UTC from 2026-11-16: Ada, then Bob, then Ada (2026-11-30).
        add_layer(&app, &o.mia, &sid, json!({ "name": "Weekly", "timeZone": "UTC", "handoffTime": "09:00:00", "startDate": "2026-11-16", "members": members(&[&ada_id, &bob_id], &[]) }))
        .await
        .ok();
        let handoff = Utc.with_ymd_and_hms(2026, 11, 30, 9, 0, 0).unwrap();
        // During Bob's week, an alert of the team is handed to him.
        app.clock
            .set(Utc.with_ymd_and_hms(2026, 11, 25, 14, 0, 0).unwrap());
        let mia = app.sign("mia");
        let alert = app
            .call(
                &mia,
                "triggerPage",
                "TriggerPageInput",
                json!({ "teamId": o.team, "summary": "Kafka lag", "severity": "SEV3" }),
                "alert { id }",
            )
            .await;
        let alert = alert.ok()["triggerPage"]["alert"]["id"].clone();
        app.call(
            &mia,
            "reassignAlert",
            "ReassignAlertInput",
            json!({ "alertId": alert, "userId": bob_id }),
            "alert { id }",
        )
        .await
        .ok();
        // And an alert of a restricted incident (its summary is the incident's title).
        app.declare(&mia, json!({ "title": "Payroll data exposed", "severity": "SEV3", "teamId": o.team, "restricted": true }))
            .await;
        let all = app
            .gql(
                Some(&mia),
                "query($t: ID!) { alerts(filter: { teamId: $t }) { nodes { id summary } } }",
                json!({ "t": o.team }),
            )
            .await;
        let secret_id = all.ok()["alerts"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["summary"] == "Payroll data exposed")
            .unwrap()["id"]
            .clone();
        app.call(
            &mia,
            "reassignAlert",
            "ReassignAlertInput",
            json!({ "alertId": secret_id, "userId": bob_id }),
            "alert { id }",
        )
        .await
        .ok();
        app.clock.set(handoff - Duration::hours(3));
        app.run_due().await;
        assert!(of_kind(&bob, "HANDOFF_WRITE").is_empty(), "not yet");
        app.clock.set(handoff - Duration::hours(2));
        app.run_due().await;
        app.run_due().await;
        assert_eq!(
            of_kind(&bob, "HANDOFF_WRITE"),
            vec!["Write your handoff: Weekly".to_owned()]
        );
        assert!(of_kind(&ada, "HANDOFF_WRITE").is_empty());
        app.clock.set(handoff);
        app.run_due().await;
        assert_eq!(
            of_kind(&ada, "HANDOFF_INCOMING"),
            vec!["You are on call: Weekly".to_owned()]
        );
        // The document exists (made before the handoff), unwritten: both are reminded.
        app.clock.set(handoff + Duration::hours(4));
        app.run_due().await;
        assert_eq!(of_kind(&ada, "HANDOFF_UNACKNOWLEDGED").len(), 1);
        assert_eq!(
            of_kind(&bob, "HANDOFF_UNACKNOWLEDGED"),
            vec!["Your handoff is still unwritten: Weekly".to_owned()]
        );
        let docs = app
        .gql(Some(&app.sign("bob")), "query($s: ID!) { handoffDocuments(scheduleId: $s) { nodes { id outgoing { login } incoming { login } submittedAt pages { alert { summary } } noisiestSources { source alerts pages } draft } } }", json!({ "s": sid }))
        .await;
        let nodes = docs.ok()["handoffDocuments"]["nodes"]
            .as_array()
            .unwrap()
            .clone();
        let doc = nodes
            .iter()
            .find(|d| d["outgoing"]["login"] == "bob" && d["incoming"]["login"] == "ada")
            .unwrap_or_else(|| panic!("{nodes:?}"));
        // Pre-filled with Bob's rotation: his page and the team's noisiest source; his
        // page about a restricted incident is for those who may see it only.
        let viewer = app.named_user("vic", Role::Viewer).await.1;
        let seen = app
            .gql(Some(&viewer), "query($s: ID!) { handoffDocuments(scheduleId: $s) { nodes { outgoing { login } pages { alert { summary } } noisiestSources { name } draft } } }", json!({ "s": sid }))
            .await;
        let seen = seen.ok()["handoffDocuments"]["nodes"].to_string();
        assert!(
            seen.contains("Kafka lag") && !seen.contains("Payroll"),
            "{seen}"
        );
        let bobs: Vec<&str> = doc["pages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["alert"]["summary"].as_str().unwrap())
            .collect();
        assert_eq!(bobs.len(), 2, "Bob sees his own pages: {bobs:?}");
        assert!(bobs.contains(&"Kafka lag"));
        assert_eq!(doc["noisiestSources"][0]["source"], "manual");
        assert_eq!(doc["noisiestSources"][0]["alerts"], 1);
        assert!(
            doc["draft"].as_str().unwrap().starts_with("Pages: 2."),
            "{}",
            doc["draft"]
        );
        let write = bob
            .received()
            .into_iter()
            .find(|r| r.body["data"]["kind"] == "HANDOFF_WRITE")
            .unwrap();
        assert!(
            write.body["data"]["body"]
                .as_str()
                .unwrap()
                .contains("Pages: 2."),
            "{}",
            write.raw
        );
        let _ = o.lead;
    }
);

e2e!(load_limits_and_night_pages_tell_the_teams_managers, |app| {
    let o = org(&app, None).await;
    let mia = sink_for(&app, "mia").await;
    // 23:00 UTC, Olga's night.
    app.clock
        .set(Utc.with_ymd_and_hms(2026, 11, 24, 23, 0, 0).unwrap());
    let ada = app.token(Role::Responder).await;
    for summary in ["Disk 91%", "Disk 95%", "Disk 99%"] {
        app.call(
            &ada,
            "triggerPage",
            "TriggerPageInput",
            json!({ "teamId": o.team, "summary": summary, "severity": "SEV3" }),
            "alert { id }",
        )
        .await
        .ok();
    }
    app.run_due().await;
    app.run_due().await;
    let night = of_kind(&mia, "NIGHT_PAGE");
    assert_eq!(night.len(), 3, "one per night page: {night:?}");
    assert!(
        night.iter().all(|s| s == "olga was paged at night"),
        "{night:?}"
    );
    // Three pages in the week pass the warning level (more than 2) once.
    assert_eq!(
        of_kind(&mia, "LOAD_LIMIT"),
        vec!["On-call load warning: olga".to_owned()]
    );
});

e2e!(customers_owed_word_remind_the_communications_lead, |app| {
    let o = org(&app, None).await;
    let (_, ada) = app.named_user("ada", Role::Responder).await;
    let (cleo_id, _) = app.named_user("cleo", Role::Responder).await;
    let cleo = sink_for(&app, "cleo").await;
    let id = app
        .declare(&ada, json!({ "title": "Checkout errors", "severity": "SEV1", "teamId": o.team, "customerImpact": true }))
        .await["id"]
        .clone();
    app.call(
        &ada,
        "assignRole",
        "AssignRoleInput",
        json!({ "incidentId": id, "role": "COMMS_LEAD", "userId": cleo_id }),
        "incident { id }",
    )
    .await
    .ok();
    app.advance_clock(Duration::minutes(9));
    app.run_due().await;
    assert!(of_kind(&cleo, "CUSTOMER_UPDATE_DUE").is_empty());
    app.advance_clock(Duration::minutes(1));
    app.run_due().await;
    app.advance_clock(Duration::minutes(29));
    app.run_due().await;
    assert_eq!(
        of_kind(&cleo, "CUSTOMER_UPDATE_DUE").len(),
        1,
        "then every 30 minutes"
    );
    app.advance_clock(Duration::minutes(1));
    app.run_due().await;
    assert_eq!(
        of_kind(&cleo, "CUSTOMER_UPDATE_DUE"),
        vec!["Customers are owed word: #inc-2026-11-23-checkout-errors".to_owned(); 2]
    );
});
