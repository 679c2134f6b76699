//! Connecting to SQLite or PostgreSQL, migrating, and starting write transactions that
//! cannot fail with "database is locked".

use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseBackend, DatabaseConnection,
    DatabaseTransaction, DbErr, ExecResult, QueryResult, SqliteTransactionMode, Statement,
    TransactionOptions, TransactionTrait,
};
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Key of the PostgreSQL advisory lock held while migrating, so replicas that start
/// together migrate one after another.
const MIGRATION_LOCK_KEY: i64 = 0x0F1E_B4EA_C000_0001;

/// How long an SQLite connection waits for another writer before giving up.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// SQLite's page cache per connection, in KiB when negative: 512 KiB, against SQLite's
/// 2 MB. Each pooled connection keeps its own, and a start that scans a large database
/// opens several: at 2 MB they held a quarter of an idle server's memory (35 MB resident
/// with 20,000 incidents, 29-30 MB at 512 KiB). The file's pages stay in the kernel's
/// cache, shared by all connections, and the reference benchmark's reads moved within
/// their spread.
const SQLITE_CACHE_SIZE: &str = "-512";

/// How long a request waits for a database connection before it is told the service is
/// unavailable (`UNAVAILABLE`, HTTP 503). When PostgreSQL is down, opening a connection
/// fails at once and the pool keeps retrying until this runs out; a short wait turns an
/// outage into a fast, clear error instead of a hang. SQLite connections are local files
/// and never wait this long.
pub const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);

/// A pooled connection idle for this long is pinged before it is handed out.
const IDLE_PING: Duration = Duration::from_secs(1);

/// How long opening one PostgreSQL connection may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

/// How long `/readyz` waits for the database's answer before it says 503.
pub const READY_TIMEOUT: Duration = Duration::from_millis(500);

#[derive(Debug, Clone)]
pub struct Db {
    conn: DatabaseConnection,
    /// SQLite has one writer at a time. Writers of this process queue here, first come
    /// first served, instead of in SQLite's busy handler, which polls with sleeps of up to
    /// 100 ms and serves no order: under 32 concurrent writers its slowest waited over a
    /// second. (SQLite is the single-process default; on PostgreSQL rows are locked as
    /// needed and writers do not queue.)
    writers: Option<Arc<Semaphore>>,
}

impl Db {
    pub async fn connect(url: &str, max_connections: u32) -> Result<Self, DbErr> {
        let mut options = ConnectOptions::new(url.to_owned());
        options
            .max_connections(max_connections.max(2))
            .min_connections(1)
            .connect_timeout(CONNECT_TIMEOUT)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            // A connection that died with the server is found out before it is used: sqlx
            // pings each connection as it goes back to the pool, and one idle for a second
            // again before it is handed out. (Pinging on every hand-out, the default, added
            // a round trip to every statement under load.)
            .test_before_acquire_if_idle_for(IDLE_PING)
            .sqlx_logging(false);
        if url.starts_with("sqlite:") {
            // WAL lets readers run beside the writer; NORMAL is durable at each checkpoint
            // and safe with WAL; foreign keys are off in SQLite unless asked for.
            options.map_sqlx_sqlite_opts(|o: SqliteConnectOptions| {
                o.create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .foreign_keys(true)
                    .busy_timeout(SQLITE_BUSY_TIMEOUT)
                    .pragma("cache_size", SQLITE_CACHE_SIZE)
            });
        }
        let mut conn = Database::connect(options).await?;
        // Each statement counts for the request that ran it; with
        // `RUST_LOG=firebreak::sql=trace` each one is also logged with its time.
        conn.set_metric_callback(|info| {
            statements::count();
            tracing::trace!(
                target: "firebreak::sql",
                sql = %info.statement.sql,
                micros = info.elapsed.as_micros() as u64,
                failed = info.failed,
            );
        });
        let writers = url
            .starts_with("sqlite:")
            .then(|| Arc::new(Semaphore::new(1)));
        let db = Self { conn, writers };
        if db.backend() == DatabaseBackend::Sqlite && !db.sqlite_plans_stable().await? {
            tracing::warn!(
                "SQLite was built without SQLITE_ENABLE_QPSG (see .cargo/config.toml): \
                 statements with a LIMIT are compiled again on every run"
            );
        }
        Ok(db)
    }

    /// Whether SQLite keeps a statement's plan when its values are bound anew, so cached
    /// statements with `LIMIT ?` are not compiled again on each run (`.cargo/config.toml`).
    pub async fn sqlite_plans_stable(&self) -> Result<bool, DbErr> {
        let options = self
            .conn
            .query_all_raw(Statement::from_string(
                DatabaseBackend::Sqlite,
                "PRAGMA compile_options",
            ))
            .await?;
        Ok(options.iter().any(|row| {
            row.try_get_by_index::<String>(0)
                .is_ok_and(|o| o == "ENABLE_QPSG")
        }))
    }

    pub fn conn(&self) -> &DatabaseConnection {
        &self.conn
    }

    pub fn backend(&self) -> DatabaseBackend {
        self.conn.get_database_backend()
    }

    /// Runs the migrations. On PostgreSQL a transaction-scoped advisory lock, held on its
    /// own connection, serialises concurrent starters; the second one finds nothing to do.
    pub async fn migrate(&self) -> Result<(), DbErr> {
        if self.backend() == DatabaseBackend::Postgres {
            let lock = self.conn.begin().await?;
            lock.execute_raw(Statement::from_sql_and_values(
                DatabaseBackend::Postgres,
                "SELECT pg_advisory_xact_lock($1)",
                [MIGRATION_LOCK_KEY.into()],
            ))
            .await?;
            // The migrations run on the lock's own connection, inside its transaction:
            // one connection for the whole check, where the pool would open a new one
            // (tens of milliseconds on PostgreSQL) for each statement the migrator sends
            // while the lock holds the first. A failed migration rolls all of this start's
            // migrations back with the lock.
            Migrator::up(&lock, None).await?;
            lock.commit().await
        } else {
            Migrator::up(&self.conn, None).await
        }
    }

    /// Starts a transaction that will write. On SQLite it is `BEGIN IMMEDIATE`: the write
    /// lock is taken up front (waiting up to the busy timeout), so two transactions that
    /// both read then write can never deadlock into SQLITE_BUSY half-way.
    pub async fn begin_write(&self) -> Result<WriteTxn, DbErr> {
        let turn = match &self.writers {
            Some(queue) => Some(
                queue
                    .clone()
                    .acquire_owned()
                    .await
                    .map_err(|_| DbErr::Custom("the writer queue was closed".into()))?,
            ),
            None => None,
        };
        let txn = self
            .conn
            .begin_with_options(TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                ..Default::default()
            })
            .await?;
        Ok(WriteTxn { txn, _turn: turn })
    }

    /// A cheap round trip for readiness checks, bounded by [`READY_TIMEOUT`].
    pub async fn ping(&self) -> Result<(), DbErr> {
        match tokio::time::timeout(READY_TIMEOUT, self.conn.ping()).await {
            Ok(result) => result,
            Err(_) => Err(DbErr::Custom("the database did not answer in time".into())),
        }
    }

    /// Connections in the pool and how many are idle, for `/metrics`.
    pub fn pool_state(&self) -> (u32, usize) {
        match self.backend() {
            DatabaseBackend::Sqlite => {
                let pool = self.conn.get_sqlite_connection_pool();
                (pool.size(), pool.num_idle())
            }
            DatabaseBackend::Postgres => {
                let pool = self.conn.get_postgres_connection_pool();
                (pool.size(), pool.num_idle())
            }
            _ => (0, 0),
        }
    }

    pub async fn close(self) -> Result<(), DbErr> {
        self.conn.close().await
    }
}

/// A write transaction; on SQLite it holds this process's turn to write until it is
/// committed, rolled back or dropped.
pub struct WriteTxn {
    txn: DatabaseTransaction,
    _turn: Option<OwnedSemaphorePermit>,
}

impl WriteTxn {
    pub async fn commit(self) -> Result<(), DbErr> {
        self.txn.commit().await
    }

    pub async fn rollback(self) -> Result<(), DbErr> {
        self.txn.rollback().await
    }
}

impl std::ops::Deref for WriteTxn {
    type Target = DatabaseTransaction;

    fn deref(&self) -> &DatabaseTransaction {
        &self.txn
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for WriteTxn {
    fn get_database_backend(&self) -> DatabaseBackend {
        self.txn.get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.txn.execute_raw(stmt).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.txn.execute_unprepared(sql).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.txn.query_one_raw(stmt).await
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.txn.query_all_raw(stmt).await
    }

    fn support_returning(&self) -> bool {
        self.txn.support_returning()
    }

    fn is_mock_connection(&self) -> bool {
        self.txn.is_mock_connection()
    }
}

/// Counting the SQL statements a request runs, to catch N+1 queries: the counter is a
/// task-local set around a request's execution (and around the tasks its DataLoaders
/// spawn), incremented by sea-orm's metric callback for every statement.
pub mod statements {
    use std::future::Future;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    tokio::task_local! {
        static COUNTER: Arc<AtomicUsize>;
    }

    pub(super) fn count() {
        let _ = COUNTER.try_with(|c| c.fetch_add(1, Ordering::Relaxed));
    }

    /// Runs `fut` with `counter` counting its statements.
    pub async fn counting<F: Future>(counter: Arc<AtomicUsize>, fut: F) -> F::Output {
        COUNTER.scope(counter, fut).await
    }

    /// The counter of the current task, if any (to hand on to spawned tasks).
    pub fn current() -> Option<Arc<AtomicUsize>> {
        COUNTER.try_with(Arc::clone).ok()
    }
}

/// The file behind an `sqlite:` URL, if it names one (not `:memory:`).
pub fn sqlite_file(url: &str) -> Option<PathBuf> {
    let options = SqliteConnectOptions::from_str(url).ok()?;
    let path = options.get_filename();
    let text = path.to_string_lossy();
    if text.is_empty() || text.contains(":memory:") {
        None
    } else {
        Some(path.to_path_buf())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn sqlite_is_built_to_keep_plans_of_cached_statements() {
        let db = Db::connect("sqlite::memory:", 2).await.unwrap();
        assert!(db.sqlite_plans_stable().await.unwrap());
    }
}
