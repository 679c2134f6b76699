//! The end-to-end test harness: boots the real router on port 0 against a fresh SQLite
//! file or a fresh PostgreSQL database, and talks to it over HTTP.
//!
//! PostgreSQL: one database per test, created from a template migrated once per test
//! process (`CREATE DATABASE … TEMPLATE …`), dropped when the test's app is dropped. The
//! server is `FIREBREAK_TEST_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432/test`);
//! when it cannot be reached, PostgreSQL tests are skipped with a message on stderr, except
//! under `CI=true`, where they fail.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, TimeZone, Utc};
use entity::Role;
use firebreak::app::AppState;
use firebreak::auth::keys::KeyRing;
use firebreak::config::Config;
use firebreak::db::Db;
use reqwest::header::{HeaderMap, HeaderValue};
use scheduler::clock::{ManualClock, SharedClock};
use sea_orm::sqlx::{AssertSqlSafe, Connection, PgConnection};
use serde_json::{Value, json};
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::{Mutex, OnceCell};

pub use serde_json;

pub mod external;
pub mod leaks;
pub mod sink;
pub mod smtp;
pub mod worker;
pub use external::{free_port, node, node_dir, skip_or_fail};
pub use sink::Sink;
pub use smtp::SmtpSink;

/// Which database an end-to-end test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs an async test body once per backend: `e2e!(name, |app| { ... });` makes
/// `name::sqlite` and `name::postgres`.
#[macro_export]
macro_rules! e2e {
    ($name:ident, |$app:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let $app = $crate::TestApp::spawn($crate::Backend::Sqlite)
                    .await
                    .expect("SQLite is always available");
                $body
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let Some($app) = $crate::TestApp::spawn($crate::Backend::Postgres).await else {
                    return;
                };
                $body
            }
        }
    };
}

/// The fixed start of every test's clock, a Monday.
pub fn epoch() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap()
}

pub const TEST_SECRET: &str = "firebreak-test-secret-0123456789abcdef0123456789";

pub struct TestApp {
    pub addr: SocketAddr,
    pub backend: Backend,
    pub client: reqwest::Client,
    pub clock: Arc<ManualClock>,
    pub state: AppState,
    users: AtomicU64,
    _guard: DbGuard,
}

/// The response to a GraphQL request.
#[derive(Debug, Clone)]
pub struct Gql {
    pub status: u16,
    pub content_type: String,
    pub body: Value,
}

impl Gql {
    pub fn data(&self) -> &Value {
        &self.body["data"]
    }
    /// The code of the first error, if any.
    pub fn code(&self) -> Option<&str> {
        self.body["errors"][0]["extensions"]["code"].as_str()
    }
    pub fn codes(&self) -> Vec<String> {
        self.body["errors"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|e| e["extensions"]["code"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }
    /// Panics with the whole body unless the request succeeded without errors.
    #[track_caller]
    pub fn ok(&self) -> &Value {
        assert_eq!(
            self.status, 200,
            "expected success, got {}: {}",
            self.status, self.body
        );
        assert!(
            self.body.get("errors").is_none(),
            "unexpected errors: {}",
            self.body
        );
        &self.body["data"]
    }
    /// The reason of the first error, if any.
    pub fn reason(&self) -> Option<&str> {
        self.body["errors"][0]["extensions"]["reason"].as_str()
    }
    /// Asserts the first error's code and reason.
    #[track_caller]
    pub fn expect_reason(&self, code: &str, reason: &str) {
        self.expect_code(code);
        assert_eq!(
            self.reason(),
            Some(reason),
            "expected {reason}: {}",
            self.body
        );
    }
    /// Asserts the first error's code.
    #[track_caller]
    pub fn expect_code(&self, code: &str) {
        assert_eq!(
            self.code(),
            Some(code),
            "expected {code}: {} {}",
            self.status,
            self.body
        );
    }
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> Option<TestApp> {
        Self::spawn_with(backend, |_| {}).await
    }

    /// Boots an app on a PostgreSQL database the test created and removes itself.
    pub async fn spawn_on_postgres_url(url: &str) -> TestApp {
        let url = url.to_owned();
        Self::spawn_inner(Backend::Postgres, DbGuard::External, move |c| {
            c.database_url = url;
        })
        .await
    }

    /// Boots an app; `adjust` may change the configuration first.
    pub async fn spawn_with(backend: Backend, adjust: impl FnOnce(&mut Config)) -> Option<TestApp> {
        let (url, guard) = match backend {
            Backend::Sqlite => {
                let dir = std::env::temp_dir()
                    .join("firebreak-tests")
                    .join(uuid::Uuid::now_v7().to_string());
                std::fs::create_dir_all(&dir).unwrap();
                let url = format!("sqlite://{}", dir.join("test.db").display());
                (url, DbGuard::Sqlite(dir))
            }
            Backend::Postgres => postgres_database().await?,
        };
        Some(
            Self::spawn_inner(backend, guard, move |c| {
                c.database_url = url;
                adjust(c);
            })
            .await,
        )
    }

    async fn spawn_inner(
        backend: Backend,
        guard: DbGuard,
        adjust: impl FnOnce(&mut Config),
    ) -> TestApp {
        Self::spawn_full(backend, guard, adjust, false).await
    }

    /// Boots an app that queues the deliveries its requests write, as `firebreak api`
    /// does (for a worker process to pick up).
    pub async fn spawn_queued(backend: Backend) -> Option<TestApp> {
        let (url, guard) = match backend {
            Backend::Sqlite => {
                let dir = std::env::temp_dir()
                    .join("firebreak-tests")
                    .join(uuid::Uuid::now_v7().to_string());
                std::fs::create_dir_all(&dir).unwrap();
                let url = format!("sqlite://{}", dir.join("test.db").display());
                (url, DbGuard::Sqlite(dir))
            }
            Backend::Postgres => postgres_database().await?,
        };
        Some(Self::spawn_full(backend, guard, move |c| c.database_url = url, true).await)
    }

    async fn spawn_full(
        backend: Backend,
        guard: DbGuard,
        adjust: impl FnOnce(&mut Config),
        queued: bool,
    ) -> TestApp {
        let mut config = Config::defaults();
        config.http.listen = "127.0.0.1:0".parse().unwrap();
        config.auth.jwt_secret = Some(TEST_SECRET.to_owned().into());
        // Tests read the status page right after changing it: no sharing between requests
        // unless a test asks for it.
        config.graphql.status_page_cache = std::time::Duration::ZERO;
        // Deliveries go to sinks on this machine.
        config.worker.outbound_allow_private = true;
        adjust(&mut config);
        let clock = Arc::new(ManualClock::new(epoch()));
        let shared: SharedClock = clock.clone();
        let keys = firebreak::app::load_keys(&config).unwrap();
        let db = firebreak::app::open_database(&config, &shared)
            .await
            .unwrap();
        let queue = if queued {
            Some(
                firebreak::worker::queue::Queue::open(&db, config.worker.heartbeat)
                    .await
                    .unwrap(),
            )
        } else {
            None
        };
        let mut state = AppState::from_parts(config, shared, db, keys).unwrap();
        state.queue = queue;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let router = firebreak::http::router(state.clone());
        tokio::spawn(async move {
            axum::serve(listener, router).await.ok();
        });
        TestApp {
            addr,
            backend,
            client: reqwest::Client::new(),
            clock,
            state,
            users: AtomicU64::new(0),
            _guard: guard,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub fn db(&self) -> &Db {
        &self.state.db
    }

    pub fn now(&self) -> DateTime<Utc> {
        scheduler::clock::Clock::now(self.clock.as_ref())
    }

    pub fn advance_clock(&self, by: chrono::Duration) {
        self.clock.advance(by);
    }

    /// A key ring with the test secret, for signing tokens by hand.
    pub fn keys() -> KeyRing {
        let mut ring = KeyRing::default();
        ring.add_local_secret(TEST_SECRET.as_bytes()).unwrap();
        ring
    }

    /// Signs a token for `login` as `firebreak token` would.
    pub fn sign(&self, login: &str) -> String {
        self.state
            .tokens
            .sign(login, chrono::Duration::hours(12), self.now())
            .unwrap()
    }

    /// Creates a user with `role` (as the `token` command does) and returns its id and a
    /// token.
    pub async fn user(&self, role: Role) -> (String, String) {
        let n = self.users.fetch_add(1, Ordering::SeqCst);
        self.named_user(&format!("{}-{n}", role.as_str()), role)
            .await
    }

    pub async fn named_user(&self, login: &str, role: Role) -> (String, String) {
        let row = firebreak::services::users::upsert_local(self.db(), login, role, self.now())
            .await
            .unwrap();
        (row.id.to_string(), self.sign(login))
    }

    /// Creates a user who signs in with the identity provider's tokens (`sub` = `login`),
    /// as an admin would; returns its id.
    pub async fn idp_user(&self, login: &str, role: Role) -> String {
        let admin = self.token(Role::Admin).await;
        let res = self
            .gql(
                Some(&admin),
                "mutation($in: CreateUserInput!) { createUser(input: $in) { user { id } } }",
                json!({ "in": { "login": login, "name": login, "role": role.as_str().to_uppercase(), "identityProvider": true } }),
            )
            .await;
        res.ok()["createUser"]["user"]["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// A token for a new user with `role`.
    pub async fn token(&self, role: Role) -> String {
        self.user(role).await.1
    }

    /// POSTs a GraphQL request as JSON.
    pub async fn gql(&self, token: Option<&str>, query: &str, variables: Value) -> Gql {
        let mut req = self
            .client
            .post(self.url("/graphql"))
            .header("accept", "application/graphql-response+json")
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        Self::read(req.send().await.unwrap()).await
    }

    /// Runs `mutation($in: <input_type>!) { <mutation>(input: $in) { <select> } }`.
    pub async fn call(
        &self,
        token: &str,
        mutation: &str,
        input_type: &str,
        input: Value,
        select: &str,
    ) -> Gql {
        let q = format!("mutation($in: {input_type}!) {{ {mutation}(input: $in) {{ {select} }} }}");
        self.gql(Some(token), &q, json!({ "in": input })).await
    }

    /// Creates a team as `admin` and returns its id.
    pub async fn team(&self, admin: &str, name: &str) -> String {
        let res = self
            .call(
                admin,
                "createTeam",
                "CreateTeamInput",
                json!({ "name": name }),
                "team { id }",
            )
            .await;
        res.ok()["createTeam"]["team"]["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// Declares an incident and returns it (`id`, `channel`).
    pub async fn declare(&self, token: &str, input: Value) -> Value {
        self.call(
            token,
            "declareIncident",
            "DeclareIncidentInput",
            input,
            "incident { id channel }",
        )
        .await
        .ok()["declareIncident"]["incident"]
            .clone()
    }

    /// POSTs raw bytes as `application/json` to `/graphql`, accepting `accept`.
    pub async fn post_body(&self, accept: &str, body: &[u8]) -> Gql {
        self.raw(
            reqwest::Method::POST,
            "/graphql",
            &[("content-type", "application/json"), ("accept", accept)],
            Some(body.to_vec()),
        )
        .await
    }

    /// A value of `/metrics`: the line starting with `key` (its labels included).
    pub async fn metric(&self, key: &str) -> f64 {
        let metrics = self
            .client
            .get(self.url("/metrics"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        metrics
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .unwrap_or_else(|| panic!("no {key} in {metrics}"))
            .trim()
            .parse()
            .unwrap()
    }

    /// How many requests of `operation` ran, and how many SQL statements they ran in all.
    pub async fn statements(&self, operation: &str) -> (f64, f64) {
        let key = |what: &str| {
            format!("firebreak_graphql_sql_statements_{what}{{operation=\"{operation}\"}} ")
        };
        (
            self.metric(&key("count")).await,
            self.metric(&key("sum")).await,
        )
    }

    /// Sends a raw request to `/graphql` with the given method, headers and body.
    pub async fn raw(
        &self,
        method: reqwest::Method,
        path_and_query: &str,
        headers: &[(&str, &str)],
        body: Option<Vec<u8>>,
    ) -> Gql {
        let mut map = HeaderMap::new();
        for (k, v) in headers {
            map.append(
                reqwest::header::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        let mut req = self
            .client
            .request(method, self.url(path_and_query))
            .headers(map);
        if let Some(b) = body {
            req = req.body(b);
        }
        Self::read(req.send().await.unwrap()).await
    }

    async fn read(res: reqwest::Response) -> Gql {
        let status = res.status().as_u16();
        let content_type = res
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let text = res.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Gql {
            status,
            content_type,
            body,
        }
    }
}

enum DbGuard {
    Sqlite(PathBuf),
    Postgres {
        admin_url: String,
        name: String,
    },
    /// A database the test manages itself.
    External,
}

impl Drop for DbGuard {
    fn drop(&mut self) {
        match self {
            DbGuard::Sqlite(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            DbGuard::External => {}
            DbGuard::Postgres { admin_url, name } => {
                let (url, name) = (admin_url.clone(), name.clone());
                // Drop runs inside the test's runtime: use a thread with its own.
                let _ = std::thread::spawn(move || {
                    let rt = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .unwrap();
                    rt.block_on(async {
                        if let Ok(mut c) = PgConnection::connect(&url).await {
                            let _ = exec(
                                &mut c,
                                format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
                            )
                            .await;
                        }
                    });
                })
                .join();
            }
        }
    }
}

/// Runs one administrative statement (names are ours, never user input).
async fn exec(conn: &mut PgConnection, sql: String) -> Result<(), sea_orm::sqlx::Error> {
    sea_orm::sqlx::raw_sql(AssertSqlSafe(sql))
        .execute(conn)
        .await
        .map(|_| ())
}

fn postgres_admin_url() -> String {
    std::env::var("FIREBREAK_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

fn with_database(url: &str, name: &str) -> String {
    match url.rfind('/') {
        Some(i) if url[..i].contains("://") && url[..i].len() > url.find("://").unwrap() + 2 => {
            let rest = &url[i + 1..];
            let query = rest.find('?').map(|q| &rest[q..]).unwrap_or("");
            format!("{}/{}{}", &url[..i], name, query)
        }
        _ => format!("{url}/{name}"),
    }
}

static TEMPLATE: OnceCell<Option<String>> = OnceCell::const_new();
static CREATE_LOCK: Mutex<()> = Mutex::const_new(());
static COUNTER: AtomicU64 = AtomicU64::new(0);

fn skip(reason: &str) {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // Written to the real stderr, not through the captured `eprintln!`, so the notice
        // shows even though the (passing) tests' output is hidden.
        let _ = writeln!(
            std::io::stderr(),
            "\n*** SKIPPING the PostgreSQL end-to-end tests: {reason}. Set \
             FIREBREAK_TEST_POSTGRES_URL to a reachable server to run them. ***\n"
        );
    });
}

/// Drops databases left behind by earlier test processes that are gone (a crashed run).
async fn drop_stale(conn: &mut PgConnection) {
    let rows: Vec<(String,)> = sea_orm::sqlx::query_as(
        "SELECT datname FROM pg_database WHERE datname LIKE 'firebreak\\_t%'",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap_or_default();
    for (name,) in rows {
        let pid = name.split('_').nth(2).and_then(|p| p.parse::<u32>().ok());
        let alive = pid.is_some_and(|p| std::path::Path::new(&format!("/proc/{p}")).exists());
        if !alive {
            let _ = exec(conn, format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await;
        }
    }
}

async fn template(admin_url: &str) -> Option<String> {
    TEMPLATE
        .get_or_init(|| async {
            let mut conn = match PgConnection::connect(admin_url).await {
                Ok(c) => c,
                Err(e) => {
                    if std::env::var("CI").is_ok_and(|v| v == "true") {
                        panic!("CI=true but PostgreSQL at {admin_url} is unreachable: {e}");
                    }
                    skip(&format!("PostgreSQL at {admin_url} is unreachable ({e})"));
                    return None;
                }
            };
            drop_stale(&mut conn).await;
            let name = format!("firebreak_tpl_{}", std::process::id());
            exec(
                &mut conn,
                format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            )
            .await
            .unwrap();
            exec(&mut conn, format!("CREATE DATABASE {name}"))
                .await
                .unwrap();
            let db = Db::connect(&with_database(admin_url, &name), 2)
                .await
                .unwrap();
            db.migrate().await.unwrap();
            db.close().await.unwrap();
            Some(name)
        })
        .await
        .clone()
}

/// A database with nothing in it (not even migrations), removed when dropped: for tests
/// that migrate step by step. `None` when PostgreSQL is unreachable outside CI.
pub struct EmptyDatabase {
    pub url: String,
    _guard: DbGuard,
}

impl EmptyDatabase {
    pub async fn create(backend: Backend) -> Option<EmptyDatabase> {
        let (url, guard) = match backend {
            Backend::Sqlite => {
                let dir = std::env::temp_dir()
                    .join("firebreak-tests")
                    .join(uuid::Uuid::now_v7().to_string());
                std::fs::create_dir_all(&dir).unwrap();
                let url = format!("sqlite://{}", dir.join("test.db").display());
                (url, DbGuard::Sqlite(dir))
            }
            Backend::Postgres => {
                let admin_url = postgres_admin_url();
                // Reachability (and the CI rule) as for every PostgreSQL test.
                template(&admin_url).await?;
                let name = format!(
                    "firebreak_t_{}_{}",
                    std::process::id(),
                    COUNTER.fetch_add(1, Ordering::SeqCst)
                );
                let mut conn = PgConnection::connect(&admin_url).await.unwrap();
                exec(&mut conn, format!("CREATE DATABASE {name}"))
                    .await
                    .unwrap();
                conn.close().await.ok();
                (
                    with_database(&admin_url, &name),
                    DbGuard::Postgres { admin_url, name },
                )
            }
        };
        Some(EmptyDatabase { url, _guard: guard })
    }
}

async fn postgres_database() -> Option<(String, DbGuard)> {
    let admin_url = postgres_admin_url();
    let template = template(&admin_url).await?;
    let name = format!(
        "firebreak_t_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    );
    {
        // Copying a template needs it free of other copies in progress.
        let _lock = CREATE_LOCK.lock().await;
        let mut conn = PgConnection::connect(&admin_url).await.unwrap();
        exec(
            &mut conn,
            format!("CREATE DATABASE {name} TEMPLATE {template}"),
        )
        .await
        .unwrap();
        conn.close().await.ok();
    }
    Some((
        with_database(&admin_url, &name),
        DbGuard::Postgres { admin_url, name },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_names_replace_the_path() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/test", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(
            with_database("postgres://u@h/test?sslmode=disable", "x"),
            "postgres://u@h/x?sslmode=disable"
        );
    }
}
