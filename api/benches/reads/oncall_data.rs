//! The on-call half of the data set: every team but the first (which the declare runs
//! page) has a follow-the-sun schedule of three layers (Tokyo, Berlin, New York; 09:00
//! to 17:00 on weekdays, weekly handoffs, six members and a shadow each) with 60
//! overrides over a year; 20,000 alerts over the last 200 days, half of them about an
//! incident, each paging one person (the reader every tenth time); and 20,000
//! notifications, every fifth the reader's.

use super::data::{Rng, insert_all};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use entity::{
    Severity, alert, layer_member, notification, page, schedule, schedule_layer, schedule_override,
    team,
};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use uuid::Uuid;

pub const ALERTS: usize = 20_000;
pub const NOTIFICATIONS: usize = 20_000;
const OVERRIDES: usize = 60;
const LAYERS: [(&str, &str); 3] = [
    ("APAC", "Asia/Tokyo"),
    ("EMEA", "Europe/Berlin"),
    ("AMER", "America/New_York"),
];

/// Writes schedules for `teams[1..]`, and the alerts, pages and notifications.
pub async fn generate(
    conn: &DatabaseConnection,
    teams: &[Uuid],
    users: &[Uuid],
    incidents: &[Uuid],
    reader: Uuid,
    now: DateTime<Utc>,
) {
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    let (mut schedules, mut layers, mut members, mut overrides) = (vec![], vec![], vec![], vec![]);
    for (t, team_id) in teams.iter().enumerate().skip(1) {
        let id = Uuid::now_v7();
        schedules.push(schedule::ActiveModel::from(schedule::Model {
            id,
            team_id: *team_id,
            name: "Follow the sun".into(),
            description: String::new(),
            created_at: now,
            updated_at: now,
        }));
        let mut layer_ids = vec![];
        for (position, (name, zone)) in LAYERS.iter().enumerate() {
            let layer = Uuid::now_v7();
            layer_ids.push(layer);
            layers.push(schedule_layer::ActiveModel::from(schedule_layer::Model {
                id: layer,
                schedule_id: id,
                name: (*name).into(),
                position: position as i32,
                time_zone: (*zone).into(),
                window_start: Some(9 * 60),
                window_end: Some(17 * 60),
                weekdays: 0x1f,
                rotation_days: 7,
                handoff_minute: 9 * 60,
                start_date: NaiveDate::from_ymd_opt(2025, 1, 6).unwrap(),
                created_at: now,
                updated_at: now,
            }));
            for m in 0..7 {
                members.push(layer_member::ActiveModel::from(layer_member::Model {
                    layer_id: layer,
                    user_id: users[(t * 40 + position * 7 + m) % users.len()],
                    position: m as i32,
                    shadow: m == 6,
                }));
            }
        }
        for k in 0..OVERRIDES {
            let starts = now - Duration::days(180)
                + Duration::hours(k as i64 * 72)
                + Duration::hours(rng.below(24) as i64);
            overrides.push(schedule_override::ActiveModel::from(
                schedule_override::Model {
                    id: Uuid::now_v7(),
                    schedule_id: id,
                    layer_id: Some(layer_ids[k % LAYERS.len()]),
                    user_id: users[rng.below(users.len() as u64) as usize],
                    replaces_user_id: None,
                    starts_at: starts,
                    ends_at: starts + Duration::hours(4 + rng.below(9) as i64),
                    created_by: users[0],
                    created_at: now,
                },
            ));
        }
    }
    insert_all(conn, schedules.clone()).await;
    insert_all(conn, layers).await;
    insert_all(conn, members).await;
    insert_all(conn, overrides).await;
    for s in schedules {
        let (id, team_id) = (s.id.unwrap(), s.team_id.unwrap());
        team::Entity::update_many()
            .col_expr(team::Column::DefaultScheduleId, Expr::value(id))
            .filter(team::Column::Id.eq(team_id))
            .exec(conn)
            .await
            .unwrap();
    }
    alerts_and_pages(conn, &mut rng, teams, users, incidents, reader, now).await;
    notifications(conn, &mut rng, users, reader, now).await;
}

async fn alerts_and_pages(
    conn: &DatabaseConnection,
    rng: &mut Rng,
    teams: &[Uuid],
    users: &[Uuid],
    incidents: &[Uuid],
    reader: Uuid,
    now: DateTime<Utc>,
) {
    let (mut alerts, mut pages) = (vec![], vec![]);
    for n in 0..ALERTS {
        let id = Uuid::now_v7();
        let at = now - Duration::minutes((ALERTS - n) as i64 * 14);
        let acknowledged = n + 30 < ALERTS;
        let resolved = n + 60 < ALERTS;
        let user = if n % 10 == 0 {
            reader
        } else {
            users[rng.below(users.len() as u64) as usize]
        };
        alerts.push(alert::ActiveModel::from(alert::Model {
            id,
            team_id: Some(teams[n % teams.len()]),
            integration_id: None,
            incident_id: (n % 2 == 0).then(|| incidents[(n / 2) % incidents.len()]),
            source: "alertmanager".into(),
            name: format!("HighLatency{}", n % 20),
            dedup_key: Some(format!("bench-{n}")),
            summary: format!("p99 latency above 2 s on checkout-{}", n % 20),
            severity: Severity::Sev2,
            status: if resolved {
                "resolved"
            } else if acknowledged {
                "acknowledged"
            } else {
                "triggered"
            }
            .into(),
            position: 0,
            entered_step_at: at,
            unrouted: false,
            triggered_by: None,
            notification_hash: None,
            details: None,
            snoozed_until: None,
            acknowledged_at: acknowledged.then(|| at + Duration::minutes(3)),
            acknowledged_by: acknowledged.then_some(user),
            resolved_at: resolved.then(|| at + Duration::minutes(40)),
            resolved_by: resolved.then_some(user),
            version: 1,
            created_at: at,
            updated_at: at,
        }));
        pages.push(page::ActiveModel::from(page::Model {
            id: Uuid::now_v7(),
            alert_id: id,
            user_id: user,
            via: "on_call".into(),
            position: 0,
            created_at: at,
            acknowledge_by: at + Duration::minutes(5),
            acknowledged_at: acknowledged.then(|| at + Duration::minutes(3)),
        }));
    }
    insert_all(conn, alerts).await;
    insert_all(conn, pages).await;
}

async fn notifications(
    conn: &DatabaseConnection,
    rng: &mut Rng,
    users: &[Uuid],
    reader: Uuid,
    now: DateTime<Utc>,
) {
    let kinds = [
        "PAGE",
        "POSTMORTEM_DUE",
        "ACTION_ITEM_DUE",
        "HANDOFF_INCOMING",
    ];
    let rows = (0..NOTIFICATIONS)
        .map(|n| {
            let at = now - Duration::minutes((NOTIFICATIONS - n) as i64 * 13);
            let kind = kinds[rng.below(kinds.len() as u64) as usize];
            notification::ActiveModel::from(notification::Model {
                id: Uuid::now_v7(),
                recipient_id: if n % 5 == 0 {
                    reader
                } else {
                    users[rng.below(users.len() as u64) as usize]
                },
                kind: kind.into(),
                subject: format!("{kind}: checkout-{}", n % 20),
                body: "Open Firebreak for the details.".into(),
                html: None,
                object_type: "page".into(),
                object_id: Uuid::now_v7(),
                dedup_key: format!("bench:{n}"),
                created_at: at,
                read_at: (n + 100 < NOTIFICATIONS).then(|| at + Duration::minutes(30)),
            })
        })
        .collect();
    insert_all(conn, rows).await;
}
