//! The `firebreak` command line: `serve` (API and worker, the default), `api`, `worker`,
//! `migrate`, `token`.

use crate::app::{self, AppState};
use crate::config::Config;
use crate::services::users;
use crate::telemetry;
use crate::worker::{self, Worker, queue::Queue};
use clap::{Parser, Subcommand};
use entity::Role;
use scheduler::clock::{SharedClock, SystemClock};
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, Parser)]
#[command(
    name = "firebreak",
    version,
    about = "Incident management and on-call: a GraphQL API and its scheduler"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub config: Config,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the API (and GraphiQL) and the background worker in one process. The default.
    Serve,
    /// Run the API alone (run workers with `firebreak worker`).
    Api,
    /// Run the background worker alone; it serves /healthz, /readyz and /metrics on the
    /// listen address.
    Worker,
    /// Apply database migrations and exit.
    Migrate,
    /// Create or update a user with a role and print a token for it (local, needs the
    /// database and an HMAC secret). This is how the first admin is made.
    Token(TokenArgs),
}

#[derive(Debug, clap::Args)]
pub struct TokenArgs {
    /// The user's login (the token's `sub`).
    #[arg(long)]
    pub user: String,
    /// viewer, responder, manager or admin.
    #[arg(long)]
    pub role: Role,
    /// How long the token is valid, e.g. `12h`, `30m`, `7d`.
    #[arg(long, default_value = "12h", value_parser = humantime::parse_duration)]
    pub ttl: Duration,
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    telemetry::init(cli.config.log_format);
    let clock: SharedClock = Arc::new(SystemClock);
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let config = cli.config.clone();
            let mut state = AppState::build(cli.config, clock.clone()).await?;
            let queue = Queue::open(&state.db, config.worker.heartbeat).await?;
            state.queue = Some(queue.clone());
            let worker = Arc::new(Worker::new(
                &config.worker,
                state.db.clone(),
                clock,
                Arc::clone(&state.metrics),
                Some(queue),
            )?);
            let db = state.db.clone();
            let stop = app::shared_shutdown();
            // If either stops with an error, the process exits with it (a dead worker
            // behind a healthy API would go unnoticed).
            let result = tokio::try_join!(
                app::serve_until(state, stop()),
                worker::run(worker, &config.worker, stop())
            );
            db.close().await.ok();
            result.map(|_| ())
        }
        Command::Api => {
            let heartbeat = cli.config.worker.heartbeat;
            let mut state = AppState::build(cli.config, clock).await?;
            state.queue = Some(Queue::open(&state.db, heartbeat).await?);
            app::serve(state).await
        }
        Command::Worker => run_worker(cli.config, clock).await,
        Command::Migrate => {
            app::open_database(&cli.config, &clock).await?;
            tracing::info!("migrations applied");
            Ok(())
        }
        Command::Token(args) => {
            let token = issue_token(&cli.config, &clock, &args).await?;
            println!("{token}");
            Ok(())
        }
    }
}

/// `firebreak worker`: the worker, and its health and metrics on the listen address.
async fn run_worker(config: Config, clock: SharedClock) -> anyhow::Result<()> {
    let db = app::open_database(&config, &clock).await?;
    let metrics = Arc::new(crate::metrics::Metrics::new()?);
    let queue = Queue::open(&db, config.worker.heartbeat).await?;
    let worker = Arc::new(Worker::new(
        &config.worker,
        db.clone(),
        clock.clone(),
        Arc::clone(&metrics),
        Some(queue),
    )?);
    let listener = tokio::net::TcpListener::bind(config.http.listen).await?;
    tracing::info!(
        "worker health and metrics on http://{}/metrics",
        listener.local_addr()?
    );
    let stop = app::shared_shutdown();
    let http = axum::serve(
        listener,
        worker::http::router(worker::http::WorkerHttp {
            db: db.clone(),
            metrics,
            clock,
        }),
    )
    .with_graceful_shutdown(stop());
    let result = tokio::try_join!(
        async { http.await.map_err(anyhow::Error::from) },
        worker::run(worker, &config.worker, stop())
    );
    db.close().await.ok();
    result.map(|_| ())
}

pub async fn issue_token(
    config: &Config,
    clock: &SharedClock,
    args: &TokenArgs,
) -> anyhow::Result<String> {
    let keys = app::load_keys(config)?;
    if keys.signing().is_none() {
        anyhow::bail!(
            "cannot sign: only public keys are configured. Set FIREBREAK_JWT_SECRET to let \
             `firebreak token` sign tokens."
        );
    }
    let ttl = chrono::Duration::from_std(args.ttl)?;
    if ttl <= chrono::Duration::zero() {
        anyhow::bail!("--ttl must be positive");
    }
    let db = app::open_database(config, clock).await?;
    let now = clock.now();
    let user = users::upsert_local(&db, &args.user, args.role, now)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    db.close().await.ok();
    let tokens = app::token_service(config, keys);
    Ok(tokens.sign(crate::auth::keys::unscoped_subject(&user.subject), ttl, now)?)
}
