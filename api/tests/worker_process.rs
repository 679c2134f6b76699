//! The real `firebreak worker` binary as a child process, on work seeded due at real now
//! (a child cannot share the test clock): killed with SIGKILL mid-run and restarted, two
//! of them on one database, and a receiver that fails before it accepts. apalis'
//! heartbeat and the delivery lease are shortened so a killed worker's work comes back
//! within seconds.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::Duration;
use entity::{Role, delivery, notification};
use firebreak_tests::serde_json::json;
use firebreak_tests::{Backend, Sink, TestApp, free_port};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use std::collections::{BTreeMap, BTreeSet};
use std::process::Stdio;
use tokio::process::{Child, Command};

/// Starts `firebreak worker` on the app's database; it dies with the test.
fn worker(app: &TestApp, port: u16) -> Child {
    worker_with(app, port, &[])
}

fn worker_with(app: &TestApp, port: u16, env: &[(&str, &str)]) -> Child {
    let mut command = Command::new(env!("CARGO_BIN_EXE_firebreak"));
    command
        .arg("worker")
        .env("FIREBREAK_DATABASE_URL", &app.state.config.database_url)
        .env("FIREBREAK_LISTEN", format!("127.0.0.1:{port}"))
        .env("FIREBREAK_OUTBOUND_ALLOW_PRIVATE", "true")
        .env("FIREBREAK_WORKER_HEARTBEAT", "1s")
        .env("FIREBREAK_DELIVERY_LEASE", "3s")
        .env("FIREBREAK_DELIVERY_TIMEOUT", "2s")
        .env("FIREBREAK_DELIVERY_BACKOFF", "200ms")
        .env("FIREBREAK_SCAN_SCHEDULE", "*/1 * * * * *")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .kill_on_drop(true);
    for (k, v) in env {
        command.env(k, v);
    }
    command.spawn().expect("the firebreak binary starts")
}

/// An app whose clock is real now, with `n` action items owned by Bob due in two hours
/// (their day-before reminders are due now), and Bob's webhook on a sink.
async fn seeded(backend: Backend, n: usize) -> Option<(TestApp, Sink)> {
    let app = TestApp::spawn(backend).await?;
    app.clock.set(scheduler::clock::wall_time());
    let (_, ada) = app.named_user("ada", Role::Responder).await;
    let (bob_id, bob) = app.named_user("bob", Role::Responder).await;
    let sink = Sink::start().await;
    app.set_webhook(&bob, &sink).await;
    let incident = app
        .declare(
            &ada,
            json!({ "title": "Batch jobs late", "severity": "SEV3" }),
        )
        .await["id"]
        .clone();
    let due = (app.now() + Duration::hours(2)).to_rfc3339();
    for i in 0..n {
        app.call(
            &ada,
            "createActionItem",
            "CreateActionItemInput",
            json!({ "incidentId": incident, "title": format!("Fix job {i}"), "ownerId": bob_id, "dueAt": due, "priority": "P2" }),
            "actionItem { id }",
        )
        .await
        .ok();
    }
    Some((app, sink))
}

async fn reminders(app: &TestApp) -> Vec<notification::Model> {
    notification::Entity::find()
        .filter(notification::COLUMN.kind.eq("ACTION_ITEM_DUE"))
        .all(app.db().conn())
        .await
        .unwrap()
}

async fn wait_delivered(app: &TestApp, n: usize) {
    for _ in 0..600 {
        let ids: Vec<_> = reminders(app).await.into_iter().map(|n| n.id).collect();
        let delivered = delivery::Entity::find()
            .filter(delivery::Column::NotificationId.is_in(ids))
            .filter(delivery::Column::DeliveredAt.is_not_null())
            .count(app.db().conn())
            .await
            .unwrap();
        if delivered as usize >= n {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("not every notification was delivered within a minute");
}

/// Every notification delivered; every request the sink saw carries one notification's
/// id; none written twice.
async fn check_exactly_once(app: &TestApp, sink: &Sink, n: usize) {
    let rows = reminders(app).await;
    assert_eq!(rows.len(), n, "one notification per occasion");
    let ids: BTreeSet<String> = rows.iter().map(|r| r.id.to_string()).collect();
    assert_eq!(
        sink.accepted_ids(),
        ids,
        "each notification reached the receiver"
    );
    for r in sink.received() {
        assert!(
            ids.contains(&r.id),
            "a delivery with an unknown webhook-id: {}",
            r.id
        );
    }
}

async fn killed_mid_run_and_restarted(backend: Backend) {
    let Some((app, sink)) = seeded(backend, 40).await else {
        return;
    };
    sink.delay(150);
    let port = free_port();
    let mut first = worker(&app, port);
    for _ in 0..300 {
        if sink.received().len() >= 10 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    first.start_kill().unwrap();
    first.wait().await.unwrap();
    let before = sink.accepted_ids().len();
    assert!(before < 40, "killed mid-run (after {before} deliveries)");
    let _second = worker(&app, port);
    wait_delivered(&app, 40).await;
    check_exactly_once(&app, &sink, 40).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_worker_loses_nothing_and_writes_nothing_twice_sqlite() {
    killed_mid_run_and_restarted(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_worker_loses_nothing_and_writes_nothing_twice_postgres() {
    killed_mid_run_and_restarted(Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_workers_on_one_postgres_write_each_notification_once() {
    let Some((app, sink)) = seeded(Backend::Postgres, 40).await else {
        return;
    };
    sink.delay(20);
    let port = free_port();
    let _a = worker(&app, port);
    let _b = worker(&app, free_port());
    wait_delivered(&app, 40).await;
    check_exactly_once(&app, &sink, 40).await;
    // The worker's own metrics say what it did.
    let metrics = reqwest::get(format!("http://127.0.0.1:{port}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for series in [
        "firebreak_deliveries_total{outcome=\"delivered\"}",
        "firebreak_queue_depth",
        "firebreak_queue_oldest_pending_seconds",
    ] {
        assert!(metrics.contains(series), "{series} missing from\n{metrics}");
    }
}

async fn fails_three_times_then_accepts(backend: Backend) {
    let Some((app, sink)) = seeded(backend, 1).await else {
        return;
    };
    sink.fail_next(3);
    // Scans far apart: the retries must come from the queue (rounded up to its whole
    // seconds), not from a scan's sweep.
    let _w = worker_with(
        &app,
        free_port(),
        &[("FIREBREAK_SCAN_SCHEDULE", "0 0 * * * *")],
    );
    wait_delivered(&app, 1).await;
    let received = sink.received();
    assert_eq!(received.len(), 4, "three failures, then success");
    let by_id: BTreeMap<&str, usize> = received.iter().fold(BTreeMap::new(), |mut m, r| {
        *m.entry(r.id.as_str()).or_default() += 1;
        m
    });
    assert_eq!(
        by_id.len(),
        1,
        "the same webhook-id on every attempt: {by_id:?}"
    );
    let row = &reminders(&app).await[0];
    let sent = delivery::Entity::find()
        .filter(delivery::COLUMN.notification_id.eq(row.id))
        .one(app.db().conn())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(sent.attempts, 4);
    assert_eq!(
        by_id.keys().next().copied(),
        Some(row.id.to_string().as_str())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_receiver_is_retried_with_one_webhook_id_sqlite() {
    fails_three_times_then_accepts(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_receiver_is_retried_with_one_webhook_id_postgres() {
    fails_three_times_then_accepts(Backend::Postgres).await;
}

/// A page written by the API is queued at once and a running worker delivers it within
/// a second (SQLite: a 200 ms poll; PostgreSQL: LISTEN/NOTIFY), not at its next scan.
async fn a_pushed_job_is_picked_up_within_a_second(backend: Backend) {
    let Some(app) = TestApp::spawn_queued(backend).await else {
        return;
    };
    app.clock.set(scheduler::clock::wall_time());
    let admin = app.token(Role::Admin).await;
    let (olga_id, olga) = app.named_user("olga", Role::Responder).await;
    let sink = Sink::start().await;
    app.set_webhook(&olga, &sink).await;
    let port = free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_firebreak"))
        .arg("worker")
        .env("FIREBREAK_DATABASE_URL", &app.state.config.database_url)
        .env("FIREBREAK_LISTEN", format!("127.0.0.1:{port}"))
        .env("FIREBREAK_OUTBOUND_ALLOW_PRIVATE", "true")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    // Ready, and past its catch-up scan.
    for _ in 0..100 {
        if reqwest::get(format!("http://127.0.0.1:{port}/readyz"))
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let team = app
        .call(
            &admin,
            "createTeam",
            "CreateTeamInput",
            json!({ "name": "DB" }),
            "team { id }",
        )
        .await
        .ok()["createTeam"]["team"]["id"]
        .clone();
    app.call(
        &admin,
        "setPagingPeople",
        "SetPagingPeopleInput",
        json!({ "engineeringLeadId": olga_id }),
        "engineeringLeadId",
    )
    .await
    .ok();
    let started = std::time::Instant::now();
    app.call(
        &admin,
        "triggerPage",
        "TriggerPageInput",
        json!({ "teamId": team, "summary": "Replica lag", "severity": "SEV1" }),
        "alert { id }",
    )
    .await
    .ok();
    while sink.received().is_empty() && started.elapsed() < std::time::Duration::from_secs(5) {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let took = started.elapsed();
    child.start_kill().ok();
    assert_eq!(sink.received().len(), 1, "the page reached Olga");
    assert!(
        took < std::time::Duration::from_secs(1),
        "picked up after {took:?}"
    );
    eprintln!(
        "{backend:?}: page delivered {} ms after the request",
        took.as_millis()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pushed_job_is_picked_up_within_a_second_sqlite() {
    a_pushed_job_is_picked_up_within_a_second(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pushed_job_is_picked_up_within_a_second_postgres() {
    a_pushed_job_is_picked_up_within_a_second(Backend::Postgres).await;
}
