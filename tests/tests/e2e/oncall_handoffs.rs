//! Handoff documents: written by the outgoing on-caller, acknowledged by the incoming
//! one, pre-filled with the rotation's incidents the reader may see.

use crate::schedules::{add_layer, members, schedule, team_with_manager};
use entity::Role;
use firebreak_tests::e2e;
use firebreak_tests::serde_json::{Value, json};

const DOC: &str = "document { id version notes submittedAt acknowledgedAt outgoing { login } incoming { login } incidents { title } draft }";

e2e!(handoff_documents_go_from_outgoing_to_incoming, |app| {
    let (team, mia) = team_with_manager(&app).await;
    let (a, at) = app.named_user("asha", Role::Responder).await;
    let (b, bt) = app.named_user("bala", Role::Responder).await;
    let sid = schedule(&app, &mia, &team).await;
    // Weekly from Tuesday 2026-11-17 09:00 UTC: Asha until 11-24 09:00, then Bala.
    let layer = add_layer(&app, &mia, &sid, json!({
        "name": "Primary", "timeZone": "UTC", "handoffTime": "09:00:00", "startDate": "2026-11-17",
        "members": members(&[&a, &b], &[]),
    })).await.ok()["addScheduleLayer"]["layer"]["id"].as_str().unwrap().to_owned();
    // During Asha's week (the clock is 2026-11-23 09:00): a team incident, and a
    // restricted one Bala is not part of.
    app.declare(
        &at,
        json!({ "title": "Queue backlog", "severity": "SEV3", "teamId": team }),
    )
    .await;
    app.declare(&at, json!({ "title": "Insider trading probe", "severity": "SEV2", "teamId": team, "restricted": true })).await;

    let submit = |token: String, at_: &'static str, notes: &'static str| {
        let app = &app;
        let layer = layer.clone();
        async move {
            app.call(
                &token,
                "submitHandoff",
                "SubmitHandoffInput",
                json!({ "layerId": layer, "at": at_, "notes": notes }),
                DOC,
            )
            .await
        }
    };
    submit(at.clone(), "2026-11-24T10:00:00Z", "x")
        .await
        .expect_reason("BAD_USER_INPUT", "NOT_A_HANDOFF");
    submit(bt.clone(), "2026-11-24T09:00:00Z", "x")
        .await
        .expect_reason("FORBIDDEN", "NOT_HANDOFF_PARTY");
    let doc = submit(
        at.clone(),
        "2026-11-24T09:00:00Z",
        "Disk on db-3 fills up; watch the 02:00 batch.",
    )
    .await;
    let doc = doc.ok()["submitHandoff"]["document"].clone();
    assert_eq!(doc["outgoing"]["login"], "asha");
    assert_eq!(doc["incoming"]["login"], "bala");
    assert!(doc["submittedAt"].is_string());
    let titles = |d: &Value| -> Vec<String> {
        d["incidents"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["title"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        titles(&doc),
        vec!["Queue backlog", "Insider trading probe"],
        "Asha declared both"
    );

    // Bala reads it: the restricted incident is nowhere, not even in the draft.
    let read = app
        .gql(
            Some(&bt),
            &format!(
                "query($id: ID!) {{ handoffDocument(id: $id) {} }}",
                &DOC["document ".len()..]
            ),
            json!({ "id": doc["id"] }),
        )
        .await;
    let read = read.ok()["handoffDocument"].clone();
    assert_eq!(titles(&read), vec!["Queue backlog"]);
    let draft = read["draft"].as_str().unwrap();
    assert!(
        draft.contains("Queue backlog") && !draft.contains("Insider"),
        "{draft}"
    );

    let ack = |token: String| {
        let app = &app;
        let id = doc["id"].clone();
        async move {
            app.call(
                &token,
                "acknowledgeHandoff",
                "AcknowledgeHandoffInput",
                json!({ "documentId": id }),
                "document { acknowledgedAt acknowledgedBy { login } }",
            )
            .await
        }
    };
    ack(at.clone())
        .await
        .expect_reason("FORBIDDEN", "NOT_HANDOFF_PARTY");
    let done = ack(bt.clone()).await;
    assert_eq!(
        done.ok()["acknowledgeHandoff"]["document"]["acknowledgedBy"]["login"],
        "bala"
    );
    ack(bt.clone())
        .await
        .expect_reason("CONFLICT", "HANDOFF_ACKNOWLEDGED");
    submit(at.clone(), "2026-11-24T09:00:00Z", "late edit")
        .await
        .expect_reason("CONFLICT", "HANDOFF_ACKNOWLEDGED");

    // The next handoff's document, created ahead (as the worker does), cannot be
    // acknowledged before it is submitted.
    let next = app
        .call(
            &mia,
            "submitHandoff",
            "SubmitHandoffInput",
            json!({ "layerId": layer, "at": "2026-12-01T09:00:00Z", "notes": "" }),
            "document { id }",
        )
        .await;
    let next_id = next.ok()["submitHandoff"]["document"]["id"].clone();
    assert_eq!(next_id.as_str().map(str::len), Some(36));

    let list = app
        .gql(
            Some(&bt),
            "query($s: ID!) { handoffDocuments(scheduleId: $s) { nodes { at } } }",
            json!({ "s": sid }),
        )
        .await;
    assert_eq!(
        list.ok()["handoffDocuments"]["nodes"],
        json!([{ "at": "2026-12-01T09:00:00+00:00" }, { "at": "2026-11-24T09:00:00+00:00" }])
    );
});

e2e!(a_handoff_is_acknowledged_only_once_submitted, |app| {
    let (team, mia) = team_with_manager(&app).await;
    let (a, _) = app.named_user("asha", Role::Responder).await;
    let (b, bt) = app.named_user("bala", Role::Responder).await;
    let sid = schedule(&app, &mia, &team).await;
    let layer = add_layer(&app, &mia, &sid, json!({
        "name": "Primary", "timeZone": "UTC", "handoffTime": "09:00:00", "startDate": "2026-11-17",
        "members": members(&[&a, &b], &[]),
    })).await.ok()["addScheduleLayer"]["layer"]["id"].as_str().unwrap().to_owned();
    // The worker's way: the document exists, empty, before the outgoing person writes it.
    let handoff = scheduler::oncall::Handoff {
        layer: layer.parse().unwrap(),
        at: "2026-11-24T09:00:00Z".parse().unwrap(),
        index: 1,
        outgoing: a.parse().unwrap(),
        incoming: b.parse().unwrap(),
        outgoing_since: "2026-11-17T09:00:00Z".parse().unwrap(),
    };
    let doc =
        firebreak::services::schedules::handoffs::ensure(app.db().conn(), &handoff, app.now())
            .await
            .unwrap();
    app.call(
        &bt,
        "acknowledgeHandoff",
        "AcknowledgeHandoffInput",
        json!({ "documentId": doc.id.to_string() }),
        "document { id }",
    )
    .await
    .expect_reason("CONFLICT", "HANDOFF_NOT_SUBMITTED");
});
