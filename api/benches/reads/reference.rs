//! The reference: a plain axum server answering the measured reads the way a careful
//! hand-written handler would. It verifies the same token (HS256, issuer, audience,
//! expiry, then the user row), runs its own SQL (only the columns asked for, role holders'
//! names joined in, the latest timeline entries by a window function) and writes the JSON
//! itself, byte for byte what Firebreak answers (checked at start). It uses nothing of
//! Firebreak's but the data.

use axum::extract::{Json, State};
use axum::http::{HeaderMap, StatusCode};
use chrono::{DateTime, Utc};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement, Value,
};
use serde_json::{Value as J, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

pub const LATEST: usize = 5;

pub struct Ref {
    db: DatabaseConnection,
    secret: String,
    statements: AtomicU64,
}

pub type Shared = State<Arc<Ref>>;

impl Ref {
    pub async fn connect(url: &str, secret: &str) -> Arc<Ref> {
        let mut opts = ConnectOptions::new(url);
        // The pool is set up as Firebreak's (`db::Db::connect`), so the comparison is of
        // the request path alone.
        opts.max_connections(10)
            .min_connections(1)
            .test_before_acquire_if_idle_for(std::time::Duration::from_secs(1))
            .sqlx_logging(false);
        Arc::new(Ref {
            db: Database::connect(opts).await.unwrap(),
            secret: secret.to_owned(),
            statements: AtomicU64::new(0),
        })
    }
}

pub async fn statements(State(s): Shared) -> String {
    s.statements.load(Ordering::Relaxed).to_string()
}

impl Ref {
    pub fn placeholders(&self, from: usize, n: usize) -> String {
        (from..from + n)
            .map(|i| match self.db.get_database_backend() {
                DbBackend::Postgres => format!("${i}"),
                _ => "?".to_owned(),
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    pub async fn query(&self, sql: String, values: Vec<Value>) -> Vec<sea_orm::QueryResult> {
        self.statements.fetch_add(1, Ordering::Relaxed);
        let backend = self.db.get_database_backend();
        self.db
            .query_all_raw(Statement::from_sql_and_values(backend, sql, values))
            .await
            .unwrap()
    }

    /// The bearer token's user, if the token is valid and the user active.
    pub async fn authenticate(&self, headers: &HeaderMap) -> Result<uuid::Uuid, StatusCode> {
        #[derive(serde::Deserialize)]
        struct Claims {
            sub: String,
        }
        let token = headers
            .get("authorization")
            .and_then(|h| h.to_str().ok())
            .and_then(|h| h.strip_prefix("Bearer "))
            .ok_or(StatusCode::UNAUTHORIZED)?;
        let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
        validation.set_issuer(&["firebreak"]);
        validation.set_audience(&["firebreak"]);
        validation.leeway = 0;
        let claims = jsonwebtoken::decode::<Claims>(
            token,
            &jsonwebtoken::DecodingKey::from_secret(self.secret.as_bytes()),
            &validation,
        )
        .map_err(|_| StatusCode::UNAUTHORIZED)?
        .claims;
        let sql = format!(
            "SELECT id FROM users WHERE subject = {} AND active = {}",
            self.placeholders(1, 1),
            self.placeholders(2, 1)
        );
        // Tokens signed with the local secret name `local:<sub>` users.
        let subject = format!("local:{}", claims.sub);
        let rows = self.query(sql, vec![subject.into(), true.into()]).await;
        let row = rows.first().ok_or(StatusCode::UNAUTHORIZED)?;
        row.try_get("", "id")
            .map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)
    }

    /// Incidents as the measured query shows them, in the order of `rows`.
    async fn incidents(&self, rows: Vec<sea_orm::QueryResult>) -> Vec<J> {
        let ids: Vec<uuid::Uuid> = rows.iter().map(|r| r.try_get("", "id").unwrap()).collect();
        if ids.is_empty() {
            return vec![];
        }
        let values: Vec<Value> = ids.iter().map(|i| (*i).into()).collect();
        let list = self.placeholders(1, ids.len());
        let roles = self.query(roles_sql(&list), values.clone()).await;
        let timeline = self.query(timeline_sql(&list), values).await;
        rows.iter()
            .zip(&ids)
            .map(|(r, id)| {
                let role_list: Vec<J> = roles
                    .iter()
                    .filter(|x| x.try_get::<uuid::Uuid>("", "incident_id").unwrap() == *id)
                    .map(|x| {
                        let name: Option<String> = x.try_get("", "name").unwrap();
                        json!({ "role": upper(x.try_get("", "role").unwrap()),
                                "user": name.map(|n| json!({ "name": n })) })
                    })
                    .collect();
                let entries: Vec<J> = timeline
                    .iter()
                    .filter(|x| x.try_get::<uuid::Uuid>("", "incident_id").unwrap() == *id)
                    .map(|x| {
                        json!({ "id": x.try_get::<uuid::Uuid>("", "id").unwrap().to_string(),
                                "at": instant(x.try_get("", "at").unwrap()),
                                "kind": upper(x.try_get("", "kind").unwrap()),
                                "message": x.try_get::<String>("", "message").unwrap() })
                    })
                    .collect();
                json!({
                    "id": id.to_string(),
                    "title": r.try_get::<String>("", "title").unwrap(),
                    "severity": upper(r.try_get("", "severity").unwrap()),
                    "status": upper(r.try_get("", "status").unwrap()),
                    "declaredAt": instant(r.try_get("", "declared_at").unwrap()),
                    "roles": role_list,
                    "timeline": { "nodes": entries },
                })
            })
            .collect()
    }
}

/// The role holders of the incidents whose ids fill `list` (placeholders).
pub fn roles_sql(list: &str) -> String {
    format!(
        "SELECT r.incident_id, r.role, u.name FROM incident_roles r \
         LEFT JOIN users u ON u.id = r.user_id \
         WHERE r.incident_id IN ({list}) ORDER BY r.assigned_at"
    )
}

/// The latest [`LATEST`] timeline entries of the incidents whose ids fill `list`.
pub fn timeline_sql(list: &str) -> String {
    format!(
        "SELECT id, incident_id, at, kind, message FROM (SELECT id, incident_id, at, kind, message, \
         ROW_NUMBER() OVER (PARTITION BY incident_id ORDER BY at DESC, id DESC) AS n \
         FROM incident_events WHERE incident_id IN ({list})) t WHERE n <= {LATEST} \
         ORDER BY incident_id, at DESC, id DESC"
    )
}

pub fn upper(s: String) -> String {
    s.to_uppercase()
}

/// A connection's cursor as Firebreak writes it: its key in base64url, unpadded.
pub fn cursor(key: &str) -> String {
    base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, key)
}

/// As async-graphql writes a `DateTime` (RFC 3339, UTC).
pub fn instant(t: DateTime<Utc>) -> String {
    t.to_rfc3339()
}

pub const COLUMNS: &str = "id, title, severity, status, declared_at";

pub async fn list(State(s): Shared, headers: HeaderMap) -> Result<String, StatusCode> {
    s.authenticate(&headers).await?;
    let rows = s
        .query(
            format!("SELECT {COLUMNS} FROM incidents ORDER BY declared_at DESC, id DESC LIMIT 51"),
            vec![],
        )
        .await;
    let more = rows.len() > 50;
    let rows: Vec<_> = rows.into_iter().take(50).collect();
    let last = rows.last().map(|r| {
        let at: DateTime<Utc> = r.try_get("", "declared_at").unwrap();
        let id: uuid::Uuid = r.try_get("", "id").unwrap();
        cursor(&format!("{}|{id}", at.to_rfc3339()))
    });
    let nodes = s.incidents(rows).await;
    Ok(json!({ "data": { "incidents": { "nodes": nodes, "pageInfo": { "hasNextPage": more, "endCursor": last } } } })
        .to_string())
}

pub async fn one(
    State(s): Shared,
    headers: HeaderMap,
    Json(body): Json<J>,
) -> Result<String, StatusCode> {
    s.authenticate(&headers).await?;
    let id: uuid::Uuid = body["variables"]["id"]
        .as_str()
        .and_then(|i| i.parse().ok())
        .ok_or(StatusCode::BAD_REQUEST)?;
    let rows = s
        .query(
            format!(
                "SELECT {COLUMNS} FROM incidents WHERE id = {}",
                s.placeholders(1, 1)
            ),
            vec![id.into()],
        )
        .await;
    let node = s.incidents(rows).await.into_iter().next();
    Ok(json!({ "data": { "incident": node } }).to_string())
}
