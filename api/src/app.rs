//! Assembling the application from its configuration: database, keys, schema, metrics.
//! The binary and the end-to-end tests build it the same way.

use crate::auth::keys::{KeyRing, local_kid};
use crate::auth::secret;
use crate::auth::token::TokenService;
use crate::config::Config;
use crate::db::{self, Db};
use crate::graphql;
pub use crate::http::AppState;
use crate::metrics::Metrics;
use crate::services::organization;
use crate::services::status_page::StatusPageCache;
use anyhow::{Context, bail};
use scheduler::clock::SharedClock;
use secrecy::{ExposeSecret, SecretString};
use std::sync::Arc;

/// The HMAC secret: the configured one; on SQLite without one, the generated file beside
/// the database; on PostgreSQL none (then public keys must be configured).
pub fn resolve_secret(config: &Config) -> anyhow::Result<Option<SecretString>> {
    if let Some(secret) = &config.auth.jwt_secret {
        return Ok(Some(secret.clone()));
    }
    if !config.is_sqlite() {
        return Ok(None);
    }
    let Some(file) = db::sqlite_file(&config.database_url) else {
        return Ok(None);
    };
    let path = secret::secret_path_for(&file);
    let secret = secret::load_or_create(&path).with_context(|| {
        format!(
            "cannot create or read the JWT secret file {}",
            path.display()
        )
    })?;
    Ok(Some(secret))
}

/// Loads the key ring, refusing to start without any key.
pub fn load_keys(config: &Config) -> anyhow::Result<KeyRing> {
    let secret = resolve_secret(config)?;
    let ring = KeyRing::load(&config.auth, secret.as_ref())?;
    if ring.is_empty() {
        bail!(
            "no JWT key is configured: set FIREBREAK_JWT_SECRET (32 bytes or more) or \
             FIREBREAK_JWT_KEYS_FILE. Only the embedded SQLite database generates a secret by itself."
        );
    }
    if let Some(secret) = secret {
        tracing::debug!(kid = %local_kid(secret.expose_secret().as_bytes()), "local signing key loaded");
    }
    Ok(ring)
}

pub fn token_service(config: &Config, keys: KeyRing) -> TokenService {
    TokenService::new(
        keys,
        config.auth.jwt_issuer.clone(),
        config.auth.jwt_audience.clone(),
        config.auth.jwt_leeway_seconds,
    )
}

/// Connects, migrates and seeds the database.
pub async fn open_database(config: &Config, clock: &SharedClock) -> anyhow::Result<Db> {
    let db = Db::connect(&config.database_url, config.db_max_connections)
        .await
        .context("cannot connect to the database")?;
    db.migrate().await.context("migrations failed")?;
    organization::ensure_exists(&db, clock.now())
        .await
        .map_err(|e| anyhow::anyhow!("cannot create the organization: {e:?}"))?;
    Ok(db)
}

impl AppState {
    pub async fn build(config: Config, clock: SharedClock) -> anyhow::Result<Self> {
        let keys = load_keys(&config)?;
        let db = open_database(&config, &clock).await?;
        Self::from_parts(config, clock, db, keys)
    }

    pub fn from_parts(
        config: Config,
        clock: SharedClock,
        db: Db,
        keys: KeyRing,
    ) -> anyhow::Result<Self> {
        let tokens = Arc::new(token_service(&config, keys));
        let status_page = Arc::new(StatusPageCache::new(config.graphql.status_page_cache));
        let data = graphql::context::SchemaData {
            db: db.clone(),
            status_page: Arc::clone(&status_page),
            outbound: crate::outbound::Outbound::from_config(&config.worker)?,
        };
        let schema = graphql::build(&config.graphql, data.clone());
        let introspection_schema = graphql::build_for_introspection(&config.graphql, data);
        Ok(Self {
            db,
            clock,
            tokens,
            metrics: Arc::new(Metrics::new()?),
            schema,
            introspection_schema,
            config: Arc::new(config),
            documents: Arc::default(),
            queue: None,
        })
    }
}

/// Serves until SIGTERM or Ctrl-C, then lets in-flight requests finish.
pub async fn serve(state: AppState) -> anyhow::Result<()> {
    let db = state.db.clone();
    serve_until(state, shutdown_signal()).await?;
    db.close().await.ok();
    tracing::info!("shut down");
    Ok(())
}

/// Serves the API until `shutdown` resolves, then lets in-flight requests finish.
pub async fn serve_until(
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let addr = state.config.http.listen;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    let local = listener.local_addr()?;
    tracing::info!("Firebreak listening: GraphiQL at http://{local}/graphql");
    axum::serve(listener, crate::http::router(state))
        .with_graceful_shutdown(shutdown)
        .await?;
    Ok(())
}

/// A shutdown signal several tasks can wait for: resolves for all of them on SIGTERM or
/// Ctrl-C.
pub fn shared_shutdown()
-> impl Fn() -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>> + Clone {
    let (tx, rx) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        shutdown_signal().await;
        let _ = tx.send(true);
    });
    move || {
        let mut rx = rx.clone();
        Box::pin(async move {
            let _ = rx.wait_for(|stop| *stop).await;
        })
    }
}

pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutdown signal received, draining requests");
}
