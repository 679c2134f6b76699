//! Outbound events end to end: an admin's webhook subscription receives a resolved
//! incident's events in order, signed per Standard Webhooks; a restricted incident
//! produces none unless the subscription is opted in; a team's Slack channel gets Block
//! Kit messages.

use crate::schedules::team_with_manager;
use entity::Role;
use firebreak_tests::serde_json::{Value, json};
use firebreak_tests::{Sink, TestApp, e2e};

pub(crate) async fn subscribe(app: &TestApp, token: &str, input: Value) -> Value {
    app.call(
        token,
        "createEventSubscription",
        "CreateEventSubscriptionInput",
        input,
        "signingSecret subscription { id kind host types includeRestricted }",
    )
    .await
    .ok()["createEventSubscription"]
        .clone()
}

fn types(sink: &Sink) -> Vec<String> {
    sink.received()
        .iter()
        .map(|r| r.body["type"].as_str().unwrap_or_default().to_owned())
        .collect()
}

e2e!(
    a_subscription_receives_a_resolved_incidents_events_in_order_signed,
    |app| {
        let admin = app.token(Role::Admin).await;
        let (team, _) = team_with_manager(&app).await;
        let (_, ada) = app.named_user("ada", Role::Responder).await;
        let all = Sink::start().await;
        let incidents_only = Sink::start().await;
        let created = subscribe(
            &app,
            &admin,
            json!({ "kind": "WEBHOOK", "label": "tracker", "url": all.url() }),
        )
        .await;
        let secret = created["signingSecret"].as_str().unwrap().to_owned();
        subscribe(
        &app,
        &admin,
        json!({ "kind": "WEBHOOK", "label": "chat", "url": incidents_only.url(), "types": ["incident.declared", "incident.resolved"] }),
    )
    .await;
        let id = app
            .declare(
                &ada,
                json!({ "title": "Cart errors", "severity": "SEV3", "teamId": team }),
            )
            .await["id"]
            .clone();
        app.call(
            &ada,
            "changeSeverity",
            "ChangeSeverityInput",
            json!({ "incidentId": id, "severity": "SEV2", "reason": "checkout too" }),
            "incident { id }",
        )
        .await
        .ok();
        app.call(
            &ada,
            "postUpdate",
            "PostUpdateInput",
            json!({ "incidentId": id, "message": "Bad deploy found.", "status": "IDENTIFIED" }),
            "incident { id }",
        )
        .await
        .ok();
        app.call(
            &ada,
            "resolveIncident",
            "ResolveIncidentInput",
            json!({ "incidentId": id, "summary": "Rolled back" }),
            "incident { id }",
        )
        .await
        .ok();
        app.run_due().await;
        let incident_events: Vec<String> = types(&all)
            .into_iter()
            .filter(|t| t.starts_with("incident."))
            .collect();
        assert_eq!(
            incident_events,
            [
                "incident.declared",
                "incident.severity_changed",
                "incident.status_changed",
                "incident.resolved"
            ],
            "in the order they happened: {:?}",
            types(&all)
        );
        assert!(
            types(&all).iter().any(|t| t == "alert.paged"),
            "{:?}",
            types(&all)
        );
        assert_eq!(
            types(&incidents_only),
            ["incident.declared", "incident.resolved"]
        );
        // Signed; the webhook-id is the event's id; the body names the incident.
        let hook = standardwebhooks::Webhook::new(&secret).unwrap();
        for r in all.received() {
            let mut headers = axum::http::HeaderMap::new();
            headers.insert("webhook-id", r.id.parse().unwrap());
            headers.insert("webhook-timestamp", r.timestamp.parse().unwrap());
            headers.insert("webhook-signature", r.signature.parse().unwrap());
            hook.verify(r.raw.as_bytes(), &headers).unwrap();
            assert_eq!(r.body["data"]["eventId"].as_str().unwrap(), r.id);
        }
        let resolved = all
            .received()
            .into_iter()
            .find(|r| r.body["type"] == "incident.resolved")
            .unwrap();
        assert_eq!(
            resolved.body["data"]["payload"]["incident"]["status"],
            "RESOLVED"
        );
        assert_eq!(
            resolved.body["data"]["payload"]["incident"]["title"],
            "Cart errors"
        );
        let severity = all
            .received()
            .into_iter()
            .find(|r| r.body["type"] == "incident.severity_changed")
            .unwrap();
        assert_eq!(severity.body["data"]["payload"]["previousSeverity"], "SEV3");
    }
);

e2e!(
    restricted_incidents_produce_no_events_unless_opted_in,
    |app| {
        let admin = app.token(Role::Admin).await;
        let (_, ada) = app.named_user("ada", Role::Responder).await;
        let plain = Sink::start().await;
        let opted = Sink::start().await;
        subscribe(
            &app,
            &admin,
            json!({ "kind": "WEBHOOK", "label": "plain", "url": plain.url() }),
        )
        .await;
        let sub = subscribe(&app, &admin, json!({ "kind": "WEBHOOK", "label": "security", "url": opted.url(), "includeRestricted": true })).await;
        assert_eq!(sub["subscription"]["includeRestricted"], true);
        let id = app
            .declare(
                &ada,
                json!({ "title": "Payroll data exposed", "severity": "SEV2", "restricted": true }),
            )
            .await["id"]
            .clone();
        app.call(
            &ada,
            "resolveIncident",
            "ResolveIncidentInput",
            json!({ "incidentId": id, "summary": "Access revoked" }),
            "incident { id }",
        )
        .await
        .ok();
        app.run_due().await;
        assert!(plain.received().is_empty(), "{:?}", types(&plain));
        for r in plain.received() {
            assert!(!r.raw.contains("Payroll"));
        }
        let got = types(&opted);
        assert!(
            got.contains(&"incident.declared".to_owned())
                && got.contains(&"incident.resolved".to_owned()),
            "{got:?}"
        );
        // Only admins subscribe, and only admins opt restricted incidents in.
        let (team, mia) = team_with_manager(&app).await;
        app.call(
            &mia,
            "createEventSubscription",
            "CreateEventSubscriptionInput",
            json!({ "kind": "WEBHOOK", "label": "x", "url": plain.url() }),
            "signingSecret",
        )
        .await
        .expect_code("FORBIDDEN");
        app.call(&mia, "createEventSubscription", "CreateEventSubscriptionInput", json!({ "kind": "SLACK", "label": "x", "url": plain.url(), "teamId": team, "includeRestricted": true }), "signingSecret")
        .await
        .expect_code("FORBIDDEN");
        app.call(&admin, "createEventSubscription", "CreateEventSubscriptionInput", json!({ "kind": "WEBHOOK", "label": "x", "url": plain.url(), "types": ["incident.exploded"] }), "signingSecret")
        .await
        .expect_code("BAD_USER_INPUT");
        app.call(
            &admin,
            "createEventSubscription",
            "CreateEventSubscriptionInput",
            json!({ "kind": "SLACK", "label": "x", "url": plain.url() }),
            "signingSecret",
        )
        .await
        .expect_code("BAD_USER_INPUT");
    }
);

/// What Block Kit requires of the blocks we send (api.slack.com/reference/block-kit).
pub(crate) fn check_block_kit(message: &Value) {
    assert!(
        message["text"].as_str().is_some_and(|t| !t.is_empty()),
        "a text fallback"
    );
    let blocks = message["blocks"].as_array().expect("blocks");
    assert!(!blocks.is_empty() && blocks.len() <= 50);
    for b in blocks {
        match b["type"].as_str().unwrap() {
            "header" => {
                assert_eq!(b["text"]["type"], "plain_text");
                assert!(b["text"]["text"].as_str().unwrap().chars().count() <= 150);
            }
            "section" => {
                // A text (at most 3000 characters), fields, or both.
                assert!(b["text"].is_object() || b["fields"].is_array(), "{b}");
                if let Some(text) = b["text"].as_object() {
                    assert!(text["type"] == "mrkdwn" || text["type"] == "plain_text");
                    assert!(text["text"].as_str().unwrap().chars().count() <= 3000);
                }
                let fields = b["fields"].as_array().cloned().unwrap_or_default();
                assert!(fields.len() <= 10);
                for f in &fields {
                    assert!(f["type"] == "mrkdwn" || f["type"] == "plain_text");
                    assert!(f["text"].as_str().unwrap().chars().count() <= 2000);
                }
            }
            "actions" => {
                for e in b["elements"].as_array().unwrap() {
                    assert_eq!(e["type"], "button");
                    assert_eq!(e["text"]["type"], "plain_text");
                    assert!(e["url"].as_str().unwrap().starts_with("https://"));
                }
            }
            "context" => assert!(b["elements"].as_array().unwrap().len() <= 10),
            other => panic!("unexpected block {other}"),
        }
    }
}

e2e!(
    a_teams_slack_channel_gets_block_kit_messages_with_links_back,
    |app| {
        let _ = &app;
        let app = TestApp::spawn_with(app.backend, |c| {
            c.worker.public_url = Some("https://firebreak.example.com/".into());
        })
        .await
        .unwrap();
        let (team, mia) = team_with_manager(&app).await;
        let (_, ada) = app.named_user("ada", Role::Responder).await;
        let slack = Sink::start().await;
        let sub = subscribe(
        &app,
        &mia,
        json!({ "kind": "SLACK", "label": "#sre-incidents", "url": slack.url(), "teamId": team, "types": ["incident.declared", "incident.resolved"] }),
    )
    .await;
        assert_eq!(
            sub["signingSecret"],
            Value::Null,
            "a Slack URL is its own secret"
        );
        let id = app
            .declare(
                &ada,
                json!({ "title": "Search latency", "severity": "SEV2", "teamId": team }),
            )
            .await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        // Another team's incident does not reach this channel.
        app.declare(&ada, json!({ "title": "Elsewhere", "severity": "SEV3" }))
            .await;
        app.run_due().await;
        let got = slack.received();
        assert_eq!(got.len(), 1);
        let msg = &got[0].body;
        check_block_kit(msg);
        assert_eq!(
            msg["blocks"][0]["text"]["text"],
            "Incident declared: Search latency"
        );
        assert!(msg["blocks"][1]["fields"].to_string().contains("SEV2"));
        assert_eq!(
            msg["blocks"][2]["elements"][0]["url"],
            format!("https://firebreak.example.com/incidents/{id}")
        );
        assert!(got[0].signature.is_empty(), "Slack webhooks are not signed");
        // The team's manager sees and removes the channel; a responder cannot.
        let listed = app
            .gql(
                Some(&mia),
                "{ eventSubscriptions { id kind label } }",
                json!({}),
            )
            .await;
        let listed = listed.ok()["eventSubscriptions"].clone();
        assert_eq!(listed.as_array().unwrap().len(), 1);
        assert_eq!(listed[0]["label"], "#sre-incidents");
        let sid = listed[0]["id"].clone();
        app.gql(
            Some(&ada),
            "mutation($id: ID!) { deleteEventSubscription(id: $id) }",
            json!({ "id": sid }),
        )
        .await
        .expect_code("FORBIDDEN");
        let gone = app
            .gql(
                Some(&mia),
                "mutation($id: ID!) { deleteEventSubscription(id: $id) }",
                json!({ "id": sid }),
            )
            .await;
        assert_eq!(gone.ok()["deleteEventSubscription"], true);
    }
);
