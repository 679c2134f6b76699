//! The managers' weekly digest against a week worked out by hand: the organization in
//! Berlin, the digest on Tuesdays at 09:00, so the week is Tuesday 24 November to Monday
//! 30 November (local days, 23:00 UTC to 23:00 UTC) and spans two ISO weeks. The manager
//! reads it as e-mail (text and HTML, parsed by Python's MIME and HTML parsers), the team's
//! Slack channel gets it without the restricted incident, and a team without a manager
//! sends its digest to the admins.

use crate::channels::{verified_email, with_mail};
use crate::events::{check_block_kit, subscribe};
use crate::load_report::paged;
use crate::postmortems::resolve;
use crate::schedules::{add_layer, members, schedule, team_with_manager};
use chrono::{DateTime, Duration, TimeZone, Utc};
use entity::Role;
use firebreak_tests::serde_json::{Value, json};
use firebreak_tests::{Sink, TestApp, e2e};
use uuid::Uuid;

fn t(m: u32, d: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, m, d, h, 0, 0).unwrap()
}

fn advance_to(app: &TestApp, at: DateTime<Utc>) {
    app.advance_clock(at - app.now());
}

async fn declare(app: &TestApp, token: &str, input: Value) -> String {
    app.declare(token, input).await["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn action_item(
    app: &TestApp,
    token: &str,
    incident: &str,
    title: &str,
    owner: &str,
    due: DateTime<Utc>,
) -> String {
    app.call(
        token,
        "createActionItem",
        "CreateActionItemInput",
        json!({ "incidentId": incident, "title": title, "ownerId": owner, "dueAt": due.to_rfc3339(), "priority": "P2" }),
        "actionItem { id }",
    )
    .await
    .ok()["createActionItem"]["actionItem"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn digests(sink: &Sink) -> Vec<Value> {
    sink.received()
        .into_iter()
        .filter(|r| r.accepted && r.body["data"]["kind"] == "WEEKLY_DIGEST")
        .map(|r| r.body["data"].clone())
        .collect()
}

/// Mia's digest as text; `secret` is the restricted incident's channel (random).
fn expected_text(secret: &str) -> String {
    format!(
        "Your teams' week, 2026-11-24 to 2026-11-30 (Europe/Berlin).

== SRE ==
Incidents declared: 3, resolved: 1
  by severity: SEV2: 2, SEV3: 1
  - SEV2 #inc-2026-11-24-checkout-down (resolved)
  - SEV2 {secret} (investigating)
  - SEV3 #inc-2026-11-26-slow-search (investigating)
Postmortems open: 2, overdue: 2
  - #inc-2026-11-23-old-outage: due 2026-11-25 09:00 UTC, 5 d late
  - #inc-2026-11-24-checkout-down: due 2026-11-28 10:00 UTC, 2 d late
Action items overdue: 2
  - “Restricted fix” (asha, from {secret}): due 2026-11-26 09:00 UTC, 4 d late
  - “Rotate the keys” (bala, from #inc-2026-11-23-old-outage): due 2026-11-27 09:00 UTC, 3 d late
On-call load:
  - asha: 153 h on call, 6 pages (1 at night, 1 out of hours), breach, 240 min rest owed
  - bala: 15 h on call, 1 page (0 at night, 1 out of hours)
  - ada: 0 h on call, 0 pages (0 at night, 0 out of hours), led 3
Noisiest alert sources:
  - prometheus DiskFull: 3 alerts, 3 pages, 67% acknowledged
  - incident Checkout down: 1 alert, 1 page, 0% acknowledged
  - incident Secret breach: 1 alert, 1 page, 0% acknowledged
  - incident Slow search: 1 alert, 1 page, 0% acknowledged
  - prometheus Latency: 1 alert, 1 page, 100% acknowledged
"
    )
}

e2e!(the_weekly_digest_matches_a_week_worked_by_hand, |app| {
    let Some((smtp, app)) = with_mail(&app).await else {
        return;
    };
    let admin = app.token(Role::Admin).await;
    let org = app
        .call(
            &admin,
            "updateOrganization",
            "UpdateOrganizationInput",
            json!({ "timeZone": "Europe/Berlin", "digestWeekday": "TUESDAY", "digestHour": 9 }),
            "organization { digestEnabled digestWeekday digestHour }",
        )
        .await;
    assert_eq!(
        org.ok()["updateOrganization"]["organization"],
        json!({ "digestEnabled": true, "digestWeekday": "TUESDAY", "digestHour": 9 })
    );
    app.call(
        &admin,
        "updateOrganization",
        "UpdateOrganizationInput",
        json!({ "digestHour": 24 }),
        "organization { digestHour }",
    )
    .await
    .expect_reason("BAD_USER_INPUT", "VALUE_OUT_OF_RANGE");

    let (team, mia) = team_with_manager(&app).await;
    let payments = app.team(&admin, "Payments").await;
    let (asha, _) = app.named_user("asha", Role::Responder).await;
    let (bala, _) = app.named_user("bala", Role::Responder).await;
    let (_, ada) = app.named_user("ada", Role::Responder).await;
    app.call(
        &admin,
        "updateTeam",
        "UpdateTeamInput",
        json!({ "id": team, "restPerNightPageMinutes": 240 }),
        "team { id }",
    )
    .await
    .ok();
    // Asha is on call from Monday 23 November 09:00 Berlin for a week, then Bala.
    let sid = schedule(&app, &mia, &team).await;
    add_layer(&app, &mia, &sid, json!({ "name": "Primary", "timeZone": "Europe/Berlin", "handoffTime": "09:00:00", "startDate": "2026-11-23", "members": members(&[&asha, &bala], &[]) })).await.ok();

    // Mia reads e-mail; the admin a webhook; the team's Slack channel wants the digest.
    verified_email(&app, &smtp, &mia, "mia@example.com").await;
    let admin_hook = Sink::start().await;
    app.set_webhook(&admin, &admin_hook).await;
    let slack = Sink::start().await;
    subscribe(&app, &mia, json!({ "kind": "SLACK", "label": "#sre", "url": slack.url(), "teamId": team, "types": ["team.weekly_digest"] })).await;
    // A subscription to "all types" gets changes as they happen, not the digest.
    let all = Sink::start().await;
    subscribe(
        &app,
        &admin,
        json!({ "kind": "WEBHOOK", "label": "all", "url": all.url() }),
    )
    .await;

    // Monday 23 November 09:00 UTC, before the week: an incident whose postmortem and
    // one action item fall due in it, and a page that does not count.
    let old = declare(
        &app,
        &ada,
        json!({ "title": "Old outage", "severity": "SEV2", "teamId": team }),
    )
    .await;
    resolve(&app, &ada, &old).await.ok();
    action_item(&app, &ada, &old, "Rotate the keys", &bala, t(11, 27, 9)).await;
    action_item(&app, &ada, &old, "Add a dashboard", &asha, t(12, 2, 9)).await;
    let done = action_item(&app, &ada, &old, "Done already", &asha, t(11, 25, 9)).await;
    app.call(
        &ada,
        "completeActionItem",
        "CompleteActionItemInput",
        json!({ "actionItemId": done, "expectedVersion": 1 }),
        "actionItem { id }",
    )
    .await
    .ok();
    let (team_id, a, b): (Uuid, Uuid, Uuid) = (
        team.parse().unwrap(),
        asha.parse().unwrap(),
        bala.parse().unwrap(),
    );
    paged(&app, team_id, "DiskFull", a, t(11, 23, 12), Some(4), None).await;

    // Tuesday: two SEV2s, one restricted (its action item is overdue by Tuesday next).
    advance_to(&app, t(11, 24, 10));
    let ada = app.sign("ada");
    let checkout = declare(
        &app,
        &ada,
        json!({ "title": "Checkout down", "severity": "SEV2", "teamId": team }),
    )
    .await;
    let secret = app.declare(&ada, json!({ "title": "Secret breach", "severity": "SEV2", "teamId": team, "restricted": true })).await;
    let secret_channel = secret["channel"].as_str().unwrap().to_owned();
    let secret = secret["id"].as_str().unwrap().to_owned();
    action_item(&app, &ada, &secret, "Restricted fix", &asha, t(11, 26, 9)).await;
    // Thursday: Checkout down resolved (postmortem due Saturday 10:00 UTC), a SEV3, and
    // Payments' only incident.
    advance_to(&app, t(11, 26, 10));
    let ada = app.sign("ada");
    resolve(&app, &ada, &checkout).await.ok();
    declare(
        &app,
        &ada,
        json!({ "title": "Slow search", "severity": "SEV3", "teamId": team }),
    )
    .await;
    declare(
        &app,
        &ada,
        json!({ "title": "Payments blip", "severity": "SEV3", "teamId": payments }),
    )
    .await;
    // Pages: Asha Tuesday 12:00 (acknowledged in 4 min), Wednesday 02:00 (night; resolved
    // by its source), Thursday 10:00 (Latency, 10 min); Bala Saturday 14:00 (6 min).
    paged(&app, team_id, "DiskFull", a, t(11, 24, 12), Some(4), None).await;
    paged(&app, team_id, "DiskFull", a, t(11, 25, 2), None, Some(5)).await;
    paged(&app, team_id, "Latency", a, t(11, 26, 10), Some(10), None).await;
    paged(&app, team_id, "DiskFull", b, t(11, 28, 14), Some(6), None).await;

    // Tuesday 1 December 09:00 Berlin is 08:00 UTC: nothing a minute before.
    advance_to(&app, t(12, 1, 8) - Duration::minutes(1));
    app.run_due().await;
    let mails = |smtp: &firebreak_tests::SmtpSink| -> Vec<Value> {
        smtp.messages()
            .into_iter()
            .filter(|m| m["subject"].as_str().unwrap().starts_with("Weekly digest"))
            .collect()
    };
    assert!(mails(&smtp).is_empty());
    assert!(slack.received().is_empty());
    // Two workers at once, then a later scan: still one of each.
    advance_to(&app, t(12, 1, 8));
    tokio::join!(app.run_due(), app.run_due());
    app.run_due().await;
    let (admin, mia) = (app.token(Role::Admin).await, app.sign("mia"));

    // Mia's e-mail: text and HTML alternatives with the same figures.
    let got = mails(&smtp);
    assert_eq!(got.len(), 1, "once per manager and week");
    let mail = &got[0];
    assert_eq!(
        mail["subject"],
        "Weekly digest 2026-11-24 to 2026-11-30: SRE"
    );
    assert_eq!(mail["to"], "mia@example.com");
    assert_eq!(mail["content_type"], "multipart/alternative");
    // MIME parts travel with CRLF line ends.
    let body = mail["body"].as_str().unwrap().replace("\r\n", "\n");
    assert!(body.starts_with(&expected_text(&secret_channel)), "{body}");
    let rows = mail["html_table_rows"].as_array().unwrap();
    let row = |first: &str| -> Value {
        rows.iter()
            .find(|r| r[0] == first)
            .cloned()
            .unwrap_or(Value::Null)
    };
    assert_eq!(
        row("asha"),
        json!(["asha", "153", "6", "1", "1", "BREACH", "240"])
    );
    assert_eq!(row("bala"), json!(["bala", "15", "1", "0", "1", "OK", "0"]));
    assert_eq!(
        row("Rotate the keys"),
        json!([
            "Rotate the keys",
            "bala",
            "#inc-2026-11-23-old-outage",
            "2026-11-27 09:00 UTC",
            "3"
        ])
    );
    assert_eq!(
        row("prometheus"),
        json!(["prometheus", "DiskFull", "3", "3", "67%"])
    );

    // Slack: Block Kit, the team's week without the restricted incident and its item.
    let posts: Vec<Value> = slack
        .received()
        .into_iter()
        .filter(|r| r.accepted)
        .map(|r| r.body)
        .collect();
    assert_eq!(posts.len(), 1, "once per team and week");
    let post = &posts[0];
    check_block_kit(post);
    assert_eq!(
        post["text"],
        "Weekly digest for SRE, 2026-11-24 to 2026-11-30"
    );
    let fields: Vec<&str> = post["blocks"][2]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["text"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        vec![
            "*Incidents declared*\n2",
            "*Incidents resolved*\n1",
            "*Postmortems open*\n2",
            "*Postmortems overdue*\n2",
            "*Action items overdue*\n1",
            "*Pages*\n6"
        ]
    );
    let everything = post.to_string();
    for hidden in ["Secret", "Restricted fix", &secret_channel] {
        assert!(!everything.contains(hidden), "{hidden} in {everything}");
    }
    // Ada led three incidents; the channel may know of two.
    assert!(
        everything.contains("Checkout down") && everything.contains("Slow search"),
        "{everything}"
    );

    assert!(
        all.received()
            .iter()
            .all(|r| r.body["type"] != "team.weekly_digest"),
        "the digest is opt-in"
    );
    assert!(!all.received().is_empty());

    // Payments has no manager: the admins get its week, and only its week.
    let admin_digests = digests(&admin_hook);
    assert_eq!(admin_digests.len(), 1);
    let d = &admin_digests[0];
    assert_eq!(
        d["subject"],
        "Weekly digest 2026-11-24 to 2026-11-30: Payments"
    );
    assert!(
        d["body"]
            .as_str()
            .unwrap()
            .contains("Incidents declared: 1, resolved: 0\n  by severity: SEV3: 1\n  - SEV3 #inc-2026-11-26-payments-blip (investigating)"),
        "{}",
        d["body"]
    );
    assert!(d["html"].as_str().unwrap().starts_with("<!DOCTYPE html>"));
    // The inbox has it too, with its HTML.
    let inbox = app
        .gql(
            Some(&mia),
            "{ myNotifications(first: 50) { nodes { kind subject html } } }",
            json!({}),
        )
        .await;
    let nodes = inbox.ok()["myNotifications"]["nodes"].clone();
    let digest = nodes
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["kind"] == "WEEKLY_DIGEST")
        .unwrap()
        .clone();
    assert!(digest["html"].as_str().unwrap().contains("<td>asha</td>"));

    // Turned off, next week brings none.
    app.call(
        &admin,
        "updateOrganization",
        "UpdateOrganizationInput",
        json!({ "digestEnabled": false }),
        "organization { digestEnabled }",
    )
    .await
    .ok();
    app.advance_clock(Duration::days(7));
    app.run_due().await;
    assert_eq!(mails(&smtp).len(), 1);
    assert_eq!(digests(&admin_hook).len(), 1);
});
