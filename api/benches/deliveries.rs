//! 10,000 notifications due at once, delivered by real `firebreak worker` processes to a
//! local HTTP sink: the time until all are delivered and how many ids arrived twice.
//! On SQLite with one worker, on PostgreSQL with two. Outside the test run:
//!
//!     cargo bench -p firebreak --bench deliveries
#![allow(clippy::unwrap_used, clippy::expect_used)]

use entity::{Role, delivery, notification};
use firebreak::worker::queue::Queue;
use firebreak_tests::{Backend, Sink, TestApp};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use std::collections::HashMap;
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::process::Command;

const N: usize = 10_000;

async fn run(backend: Backend, workers: usize) -> Option<String> {
    let app = TestApp::spawn(backend).await?;
    app.clock.set(scheduler::clock::wall_time());
    let (bob_id, bob) = app.named_user("bob", Role::Responder).await;
    let sink = Sink::start().await;
    app.set_webhook(&bob, &sink).await;
    let method = entity::contact_method::Entity::find()
        .one(app.db().conn())
        .await
        .unwrap()
        .unwrap();
    let bob_id: uuid::Uuid = bob_id.parse().unwrap();
    let now = app.now();
    // The notifications and their deliveries, written as the scan would write them.
    let mut ids = Vec::with_capacity(N);
    for chunk in 0..N / 500 {
        let mut notes = Vec::new();
        let mut dels = Vec::new();
        for i in 0..500 {
            let id = uuid::Uuid::now_v7();
            notes.push(notification::ActiveModel {
                id: Set(id),
                recipient_id: Set(bob_id),
                kind: Set("ACTION_ITEM_DUE".into()),
                subject: Set(format!("Reminder {}", chunk * 500 + i)),
                body: Set("Due now.".into()),
                html: Set(None),
                object_type: Set("action_item".into()),
                object_id: Set(uuid::Uuid::now_v7()),
                dedup_key: Set(format!("bench:{id}")),
                created_at: Set(now),
                read_at: Set(None),
            });
            let d = uuid::Uuid::now_v7();
            dels.push(delivery::ActiveModel {
                id: Set(d),
                notification_id: Set(Some(id)),
                method_id: Set(Some(method.id)),
                event_id: Set(None),
                subscription_id: Set(None),
                attempts: Set(0),
                next_attempt_at: Set(Some(now)),
                claimed_until: Set(None),
                delivered_at: Set(None),
                failed_at: Set(None),
                last_error: Set(None),
                created_at: Set(now),
            });
            ids.push(d);
        }
        notification::Entity::insert_many(notes)
            .exec(app.db().conn())
            .await
            .unwrap();
        delivery::Entity::insert_many(dels)
            .exec(app.db().conn())
            .await
            .unwrap();
    }
    let queue = Queue::open(app.db(), Duration::from_secs(30))
        .await
        .unwrap();
    queue.push(&ids, Duration::ZERO).await.unwrap();
    let started = Instant::now();
    let mut children = Vec::new();
    for _ in 0..workers {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        children.push(
            Command::new(env!("CARGO_BIN_EXE_firebreak"))
                .arg("worker")
                .env("FIREBREAK_DATABASE_URL", &app.state.config.database_url)
                .env("FIREBREAK_LISTEN", format!("127.0.0.1:{port}"))
                .env("FIREBREAK_OUTBOUND_ALLOW_PRIVATE", "true")
                .env("FIREBREAK_WORKER_CONCURRENCY", "16")
                .env("RUST_LOG", "warn")
                .stdout(Stdio::null())
                .kill_on_drop(true)
                .spawn()
                .unwrap(),
        );
    }
    loop {
        let delivered = delivery::Entity::find()
            .filter(delivery::Column::DeliveredAt.is_not_null())
            .count(app.db().conn())
            .await
            .unwrap() as usize;
        if delivered >= N || started.elapsed() > Duration::from_secs(600) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let took = started.elapsed();
    drop(children);
    let mut seen: HashMap<String, usize> = HashMap::new();
    for r in sink.received() {
        *seen.entry(r.id).or_default() += 1;
    }
    let duplicates = seen.values().filter(|n| **n > 1).count();
    let delivered = seen.len();
    Some(format!(
        "| {backend:?} | {workers} | {delivered} of {N} | {:.1} s | {:.0}/s | {duplicates} | {} |",
        took.as_secs_f64(),
        delivered as f64 / took.as_secs_f64(),
        sink.received().len(),
    ))
}

#[tokio::main]
async fn main() {
    println!("| database | workers | delivered | time | rate | ids twice | requests |");
    println!("|---|---|---|---|---|---|---|");
    for (backend, workers) in [(Backend::Sqlite, 1), (Backend::Postgres, 2)] {
        match run(backend, workers).await {
            Some(line) => println!("{line}"),
            None => println!("| {backend:?} | {workers} | skipped: database unreachable | | | | |"),
        }
    }
}
