//! The on-call load report over a synthetic month, against figures worked out by hand:
//! four ISO weeks (UTC is the organization's zone), Asha and Bala alternating weekly,
//! Bala in New York. Pages and alerts are written directly, at chosen instants.

use crate::schedules::{add_layer, members, schedule, team_with_manager};
use chrono::{DateTime, Duration, TimeZone, Utc};
use entity::Role;
use firebreak_tests::serde_json::{Value, json};
use firebreak_tests::{TestApp, e2e};
use sea_orm::{ActiveModelTrait, ActiveValue::Set};
use uuid::Uuid;

fn t(d: u32, h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, d, h, m, 0).unwrap()
}

/// An alert of `team` with one page of `user` at `at`.
pub(crate) async fn paged(
    app: &TestApp,
    team: Uuid,
    name: &str,
    user: Uuid,
    at: DateTime<Utc>,
    ack_after: Option<i64>,
    resolved_by_source_after: Option<i64>,
) {
    let id = Uuid::now_v7();
    entity::alert::ActiveModel {
        id: Set(id),
        team_id: Set(Some(team)),
        integration_id: Set(None),
        incident_id: Set(None),
        source: Set("prometheus".into()),
        name: Set(name.into()),
        dedup_key: Set(None),
        summary: Set(name.into()),
        severity: Set(entity::Severity::Sev2),
        status: Set("resolved".into()),
        position: Set(0),
        entered_step_at: Set(at),
        unrouted: Set(false),
        triggered_by: Set(None),
        notification_hash: Set(None),
        details: Set(None),
        snoozed_until: Set(None),
        acknowledged_at: Set(ack_after.map(|m| at + Duration::minutes(m))),
        acknowledged_by: Set(ack_after.map(|_| user)),
        resolved_at: Set(Some(
            at + Duration::minutes(resolved_by_source_after.unwrap_or(30)),
        )),
        resolved_by: Set(if resolved_by_source_after.is_some() {
            None
        } else {
            Some(user)
        }),
        version: Set(1),
        created_at: Set(at),
        updated_at: Set(at),
    }
    .insert(app.db().conn())
    .await
    .unwrap();
    entity::page::ActiveModel {
        id: Set(Uuid::now_v7()),
        alert_id: Set(id),
        user_id: Set(user),
        via: Set("on_call".into()),
        position: Set(0),
        created_at: Set(at),
        acknowledge_by: Set(at + Duration::minutes(15)),
        acknowledged_at: Set(ack_after.map(|m| at + Duration::minutes(m))),
    }
    .insert(app.db().conn())
    .await
    .unwrap();
}

const REPORT: &str = "query($t: ID!) { onCallLoadReport(teamId: $t, from: \"2026-11-02T00:00:00Z\", to: \"2026-11-30T00:00:00Z\") {
    currency
    rows { user { login } isoWeek hoursOnCall pages nightPages outOfHoursPages incidentsLed level restOwedMinutes compensationMinor }
    totals { hoursOnCall pages nightPages outOfHoursPages incidentsLed warnings breaches restOwedMinutes compensationMinor }
    trend { isoWeek totals { pages hoursOnCall } }
    noisiestSources { source name alerts pages acknowledgementRate medianSecondsToAcknowledge resolvedUnacknowledged }
} }";

e2e!(the_load_report_matches_a_month_worked_by_hand, |app| {
    let (team, mia) = team_with_manager(&app).await;
    let (a, at) = app.named_user("asha", Role::Responder).await;
    let (b, _) = app.named_user("bala", Role::Responder).await;
    let admin = app.token(Role::Admin).await;
    app.call(
        &admin,
        "updateUser",
        "UpdateUserInput",
        json!({ "id": b, "timeZone": "America/New_York", "name": "=HYPERLINK(1)" }),
        "user { id }",
    )
    .await
    .ok();
    app.call(&admin, "updateTeam", "UpdateTeamInput", json!({ "id": team, "restPerNightPageMinutes": 240, "payPerHourMinor": 250, "payPerWeekMinor": 10000, "currency": "EUR" }), "team { loadSettings { nightStart pageWarnAbove pageBreachAt currency } }").await.ok();
    let sid = schedule(&app, &mia, &team).await;
    add_layer(&app, &mia, &sid, json!({ "name": "Primary", "timeZone": "UTC", "handoffTime": "00:00:00", "startDate": "2026-11-02", "members": members(&[&a, &b], &[]) })).await.ok();
    let (team_id, a_id, b_id): (Uuid, Uuid, Uuid) = (
        team.parse().unwrap(),
        a.parse().unwrap(),
        b.parse().unwrap(),
    );
    // Week 45, Asha (UTC): Monday 10:00 (in hours), Tuesday 23:30 (night), Saturday noon.
    paged(&app, team_id, "DiskFull", a_id, t(2, 10, 0), Some(2), None).await;
    paged(&app, team_id, "DiskFull", a_id, t(3, 23, 30), Some(4), None).await;
    paged(&app, team_id, "DiskFull", a_id, t(7, 12, 0), Some(6), None).await;
    // Week 46, Bala (New York): Sunday 22:00 EST (night, weekend), three at 10:00 EST, and
    // Friday 07:30 EST (before hours, not night). Two resolve on their own unacknowledged.
    paged(&app, team_id, "DiskFull", b_id, t(9, 3, 0), None, Some(5)).await;
    paged(
        &app,
        team_id,
        "DiskFull",
        b_id,
        t(10, 15, 0),
        None,
        Some(10),
    )
    .await;
    paged(&app, team_id, "Latency", b_id, t(11, 15, 0), Some(10), None).await;
    paged(&app, team_id, "Latency", b_id, t(12, 15, 0), Some(10), None).await;
    paged(
        &app,
        team_id,
        "Latency",
        b_id,
        t(13, 12, 30),
        Some(10),
        None,
    )
    .await;
    // Week 48: Asha leads a SEV4 (pages nobody).
    app.declare(
        &at,
        json!({ "title": "Flaky export", "severity": "SEV4", "teamId": team }),
    )
    .await;

    let r = app.gql(Some(&mia), REPORT, json!({ "t": team })).await;
    let r = r.ok()["onCallLoadReport"].clone();
    assert_eq!(r["currency"], "EUR");
    let row = |login: &str,
               week: i64,
               hours: f64,
               pages: i64,
               night: i64,
               ooh: i64,
               led: i64,
               level: Value,
               rest: i64,
               comp: i64| {
        json!({
            "user": { "login": login }, "isoWeek": week, "hoursOnCall": hours, "pages": pages, "nightPages": night,
            "outOfHoursPages": ooh, "incidentsLed": led, "level": level, "restOwedMinutes": rest, "compensationMinor": comp,
        })
    };
    // 168 h × 2.50 + 100.00 = 520.00 for each on-call week; 4 h of rest per night page.
    assert_eq!(
        r["rows"],
        json!([
            row("asha", 45, 168.0, 3, 1, 2, 0, json!("WARNING"), 240, 52000),
            row("bala", 46, 168.0, 5, 1, 2, 0, json!("BREACH"), 240, 52000),
            row("asha", 47, 168.0, 0, 0, 0, 0, json!("OK"), 0, 52000),
            row("asha", 48, 0.0, 0, 0, 0, 1, Value::Null, 0, 0),
            row("bala", 48, 168.0, 0, 0, 0, 0, json!("OK"), 0, 52000),
        ])
    );
    assert_eq!(
        r["totals"],
        json!({ "hoursOnCall": 672.0, "pages": 8, "nightPages": 2, "outOfHoursPages": 4, "incidentsLed": 1, "warnings": 1, "breaches": 1, "restOwedMinutes": 480, "compensationMinor": 208000 })
    );
    let trend: Vec<(i64, i64)> = r["trend"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            (
                w["isoWeek"].as_i64().unwrap(),
                w["totals"]["pages"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(trend, vec![(45, 3), (46, 5), (47, 0), (48, 0)]);
    // DiskFull: 5 alerts, 3 acknowledged after 2, 4, 6 minutes (median 4), 2 resolved on
    // their own; Latency: 3, all acknowledged after 10 minutes.
    assert_eq!(
        r["noisiestSources"],
        json!([
            { "source": "prometheus", "name": "DiskFull", "alerts": 5, "pages": 5, "acknowledgementRate": 0.6, "medianSecondsToAcknowledge": 240, "resolvedUnacknowledged": 2 },
            { "source": "prometheus", "name": "Latency", "alerts": 3, "pages": 3, "acknowledgementRate": 1.0, "medianSecondsToAcknowledge": 600, "resolvedUnacknowledged": 0 },
        ])
    );

    // The CSV has the same rows; a name that looks like a formula is neutralised.
    let csv = app
        .client
        .get(app.url(&format!(
            "/reports/oncall-load.csv?team={team}&from=2026-11-02T00:00:00Z&to=2026-11-30T00:00:00Z"
        )))
        .bearer_auth(&mia)
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status().as_u16(), 200);
    assert!(
        csv.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let text = csv.text().await.unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "login,name,iso_year,iso_week,hours_on_call,pages,night_pages,out_of_hours_pages,incidents_led,level,rest_owed_minutes,compensation_minor,currency"
    );
    assert_eq!(
        lines[1],
        "asha,asha,2026,45,168.00,3,1,2,0,warning,240,52000,EUR"
    );
    assert_eq!(
        lines[2],
        "bala,'=HYPERLINK(1),2026,46,168.00,5,1,2,0,breach,240,52000,EUR"
    );
    assert_eq!(lines.len(), 6);

    // Managers and admins only.
    let responder = app.token(Role::Responder).await;
    app.gql(Some(&responder), REPORT, json!({ "t": team }))
        .await
        .expect_code("FORBIDDEN");
    let csv = app
        .client
        .get(app.url(&format!(
            "/reports/oncall-load.csv?team={team}&from=2026-11-02T00:00:00Z&to=2026-11-30T00:00:00Z"
        )))
        .bearer_auth(&responder)
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status().as_u16(), 403);
    let csv = app
        .client
        .get(app.url(&format!(
            "/reports/oncall-load.csv?team={team}&from=2026-11-02T00:00:00Z&to=2026-11-30T00:00:00Z"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status().as_u16(), 401);
});
