//! Schedules under load: a page of schedules with their layers, members and people costs
//! a constant number of SQL statements under concurrent requests, and of two concurrent
//! overlapping overrides one wins and the other is told CONFLICT.

use entity::Role;
use firebreak::services::schedules::editing::{self, LayerInput, MemberInput, NewSchedule};
use firebreak_tests::serde_json::{Value, json};
use firebreak_tests::{TestApp, e2e};

/// Sends `body` from `runs` concurrent requests and checks each answer with `check`.
async fn read_concurrently(
    app: &TestApp,
    token: &str,
    body: Value,
    runs: usize,
    check: fn(&Value),
) {
    let tasks: Vec<_> = (0..runs)
        .map(|_| {
            let request = app
                .client
                .post(app.url("/graphql"))
                .bearer_auth(token)
                .json(&body);
            tokio::spawn(async move {
                let body: Value = request.send().await.unwrap().json().await.unwrap();
                check(&body);
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
}

fn admin_ctx<'a>(
    app: &'a TestApp,
    principal: &'a firebreak::auth::Principal,
) -> firebreak::services::Ctx<'a> {
    firebreak::services::Ctx {
        db: app.db(),
        principal,
        now: app.now(),
    }
}

async fn admin_principal(app: &TestApp) -> firebreak::auth::Principal {
    let (id, _) = app.named_user("root", Role::Admin).await;
    firebreak::auth::Principal::User(firebreak::auth::CurrentUser {
        id: id.parse().unwrap(),
        subject: "root".into(),
        role: Role::Admin,
    })
}

const PAGE: &str =
    "query SchedulePage { schedules(first: 10) { nodes { name isDefault team { name }
    layers { name timeZone warnings { reason } members { shadow user { name } } } } } }";

e2e!(
    a_page_of_schedules_costs_constant_statements_under_load,
    |app| {
        let principal = admin_principal(&app).await;
        let ctx = admin_ctx(&app, &principal);
        let mut people = vec![];
        for n in 0..24 {
            people.push(app.named_user(&format!("u{n}"), Role::Responder).await.0);
        }
        let team = firebreak::services::teams::create(
            ctx,
            firebreak::services::teams::NewTeam {
                name: "SRE".into(),
                description: None,
            },
        )
        .await
        .unwrap();
        let mut default_schedule = None;
        for s in 0..10 {
            let sched = editing::create(
                ctx,
                NewSchedule {
                    team_id: team.id.to_string(),
                    name: format!("S{s}"),
                    description: String::new(),
                    make_default: false,
                },
            )
            .await
            .unwrap();
            default_schedule.get_or_insert(sched.id);
            for (l, zone) in ["Asia/Kolkata", "Europe/London", "America/New_York"]
                .iter()
                .enumerate()
            {
                editing::add_layer(
                    ctx,
                    &sched.id.to_string(),
                    LayerInput {
                        name: format!("L{l}"),
                        time_zone: (*zone).into(),
                        window: Some(("09:00:00".parse().unwrap(), "17:00:00".parse().unwrap())),
                        weekdays: vec![chrono::Weekday::Mon, chrono::Weekday::Tue],
                        rotation_days: 7,
                        handoff_time: "09:00:00".parse().unwrap(),
                        start_date: "2026-11-23".parse().unwrap(),
                        members: people[l * 8..l * 8 + 8]
                            .iter()
                            .map(|u| MemberInput {
                                user_id: u.clone(),
                                shadow: false,
                            })
                            .collect(),
                    },
                )
                .await
                .unwrap();
            }
        }
        let default_schedule = default_schedule.unwrap();
        let token = app.sign("root");
        let runs = 10;
        let tasks: Vec<_> = (0..runs)
            .map(|_| {
                let client = app.client.clone();
                let url = app.url("/graphql");
                let token = token.clone();
                tokio::spawn(async move {
                    let res = client
                        .post(&url)
                        .bearer_auth(&token)
                        .json(&json!({ "query": PAGE }))
                        .send()
                        .await
                        .unwrap();
                    let body: Value = res.json().await.unwrap();
                    let nodes = body["data"]["schedules"]["nodes"]
                        .as_array()
                        .unwrap_or_else(|| panic!("{body}"))
                        .clone();
                    assert_eq!(nodes.len(), 10, "{body}");
                    assert_eq!(nodes[3]["layers"].as_array().unwrap().len(), 3);
                    assert_eq!(nodes[3]["layers"][2]["members"][7]["user"]["name"], "u23");
                    assert_eq!(nodes[0]["isDefault"], true);
                    assert_eq!(nodes[1]["isDefault"], false);
                })
            })
            .collect();
        // Other traffic at the same time must not leak into the counts.
        let noise: Vec<_> = (0..10)
        .map(|_| {
            let client = app.client.clone();
            let url = app.url("/graphql");
            let token = token.clone();
            tokio::spawn(async move {
                client.post(&url).bearer_auth(&token).json(&json!({ "query": "{ teams { nodes { name members { user { name } } } } }" })).send().await.unwrap();
            })
        })
        .collect();
        for t in tasks.into_iter().chain(noise) {
            t.await.unwrap();
        }
        // authentication, the page, teams, layers with their members, users: five for
        // every request.
        assert_eq!(
            app.statements("SchedulePage").await,
            (runs as f64, (5 * runs) as f64)
        );
        assert_eq!(
            app.metric(
                "firebreak_graphql_sql_statements_bucket{operation=\"SchedulePage\",le=\"4\"} "
            )
            .await,
            0.0
        );

        // Who is on call and the shifts of a schedule read its layers with their members in
        // one statement, the names in another; the team read once, the layer names not
        // again.
        let who = json!({
            "query": "query Who($t: ID!, $at: DateTime) { whoIsOnCall(teamId: $t, at: $at) {
                layers { layer { name } primary { user { name } } } } }",
            "variables": { "t": team.id.to_string(), "at": "2026-11-24T10:00:00Z" },
        });
        read_concurrently(&app, &token, who, runs, |body| {
            let layers = body["data"]["whoIsOnCall"]["layers"].as_array().unwrap();
            assert_eq!(layers.len(), 3, "{body}");
            assert_eq!(layers[1]["layer"]["name"], "L1", "{body}");
            assert_eq!(layers[1]["primary"]["user"]["name"], "u8", "{body}");
        })
        .await;
        // authentication, team, schedule, layers with members, overrides, users.
        assert_eq!(
            app.statements("Who").await,
            (runs as f64, (6 * runs) as f64)
        );
        let shifts = json!({
            "query": "query Shifts($s: ID!) { shifts(scheduleId: $s,
                from: \"2026-11-23T00:00:00Z\", to: \"2026-12-07T00:00:00Z\") {
                user { name } layerName } }",
            "variables": { "s": default_schedule.to_string() },
        });
        read_concurrently(&app, &token, shifts, runs, |body| {
            let shifts = body["data"]["shifts"].as_array().unwrap();
            assert!(shifts.len() >= 3, "{body}");
            assert!(shifts.iter().any(|s| s["layerName"] == "L2"), "{body}");
            assert!(shifts[0]["user"]["name"].is_string(), "{body}");
        })
        .await;
        // authentication, schedule, layers with members, overrides, users.
        assert_eq!(
            app.statements("Shifts").await,
            (runs as f64, (5 * runs) as f64)
        );
        // The people are read once for all shifts, and only when asked for.
        let bare = json!({
            "query": "query BareShifts($s: ID!) { shifts(scheduleId: $s,
                from: \"2026-11-23T00:00:00Z\", to: \"2026-12-07T00:00:00Z\") {
                layerName startsAt } }",
            "variables": { "s": default_schedule.to_string() },
        });
        read_concurrently(&app, &token, bare, runs, |body| {
            let shifts = body["data"]["shifts"].as_array().unwrap();
            assert!(shifts.iter().any(|s| s["layerName"] == "L0"), "{body}");
        })
        .await;
        assert_eq!(
            app.statements("BareShifts").await,
            (runs as f64, (4 * runs) as f64)
        );
    }
);

e2e!(of_two_concurrent_overlapping_overrides_one_wins, |app| {
    let (team, mia) = crate::schedules::team_with_manager(&app).await;
    let (a, _) = app.named_user("asha", Role::Responder).await;
    let (b, _) = app.named_user("bala", Role::Responder).await;
    let sid = crate::schedules::schedule(&app, &mia, &team).await;
    let layer = crate::schedules::add_layer(&app, &mia, &sid, json!({
        "name": "Primary", "timeZone": "UTC", "handoffTime": "09:00:00", "startDate": "2026-11-23",
        "members": crate::schedules::members(&[&a], &[]),
    })).await.ok()["addScheduleLayer"]["layer"]["id"].as_str().unwrap().to_owned();
    for round in 0..5 {
        let day = 24 + round;
        let tasks: Vec<_> = [&b, &a]
            .into_iter()
            .map(|user| {
                let app_url = app.url("/graphql");
                let client = app.client.clone();
                let token = mia.clone();
                let input = json!({ "scheduleId": sid, "layerId": layer, "userId": user,
                    "startsAt": format!("2026-11-{day}T00:00:00Z"), "endsAt": format!("2026-11-{day}T12:00:00Z") });
                tokio::spawn(async move {
                    let res = client
                        .post(&app_url)
                        .bearer_auth(&token)
                        .json(&json!({ "query": "mutation($i: CreateOverrideInput!) { createScheduleOverride(input: $i) { override { id } } }", "variables": { "i": input } }))
                        .send()
                        .await
                        .unwrap();
                    res.json::<Value>().await.unwrap()
                })
            })
            .collect();
        let mut won = 0;
        for t in tasks {
            let body = t.await.unwrap();
            if body["errors"].is_null() {
                won += 1;
            } else {
                assert_eq!(
                    body["errors"][0]["extensions"]["code"], "CONFLICT",
                    "{body}"
                );
            }
        }
        assert_eq!(won, 1, "round {round}");
    }
});

const HANDOFFS: &str = "query HandoffPage($s: ID!) { handoffDocuments(scheduleId: $s, first: 20) {
    nodes { at outgoing { name } incoming { name } incidents { title } draft } } }";

e2e!(
    a_page_of_handoff_documents_costs_constant_statements,
    |app| {
        let (team, mia) = crate::schedules::team_with_manager(&app).await;
        let (a, at) = app.named_user("asha", Role::Responder).await;
        let (b, _) = app.named_user("bala", Role::Responder).await;
        let sid = crate::schedules::schedule(&app, &mia, &team).await;
        let layer: uuid::Uuid = crate::schedules::add_layer(&app, &mia, &sid, json!({
        "name": "Primary", "timeZone": "UTC", "rotationDays": 1, "handoffTime": "09:00:00", "startDate": "2026-11-13",
        "members": crate::schedules::members(&[&a, &b], &[]),
    })).await.ok()["addScheduleLayer"]["layer"]["id"].as_str().unwrap().parse().unwrap();
        // Ten daily handoffs before now, with a team incident in each rotation.
        for k in 1..=10i64 {
            let at_ = chrono::DateTime::parse_from_rfc3339("2026-11-13T09:00:00Z")
                .unwrap()
                .with_timezone(&chrono::Utc)
                + chrono::Duration::days(k);
            let (out, inc) = if k % 2 == 1 { (&a, &b) } else { (&b, &a) };
            let handoff = scheduler::oncall::Handoff {
                layer,
                at: at_,
                index: k,
                outgoing: out.parse().unwrap(),
                incoming: inc.parse().unwrap(),
                outgoing_since: at_ - chrono::Duration::days(1),
            };
            firebreak::services::schedules::handoffs::ensure(app.db().conn(), &handoff, app.now())
                .await
                .unwrap();
        }
        app.declare(
            &at,
            json!({ "title": "Queue backlog", "severity": "SEV3", "teamId": team }),
        )
        .await;
        let runs = 6;
        read_concurrently(
            &app,
            &mia,
            json!({ "query": HANDOFFS, "variables": { "s": sid } }),
            runs,
            |body| {
                let nodes = body["data"]["handoffDocuments"]["nodes"]
                    .as_array()
                    .unwrap_or_else(|| panic!("{body}"));
                assert_eq!(nodes.len(), 10);
                assert_eq!(nodes[0]["outgoing"]["name"], "bala");
            },
        )
        .await;
        // authentication, the page, the people, the rotations' layers, schedules and
        // incidents, and for the draft their layers, schedules, pages and alerts.
        assert_eq!(
            app.statements("HandoffPage").await,
            (runs as f64, (10 * runs) as f64)
        );
    }
);

/// `n` alerts for `team`, each paging its on-call: every `incident_every`-th from a SEV2
/// declared (an alert about an incident), the others from `triggerPage`.
async fn page_team(app: &TestApp, token: &str, team: &str, n: usize, incident_every: usize) {
    for k in 0..n {
        if k % incident_every == 0 {
            app.declare(
                token,
                json!({ "title": format!("Incident {k}"), "severity": "SEV2", "teamId": team }),
            )
            .await;
        } else {
            app.call(
                token,
                "triggerPage",
                "TriggerPageInput",
                json!({ "teamId": team, "summary": format!("Alert {k}"), "severity": "SEV3" }),
                "alert { id }",
            )
            .await
            .ok();
        }
    }
}

const ALERT_PAGE: &str = "query AlertPage($t: ID!) { alerts(filter: { teamId: $t }, first: 30) {
    nodes { summary team { name } incident { title } pages { via user { name } alert { summary } } } } }";

e2e!(a_page_of_alerts_costs_constant_statements, |app| {
    let (team, mia) = crate::schedules::team_with_manager(&app).await;
    let mut people = vec![];
    for n in 0..3 {
        people.push(app.named_user(&format!("p{n}"), Role::Responder).await.0);
    }
    let sid = crate::schedules::schedule(&app, &mia, &team).await;
    let refs: Vec<&str> = people.iter().map(String::as_str).collect();
    crate::schedules::add_layer(&app, &mia, &sid, json!({ "name": "Primary", "timeZone": "UTC", "handoffTime": "09:00:00", "startDate": "2026-11-23", "members": crate::schedules::members(&refs, &[]) })).await.ok();
    let t = app.sign("p0");
    page_team(&app, &t, &team, 30, 3).await;
    let runs = 6;
    read_concurrently(
        &app,
        &mia,
        json!({ "query": ALERT_PAGE, "variables": { "t": team } }),
        runs,
        |body| {
            let nodes = body["data"]["alerts"]["nodes"]
                .as_array()
                .unwrap_or_else(|| panic!("{body}"));
            assert_eq!(nodes.len(), 30);
            assert!(nodes.iter().any(|n| n["incident"]["title"].is_string()));
        },
    )
    .await;
    // authentication, the page, teams, incidents, pages, their people.
    assert_eq!(
        app.statements("AlertPage").await,
        (runs as f64, (6 * runs) as f64)
    );
});

const MY_PAGES: &str = "query MyPagePage { myPages(first: 50) {
    nodes { via alert { summary team { name } incident { title } } } pageInfo { hasNextPage } } }";

e2e!(a_page_of_my_pages_costs_constant_statements, |app| {
    let (team, mia) = crate::schedules::team_with_manager(&app).await;
    let (p0, token) = app.named_user("p0", Role::Responder).await;
    let sid = crate::schedules::schedule(&app, &mia, &team).await;
    crate::schedules::add_layer(&app, &mia, &sid, json!({ "name": "Primary", "timeZone": "UTC", "handoffTime": "09:00:00", "startDate": "2026-11-23", "members": crate::schedules::members(&[&p0], &[]) })).await.ok();
    // 60 pages to one person: a page of 50 is resolved over several polls of the
    // request (lists of more than 30 are), which split the loaders' batches under load
    // (40 statements for these 6 requests before the alerts were prefetched and batches
    // waited for the request's next poll).
    page_team(&app, &token, &team, 60, 4).await;
    let runs = 6;
    read_concurrently(&app, &token, json!({ "query": MY_PAGES }), runs, |body| {
        let page = &body["data"]["myPages"];
        let nodes = page["nodes"].as_array().unwrap_or_else(|| panic!("{body}"));
        assert_eq!(nodes.len(), 50);
        assert_eq!(page["pageInfo"]["hasNextPage"], true);
        assert!(nodes.iter().all(|n| n["alert"]["team"]["name"].is_string()));
        assert!(
            nodes
                .iter()
                .any(|n| n["alert"]["incident"]["title"].is_string())
        );
        assert!(nodes.iter().any(|n| n["alert"]["incident"].is_null()));
    })
    .await;
    // authentication, the pages, their alerts, the alerts' teams and incidents.
    assert_eq!(
        app.statements("MyPagePage").await,
        (runs as f64, (5 * runs) as f64)
    );
});
