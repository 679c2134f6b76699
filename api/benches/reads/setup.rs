//! A fresh database with the data set, the reader (a manager, who sees every incident)
//! and what the measured requests name.

use super::{data, oncall_data};
use chrono::{DateTime, Duration, DurationRound, Utc};
use entity::{Role, schedule};
use firebreak_tests::serde_json::json;
use firebreak_tests::{Backend, TestApp};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use std::time::Instant;

pub struct Bench {
    pub app: TestApp,
    /// The team declared for: its policy pages one person, its schedule's only member.
    pub declare_team: String,
    /// A team with a follow-the-sun schedule, and that schedule.
    pub watched_team: String,
    pub schedule: String,
    /// The instant the on-call reads ask about (whole seconds, as clients send them).
    pub at: DateTime<Utc>,
}

pub async fn setup(backend: Backend) -> Option<Bench> {
    let app = TestApp::spawn(backend).await?;
    app.clock.set(scheduler::clock::wall_time());
    let admin = app.token(Role::Admin).await;
    let mut teams = vec![];
    for n in 0..data::TEAMS {
        teams.push(app.team(&admin, &format!("Team {n}")).await);
    }
    let ids: Vec<uuid::Uuid> = teams.iter().map(|t| t.parse().unwrap()).collect();
    let (reader, _) = app.named_user("reader", Role::Manager).await;
    let started = Instant::now();
    let conn = app.db().conn();
    let (users, incidents) = data::generate(conn, &ids, app.now()).await;
    oncall_data::generate(
        conn,
        &ids,
        &users,
        &incidents,
        reader.parse().unwrap(),
        app.now(),
    )
    .await;
    data::analyze(conn).await;
    eprintln!(
        "{backend:?}: data written in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let (pager, _) = app.named_user("pager", Role::Responder).await;
    let schedule = app
        .call(
            &admin,
            "createSchedule",
            "CreateScheduleInput",
            json!({ "teamId": teams[0], "name": "Primary" }),
            "schedule { id }",
        )
        .await
        .ok()["createSchedule"]["schedule"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.call(&admin, "addScheduleLayer", "AddScheduleLayerInput",
        json!({ "scheduleId": schedule, "layer": { "name": "Primary", "timeZone": "UTC", "handoffTime": "09:00:00", "startDate": "2026-01-05", "members": [{ "userId": pager }] } }),
        "schedule { id }").await;
    let watched = schedule::Entity::find()
        .filter(schedule::Column::TeamId.eq(ids[1]))
        .one(app.db().conn())
        .await
        .unwrap()
        .unwrap();
    let at = app.now().duration_trunc(Duration::seconds(1)).unwrap();
    Some(Bench {
        declare_team: teams[0].clone(),
        watched_team: teams[1].clone(),
        schedule: watched.id.to_string(),
        at,
        app,
    })
}
