//! The `firebreak` command line: `serve` (the default), `migrate`, `token`.

use crate::app::{self, AppState};
use crate::config::Config;
use crate::services::users;
use crate::telemetry;
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
    /// Run the API (and GraphiQL) on the configured address. The default.
    Serve,
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
            let state = AppState::build(cli.config, clock).await?;
            app::serve(state).await
        }
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
