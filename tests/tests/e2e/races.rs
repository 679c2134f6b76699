//! One winner per race. Each race sends truly concurrent requests (two connections, two
//! transactions) and is repeated, so a read-check-write without a lock fails reliably on
//! PostgreSQL (where READ COMMITTED lets both transactions read the same row). On SQLite
//! `BEGIN IMMEDIATE` serialises writers; the same assertions hold there.

use entity::Role;
use firebreak_tests::serde_json::{Value, json};
use firebreak_tests::{Gql, TestApp, e2e};
use futures::future::join;

/// How often each two-way race is run.
const ROUNDS: usize = 20;

async fn incident(app: &TestApp, token: &str, title: &str, severity: &str) -> String {
    app.declare(token, json!({ "title": title, "severity": severity }))
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn details(app: &TestApp, token: &str, id: &str) -> Value {
    app.gql(
        Some(token),
        "query($id: ID!) { incident(id: $id) { status resolvedAt roles { role user { id } } timeline(first: 100) { nodes { kind } } postmortem { id loopClosedAt } } }",
        json!({ "id": id }),
    )
    .await
    .ok()["incident"]
        .clone()
}

/// Exactly one of two results succeeded; the other is a CONFLICT with a reason.
#[track_caller]
fn one_winner(a: &Gql, b: &Gql) -> usize {
    let ok = [a, b]
        .iter()
        .filter(|r| r.body.get("errors").is_none())
        .count();
    for r in [a, b] {
        if r.body.get("errors").is_some() {
            assert_eq!(r.code(), Some("CONFLICT"), "{}", r.body);
            assert!(r.reason().is_some(), "a reason: {}", r.body);
        }
    }
    ok
}

fn kinds(i: &Value, kind: &str) -> usize {
    i["timeline"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == kind)
        .count()
}

e2e!(two_resolutions_one_winner, |app| {
    let (_, ada) = app.user(Role::Responder).await;
    let (_, bob) = app.user(Role::Responder).await;
    for round in 0..ROUNDS {
        let id = incident(&app, &ada, &format!("Race {round}"), "SEV3").await;
        let input = json!({ "incidentId": id, "summary": "fixed" });
        let (a, b) = join(
            app.call(
                &ada,
                "resolveIncident",
                "ResolveIncidentInput",
                input.clone(),
                "incident { status }",
            ),
            app.call(
                &bob,
                "resolveIncident",
                "ResolveIncidentInput",
                input,
                "incident { status }",
            ),
        )
        .await;
        assert_eq!(
            one_winner(&a, &b),
            1,
            "round {round}: {} / {}",
            a.body,
            b.body
        );
        let i = details(&app, &ada, &id).await;
        assert_eq!(
            kinds(&i, "RESOLVED"),
            1,
            "round {round}: one resolution logged"
        );
    }
});

e2e!(
    a_resolution_racing_a_status_update_leaves_a_consistent_incident,
    |app| {
        let (_, ada) = app.user(Role::Responder).await;
        let (_, bob) = app.user(Role::Responder).await;
        for round in 0..ROUNDS {
            let id = incident(&app, &ada, &format!("Race {round}"), "SEV3").await;
            let (a, b) = join(
                app.call(
                    &ada,
                    "resolveIncident",
                    "ResolveIncidentInput",
                    json!({ "incidentId": id, "summary": "fixed" }),
                    "incident { status }",
                ),
                app.call(
                    &bob,
                    "postUpdate",
                    "PostUpdateInput",
                    json!({ "incidentId": id, "message": "found it", "status": "IDENTIFIED" }),
                    "incident { status }",
                ),
            )
            .await;
            // The invariant first: a resolution time goes with RESOLVED, whatever the order.
            let i = details(&app, &ada, &id).await;
            assert_eq!(i["status"], "RESOLVED", "round {round}: {i}");
            assert!(!i["resolvedAt"].is_null());
            assert_eq!(kinds(&i, "RESOLVED"), 1);
            assert!(
                a.body.get("errors").is_none(),
                "the resolution goes through: {}",
                a.body
            );
            if b.body.get("errors").is_some() {
                b.expect_reason("CONFLICT", "INCIDENT_RESOLVED");
            }
        }
    }
);

e2e!(
    racing_role_assignments_keep_commander_and_tech_lead_apart,
    |app| {
        let (_, ada) = app.user(Role::Responder).await;
        let (bob_id, _) = app.user(Role::Responder).await;
        for round in 0..ROUNDS {
            let id = incident(&app, &ada, &format!("Race {round}"), "SEV3").await;
            let (a, b) = join(
                app.call(
                    &ada,
                    "assignRole",
                    "AssignRoleInput",
                    json!({ "incidentId": id, "role": "COMMANDER", "userId": bob_id }),
                    "incident { id }",
                ),
                app.call(
                    &ada,
                    "assignRole",
                    "AssignRoleInput",
                    json!({ "incidentId": id, "role": "TECH_LEAD", "userId": bob_id }),
                    "incident { id }",
                ),
            )
            .await;
            // The invariant first: Bob holds one of the two roles, never both.
            let i = details(&app, &ada, &id).await;
            let held_by_bob = i["roles"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|r| r["user"]["id"] == bob_id.as_str())
                .count();
            assert_eq!(held_by_bob, 1, "round {round}: {i}");
            assert_eq!(
                one_winner(&a, &b),
                1,
                "round {round}: {} / {}",
                a.body,
                b.body
            );
            for r in [&a, &b] {
                if r.body.get("errors").is_some() {
                    r.expect_reason("CONFLICT", "COMMANDER_IS_TECH_LEAD");
                }
            }
        }
    }
);

e2e!(the_loop_never_closes_while_an_item_is_open, |app| {
    let (ada_id, ada) = app.user(Role::Responder).await;
    let (_, bob) = app.user(Role::Responder).await;
    let item = |pm: &Value, title: &str| {
        app.call(&ada, "createActionItem", "CreateActionItemInput", json!({ "postmortemId": pm, "title": title, "ownerId": ada_id, "dueAt": "2026-11-30T17:00:00Z", "priority": "P2" }), "actionItem { id version }")
    };
    for round in 0..ROUNDS {
        let id = incident(&app, &ada, &format!("Race {round}"), "SEV2").await;
        app.call(
            &ada,
            "resolveIncident",
            "ResolveIncidentInput",
            json!({ "incidentId": id, "summary": "fixed" }),
            "incident { id }",
        )
        .await
        .ok();
        let pm = details(&app, &ada, &id).await["postmortem"]["id"].clone();
        let a = item(&pm, "first").await.ok()["createActionItem"]["actionItem"].clone();
        let b = item(&pm, "second").await.ok()["createActionItem"]["actionItem"].clone();
        app.call(
            &ada,
            "completeActionItem",
            "CompleteActionItemInput",
            json!({ "actionItemId": b["id"], "expectedVersion": 1 }),
            "actionItem { id }",
        )
        .await
        .ok();
        // Complete the first while reopening the second: both succeed (different rows),
        // and the postmortem must not end up "loop closed" with the second open.
        let (x, y) = join(
            app.call(
                &ada,
                "completeActionItem",
                "CompleteActionItemInput",
                json!({ "actionItemId": a["id"], "expectedVersion": 1 }),
                "actionItem { id }",
            ),
            app.call(
                &bob,
                "updateActionItem",
                "UpdateActionItemInput",
                json!({ "actionItemId": b["id"], "expectedVersion": 2, "status": "OPEN" }),
                "actionItem { id }",
            ),
        )
        .await;
        x.ok();
        y.ok();
        let i = details(&app, &ada, &id).await;
        assert!(
            i["postmortem"]["loopClosedAt"].is_null(),
            "round {round}: the loop closed while an item is open: {i}"
        );
    }
});

e2e!(unique_races_answer_conflict_never_internal, |app| {
    let (_, ada) = app.user(Role::Responder).await;
    let admin = app.token(Role::Admin).await;
    let (member_id, _) = app.user(Role::Responder).await;
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
    for round in 0..ROUNDS {
        // Postmortem creation: one is created, the other is told it exists.
        let id = incident(&app, &ada, &format!("Race {round}"), "SEV3").await;
        app.call(
            &ada,
            "resolveIncident",
            "ResolveIncidentInput",
            json!({ "incidentId": id, "summary": "fixed" }),
            "incident { id }",
        )
        .await
        .ok();
        let start = || {
            app.call(
                &ada,
                "startPostmortem",
                "StartPostmortemInput",
                json!({ "incidentId": id }),
                "postmortem { id }",
            )
        };
        let (a, b) = join(start(), start()).await;
        assert_eq!(
            one_winner(&a, &b),
            1,
            "round {round}: {} / {}",
            a.body,
            b.body
        );

        // Participants: adding the same person twice at once is harmless.
        let add = || {
            app.call(
                &ada,
                "addIncidentParticipant",
                "AddIncidentParticipantInput",
                json!({ "incidentId": id, "userId": member_id }),
                "incident { id }",
            )
        };
        let (a, b) = join(add(), add()).await;
        for r in [&a, &b] {
            assert_ne!(r.code(), Some("INTERNAL"), "{}", r.body);
        }

        // Team membership: never INTERNAL.
        let lead = if round % 2 == 0 { "LEAD" } else { "MEMBER" };
        let set = || {
            app.call(
                &admin,
                "setTeamMember",
                "SetTeamMemberInput",
                json!({ "teamId": team, "userId": member_id, "teamRole": lead }),
                "team { id }",
            )
        };
        let (a, b) = join(set(), set()).await;
        for r in [&a, &b] {
            if r.body.get("errors").is_some() {
                assert_eq!(r.code(), Some("CONFLICT"), "{}", r.body);
            }
        }
        app.call(
            &admin,
            "removeTeamMember",
            "TeamUserInput",
            json!({ "teamId": team, "userId": member_id }),
            "team { id }",
        )
        .await
        .ok();
    }
});

e2e!(
    an_alert_storm_of_identical_declarations_all_succeed,
    |app| {
        let tokens: Vec<String> = {
            let mut v = Vec::new();
            for _ in 0..4 {
                v.push(app.token(Role::Responder).await);
            }
            v
        };
        let declare = |n: usize| {
            let t = tokens[n % tokens.len()].clone();
            let app = &app;
            async move {
                app.call(
                    &t,
                    "declareIncident",
                    "DeclareIncidentInput",
                    json!({ "title": "Checkout 500s", "severity": "SEV2" }),
                    "incident { channel }",
                )
                .await
            }
        };
        let results = futures::future::join_all((0..32).map(declare)).await;
        let mut channels: Vec<String> = results
            .iter()
            .map(|r| {
                r.ok()["declareIncident"]["incident"]["channel"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect();
        channels.sort();
        channels.dedup();
        assert_eq!(channels.len(), 32, "every declaration gets its own channel");
        let base = "#inc-2026-11-23-checkout-500s";
        let mut expected: Vec<String> = std::iter::once(base.to_owned())
            .chain((2..=32).map(|n| format!("{base}-{n}")))
            .collect();
        expected.sort();
        assert_eq!(channels, expected);
        // Replays of one key racing declarations of the same title: one incident for the
        // key, and every name still unique.
        let key =
            json!({ "title": "Checkout 500s", "severity": "SEV2", "idempotencyKey": "storm-1" });
        let calls = (0..16).map(|n| {
            let input = if n % 2 == 0 {
                key.clone()
            } else {
                json!({ "title": "Checkout 500s", "severity": "SEV2" })
            };
            let t = tokens[0].clone();
            let app = &app;
            async move {
                let r = app
                    .call(
                        &t,
                        "declareIncident",
                        "DeclareIncidentInput",
                        input,
                        "incident { id channel }",
                    )
                    .await;
                (n % 2 == 0, r.ok()["declareIncident"]["incident"].clone())
            }
        });
        let results = futures::future::join_all(calls).await;
        let keyed: std::collections::BTreeSet<&str> = results
            .iter()
            .filter(|(k, _)| *k)
            .map(|(_, i)| i["id"].as_str().unwrap())
            .collect();
        assert_eq!(keyed.len(), 1, "one incident for one key: {results:?}");
        let mut names: Vec<&str> = results
            .iter()
            .map(|(_, i)| i["channel"].as_str().unwrap())
            .chain(channels.iter().map(String::as_str))
            .collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), 32 + 1 + 8, "{names:?}");
    }
);
