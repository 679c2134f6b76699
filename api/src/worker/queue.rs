//! The job queue: apalis' SQLite storage on the embedded default, its PostgreSQL storage
//! on PostgreSQL, both on Firebreak's own database and connection pool. One job type:
//! deliver a notification. Its tables are apalis' own (`Jobs`/`Workers` on SQLite,
//! `apalis.jobs`/`apalis.workers` on PostgreSQL).

use crate::db::Db;
use apalis::prelude::*;
use apalis_postgres::PostgresStorage;
use apalis_sqlite::SqliteStorage;
use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};
use serde::{Deserialize, Serialize};
use std::time::Duration;
use uuid::Uuid;

/// The queue's name, set explicitly: apalis would otherwise name it after the Rust type,
/// and a rename would strand queued jobs.
pub const DELIVERIES: &str = "firebreak.deliveries";

/// Attempts apalis makes of one job after a database error; the outbox keeps its own
/// count of delivery attempts.
const JOB_ATTEMPTS: usize = 3;

/// Deliver one notification (its row says where and whether it is still due).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Deliver {
    pub notification: Uuid,
}

#[derive(Clone)]
pub enum Queue {
    Sqlite(SqliteStorage<Deliver>),
    Postgres(PostgresStorage<Deliver>),
}

impl std::fmt::Debug for Queue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Queue::Sqlite(_) => "Queue(SQLite)",
            Queue::Postgres(_) => "Queue(PostgreSQL)",
        })
    }
}

impl Queue {
    /// Creates the queue's tables if needed and opens it. On SQLite this runs apalis'
    /// migrations only, not its `setup`, which would switch the shared pool to
    /// `synchronous=OFF`.
    pub async fn open(db: &Db, heartbeat: Duration) -> anyhow::Result<Self> {
        match db.backend() {
            DatabaseBackend::Sqlite => {
                let pool = db.conn().get_sqlite_connection_pool().clone();
                SqliteStorage::migrations().run(&pool).await?;
                let config = apalis_sqlite::Config::default()
                    .queue(DELIVERIES)
                    .heartbeat_interval(heartbeat)
                    .missed_heartbeats(2);
                Ok(Queue::Sqlite(SqliteStorage::new(&pool).with_config(config)))
            }
            _ => {
                let pool = db.conn().get_postgres_connection_pool().clone();
                PostgresStorage::setup(&pool).await?;
                // apalis' PostgreSQL default is 10 missed heartbeats: say 2, as on SQLite.
                let config = apalis_postgres::Config::default()
                    .queue(DELIVERIES)
                    .heartbeat_interval(heartbeat)
                    .missed_heartbeats(2);
                Ok(Queue::Postgres(
                    PostgresStorage::new(&pool).with_config(config),
                ))
            }
        }
    }

    /// Queues delivery of `ids`, after `delay`.
    pub async fn push(&self, ids: &[Uuid], delay: Duration) -> anyhow::Result<()> {
        for id in ids {
            let mut task =
                TaskBuilder::new(Deliver { notification: *id }).max_attempts(JOB_ATTEMPTS);
            if !delay.is_zero() {
                task = task.run_after(delay);
            }
            let task = task.build();
            match self.clone() {
                Queue::Sqlite(mut s) => s
                    .push_task(task)
                    .await
                    .map_err(|e| anyhow::anyhow!("cannot queue a delivery: {e}"))?,
                Queue::Postgres(mut s) => s
                    .push_task(task)
                    .await
                    .map_err(|e| anyhow::anyhow!("cannot queue a delivery: {e}"))?,
            }
        }
        Ok(())
    }
}

/// The queue's depth (jobs runnable now) and the age in seconds of the oldest of them.
pub async fn stats(db: &Db) -> anyhow::Result<(i64, f64)> {
    let backend = db.backend();
    let sql = match backend {
        DatabaseBackend::Sqlite => {
            "SELECT COUNT(*) AS depth, CAST(strftime('%s','now') AS INTEGER) - MIN(run_at) AS age \
             FROM Jobs WHERE job_type = ? AND run_at <= strftime('%s','now') \
             AND (status IN ('Pending', 'Queued') OR (status = 'Failed' AND attempts < max_attempts))"
        }
        _ => {
            "SELECT COUNT(*) AS depth, EXTRACT(EPOCH FROM now() - MIN(run_at))::float8 AS age \
             FROM apalis.jobs WHERE job_type = $1 AND run_at <= now() \
             AND (status IN ('Pending', 'Queued') OR (status = 'Failed' AND attempts < max_attempts))"
        }
    };
    let row = db
        .conn()
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            sql,
            [DELIVERIES.into()],
        ))
        .await?;
    let Some(row) = row else {
        return Ok((0, 0.0));
    };
    let depth: i64 = row.try_get("", "depth")?;
    let age = match backend {
        DatabaseBackend::Sqlite => row.try_get::<Option<i64>>("", "age")?.map(|v| v as f64),
        _ => row.try_get::<Option<f64>>("", "age")?,
    };
    Ok((depth, age.unwrap_or(0.0).max(0.0)))
}

/// Deletes finished jobs older than `keep` (apalis' own vacuum is unusable: on SQLite it
/// compares integer and text times and deletes every finished job, then VACUUMs the
/// whole database; PostgreSQL has none), then workers no job refers to that have not
/// been seen for as long.
pub async fn prune(db: &Db, keep: Duration) -> anyhow::Result<u64> {
    let backend = db.backend();
    let secs = keep.as_secs() as i64;
    let (jobs, workers) = match backend {
        DatabaseBackend::Sqlite => (
            "DELETE FROM Jobs WHERE (status IN ('Done', 'Killed') OR (status = 'Failed' AND attempts >= max_attempts)) \
             AND done_at < CAST(strftime('%s','now') AS INTEGER) - ?",
            "DELETE FROM Workers WHERE last_seen < CAST(strftime('%s','now') AS INTEGER) - ? \
             AND id NOT IN (SELECT lock_by FROM Jobs WHERE lock_by IS NOT NULL)",
        ),
        _ => (
            "DELETE FROM apalis.jobs WHERE (status IN ('Done', 'Killed') OR (status = 'Failed' AND attempts >= max_attempts)) \
             AND done_at < now() - make_interval(secs => $1)",
            "DELETE FROM apalis.workers WHERE last_seen < now() - make_interval(secs => $1) \
             AND id NOT IN (SELECT lock_by FROM apalis.jobs WHERE lock_by IS NOT NULL)",
        ),
    };
    let pruned = db
        .conn()
        .execute_raw(Statement::from_sql_and_values(backend, jobs, [secs.into()]))
        .await?
        .rows_affected();
    db.conn()
        .execute_raw(Statement::from_sql_and_values(
            backend,
            workers,
            [secs.into()],
        ))
        .await?;
    Ok(pruned)
}
