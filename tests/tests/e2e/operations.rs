//! Health, readiness, metrics, request ids, migrations and concurrent writes.

use entity::Role;
use firebreak::db::Db;
use firebreak_tests::serde_json::json;
use firebreak_tests::{Backend, TestApp, e2e};

e2e!(healthz_and_readyz, |app| {
    let res = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let res = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    // With the database gone, the app is alive but not ready.
    app.db().clone().close().await.unwrap();
    let res = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 503);
    let res = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
});

e2e!(every_response_has_a_request_id, |app| {
    let res = app.client.get(app.url("/healthz")).send().await.unwrap();
    let id = res.headers()["x-request-id"].to_str().unwrap();
    assert_eq!(id.len(), 36, "a UUID: {id}");
    let res = app
        .client
        .get(app.url("/healthz"))
        .header("x-request-id", "caller-chosen-id")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["x-request-id"], "caller-chosen-id");
});

e2e!(metrics_count_operations_errors_and_pool, |app| {
    let token = app.token(Role::Viewer).await;
    app.gql(Some(&token), "query Whoami { viewer { id } }", json!({}))
        .await
        .ok();
    app.gql(None, "query Whoami { viewer { id } }", json!({}))
        .await;
    let res = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let text = res.text().await.unwrap();
    assert!(
        text.contains(r#"firebreak_graphql_requests_total{kind="query",operation="Whoami"} 1"#),
        "{text}"
    );
    // Without a token the operation's name is not a label: all such requests share one.
    assert!(
        text.contains(
            r#"firebreak_graphql_requests_total{kind="query",operation="unauthenticated"} 1"#
        ),
        "{text}"
    );
    assert!(
        text.contains(r#"firebreak_graphql_errors_total{code="UNAUTHENTICATED"} 1"#),
        "{text}"
    );
    assert!(
        text.contains(r#"firebreak_graphql_request_duration_seconds_count{operation="Whoami"} 1"#),
        "{text}"
    );
    assert!(
        text.contains(r#"firebreak_db_pool_connections{state="open"}"#),
        "{text}"
    );
    assert!(
        text.contains(r#"firebreak_http_responses_total{status="294"} 1"#),
        "{text}"
    );
});

e2e!(concurrent_writers_never_see_database_locked, |app| {
    let token = app.token(Role::Admin).await;
    let mut tasks = Vec::new();
    for i in 0..40 {
        let client = app.client.clone();
        let url = app.url("/graphql");
        let token = token.clone();
        tasks.push(tokio::spawn(async move {
            client
                .post(url)
                .bearer_auth(token)
                .json(&json!({
                    "query": "mutation($n: String!) { createTeam(input: { name: $n }) { team { id } } }",
                    "variables": { "n": format!("team-{i}") }
                }))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), 200);
    }
    let res = app
        .gql(
            Some(&token),
            "{ teams(first: 100) { edges { cursor } } }",
            json!({}),
        )
        .await;
    assert_eq!(res.ok()["teams"]["edges"].as_array().unwrap().len(), 40);
    // Each create wrote its audit entry in the same transaction.
    let res = app
        .gql(
            Some(&token),
            "{ auditLog(first: 100) { edges { node { action } } } }",
            json!({}),
        )
        .await;
    let creates = res.ok()["auditLog"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["node"]["action"] == "team.create")
        .count();
    assert_eq!(creates, 40);
});

e2e!(migrations_are_idempotent_and_safe_to_race, |app| {
    let url = app.state.config.database_url.clone();
    let a = Db::connect(&url, 3).await.unwrap();
    let b = Db::connect(&url, 3).await.unwrap();
    let (ra, rb) = tokio::join!(a.migrate(), b.migrate());
    ra.unwrap();
    rb.unwrap();
});

#[tokio::test]
async fn a_fresh_postgres_database_migrates_under_concurrent_starters() {
    // Two replicas starting together on an empty database: the advisory lock makes one
    // wait for the other instead of both creating the same tables.
    let Some(app) = TestApp::spawn(Backend::Postgres).await else {
        return;
    };
    use sea_orm::ConnectionTrait;
    let url = app.state.config.database_url.clone();
    let name = format!("firebreak_t_{}_race", std::process::id());
    let admin = app.db().conn();
    admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name}"))
        .await
        .unwrap();
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    let base = url.rsplit_once('/').unwrap().0;
    let fresh = format!("{base}/{name}");
    let a = Db::connect(&fresh, 3).await.unwrap();
    let b = Db::connect(&fresh, 3).await.unwrap();
    let (ra, rb) = tokio::join!(a.migrate(), b.migrate());
    ra.unwrap();
    rb.unwrap();
    a.close().await.unwrap();
    b.close().await.unwrap();
    // A restart finds nothing to do, and checks so on one connection: the migrator runs on
    // the advisory lock's own (a new PostgreSQL connection costs tens of milliseconds of
    // the start, and the migrator's statements each took one while the lock held the first).
    let restart = Db::connect(&fresh, 10).await.unwrap();
    restart.migrate().await.unwrap();
    let opened = admin
        .query_one_raw(sea_orm::Statement::from_sql_and_values(
            sea_orm::DatabaseBackend::Postgres,
            "SELECT count(*) FROM pg_stat_activity WHERE datname = $1",
            [name.clone().into()],
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get_by_index::<i64>(0)
        .unwrap();
    assert_eq!(
        opened, 1,
        "connections the restart's migration check opened"
    );
    restart.close().await.unwrap();
    admin
        .execute_unprepared(&format!("DROP DATABASE {name} WITH (FORCE)"))
        .await
        .unwrap();
}

#[tokio::test]
async fn sqlite_is_created_in_wal_mode_with_foreign_keys_and_a_small_page_cache() {
    use sea_orm::{ConnectionTrait, Statement};
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let conn = app.db().conn();
    let get = |sql: &'static str| async move {
        let row = conn
            .query_one_raw(Statement::from_string(
                sea_orm::DatabaseBackend::Sqlite,
                sql,
            ))
            .await
            .unwrap()
            .unwrap();
        row.try_get_by_index::<String>(0)
            .or_else(|_| row.try_get_by_index::<i64>(0).map(|v| v.to_string()))
            .unwrap()
    };
    assert_eq!(get("PRAGMA journal_mode").await, "wal");
    assert_eq!(get("PRAGMA foreign_keys").await, "1");
    assert_eq!(get("PRAGMA synchronous").await, "1", "NORMAL");
    assert!(get("PRAGMA busy_timeout").await.parse::<i64>().unwrap() >= 1000);
    // A page cache of 512 KiB per connection (SQLite's own is 2 MB): see `db.rs`.
    assert_eq!(get("PRAGMA cache_size").await, "-512");
}
