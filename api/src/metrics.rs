//! Prometheus metrics, kept in a registry per app instance (tests boot many apps in one
//! process, so nothing global).

use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGaugeVec, Opts, Registry, TextEncoder,
};
use std::collections::HashSet;
use std::sync::Mutex;

/// Operation names come from clients: past this many distinct names, further ones are
/// counted as `other` so a client cannot blow up the series count.
const MAX_OPERATION_LABELS: usize = 200;

pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    statements: HistogramVec,
    errors: IntCounterVec,
    http_responses: IntCounterVec,
    pool: IntGaugeVec,
    worker: WorkerMetrics,
    seen_operations: Mutex<HashSet<String>>,
}

impl Metrics {
    pub fn new() -> Result<Self, prometheus::Error> {
        let registry = Registry::new_custom(Some("firebreak".into()), None)?;
        let requests = IntCounterVec::new(
            Opts::new(
                "graphql_requests_total",
                "GraphQL operations executed, by operation name and type.",
            ),
            &["operation", "kind"],
        )?;
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "graphql_request_duration_seconds",
                "Time to answer a GraphQL operation, by operation name.",
            )
            .buckets(vec![
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
            ]),
            &["operation"],
        )?;
        let statements = HistogramVec::new(
            HistogramOpts::new(
                "graphql_sql_statements",
                "SQL statements run to answer one GraphQL request (authentication included), by operation name.",
            )
            .buckets(vec![
                1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 10.0, 15.0, 20.0, 50.0, 100.0, 500.0,
            ]),
            &["operation"],
        )?;
        let errors = IntCounterVec::new(
            Opts::new(
                "graphql_errors_total",
                "GraphQL errors returned, by extensions.code.",
            ),
            &["code"],
        )?;
        let http_responses = IntCounterVec::new(
            Opts::new(
                "http_responses_total",
                "HTTP responses from the GraphQL endpoint, by status code.",
            ),
            &["status"],
        )?;
        let pool = IntGaugeVec::new(
            Opts::new(
                "db_pool_connections",
                "Database pool connections, by state (open, idle, in_use).",
            ),
            &["state"],
        )?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(latency.clone()))?;
        registry.register(Box::new(statements.clone()))?;
        registry.register(Box::new(errors.clone()))?;
        registry.register(Box::new(http_responses.clone()))?;
        registry.register(Box::new(pool.clone()))?;
        let worker = WorkerMetrics::register(&registry)?;
        Ok(Self {
            registry,
            requests,
            latency,
            statements,
            errors,
            http_responses,
            pool,
            worker,
            seen_operations: Mutex::new(HashSet::new()),
        })
    }

    fn operation_label(&self, name: Option<&str>) -> String {
        let Some(name) = name else {
            return "unnamed".into();
        };
        let valid = name.len() <= 64 && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid {
            return "other".into();
        }
        let mut seen = self
            .seen_operations
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if seen.contains(name) || seen.len() < MAX_OPERATION_LABELS {
            seen.insert(name.to_owned());
            name.to_owned()
        } else {
            "other".into()
        }
    }

    pub fn record_operation(
        &self,
        name: Option<&str>,
        kind: &str,
        seconds: f64,
        statements: usize,
    ) {
        let label = self.operation_label(name);
        self.requests.with_label_values(&[&label, kind]).inc();
        self.latency.with_label_values(&[&label]).observe(seconds);
        self.statements
            .with_label_values(&[&label])
            .observe(statements as f64);
    }

    pub fn record_error(&self, code: &str) {
        self.errors.with_label_values(&[code]).inc();
    }

    pub fn record_status(&self, status: u16) {
        self.http_responses
            .with_label_values(&[&status.to_string()])
            .inc();
    }

    pub fn worker(&self) -> &WorkerMetrics {
        &self.worker
    }

    /// The text exposition, with the pool gauges read at scrape time.
    pub fn render(&self, pool_open: u32, pool_idle: usize) -> String {
        let open = i64::from(pool_open);
        let idle = i64::try_from(pool_idle).unwrap_or(i64::MAX);
        self.pool.with_label_values(&["open"]).set(open);
        self.pool.with_label_values(&["idle"]).set(idle);
        self.pool
            .with_label_values(&["in_use"])
            .set((open - idle).max(0));
        let mut buf = Vec::new();
        // Encoding into a Vec cannot fail for well-formed metric families.
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut buf);
        String::from_utf8(buf).unwrap_or_default()
    }
}

/// The worker's figures: deliveries by outcome, scans, and the queue's state (read at
/// scrape time).
pub struct WorkerMetrics {
    deliveries: IntCounterVec,
    scans: IntCounterVec,
    queue_depth: prometheus::IntGauge,
    queue_oldest: prometheus::Gauge,
    outbox_due: prometheus::IntGauge,
}

impl WorkerMetrics {
    fn register(registry: &Registry) -> Result<Self, prometheus::Error> {
        let deliveries = IntCounterVec::new(
            Opts::new(
                "deliveries_total",
                "Notification delivery attempts, by outcome (delivered, retry, failed, inbox_only, skipped).",
            ),
            &["outcome"],
        )?;
        let scans = IntCounterVec::new(
            Opts::new(
                "scans_total",
                "Scans for what is due, by result (ok, error).",
            ),
            &["result"],
        )?;
        let queue_depth =
            prometheus::IntGauge::new("queue_depth", "Delivery jobs waiting to run now.")?;
        let queue_oldest = prometheus::Gauge::new(
            "queue_oldest_pending_seconds",
            "Age of the oldest delivery job waiting to run (0 when none).",
        )?;
        let outbox_due =
            prometheus::IntGauge::new("outbox_due", "Deliveries due and not yet made.")?;
        registry.register(Box::new(deliveries.clone()))?;
        registry.register(Box::new(scans.clone()))?;
        registry.register(Box::new(queue_depth.clone()))?;
        registry.register(Box::new(queue_oldest.clone()))?;
        registry.register(Box::new(outbox_due.clone()))?;
        for outcome in ["delivered", "retry", "failed", "inbox_only", "skipped"] {
            deliveries.with_label_values(&[outcome]);
        }
        Ok(Self {
            deliveries,
            scans,
            queue_depth,
            queue_oldest,
            outbox_due,
        })
    }

    pub fn delivery(&self, outcome: &str) {
        self.deliveries.with_label_values(&[outcome]).inc();
    }

    pub fn scan(&self, ok: bool) {
        self.scans
            .with_label_values(&[if ok { "ok" } else { "error" }])
            .inc();
    }

    pub fn queue(&self, depth: i64, oldest_seconds: f64, outbox_due: i64) {
        self.queue_depth.set(depth);
        self.queue_oldest.set(oldest_seconds);
        self.outbox_due.set(outbox_due);
    }
}
