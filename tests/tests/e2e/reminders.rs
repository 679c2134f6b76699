//! The worker end to end, on the test clock: what becomes due is written to the outbox
//! once, delivered to the recipient's webhook signed per Standard Webhooks, and shown in
//! their inbox. Each test moves the clock and runs what is due (`app.run_due()`), as the
//! worker's tick would.

use crate::postmortems::{declare, resolve};
use crate::schedules::team_with_manager;
use chrono::Duration;
use entity::Role;
use firebreak_tests::serde_json::{Value, json};
use firebreak_tests::{Sink, TestApp, e2e};

/// The kinds and subjects the sink accepted, in order.
fn got(sink: &Sink) -> Vec<(String, String)> {
    sink.received()
        .into_iter()
        .filter(|r| r.accepted)
        .map(|r| {
            (
                r.body["data"]["kind"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
                r.body["data"]["subject"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            )
        })
        .collect()
}

fn of_kind(sink: &Sink, kind: &str) -> Vec<String> {
    got(sink)
        .into_iter()
        .filter(|(k, _)| k == kind)
        .map(|(_, s)| s)
        .collect()
}

async fn inbox(app: &TestApp, token: &str) -> Vec<Value> {
    app.gql(
        Some(token),
        "{ myNotifications(first: 100) { nodes { id kind subject objectType deliveryStatus deliveryAttempts readAt } } }",
        json!({}),
    )
    .await
    .ok()["myNotifications"]["nodes"]
        .as_array()
        .unwrap()
        .clone()
}

e2e!(
    postmortem_reminders_come_before_at_and_after_the_deadline_once_each,
    |app| {
        let (team, mia) = team_with_manager(&app).await;
        let (_, ada) = app.named_user("ada", Role::Responder).await;
        let ada_sink = Sink::start().await;
        let mia_sink = Sink::start().await;
        app.set_webhook(&ada, &ada_sink).await;
        app.set_webhook(&mia, &mia_sink).await;
        let id = declare(&app, &ada, "Checkout down", "SEV2").await;
        app.gql(
            Some(&ada),
            "mutation($i: UpdateIncidentInput!) { updateIncident(input: $i) { incident { id } } }",
            json!({ "i": { "incidentId": id, "teamId": team } }),
        )
        .await;
        resolve(&app, &ada, &id).await.ok();
        // Due 48 h after resolution: nothing a day and a minute before.
        app.advance_clock(Duration::hours(24) - Duration::minutes(1));
        app.run_due().await;
        assert!(of_kind(&ada_sink, "POSTMORTEM_DUE").is_empty());
        app.advance_clock(Duration::minutes(1));
        app.run_due().await;
        app.run_due().await;
        assert_eq!(
            of_kind(&ada_sink, "POSTMORTEM_DUE"),
            vec!["Postmortem due within a day: #inc-2026-11-23-checkout-down".to_owned()],
            "once, however often the scan runs"
        );
        app.advance_clock(Duration::hours(24));
        app.run_due().await;
        app.advance_clock(Duration::hours(23));
        app.run_due().await;
        assert_eq!(of_kind(&ada_sink, "POSTMORTEM_DUE").len(), 2);
        assert!(
            of_kind(&mia_sink, "POSTMORTEM_DUE").is_empty(),
            "managers only once overdue"
        );
        // A day overdue: the commander and the team's manager.
        app.advance_clock(Duration::hours(1));
        app.run_due().await;
        assert_eq!(
            of_kind(&ada_sink, "POSTMORTEM_DUE").last().unwrap(),
            "Postmortem overdue (1 d): #inc-2026-11-23-checkout-down"
        );
        assert_eq!(of_kind(&mia_sink, "POSTMORTEM_DUE").len(), 1);
        // The inbox shows the same, delivered (a fresh token: days have passed).
        let mine = inbox(&app, &app.sign("ada")).await;
        let reminders: Vec<&Value> = mine
            .iter()
            .filter(|n| n["kind"] == "POSTMORTEM_DUE")
            .collect();
        assert_eq!(reminders.len(), 3);
        assert!(
            reminders
                .iter()
                .all(|n| n["deliveryStatus"] == "DELIVERED" && n["deliveryAttempts"] == 1)
        );
    }
);

e2e!(
    an_overdue_action_item_reminds_its_owner_then_the_managers,
    |app| {
        let (team, mia) = team_with_manager(&app).await;
        let (_, ada) = app.named_user("ada", Role::Responder).await;
        let (bob_id, bob) = app.named_user("bob", Role::Responder).await;
        let bob_sink = Sink::start().await;
        let mia_sink = Sink::start().await;
        app.set_webhook(&bob, &bob_sink).await;
        app.set_webhook(&mia, &mia_sink).await;
        let id = app
            .declare(
                &ada,
                json!({ "title": "Disk full", "severity": "SEV3", "teamId": team }),
            )
            .await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let due = app.now() + Duration::days(3);
        app.call(
        &ada,
        "createActionItem",
        "CreateActionItemInput",
        json!({ "incidentId": id, "title": "Alert on disk usage", "ownerId": bob_id, "dueAt": due.to_rfc3339(), "priority": "P2" }),
        "actionItem { id }",
    )
    .await
    .ok();
        app.clock.set(due - Duration::hours(23));
        app.run_due().await;
        assert_eq!(
            of_kind(&bob_sink, "ACTION_ITEM_DUE"),
            vec!["Action item due within a day: “Alert on disk usage”".to_owned()]
        );
        for day in 0..3 {
            app.clock
                .set(due + Duration::days(day) + Duration::minutes(5));
            app.run_due().await;
        }
        assert_eq!(
            of_kind(&bob_sink, "ACTION_ITEM_DUE").len(),
            4,
            "the day before and three overdue days"
        );
        assert!(
            of_kind(&mia_sink, "ACTION_ITEM_DUE").is_empty(),
            "owners first"
        );
        // From the third overdue day (the organization's setting), the managers too.
        app.clock.set(due + Duration::days(3));
        app.run_due().await;
        assert_eq!(
            of_kind(&mia_sink, "ACTION_ITEM_DUE"),
            vec!["Action item overdue (3 d): “Alert on disk usage”".to_owned()]
        );
        assert_eq!(of_kind(&bob_sink, "ACTION_ITEM_DUE").len(), 5);
    }
);

e2e!(
    a_worker_down_for_days_sends_each_objects_latest_occasion_once,
    |app| {
        let (team, mia) = team_with_manager(&app).await;
        let (_, ada) = app.named_user("ada", Role::Responder).await;
        let (bob_id, bob) = app.named_user("bob", Role::Responder).await;
        let ada_sink = Sink::start().await;
        let bob_sink = Sink::start().await;
        app.set_webhook(&ada, &ada_sink).await;
        app.set_webhook(&bob, &bob_sink).await;
        let _ = mia;
        let id = declare(&app, &ada, "Search down", "SEV2").await;
        app.gql(
            Some(&ada),
            "mutation($i: UpdateIncidentInput!) { updateIncident(input: $i) { incident { id } } }",
            json!({ "i": { "incidentId": id, "teamId": team } }),
        )
        .await;
        app.call(
        &ada,
        "createActionItem",
        "CreateActionItemInput",
        json!({ "incidentId": id, "title": "Add a canary", "ownerId": bob_id, "dueAt": (app.now() + Duration::days(1)).to_rfc3339(), "priority": "P1" }),
        "actionItem { id }",
    )
    .await
    .ok();
        resolve(&app, &ada, &id).await.ok();
        // Nobody ran the worker for five days: the deadline, the item's due date and several
        // overdue days passed.
        app.advance_clock(Duration::days(5));
        let (summary, _) = app.run_due().await;
        assert_eq!(
            of_kind(&ada_sink, "POSTMORTEM_DUE"),
            vec!["Postmortem overdue (3 d): #inc-2026-11-23-search-down".to_owned()],
            "the latest occasion only: not a storm, not nothing"
        );
        assert_eq!(
            of_kind(&bob_sink, "ACTION_ITEM_DUE"),
            vec!["Action item overdue (4 d): “Add a canary”".to_owned()]
        );
        assert!(summary.notifications >= 2);
        let (again, _) = app.run_due().await;
        assert_eq!(
            again.notifications, 0,
            "a second scan finds everything written"
        );
    }
);

e2e!(
    a_failing_receiver_gets_retries_with_one_webhook_id_until_it_accepts,
    |app| {
        let (_, ada) = app.named_user("ada", Role::Responder).await;
        let (bob_id, bob) = app.named_user("bob", Role::Responder).await;
        let sink = Sink::start().await;
        let secret = app.set_webhook(&bob, &sink).await;
        let id = declare(&app, &ada, "Queue stuck", "SEV3").await;
        app.call(
        &ada,
        "createActionItem",
        "CreateActionItemInput",
        json!({ "incidentId": id, "title": "Drain the queue", "ownerId": bob_id, "dueAt": (app.now() + Duration::hours(2)).to_rfc3339(), "priority": "P1" }),
        "actionItem { id }",
    )
    .await
    .ok();
        sink.fail_next(3);
        app.run_due().await;
        // Retries wait on the clock: 30 s, 60 s, 120 s.
        app.run_due().await;
        assert_eq!(sink.received().len(), 1, "not before the backoff ran out");
        for wait in [30, 60, 120] {
            app.advance_clock(Duration::seconds(wait));
            app.run_due().await;
        }
        let received = sink.received();
        assert_eq!(received.len(), 4);
        assert!(received[3].accepted);
        let ids: std::collections::BTreeSet<&str> =
            received.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids.len(), 1, "every attempt carries the same webhook-id");
        let mine = inbox(&app, &bob).await;
        assert_eq!(mine[0]["id"].as_str().unwrap(), *ids.iter().next().unwrap());
        assert_eq!(mine[0]["deliveryStatus"], "DELIVERED");
        assert_eq!(mine[0]["deliveryAttempts"], 4);
        // The signature verifies with the specification's Rust crate…
        let hook = standardwebhooks::Webhook::new(&secret).unwrap();
        for r in &received {
            let mut headers = axum::http::HeaderMap::new();
            headers.insert("webhook-id", r.id.parse().unwrap());
            headers.insert("webhook-timestamp", r.timestamp.parse().unwrap());
            headers.insert("webhook-signature", r.signature.parse().unwrap());
            hook.verify(r.raw.as_bytes(), &headers).unwrap();
        }
        // … and with the reference library of another ecosystem (JavaScript).
        let file =
            std::env::temp_dir().join(format!("firebreak-webhooks-{}.json", uuid::Uuid::now_v7()));
        std::fs::write(&file, sink.as_verifier_input().to_string()).unwrap();
        if let Some(out) =
            firebreak_tests::node("verify-webhooks.mjs", &[&secret, file.to_str().unwrap()]).await
        {
            let lines: Vec<&str> = out.lines().collect();
            assert_eq!(lines.len(), 4, "{out}");
            assert!(
                lines
                    .iter()
                    .all(|l| l.starts_with("ok ") && l.ends_with("notification.action_item_due")),
                "{out}"
            );
        }
        std::fs::remove_file(&file).ok();
    }
);

e2e!(
    a_receiver_that_never_accepts_is_marked_failed_and_reported,
    |app| {
        let (_, ada) = app.named_user("ada", Role::Responder).await;
        let (bob_id, bob) = app.named_user("bob", Role::Responder).await;
        let sink = Sink::start().await;
        app.set_webhook(&bob, &sink).await;
        let id = declare(&app, &ada, "Cache cold", "SEV3").await;
        app.call(
        &ada,
        "createActionItem",
        "CreateActionItemInput",
        json!({ "incidentId": id, "title": "Warm the cache", "ownerId": bob_id, "dueAt": (app.now() + Duration::hours(20)).to_rfc3339(), "priority": "P3" }),
        "actionItem { id }",
    )
    .await
    .ok();
        sink.fail_next(100);
        for _ in 0..10 {
            app.run_due().await;
            app.advance_clock(Duration::hours(1));
        }
        assert_eq!(
            sink.received().len(),
            8,
            "the configured attempts, then no more"
        );
        let mine = inbox(&app, &bob).await;
        assert_eq!(mine[0]["deliveryStatus"], "FAILED");
        assert_eq!(
            app.metric("firebreak_deliveries_total{outcome=\"failed\"}")
                .await,
            1.0
        );
        assert_eq!(
            app.metric("firebreak_deliveries_total{outcome=\"retry\"}")
                .await,
            7.0
        );
    }
);

e2e!(the_inbox_is_paginated_marked_read_and_private, |app| {
    let (_, ada) = app.named_user("ada", Role::Responder).await;
    let (bob_id, bob) = app.named_user("bob", Role::Responder).await;
    let id = declare(&app, &ada, "Slow builds", "SEV3").await;
    for n in 0..3 {
        app.call(
            &ada,
            "createActionItem",
            "CreateActionItemInput",
            json!({ "incidentId": id, "title": format!("Item {n}"), "ownerId": bob_id, "dueAt": (app.now() + Duration::hours(2)).to_rfc3339(), "priority": "P3" }),
            "actionItem { id }",
        )
        .await
        .ok();
    }
    app.run_due().await;
    let page = app
        .gql(
            Some(&bob),
            "{ myNotifications(first: 2) { nodes { id deliveryStatus } pageInfo { hasNextPage endCursor } } unreadNotificationCount }",
            json!({}),
        )
        .await;
    let data = page.ok();
    assert_eq!(data["unreadNotificationCount"], 3);
    assert_eq!(
        data["myNotifications"]["nodes"].as_array().unwrap().len(),
        2
    );
    assert_eq!(
        data["myNotifications"]["nodes"][0]["deliveryStatus"],
        "INBOX_ONLY"
    );
    assert_eq!(data["myNotifications"]["pageInfo"]["hasNextPage"], true);
    let first = data["myNotifications"]["nodes"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Someone else cannot mark it, nor see it.
    let marked = app
        .gql(
            Some(&ada),
            "mutation($i: MarkReadInput) { markNotificationsRead(input: $i) }",
            json!({ "i": { "ids": [first] } }),
        )
        .await;
    assert_eq!(marked.ok()["markNotificationsRead"], 0);
    assert!(
        inbox(&app, &ada)
            .await
            .iter()
            .all(|n| n["kind"] != "ACTION_ITEM_DUE")
    );
    let marked = app
        .gql(
            Some(&bob),
            "mutation($i: MarkReadInput) { markNotificationsRead(input: $i) }",
            json!({ "i": { "ids": [first] } }),
        )
        .await;
    assert_eq!(marked.ok()["markNotificationsRead"], 1);
    let unread = app
        .gql(
            Some(&bob),
            "{ myNotifications(unreadOnly: true) { nodes { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        unread.ok()["myNotifications"]["nodes"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let all = app
        .gql(Some(&bob), "mutation { markNotificationsRead }", json!({}))
        .await;
    assert_eq!(all.ok()["markNotificationsRead"], 2);
    let none = app
        .gql(None, "{ myNotifications { nodes { id } } }", json!({}))
        .await;
    none.expect_code("UNAUTHENTICATED");
});

e2e!(
    webhooks_to_internal_addresses_are_refused_unless_allowed,
    |app| {
        let _ = &app;
        let strict = TestApp::spawn_with(app.backend, |c| c.worker.outbound_allow_private = false)
            .await
            .unwrap();
        let (_, ada) = strict.named_user("ada", Role::Responder).await;
        for url in [
            "http://127.0.0.1:9/hook",
            "http://169.254.169.254/latest",
            "http://[::1]/x",
            "http://localhost/x",
        ] {
            strict
                .call(
                    &ada,
                    "addContactMethod",
                    "AddContactMethodInput",
                    json!({ "kind": "WEBHOOK", "target": url }),
                    "signingSecret",
                )
                .await
                .expect_reason("BAD_USER_INPUT", "OUTBOUND_TARGET_REFUSED");
        }
        strict
            .call(
                &ada,
                "addContactMethod",
                "AddContactMethodInput",
                json!({ "kind": "WEBHOOK", "target": "ftp://example.com" }),
                "signingSecret",
            )
            .await
            .expect_reason("BAD_USER_INPUT", "INVALID_URL");
        let ok = strict
            .call(
                &ada,
                "addContactMethod",
                "AddContactMethodInput",
                json!({ "kind": "WEBHOOK", "target": "https://hooks.example.com/firebreak?token=s3cret" }),
                "signingSecret contactMethod { destination verified }",
            )
            .await;
        let set = ok.ok()["addContactMethod"].clone();
        assert!(set["signingSecret"].as_str().unwrap().starts_with("whsec_"));
        assert_eq!(set["contactMethod"]["destination"], "hooks.example.com");
        assert_eq!(set["contactMethod"]["verified"], false);
        // The URL (which may carry a secret) is never shown again.
        let mine = strict
            .gql(
                Some(&ada),
                "{ myContactMethods { destination createdAt } }",
                json!({}),
            )
            .await;
        assert_eq!(
            mine.ok()["myContactMethods"][0]["destination"],
            "hooks.example.com"
        );
        assert!(!mine.data().to_string().contains("s3cret"));
        // Without a mail server, e-mail methods are refused with a reason.
        strict
            .call(
                &ada,
                "addContactMethod",
                "AddContactMethodInput",
                json!({ "kind": "EMAIL", "target": "ada@example.com" }),
                "signingSecret",
            )
            .await
            .expect_reason("BAD_USER_INPUT", "EMAIL_NOT_CONFIGURED");
    }
);

e2e!(
    delivered_notifications_and_resolved_alerts_are_pruned_after_their_retention,
    |app| {
        let admin = app.token(Role::Admin).await;
        // The counts below are of this test's page; the weekly digest (its own test)
        // would add the admins' digest of the team.
        app.call(
            &admin,
            "updateOrganization",
            "UpdateOrganizationInput",
            json!({ "digestEnabled": false }),
            "organization { digestEnabled }",
        )
        .await
        .ok();
        let (bob_id, bob) = app.named_user("bob", Role::Responder).await;
        let sink = Sink::start().await;
        app.set_webhook(&bob, &sink).await;
        let team = app
            .call(
                &admin,
                "createTeam",
                "CreateTeamInput",
                json!({ "name": "Edge" }),
                "team { id }",
            )
            .await
            .ok()["createTeam"]["team"]["id"]
            .clone();
        app.call(
            &admin,
            "setPagingPeople",
            "SetPagingPeopleInput",
            json!({ "engineeringLeadId": bob_id }),
            "engineeringLeadId",
        )
        .await
        .ok();
        // An event subscription too: its deliveries and events are kept as long.
        let events_sink = Sink::start().await;
        app.call(
            &admin,
            "createEventSubscription",
            "CreateEventSubscriptionInput",
            json!({ "kind": "WEBHOOK", "label": "all", "url": events_sink.url() }),
            "signingSecret",
        )
        .await
        .ok();
        let alert = app
            .call(
                &admin,
                "triggerPage",
                "TriggerPageInput",
                json!({ "teamId": team, "summary": "TLS expiry", "severity": "SEV1" }),
                "alert { id }",
            )
            .await
            .ok()["triggerPage"]["alert"]["id"]
            .clone();
        app.run_due().await;
        assert_eq!(sink.accepted_ids().len(), 1);
        assert!(!events_sink.received().is_empty());
        app.call(
            &bob,
            "resolveAlert",
            "AlertIdInput",
            json!({ "alertId": alert }),
            "alert { id }",
        )
        .await
        .ok();
        let count = |table: &'static str| {
            let db = app.db().clone();
            async move {
                use sea_orm::{ConnectionTrait, Statement};
                let row = db
                    .conn()
                    .query_one_raw(Statement::from_string(
                        db.backend(),
                        format!("SELECT COUNT(*) AS n FROM {table}"),
                    ))
                    .await
                    .unwrap()
                    .unwrap();
                row.try_get::<i64>("", "n").unwrap()
            }
        };
        // Kept 90 days (the notifications: the page and the webhook's test send) and 400
        // days (the alert and its page).
        app.advance_clock(Duration::days(89));
        app.run_due().await;
        assert_eq!(
            (
                count("notifications").await,
                count("alerts").await,
                count("pages").await
            ),
            (2, 1, 1)
        );
        assert!(count("events").await > 0);
        app.advance_clock(Duration::days(2));
        app.run_due().await;
        assert_eq!(
            (
                count("notifications").await,
                count("alerts").await,
                count("pages").await
            ),
            (0, 1, 1)
        );
        assert_eq!((count("events").await, count("deliveries").await), (0, 0));
        app.advance_clock(Duration::days(310));
        app.run_due().await;
        assert_eq!((count("alerts").await, count("pages").await), (0, 0));
    }
);
