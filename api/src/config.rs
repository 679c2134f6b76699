//! All configuration in one typed struct, read from flags and `FIREBREAK_*` environment
//! variables (clap shows both in `--help`). Secrets are wrapped so they never print.

use clap::{ArgAction, Args, ValueEnum};
use secrecy::SecretString;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Clone, Args)]
pub struct Config {
    /// Database URL: `sqlite://PATH` (created and migrated on start) or `postgres://…`.
    #[arg(
        long,
        env = "FIREBREAK_DATABASE_URL",
        default_value = "sqlite://firebreak.db",
        global = true
    )]
    pub database_url: String,

    /// Largest number of pooled database connections.
    #[arg(
        long,
        env = "FIREBREAK_DB_MAX_CONNECTIONS",
        default_value_t = 10,
        global = true
    )]
    pub db_max_connections: u32,

    #[command(flatten)]
    pub http: HttpConfig,

    #[command(flatten)]
    pub graphql: GraphqlConfig,

    #[command(flatten)]
    pub auth: AuthConfig,

    #[command(flatten)]
    pub worker: WorkerConfig,

    /// Log output format.
    #[arg(
        long,
        env = "FIREBREAK_LOG_FORMAT",
        value_enum,
        default_value = "text",
        global = true
    )]
    pub log_format: LogFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Args)]
pub struct HttpConfig {
    /// Address the HTTP server listens on.
    #[arg(
        long,
        env = "FIREBREAK_LISTEN",
        default_value = "127.0.0.1:8080",
        global = true
    )]
    pub listen: SocketAddr,

    /// Largest request body accepted, in bytes (larger: 413).
    #[arg(
        long,
        env = "FIREBREAK_MAX_BODY_BYTES",
        default_value_t = 1024 * 1024,
        global = true
    )]
    pub max_body_bytes: usize,

    /// Largest total size of the request headers, in bytes (larger: 431).
    #[arg(
        long,
        env = "FIREBREAK_MAX_HEADER_BYTES",
        default_value_t = 16 * 1024,
        global = true
    )]
    pub max_header_bytes: usize,

    /// Requests running longer than this are answered with 408.
    #[arg(long, env = "FIREBREAK_REQUEST_TIMEOUT", default_value = "30s", value_parser = humantime::parse_duration, global = true)]
    pub request_timeout: Duration,
}

#[derive(Debug, Clone, Args)]
pub struct GraphqlConfig {
    /// Deepest selection set a query may nest.
    #[arg(
        long,
        env = "FIREBREAK_GRAPHQL_MAX_DEPTH",
        default_value_t = 12,
        global = true
    )]
    pub max_depth: usize,

    /// Largest query complexity (each field 1, lists multiplied by their page size).
    #[arg(
        long,
        env = "FIREBREAK_GRAPHQL_MAX_COMPLEXITY",
        default_value_t = 20_000,
        global = true
    )]
    pub max_complexity: usize,

    /// Serve schema introspection (GraphiQL needs it). Switch off in production if the
    /// schema should not be browsable.
    #[arg(long, env = "FIREBREAK_GRAPHQL_INTROSPECTION", default_value_t = true, action = ArgAction::Set, global = true)]
    pub introspection: bool,

    /// Suggest field names in validation errors ("did you mean …").
    #[arg(long, env = "FIREBREAK_GRAPHQL_SUGGESTIONS", default_value_t = true, action = ArgAction::Set, global = true)]
    pub suggestions: bool,

    /// Most operations in one batched request (a JSON array body); 0 switches batching off.
    #[arg(
        long,
        env = "FIREBREAK_GRAPHQL_MAX_BATCH",
        default_value_t = 0,
        global = true
    )]
    pub max_batch: usize,

    /// How long the public status page is shared between requests before it is read
    /// again (0 reads it for every request).
    #[arg(long, env = "FIREBREAK_STATUS_PAGE_CACHE", default_value = "5s", value_parser = humantime::parse_duration, global = true)]
    pub status_page_cache: Duration,
}

#[derive(Debug, Clone, Args)]
pub struct AuthConfig {
    /// HMAC (HS256) secret for tokens Firebreak signs itself, at least 32 bytes. On SQLite,
    /// when unset, a random one is kept in a file beside the database.
    #[arg(
        long,
        env = "FIREBREAK_JWT_SECRET",
        hide_env_values = true,
        global = true
    )]
    pub jwt_secret: Option<SecretString>,

    /// A JSON Web Key Set file with further verification keys (an identity provider's public
    /// keys, retired secrets). Each key needs `kid` and `alg`; keys are never fetched from URLs.
    #[arg(long, env = "FIREBREAK_JWT_KEYS_FILE", global = true)]
    pub jwt_keys_file: Option<PathBuf>,

    /// Expected `iss` claim.
    #[arg(
        long,
        env = "FIREBREAK_JWT_ISSUER",
        default_value = "firebreak",
        global = true
    )]
    pub jwt_issuer: String,

    /// Expected `aud` claim.
    #[arg(
        long,
        env = "FIREBREAK_JWT_AUDIENCE",
        default_value = "firebreak",
        global = true
    )]
    pub jwt_audience: String,

    /// Clock skew tolerated on `exp` and `nbf`, in seconds.
    #[arg(
        long,
        env = "FIREBREAK_JWT_LEEWAY_SECONDS",
        default_value_t = 5,
        global = true
    )]
    pub jwt_leeway_seconds: u64,

    /// Create unknown users (as viewers) on their first valid identity-provider token.
    #[arg(long, env = "FIREBREAK_AUTO_PROVISION", default_value_t = false, action = ArgAction::Set, global = true)]
    pub auto_provision: bool,

    /// Largest `Authorization` header accepted, in bytes (larger: 431, before any parsing).
    #[arg(
        long,
        env = "FIREBREAK_MAX_AUTH_HEADER_BYTES",
        default_value_t = 8 * 1024,
        global = true
    )]
    pub max_auth_header_bytes: usize,
}

/// The background worker: when it scans, how it delivers, how long it keeps things.
#[derive(Debug, Clone, Args)]
pub struct WorkerConfig {
    /// When the worker looks for what has become due: a cron expression with seconds
    /// (every minute by default). It also looks once on start, to catch up.
    #[arg(
        long,
        env = "FIREBREAK_SCAN_SCHEDULE",
        default_value = "0 * * * * *",
        global = true
    )]
    pub scan_schedule: String,

    /// Deliveries run at once per worker process.
    #[arg(
        long,
        env = "FIREBREAK_WORKER_CONCURRENCY",
        default_value_t = 8,
        global = true
    )]
    pub concurrency: usize,

    /// How often a worker tells the queue it is alive; a worker silent for two of these
    /// is presumed dead and its jobs go back to the queue.
    #[arg(long, env = "FIREBREAK_WORKER_HEARTBEAT", default_value = "30s", value_parser = humantime::parse_duration, global = true)]
    pub heartbeat: Duration,

    /// How long one delivery attempt holds its notification; a worker killed mid-send
    /// lets go after this. Longer than the delivery timeout.
    #[arg(long, env = "FIREBREAK_DELIVERY_LEASE", default_value = "60s", value_parser = humantime::parse_duration, global = true)]
    pub delivery_lease: Duration,

    /// How long a receiver has to answer one delivery.
    #[arg(long, env = "FIREBREAK_DELIVERY_TIMEOUT", default_value = "10s", value_parser = humantime::parse_duration, global = true)]
    pub delivery_timeout: Duration,

    /// Wait before the first retry of a failed delivery; each later one doubles (at most
    /// an hour).
    #[arg(long, env = "FIREBREAK_DELIVERY_BACKOFF", default_value = "30s", value_parser = humantime::parse_duration, global = true)]
    pub delivery_backoff: Duration,

    /// Attempts before a delivery is marked failed.
    #[arg(
        long,
        env = "FIREBREAK_DELIVERY_MAX_ATTEMPTS",
        default_value_t = 8,
        global = true
    )]
    pub delivery_max_attempts: u32,

    /// The mail server for e-mail notifications: `smtp://user:pass@host:587?tls=required`
    /// (STARTTLS), `smtps://…:465` (TLS), or `smtp://host:25` (plain, for a local relay).
    /// Unset: e-mail contact methods are refused.
    #[arg(
        long,
        env = "FIREBREAK_SMTP_URL",
        hide_env_values = true,
        global = true
    )]
    pub smtp_url: Option<secrecy::SecretString>,

    /// The sender of e-mail notifications, e.g. `Firebreak <firebreak@example.com>`.
    #[arg(
        long,
        env = "FIREBREAK_SMTP_FROM",
        default_value = "Firebreak <firebreak@localhost>",
        global = true
    )]
    pub smtp_from: String,

    /// Where people open Firebreak's objects (a frontend's address): Slack messages link to
    /// `<this>/incidents/<id>`. Unset: no links.
    #[arg(long, env = "FIREBREAK_PUBLIC_URL", global = true)]
    pub public_url: Option<String>,

    /// Allow webhooks to loopback and private addresses (off: such targets are refused).
    #[arg(long, env = "FIREBREAK_OUTBOUND_ALLOW_PRIVATE", default_value_t = false, action = ArgAction::Set, global = true)]
    pub outbound_allow_private: bool,

    /// How long finished jobs are kept in the queue's tables.
    #[arg(long, env = "FIREBREAK_RETAIN_JOBS", default_value = "7d", value_parser = humantime::parse_duration, global = true)]
    pub retain_jobs: Duration,

    /// How long delivered (or failed, or inbox-only) notifications are kept.
    #[arg(long, env = "FIREBREAK_RETAIN_NOTIFICATIONS", default_value = "90d", value_parser = humantime::parse_duration, global = true)]
    pub retain_notifications: Duration,

    /// How long resolved alerts (and their pages) are kept. The load report and metrics
    /// only see what is kept.
    #[arg(long, env = "FIREBREAK_RETAIN_ALERTS", default_value = "400d", value_parser = humantime::parse_duration, global = true)]
    pub retain_alerts: Duration,
}

impl Config {
    /// The configuration with every default, as `firebreak` with no flags and no
    /// environment would have it (tests start from this).
    pub fn defaults() -> Self {
        use clap::{FromArgMatches, Parser};
        #[derive(Parser)]
        struct Only {
            #[command(flatten)]
            config: Config,
        }
        let matches = <Only as clap::CommandFactory>::command()
            .no_binary_name(true)
            .get_matches_from(Vec::<String>::new());
        match Only::from_arg_matches(&matches) {
            Ok(only) => only.config,
            Err(e) => panic!("defaults must parse: {e}"),
        }
    }

    pub fn is_sqlite(&self) -> bool {
        self.database_url.starts_with("sqlite:")
    }
}
