//! Calendar feeds read back by an independent parser (Mozilla's ical.js, pinned in
//! tests/node): every event matches a shift the API returns; tokens are secret, stored
//! hashed, rotatable and revocable, and the holder's rights are checked on every fetch.

use crate::schedules::{add_layer, members, schedule, team_with_manager};
use entity::Role;
use firebreak_tests::serde_json::{Value, json};
use firebreak_tests::{TestApp, e2e, node};
use sea_orm::EntityTrait;

async fn fetch(app: &TestApp, path: &str) -> (u16, String, String) {
    let res = reqwest::get(app.url(path)).await.unwrap();
    let status = res.status().as_u16();
    let ct = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, ct, res.text().await.unwrap())
}

/// The events of an iCalendar document, as ical.js reads them.
async fn parse(ics: &str) -> Option<Value> {
    let file = std::env::temp_dir().join(format!("firebreak-{}.ics", uuid::Uuid::now_v7()));
    std::fs::write(&file, ics).unwrap();
    let out = node("ical.mjs", &[file.to_str().unwrap()]).await;
    let _ = std::fs::remove_file(&file);
    out.map(|o| firebreak_tests::serde_json::from_str(&o).unwrap())
}

fn instants(events: &Value) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = events
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["start"].as_str().unwrap().to_owned(),
                e["end"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    v.sort();
    v
}

/// API instants (`+00:00`) in the form ical.js prints (`.000Z`).
fn iso(s: &Value) -> String {
    chrono::DateTime::parse_from_rfc3339(s.as_str().unwrap())
        .unwrap()
        .with_timezone(&chrono::Utc)
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

e2e!(calendar_feeds_match_the_shifts, |app| {
    let (team, mia) = team_with_manager(&app).await;
    let (a, at) = app.named_user("asha", Role::Responder).await;
    let (b, _) = app.named_user("bala", Role::Responder).await;
    let sid = schedule(&app, &mia, &team).await;
    // Follow the sun with a daylight-saving change inside the feed's eight weeks? Sydney
    // changes in April and October; New York on 2027-03-14, past the horizon. Europe/Paris
    // nights and a weekly UTC layer suffice to show UTC instants and merging.
    add_layer(&app, &mia, &sid, json!({
        "name": "Days", "timeZone": "Australia/Sydney", "windowStart": "08:00:00", "windowEnd": "20:00:00",
        "weekdays": ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY"],
        "handoffTime": "08:00:00", "startDate": "2026-11-02", "members": members(&[&a, &b], &[]),
    })).await.ok();
    add_layer(&app, &mia, &sid, json!({
        "name": "Nights", "timeZone": "Europe/Paris", "windowStart": "20:00:00", "windowEnd": "08:00:00",
        "handoffTime": "20:00:00", "startDate": "2026-11-16", "rotationDays": 14, "members": members(&[&b, &a], &[]),
    })).await.ok();

    let issue = |token: String, input: Value| {
        let app = &app;
        async move {
            app.call(
                &token,
                "issueCalendarFeed",
                "CalendarFeedInput",
                input,
                "token pathWithToken feed { id path schedule { id } }",
            )
            .await
        }
    };
    let mine = issue(at.clone(), json!({})).await;
    let mine = mine.ok()["issueCalendarFeed"].clone();
    let path = mine["pathWithToken"].as_str().unwrap().to_owned();
    assert_eq!(mine["feed"]["path"], format!("/ical/users/{a}.ics"));
    // Only a hash is stored.
    let token = mine["token"].as_str().unwrap().to_owned();
    let stored = entity::calendar_feed::Entity::find()
        .all(app.db().conn())
        .await
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert_ne!(stored[0].token_hash, token);
    assert!(!stored[0].token_hash.contains(&token));

    let (status, ct, ics) = fetch(&app, &path).await;
    assert_eq!(status, 200, "{ics}");
    assert!(ct.starts_with("text/calendar"), "{ct}");
    let Some(cal) = parse(&ics).await else { return };
    let events = &cal["events"];
    assert!(events.as_array().unwrap().len() >= 20, "{events}");
    // Every event is one of Asha's shifts as the API gives them (the feed's range: a
    // month back for shifts in progress, eight weeks ahead, those not yet over).
    let api = app
        .gql(Some(&at), "{ myShifts(from: \"2026-10-23T09:00:00Z\", to: \"2027-01-18T09:00:00Z\") { schedule { name } shift { startsAt endsAt layerName } } }", json!({}))
        .await;
    let now = "2026-11-23T09:00:00.000Z".to_owned();
    let from = "2026-10-23T09:00:00.000Z".to_owned();
    let mut expected: Vec<(String, String)> = api.ok()["myShifts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (iso(&s["shift"]["startsAt"]), iso(&s["shift"]["endsAt"])))
        .filter(|(s, e)| *e > now && *s > from)
        .collect();
    expected.sort();
    assert_eq!(instants(events), expected);
    for e in events.as_array().unwrap() {
        let summary = e["summary"].as_str().unwrap();
        assert!(summary.starts_with("On call: Primary / "), "{summary}");
        assert!(
            summary.contains("Days") || summary.contains("Nights"),
            "{summary}"
        );
        assert!(e["stamp"].as_bool().unwrap());
    }
    let mut uids: Vec<&str> = events
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["uid"].as_str().unwrap())
        .collect();
    uids.sort();
    uids.dedup();
    assert_eq!(
        uids.len(),
        events.as_array().unwrap().len(),
        "UIDs are unique"
    );
    // UIDs are stable across refreshes, even a day later.
    app.advance_clock(chrono::Duration::hours(24));
    let (_, _, again) = fetch(&app, &path).await;
    let again = parse(&again).await.unwrap();
    let later: Vec<&str> = again["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["uid"].as_str().unwrap())
        .collect();
    for uid in &later {
        assert!(uids.contains(uid), "{uid} changed");
    }
    // Tokens signed before the clock moved have expired.
    let (mia, at, bt) = (app.sign("mia"), app.sign("asha"), app.sign("bala"));

    // A schedule's feed names the person on each shift and matches `shifts`.
    let sched = issue(mia.clone(), json!({ "scheduleId": sid })).await;
    let sched_path = sched.ok()["issueCalendarFeed"]["pathWithToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, _, ics) = fetch(&app, &sched_path).await;
    assert_eq!(status, 200);
    let cal = parse(&ics).await.unwrap();
    assert_eq!(cal["name"], "On call: Primary");
    let shifts = app
        .gql(Some(&mia), "query($s: ID!) { shifts(scheduleId: $s, from: \"2026-11-24T09:00:00Z\", to: \"2027-01-19T09:00:00Z\") { startsAt endsAt } }", json!({ "s": sid }))
        .await;
    let api: Vec<(String, String)> = shifts.ok()["shifts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (iso(&s["startsAt"]), iso(&s["endsAt"])))
        .collect();
    // Shifts starting after the feed's range start and ending in it are in both.
    let feed = instants(&cal["events"]);
    for s in api
        .iter()
        .filter(|(_, e)| e.as_str() < "2027-01-19T09:00:00.000Z")
        .filter(|(s, _)| s.as_str() > "2026-11-24T09:00:00.000Z")
    {
        assert!(feed.contains(s), "{s:?} missing from the schedule feed");
    }
    assert!(
        cal["events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["summary"].as_str().unwrap().ends_with("(bala)"))
    );

    // Wrong, missing, another user's path, rotated, revoked, deactivated.
    let bad = format!("/ical/users/{a}.ics?token=not-the-token");
    assert_eq!(fetch(&app, &bad).await.0, 404);
    assert_eq!(fetch(&app, &format!("/ical/users/{a}.ics")).await.0, 401);
    assert_eq!(
        fetch(&app, &path.replace(&a, &b)).await.0,
        404,
        "a token opens only its own feed"
    );
    assert_eq!(
        fetch(&app, &sched_path.replace("/schedules/", "/users/"))
            .await
            .0,
        404
    );
    let rotated = issue(at.clone(), json!({})).await;
    let new_path = rotated.ok()["issueCalendarFeed"]["pathWithToken"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(fetch(&app, &path).await.0, 404, "the old token is gone");
    assert_eq!(fetch(&app, &new_path).await.0, 200);
    let listed = app
        .gql(
            Some(&at),
            "{ myCalendarFeeds { path lastUsedAt } }",
            json!({}),
        )
        .await;
    assert!(listed.ok()["myCalendarFeeds"][0]["lastUsedAt"].is_string());
    app.call(
        &at,
        "revokeCalendarFeed",
        "CalendarFeedInput",
        json!({}),
        "feedId",
    )
    .await
    .ok();
    assert_eq!(fetch(&app, &new_path).await.0, 404);
    app.call(
        &at,
        "revokeCalendarFeed",
        "CalendarFeedInput",
        json!({}),
        "feedId",
    )
    .await
    .expect_code("NOT_FOUND");
    let b_feed = issue(bt.clone(), json!({})).await;
    let b_path = b_feed.ok()["issueCalendarFeed"]["pathWithToken"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(fetch(&app, &b_path).await.0, 200);
    let admin = app.token(Role::Admin).await;
    app.call(
        &admin,
        "deactivateUser",
        "UserIdInput",
        json!({ "id": b }),
        "user { id }",
    )
    .await
    .ok();
    assert_eq!(
        fetch(&app, &b_path).await.0,
        403,
        "rights are checked on every fetch"
    );
});
