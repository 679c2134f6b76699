//! On-call schedules over HTTP: layers with follow-the-sun windows, who is on call,
//! shifts, coverage, handoffs, overrides by managers and by members.

use entity::Role;
use firebreak_tests::serde_json::{Value, json};
use firebreak_tests::{Gql, TestApp, e2e};

/// A team managed by `mia` (a manager); returns (team id, mia's token).
pub(crate) async fn team_with_manager(app: &TestApp) -> (String, String) {
    let admin = app.token(Role::Admin).await;
    let team = app.team(&admin, "SRE").await;
    let (mia_id, mia) = app.named_user("mia", Role::Manager).await;
    app.call(
        &admin,
        "addTeamManager",
        "TeamUserInput",
        json!({ "teamId": team, "userId": mia_id }),
        "team { id }",
    )
    .await
    .ok();
    (team, mia)
}

pub(crate) async fn schedule(app: &TestApp, token: &str, team: &str) -> String {
    app.call(
        token,
        "createSchedule",
        "CreateScheduleInput",
        json!({ "teamId": team, "name": "Primary" }),
        "schedule { id isDefault }",
    )
    .await
    .ok()["createSchedule"]["schedule"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

pub(crate) async fn add_layer(app: &TestApp, token: &str, schedule: &str, layer: Value) -> Gql {
    app.call(
        token,
        "addScheduleLayer",
        "AddScheduleLayerInput",
        json!({ "scheduleId": schedule, "layer": layer }),
        "layer { id name warnings { reason } members { user { login } shadow } }",
    )
    .await
}

pub(crate) fn members(ids: &[&str], shadows: &[&str]) -> Value {
    let mut m: Vec<Value> = ids.iter().map(|u| json!({ "userId": u })).collect();
    m.extend(
        shadows
            .iter()
            .map(|u| json!({ "userId": u, "shadow": true })),
    );
    json!(m)
}

const WHO: &str = "query($team: ID!, $at: DateTime) { whoIsOnCall(teamId: $team, at: $at) {
    nobodyOnCall
    layers { layer { name } inWindow gap
      primary { user { login } startsAt endsAt overrideIds }
      shadows { user { login } } }
} }";

async fn who(app: &TestApp, token: &str, team: &str, at: &str) -> Value {
    app.gql(Some(token), WHO, json!({ "team": team, "at": at }))
        .await
        .ok()["whoIsOnCall"]
        .clone()
}

async fn read_layer_id(app: &TestApp, token: &str, schedule: &str, position: usize) -> String {
    app.gql(
        Some(token),
        "query($id: ID!) { schedule(id: $id) { layers { id } } }",
        json!({ "id": schedule }),
    )
    .await
    .ok()["schedule"]["layers"][position]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

e2e!(follow_the_sun_layers_answer_who_is_on_call, |app| {
    let (team, mia) = team_with_manager(&app).await;
    let mut ids = vec![];
    for login in ["asha", "bala", "sana", "cole", "dina"] {
        ids.push(app.named_user(login, Role::Responder).await.0);
    }
    let (a, b, s, c, d) = (&ids[0], &ids[1], &ids[2], &ids[3], &ids[4]);
    let sid = schedule(&app, &mia, &team).await;
    let kolkata = add_layer(&app, &mia, &sid, json!({
        "name": "Bengaluru", "timeZone": "Asia/Kolkata", "windowStart": "09:00:00", "windowEnd": "21:00:00",
        "handoffTime": "09:00:00", "startDate": "2026-11-23", "members": members(&[a, b], &[s]),
    })).await;
    let k = kolkata.ok()["addScheduleLayer"]["layer"].clone();
    assert_eq!(
        k["warnings"][0]["reason"], "LAYER_UNDERSTAFFED",
        "2 primaries < 4"
    );
    assert_eq!(
        k["members"][2],
        json!({ "user": { "login": "sana" }, "shadow": true })
    );
    add_layer(&app, &mia, &sid, json!({
        "name": "New York", "timeZone": "America/New_York", "windowStart": "09:00:00", "windowEnd": "21:00:00",
        "handoffTime": "09:00:00", "startDate": "2026-11-23", "members": members(&[c, d], &[]),
    })).await.ok();

    let read = app
        .gql(Some(&mia), "query($id: ID!) { schedule(id: $id) { isDefault team { id } layers { name timeZone allDay windowStart windowEnd weekdays rotationDays handoffTime startDate } } }", json!({ "id": sid }))
        .await;
    let s0 = read.ok()["schedule"].clone();
    assert_eq!(
        s0["isDefault"], true,
        "a team's first schedule is its default"
    );
    assert_eq!(s0["layers"][0]["windowStart"], "09:00:00");
    assert_eq!(s0["layers"][0]["rotationDays"], 7);
    assert_eq!(s0["layers"][0]["weekdays"].as_array().unwrap().len(), 7);

    // 2026-11-23 05:00 UTC is 10:30 in Kolkata: Asha (with Sana shadowing) from 03:30 to
    // 15:30 UTC; New York's rotation starts at 09:00 EST = 14:00 UTC, so it is a gap there.
    let now = who(&app, &mia, &team, "2026-11-23T05:00:00Z").await;
    let ly = &now["layers"];
    assert_eq!(ly[0]["primary"]["user"]["login"], "asha");
    assert_eq!(ly[0]["primary"]["startsAt"], "2026-11-23T03:30:00+00:00");
    assert_eq!(ly[0]["primary"]["endsAt"], "2026-11-23T15:30:00+00:00");
    assert_eq!(ly[0]["shadows"][0]["user"]["login"], "sana");
    assert_eq!(ly[1]["primary"], Value::Null);
    assert_eq!(ly[1]["gap"], "OUTSIDE_WINDOW");
    assert_eq!(now["nobodyOnCall"], false);
    // A week on, both layers have handed over: Bala in Kolkata; at 16:00 UTC Dina in New York.
    let later = who(&app, &mia, &team, "2026-11-30T16:00:00Z").await;
    assert_eq!(later["layers"][0]["primary"], Value::Null);
    assert_eq!(later["layers"][1]["primary"]["user"]["login"], "dina");
    let far = who(&app, &mia, &team, "2090-03-12T05:00:00Z").await;
    assert!(
        far["layers"][0]["primary"]["user"]["login"].is_string(),
        "{far}"
    );

    // Shifts of one day: Kolkata 03:30–15:30 (primary and shadow), New York 14:00–02:00.
    let shifts = app
        .gql(Some(&mia), "query($id: ID!) { shifts(scheduleId: $id, from: \"2026-11-24T00:00:00Z\", to: \"2026-11-25T00:00:00Z\") { user { login } layerName startsAt endsAt shadow } }", json!({ "id": sid }))
        .await;
    let got: Vec<(String, String, String, bool)> = shifts.ok()["shifts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["user"]["login"].as_str().unwrap().to_owned(),
                s["startsAt"].as_str().unwrap()[11..16].to_owned(),
                s["endsAt"].as_str().unwrap()[..16].to_owned(),
                s["shadow"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (
                "cole".into(),
                "00:00".into(),
                "2026-11-24T02:00".into(),
                false
            ),
            (
                "asha".into(),
                "03:30".into(),
                "2026-11-24T15:30".into(),
                false
            ),
            (
                "sana".into(),
                "03:30".into(),
                "2026-11-24T15:30".into(),
                true
            ),
            (
                "cole".into(),
                "14:00".into(),
                "2026-11-25T00:00".into(),
                false
            ),
        ]
    );

    // Coverage: 02:00–03:30 nobody, 14:00–15:30 both, all year (the schedule's doing).
    let cov = app
        .gql(Some(&mia), "query($id: ID!) { coverage(scheduleId: $id, from: \"2026-11-24T00:00:00Z\", to: \"2026-11-25T00:00:00Z\") { gaps { startsAt endsAt cause } overlaps { startsAt endsAt cause layerIds zonesInDst } } }", json!({ "id": sid }))
        .await;
    let cov = cov.ok()["coverage"].clone();
    assert_eq!(
        cov["gaps"],
        json!([{ "startsAt": "2026-11-24T02:00:00+00:00", "endsAt": "2026-11-24T03:30:00+00:00", "cause": "SCHEDULE" }])
    );
    assert_eq!(cov["overlaps"][0]["startsAt"], "2026-11-24T14:00:00+00:00");
    assert_eq!(cov["overlaps"][0]["endsAt"], "2026-11-24T15:30:00+00:00");
    assert_eq!(cov["overlaps"][0]["layerIds"].as_array().unwrap().len(), 2);
    // In July New York is on EDT: the gap is 01:00–03:30, the first hour the clock's doing.
    let jul = app
        .gql(Some(&mia), "query($id: ID!) { coverage(scheduleId: $id, from: \"2027-07-14T00:00:00Z\", to: \"2027-07-15T00:00:00Z\") { gaps { startsAt endsAt cause zonesInDst } } }", json!({ "id": sid }))
        .await;
    assert_eq!(
        jul.ok()["coverage"]["gaps"],
        json!([
            { "startsAt": "2027-07-14T01:00:00+00:00", "endsAt": "2027-07-14T02:00:00+00:00", "cause": "CLOCK_CHANGE", "zonesInDst": ["America/New_York"] },
            { "startsAt": "2027-07-14T02:00:00+00:00", "endsAt": "2027-07-14T03:30:00+00:00", "cause": "SCHEDULE", "zonesInDst": ["America/New_York"] },
        ])
    );

    // Handoffs: rotation changes only, a week after the start, 09:00 local.
    let hs = app
        .gql(Some(&mia), "query($id: ID!) { handoffs(scheduleId: $id, from: \"2026-11-23T00:00:00Z\", to: \"2026-12-01T00:00:00Z\") { layerName at outgoing { login } incoming { login } outgoingSince } }", json!({ "id": sid }))
        .await;
    assert_eq!(
        hs.ok()["handoffs"],
        json!([
            { "layerName": "Bengaluru", "at": "2026-11-30T03:30:00+00:00", "outgoing": { "login": "asha" }, "incoming": { "login": "bala" }, "outgoingSince": "2026-11-23T03:30:00+00:00" },
            { "layerName": "New York", "at": "2026-11-30T14:00:00+00:00", "outgoing": { "login": "cole" }, "incoming": { "login": "dina" }, "outgoingSince": "2026-11-23T14:00:00+00:00" },
        ])
    );

    // Ranges are capped; bad layers are refused with their reason.
    app.gql(Some(&mia), "query($id: ID!) { shifts(scheduleId: $id, from: \"2026-01-01T00:00:00Z\", to: \"2026-06-01T00:00:00Z\") { startsAt } }", json!({ "id": sid }))
        .await
        .expect_reason("BAD_USER_INPUT", "RANGE_TOO_LONG");
    let bad = |layer: Value| add_layer(&app, &mia, &sid, layer);
    bad(json!({ "name": "x", "timeZone": "Mars/Olympus", "handoffTime": "09:00:00", "startDate": "2026-11-23" }))
        .await
        .expect_reason("BAD_USER_INPUT", "UNKNOWN_TIME_ZONE");
    bad(json!({ "name": "x", "timeZone": "UTC", "rotationDays": 0, "handoffTime": "09:00:00", "startDate": "2026-11-23" }))
        .await
        .expect_reason("BAD_USER_INPUT", "VALUE_OUT_OF_RANGE");
    bad(json!({ "name": "x", "timeZone": "UTC", "windowStart": "09:00:00", "windowEnd": "09:00:00", "handoffTime": "09:00:00", "startDate": "2026-11-23" }))
        .await
        .expect_reason("BAD_USER_INPUT", "EMPTY_WINDOW");
    bad(json!({ "name": "x", "timeZone": "UTC", "weekdays": [], "handoffTime": "09:00:00", "startDate": "2026-11-23" }))
        .await
        .expect_reason("BAD_USER_INPUT", "NO_WEEKDAYS");
    bad(json!({ "name": "x", "timeZone": "UTC", "handoffTime": "09:00:00", "startDate": "2026-11-23", "members": members(&[a, a], &[]) }))
        .await
        .expect_reason("BAD_USER_INPUT", "DUPLICATE_MEMBER");
    bad(json!({ "name": "x", "timeZone": "UTC", "handoffTime": "09:00:30", "startDate": "2026-11-23" }))
        .await
        .expect_reason("BAD_USER_INPUT", "VALUE_OUT_OF_RANGE");
    let (vera, _) = app.named_user("vera", Role::Viewer).await;
    bad(json!({ "name": "x", "timeZone": "UTC", "handoffTime": "09:00:00", "startDate": "2026-11-23", "members": members(&[&vera], &[]) }))
        .await
        .expect_reason("BAD_USER_INPUT", "ON_CALL_NEEDS_RESPONDER");
    let responder = app.token(Role::Responder).await;
    add_layer(&app, &responder, &sid, json!({ "name": "x", "timeZone": "UTC", "handoffTime": "09:00:00", "startDate": "2026-11-23" }))
        .await
        .expect_reason("FORBIDDEN", "ROLE_REQUIRED");
    let (_, other_manager) = app.named_user("otto", Role::Manager).await;
    add_layer(&app, &other_manager, &sid, json!({ "name": "x", "timeZone": "UTC", "handoffTime": "09:00:00", "startDate": "2026-11-23" }))
        .await
        .expect_reason("FORBIDDEN", "NOT_TEAM_MANAGER");

    // Members are reordered by sending the new list: Bala first.
    let layer_id = k["id"].as_str().unwrap();
    app.call(&mia, "updateScheduleLayer", "UpdateScheduleLayerInput", json!({ "layerId": layer_id, "layer": {
        "name": "Bengaluru", "timeZone": "Asia/Kolkata", "windowStart": "09:00:00", "windowEnd": "21:00:00",
        "handoffTime": "09:00:00", "startDate": "2026-11-23", "members": members(&[b, a], &[s]),
    } }), "layer { id }").await.ok();
    let now = who(&app, &mia, &team, "2026-11-23T05:00:00Z").await;
    assert_eq!(now["layers"][0]["primary"]["user"]["login"], "bala");

    // Members alone: Dina joins New York's rotation at the front.
    let ny_id = read_layer_id(&app, &mia, &sid, 1).await;
    let set = app
        .call(
            &mia,
            "setLayerMembers",
            "SetLayerMembersInput",
            json!({ "layerId": ny_id, "members": members(&[d, c], &[]) }),
            "layer { members { user { login } } timeZone windowStart }",
        )
        .await;
    let set = set.ok()["setLayerMembers"]["layer"].clone();
    assert_eq!(set["members"][0]["user"]["login"], "dina");
    assert_eq!(set["timeZone"], "America/New_York", "other settings kept");
    assert_eq!(set["windowStart"], "09:00:00");

    // Renaming; a second schedule made the default answers whoIsOnCall; the first can
    // still be asked by id.
    let renamed = app.call(&mia, "updateSchedule", "UpdateScheduleInput", json!({ "scheduleId": sid, "name": "Follow the sun", "description": "Bengaluru and New York" }), "schedule { name description }").await;
    assert_eq!(
        renamed.ok()["updateSchedule"]["schedule"]["name"],
        "Follow the sun"
    );
    let second = app
        .call(
            &mia,
            "createSchedule",
            "CreateScheduleInput",
            json!({ "teamId": team, "name": "Weekend" }),
            "schedule { id isDefault }",
        )
        .await;
    let second = second.ok()["createSchedule"]["schedule"].clone();
    assert_eq!(second["isDefault"], false);
    app.call(
        &mia,
        "makeDefaultSchedule",
        "ScheduleIdInput",
        json!({ "scheduleId": second["id"] }),
        "schedule { isDefault }",
    )
    .await
    .ok();
    let by_default = who(&app, &mia, &team, "2026-11-23T05:00:00Z").await;
    assert_eq!(
        by_default["layers"],
        json!([]),
        "the new default has no layers yet"
    );
    let by_id = app.gql(Some(&mia), "query($t: ID!, $s: ID!) { whoIsOnCall(teamId: $t, scheduleId: $s, at: \"2026-11-23T05:00:00Z\") { schedule { name } layers { primary { user { login } } } } }", json!({ "t": team, "s": sid })).await;
    assert_eq!(
        by_id.ok()["whoIsOnCall"]["schedule"]["name"],
        "Follow the sun"
    );
    app.call(
        &mia,
        "makeDefaultSchedule",
        "ScheduleIdInput",
        json!({ "scheduleId": sid }),
        "schedule { isDefault }",
    )
    .await
    .ok();

    // The team's minimum rotation size decides the warning.
    let admin = app.token(Role::Admin).await;
    app.call(
        &admin,
        "updateTeam",
        "UpdateTeamInput",
        json!({ "id": team, "minRotationSize": 2 }),
        "team { id }",
    )
    .await
    .ok();
    let read = app
        .gql(
            Some(&mia),
            "query($id: ID!) { schedule(id: $id) { layers { warnings { reason } } } }",
            json!({ "id": sid }),
        )
        .await;
    assert_eq!(read.ok()["schedule"]["layers"][0]["warnings"], json!([]));

    // Moving and deleting layers; every change is in the audit log.
    let moved = app
        .call(
            &mia,
            "moveScheduleLayer",
            "MoveScheduleLayerInput",
            json!({ "layerId": layer_id, "position": 1 }),
            "layer { position }",
        )
        .await;
    assert_eq!(moved.ok()["moveScheduleLayer"]["layer"]["position"], 1);
    app.call(
        &mia,
        "deleteScheduleLayer",
        "LayerIdInput",
        json!({ "layerId": layer_id }),
        "deletedId",
    )
    .await
    .ok();
    let read = app
        .gql(
            Some(&mia),
            "query($id: ID!) { schedule(id: $id) { layers { name position } } }",
            json!({ "id": sid }),
        )
        .await;
    assert_eq!(
        read.ok()["schedule"]["layers"],
        json!([{ "name": "New York", "position": 0 }])
    );
    let audit = app
        .gql(
            Some(&admin),
            "{ auditLog(first: 50) { nodes { action } } }",
            json!({}),
        )
        .await;
    let actions: Vec<String> = audit.ok()["auditLog"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["action"].as_str().unwrap().to_owned())
        .collect();
    for a in [
        "schedule.create",
        "schedule_layer.create",
        "schedule_layer.update",
        "schedule_layer.move",
        "schedule_layer.delete",
    ] {
        assert!(
            actions.iter().any(|x| x == a),
            "{a} not audited: {actions:?}"
        );
    }
    // Listing; deleting the schedule leaves the team without a default.
    let list = app
        .gql(
            Some(&responder),
            "query($t: ID!) { schedules(teamId: $t) { nodes { id name } } }",
            json!({ "t": team }),
        )
        .await;
    assert_eq!(list.ok()["schedules"]["nodes"][0]["id"], sid.as_str());
    app.call(
        &mia,
        "deleteSchedule",
        "ScheduleIdInput",
        json!({ "scheduleId": sid }),
        "deletedId",
    )
    .await
    .ok();
    assert_eq!(
        who(&app, &mia, &team, "2026-11-23T05:00:00Z").await,
        Value::Null
    );
});

e2e!(overrides_by_managers_and_by_members, |app| {
    let (team, mia) = team_with_manager(&app).await;
    let (a, at) = app.named_user("asha", Role::Responder).await;
    let (b, bt) = app.named_user("bala", Role::Responder).await;
    let (c, _) = app.named_user("cole", Role::Responder).await;
    let sid = schedule(&app, &mia, &team).await;
    let layer = add_layer(&app, &mia, &sid, json!({
        "name": "Round the clock", "timeZone": "UTC", "handoffTime": "09:00:00", "startDate": "2026-11-23",
        "members": members(&[&a, &b], &[]),
    })).await.ok()["addScheduleLayer"]["layer"]["id"].as_str().unwrap().to_owned();
    let create = |token: String, input: Value| {
        let app = &app;
        async move {
            app.call(
                &token,
                "createScheduleOverride",
                "CreateOverrideInput",
                input,
                "override { id user { login } replaces { login } }",
            )
            .await
        }
    };
    // A manager puts Cole (not a member) on the layer for a day.
    let o = create(mia.clone(), json!({ "scheduleId": sid, "layerId": layer, "userId": c, "startsAt": "2026-11-24T00:00:00Z", "endsAt": "2026-11-25T00:00:00Z" })).await;
    let o = o.ok()["createScheduleOverride"]["override"].clone();
    assert_eq!(o["user"]["login"], "cole");
    let now = who(&app, &mia, &team, "2026-11-24T12:00:00Z").await;
    assert_eq!(now["layers"][0]["primary"]["user"]["login"], "cole");
    assert_eq!(now["layers"][0]["primary"]["overrideIds"], json!([o["id"]]));
    assert_eq!(
        now["layers"][0]["primary"]["startsAt"],
        "2026-11-24T00:00:00+00:00"
    );
    // Overlapping it on the same layer (or the whole schedule) is refused.
    create(mia.clone(), json!({ "scheduleId": sid, "layerId": layer, "userId": b, "startsAt": "2026-11-24T20:00:00Z", "endsAt": "2026-11-26T00:00:00Z" }))
        .await
        .expect_reason("CONFLICT", "OVERRIDE_OVERLAP");
    create(mia.clone(), json!({ "scheduleId": sid, "userId": b, "startsAt": "2026-11-24T20:00:00Z", "endsAt": "2026-11-26T00:00:00Z" }))
        .await
        .expect_reason("CONFLICT", "OVERRIDE_OVERLAP");
    create(mia.clone(), json!({ "scheduleId": sid, "userId": b, "startsAt": "2026-11-26T00:00:00Z", "endsAt": "2026-11-25T00:00:00Z" }))
        .await
        .expect_reason("BAD_USER_INPUT", "RANGE_TOO_LONG");
    // Asha (on call this week) hands her Thursday to Bala; it only ever replaces her.
    let mine = create(at.clone(), json!({ "scheduleId": sid, "layerId": layer, "userId": b, "startsAt": "2026-11-26T00:00:00Z", "endsAt": "2026-11-27T00:00:00Z" })).await;
    let mine = mine.ok()["createScheduleOverride"]["override"].clone();
    assert_eq!(mine["replaces"]["login"], "asha");
    assert_eq!(
        who(&app, &mia, &team, "2026-11-26T12:00:00Z").await["layers"][0]["primary"]["user"]["login"],
        "bala"
    );
    // …but not to someone outside the schedule, and not someone else's shift.
    create(at.clone(), json!({ "scheduleId": sid, "layerId": layer, "userId": c, "startsAt": "2026-11-27T00:00:00Z", "endsAt": "2026-11-28T00:00:00Z" }))
        .await
        .expect_reason("FORBIDDEN", "NOT_SCHEDULE_MEMBER");
    create(bt.clone(), json!({ "scheduleId": sid, "layerId": layer, "userId": b, "replacesUserId": a, "startsAt": "2026-11-27T00:00:00Z", "endsAt": "2026-11-28T00:00:00Z" }))
        .await
        .expect_reason("FORBIDDEN", "NOT_SCHEDULE_MEMBER");
    // Asha cannot hand over time that is not hers (Bala's week), however wide.
    create(at.clone(), json!({ "scheduleId": sid, "userId": b, "startsAt": "2026-11-26T00:00:00Z", "endsAt": "2027-02-01T00:00:00Z" }))
        .await
        .expect_reason("FORBIDDEN", "NOT_YOUR_SHIFT");
    create(mia.clone(), json!({ "scheduleId": sid, "layerId": layer, "userId": b, "replacesUserId": "0190a0a0-0000-7000-8000-000000000000", "startsAt": "2026-12-20T00:00:00Z", "endsAt": "2026-12-21T00:00:00Z" }))
        .await
        .expect_code("NOT_FOUND");
    let viewer = app.token(Role::Viewer).await;
    create(viewer, json!({ "scheduleId": sid, "userId": b, "startsAt": "2026-11-27T00:00:00Z", "endsAt": "2026-11-28T00:00:00Z" }))
        .await
        .expect_code("FORBIDDEN");

    // Bala's shifts across schedules include the override.
    let my = app.gql(Some(&bt), "{ myShifts(from: \"2026-11-23T00:00:00Z\", to: \"2026-12-08T00:00:00Z\") { schedule { name } shift { startsAt endsAt overrideIds } } }", json!({})).await;
    let my = my.ok()["myShifts"].as_array().unwrap().clone();
    assert_eq!(my[0]["shift"]["startsAt"], "2026-11-26T00:00:00+00:00");
    assert_eq!(my[0]["shift"]["overrideIds"], json!([mine["id"]]));
    assert_eq!(
        my[1]["shift"]["startsAt"], "2026-11-30T09:00:00+00:00",
        "her own week"
    );
    assert_eq!(my[0]["schedule"]["name"], "Primary");

    let listed = app
        .gql(
            Some(&bt),
            "query($s: ID!) { scheduleOverrides(scheduleId: $s) { nodes { id } } }",
            json!({ "s": sid }),
        )
        .await;
    assert_eq!(
        listed.ok()["scheduleOverrides"]["nodes"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    // Only its creator or a manager deletes an override.
    let del = |token: String, id: Value| {
        let app = &app;
        async move {
            app.call(
                &token,
                "deleteScheduleOverride",
                "OverrideIdInput",
                json!({ "overrideId": id }),
                "deletedId",
            )
            .await
        }
    };
    del(bt.clone(), mine["id"].clone())
        .await
        .expect_reason("FORBIDDEN", "NOT_TEAM_MANAGER");
    del(at.clone(), mine["id"].clone()).await.ok();
    del(mia.clone(), o["id"].clone()).await.ok();
    assert_eq!(
        who(&app, &mia, &team, "2026-11-24T12:00:00Z").await["layers"][0]["primary"]["user"]["login"],
        "asha"
    );
});

e2e!(who_is_on_call_without_a_schedule_says_so, |app| {
    let (team, mia) = team_with_manager(&app).await;
    // No schedule yet: nobody to name, and no error.
    let none = who(&app, &mia, &team, "2026-11-23T05:00:00Z").await;
    assert_eq!(none, Value::Null);
    // A team that does not exist, and another team's schedule asked by id: NOT_FOUND.
    let nobody = json!({ "team": uuid::Uuid::now_v7().to_string(), "at": "2026-11-23T05:00:00Z" });
    assert_eq!(
        app.gql(Some(&mia), WHO, nobody).await.code(),
        Some("NOT_FOUND")
    );
    let admin = app.token(Role::Admin).await;
    let other = app.team(&admin, "DBA").await;
    let theirs = schedule(&app, &admin, &other).await;
    let by_id = app
        .gql(
            Some(&mia),
            "query($t: ID!, $s: ID!) { whoIsOnCall(teamId: $t, scheduleId: $s) { at } }",
            json!({ "t": team, "s": theirs }),
        )
        .await;
    assert_eq!(by_id.code(), Some("NOT_FOUND"), "{:?}", by_id.body);
    // Its own schedule, once made (the default): answered.
    schedule(&app, &mia, &team).await;
    let mine = who(&app, &mia, &team, "2026-11-23T05:00:00Z").await;
    assert_eq!(mine["layers"], json!([]));
});
