//! The background worker: a cron tick (apalis-cron) scans for what has become due and
//! writes it to the outbox; deliveries are queued jobs (apalis' SQLite or PostgreSQL
//! storage on Firebreak's own database). Jobs stay thin: the scan asks the pure core
//! through `services::due`, a delivery goes through `services::notifications::delivery`.
//!
//! Every process may run the tick (each worker does, and a tick can be missed): the
//! outbox's unique deduplication keys make that harmless. A tick also queues again any
//! delivery whose job was lost (a crash between commit and push, a worker killed
//! mid-send whose claim ran out) and prunes what is past its retention.

pub mod http;
pub mod queue;

use crate::config::WorkerConfig;
use crate::db::Db;
use crate::metrics::Metrics;
use crate::outbound::Outbound;
use crate::services::due::{self, Summary};
use crate::services::notifications::delivery::{self, Outcome};
use crate::services::notifications::pending;
use crate::services::retention::{self, Retention};
use apalis::prelude::*;
use apalis_cron::{CronScheduler, Tick};
use chrono::Duration;
use queue::{Deliver, Queue};
use scheduler::clock::SharedClock;
use std::future::Future;
use std::str::FromStr;
use std::sync::Arc;
use uuid::Uuid;

/// Most deliveries a tick queues again in one go.
const SWEEP_LIMIT: u64 = 1000;

/// What the worker's jobs share.
pub struct Worker {
    pub db: Db,
    pub clock: SharedClock,
    pub outbound: Outbound,
    pub delivery: delivery::Settings,
    pub retention: Retention,
    pub retain_jobs: std::time::Duration,
    pub metrics: Arc<Metrics>,
    /// Where deliveries are queued; None runs them in line (the tests' harness).
    pub queue: Option<Queue>,
}

fn chrono(d: std::time::Duration) -> anyhow::Result<Duration> {
    Ok(Duration::from_std(d)?)
}

impl Worker {
    pub fn new(
        config: &WorkerConfig,
        db: Db,
        clock: SharedClock,
        metrics: Arc<Metrics>,
        queue: Option<Queue>,
    ) -> anyhow::Result<Self> {
        if config.delivery_lease <= config.delivery_timeout {
            anyhow::bail!("the delivery lease must be longer than the delivery timeout");
        }
        Ok(Self {
            outbound: Outbound::from_config(config)?,
            delivery: delivery::Settings {
                lease: chrono(config.delivery_lease)?,
                backoff: chrono(config.delivery_backoff)?,
                max_attempts: config.delivery_max_attempts.max(1),
            },
            retention: Retention {
                notifications: chrono(config.retain_notifications)?,
                alerts: chrono(config.retain_alerts)?,
            },
            retain_jobs: config.retain_jobs,
            db,
            clock,
            metrics,
            queue,
        })
    }

    /// One scan: what is due now goes to the outbox (and its deliveries to the queue),
    /// lost deliveries are queued again, and old rows pruned.
    pub async fn tick(&self) -> anyhow::Result<Summary> {
        let now = self.clock.now();
        // Escalation first, and its pages queued at once: they are the most urgent.
        let written = pending::Written::default();
        let escalated = pending::collecting(written.clone(), due::escalate(&self.db, now)).await;
        self.queue_now(&pending::take(&written)).await;
        let reminded = pending::collecting(written.clone(), due::remind(&self.db, now)).await;
        self.queue_now(&pending::take(&written)).await;
        // Whatever the scan did, lost deliveries are queued again and old rows pruned.
        let swept = match delivery::due(&self.db, now, self.delivery.lease, SWEEP_LIMIT).await {
            Ok(lost) => {
                self.queue_now(&lost).await;
                Ok(())
            }
            Err(e) => Err(anyhow::anyhow!("sweep failed: {e:?}")),
        };
        let pruned = retention::prune(&self.db, now, self.retention)
            .await
            .map_err(|e| anyhow::anyhow!("pruning failed: {e:?}"));
        let jobs = match &self.queue {
            Some(_) => queue::prune(&self.db, self.retain_jobs).await.map(|_| ()),
            None => Ok(()),
        };
        let escalated = escalated.map_err(|e| anyhow::anyhow!("escalation failed: {e:?}"))?;
        let reminded = reminded.map_err(|e| anyhow::anyhow!("reminders failed: {e:?}"))?;
        swept?;
        pruned?;
        jobs?;
        let summary = Summary {
            notifications: reminded.notifications,
            ..escalated
        };
        if summary.notifications > 0 || summary.escalated > 0 || summary.retriggered > 0 {
            tracing::info!(
                notifications = summary.notifications,
                escalated = summary.escalated,
                retriggered = summary.retriggered,
                "scan"
            );
        }
        Ok(summary)
    }

    /// Queues deliveries now (a failure is logged: the next tick queues them again).
    async fn queue_now(&self, ids: &[Uuid]) {
        if let Some(q) = &self.queue
            && !ids.is_empty()
            && let Err(e) = q.push(ids, std::time::Duration::ZERO).await
        {
            tracing::warn!(error = %e, "could not queue deliveries; the next scan will");
        }
    }

    /// Attempts one delivery; a retry is queued for when it is due.
    pub async fn deliver(&self, id: Uuid) -> anyhow::Result<Outcome> {
        let outcome = delivery::deliver(&self.db, &self.outbound, &self.delivery, &self.clock, id)
            .await
            .map_err(|e| anyhow::anyhow!("delivery of {id} failed: {e:?}"))?;
        self.metrics.worker().delivery(outcome.label());
        if let (Outcome::Retry(at) | Outcome::NotYet(at), Some(q)) = (&outcome, &self.queue) {
            // The queue schedules in whole seconds: round up, never early.
            let wait = (*at - self.clock.now()).to_std().unwrap_or_default();
            let wait =
                std::time::Duration::from_secs(wait.as_secs() + u64::from(wait.subsec_nanos() > 0));
            if let Err(e) = q.push(&[id], wait).await {
                tracing::warn!(error = %e, "could not queue a retry; the next scan will");
            }
        }
        Ok(outcome)
    }

    /// Everything due at the clock's `now`, delivered in line: a scan, then each
    /// delivery due. What tests call after moving their clock.
    pub async fn run_due_now(&self) -> anyhow::Result<(Summary, Vec<Outcome>)> {
        let summary = self.tick().await?;
        let now = self.clock.now();
        let mut outcomes = Vec::new();
        loop {
            let ids = delivery::due(&self.db, now, Duration::zero(), SWEEP_LIMIT)
                .await
                .map_err(|e| anyhow::anyhow!("{e:?}"))?;
            if ids.is_empty() {
                break;
            }
            for id in ids {
                outcomes.push(self.deliver(id).await?);
            }
        }
        Ok((summary, outcomes))
    }
}

/// A name unique to this process: host, pid and a random part (two workers with one
/// name fight over the queue's heartbeat).
pub fn worker_name(kind: &str) -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_owned())
        .or_else(|_| std::env::var("HOSTNAME"))
        .unwrap_or_else(|_| "host".into());
    let random: u32 = rand::random();
    format!("{host}-{}-{random:08x}-{kind}", std::process::id())
}

async fn deliver_job(job: Deliver, worker: Data<Arc<Worker>>) -> Result<(), BoxDynError> {
    worker
        .deliver(job.notification)
        .await
        .map(|_| ())
        .map_err(|e| e.to_string().into())
}

async fn scan_job(
    _tick: Tick<chrono_tz::Tz>,
    worker: Data<Arc<Worker>>,
) -> Result<(), BoxDynError> {
    let result = worker.tick().await;
    worker.metrics.worker().scan(result.is_ok());
    if let Err(e) = &result {
        tracing::warn!(error = %e, "scan failed; the next tick tries again");
    }
    Ok(())
}

/// Runs the worker until `shutdown` resolves: a catch-up scan at once, then the cron
/// tick and the delivery queue.
pub async fn run(
    worker: Arc<Worker>,
    config: &WorkerConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let Some(queue) = worker.queue.clone() else {
        anyhow::bail!("the worker needs a queue");
    };
    let schedule = cron::Schedule::from_str(&config.scan_schedule)
        .map_err(|e| anyhow::anyhow!("FIREBREAK_SCAN_SCHEDULE is not a cron expression: {e}"))?;
    // Catch up at once: whatever became due while no worker ran.
    if let Err(e) = worker.tick().await {
        tracing::warn!(error = %e, "catch-up scan failed; the next tick tries again");
    }
    let concurrency = config.concurrency.max(1);
    let (deliver_name, scan_name) = (worker_name("deliver"), worker_name("scan"));
    tracing::info!(worker = %deliver_name, "worker started");
    let (w1, w2) = (Arc::clone(&worker), Arc::clone(&worker));
    let monitor = match queue {
        Queue::Sqlite(s) => Monitor::new().register(move |_| {
            WorkerBuilder::new(deliver_name.as_str())
                .backend(
                    s.clone()
                        .poll_with_interval(std::time::Duration::from_millis(200)),
                )
                .concurrency(concurrency)
                .data(Arc::clone(&w1))
                .build(deliver_job)
        }),
        // LISTEN/NOTIFY picks up new jobs at once; the poll finds delayed retries.
        Queue::Postgres(s) => Monitor::new().register(move |_| {
            WorkerBuilder::new(deliver_name.as_str())
                .backend(
                    s.clone()
                        .with_pubsub()
                        .poll_with_interval(std::time::Duration::from_secs(1)),
                )
                .concurrency(concurrency)
                .data(Arc::clone(&w1))
                .build(deliver_job)
        }),
    };
    let monitor = monitor
        .register(move |_| {
            WorkerBuilder::new(scan_name.as_str())
                .backend(CronScheduler::new(schedule.clone()).with_timezone(chrono_tz::UTC))
                .data(Arc::clone(&w2))
                .build(scan_job)
        })
        .shutdown_timeout(std::time::Duration::from_secs(15));
    monitor
        .run_with_signal(async move {
            shutdown.await;
            Ok(())
        })
        .await?;
    tracing::info!("worker stopped");
    Ok(())
}
