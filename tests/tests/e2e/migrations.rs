//! Upgrading a database that holds data: the schema changes that SQLite cannot make in
//! place (a table rebuilt to relax a NOT NULL) keep every row, every index and every
//! foreign key, on both databases.

use firebreak::db::Db;
use firebreak_tests::{Backend, EmptyDatabase};
use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, EntityTrait};
use uuid::Uuid;

/// Migrations before the one that made `incidents.channel` and
/// `action_items.postmortem_id` optional.
const BEFORE_TICKETS: u32 = 13;

/// An instant as both drivers write one.
const T: &str = "'2026-11-20T10:00:00+00:00'";

async fn upgrade_keeps_rows(backend: Backend) {
    let Some(empty) = EmptyDatabase::create(backend).await else {
        return;
    };
    let db = Db::connect(&empty.url, 2).await.unwrap();
    Migrator::up(db.conn(), Some(BEFORE_TICKETS)).await.unwrap();
    let (user, incident, pm, item) = (
        Uuid::now_v7(),
        Uuid::now_v7(),
        Uuid::now_v7(),
        Uuid::now_v7(),
    );
    // A UUID literal as the driver stores it: a 16-byte blob on SQLite, `uuid` on PostgreSQL.
    let q = |id: Uuid| match backend {
        Backend::Sqlite => format!("X'{}'", id.simple()),
        Backend::Postgres => format!("'{id}'"),
    };
    for sql in [
        format!(
            "INSERT INTO users (id, subject, name, time_zone, role, active, created_at, updated_at) \
             VALUES ({}, 'ada', 'Ada', 'UTC', 'responder', TRUE, {T}, {T})",
            q(user)
        ),
        format!(
            "INSERT INTO incidents (id, title, severity, highest_severity, status, channel, \
             customer_impact, restricted, false_alarm, declared_by, started_at, detected_at, \
             declared_at, resolved_at, updated_at, title_folded) VALUES ({}, 'Checkout down', \
             'sev2', 'sev2', 'resolved', '#inc-2026-11-20-checkout-down', TRUE, FALSE, FALSE, \
             {}, {T}, {T}, {T}, {T}, {T}, 'checkout down')",
            q(incident),
            q(user)
        ),
        format!(
            "INSERT INTO incident_events (id, incident_id, at, author_id, kind, message) \
             VALUES ({}, {}, {T}, {}, 'note', 'kept')",
            q(Uuid::now_v7()),
            q(incident),
            q(user)
        ),
        format!(
            "INSERT INTO postmortems (id, incident_id, status, visibility, summary, \
             users_affected, business_impact, root_cause, contributing_factors, went_well, \
             went_poorly, remediation, due_at, version, created_at, updated_at) VALUES \
             ({}, {}, 'draft', 'internal', 'S', '', '', '', '', '', '', '', {T}, 1, {T}, {T})",
            q(pm),
            q(incident)
        ),
        format!(
            "INSERT INTO action_items (id, postmortem_id, title, description, owner_id, due_at, \
             priority, status, version, created_at, updated_at) VALUES ({}, {}, 'Add a \
             canary', '', {}, {T}, 'p2', 'open', 1, {T}, {T})",
            q(item),
            q(pm),
            q(user)
        ),
    ] {
        db.conn().execute_unprepared(&sql).await.unwrap();
    }

    db.migrate().await.unwrap();

    let i = entity::incident::Entity::find_by_id(incident)
        .one(db.conn())
        .await
        .unwrap()
        .expect("the incident survives the rebuild");
    assert_eq!(i.channel.as_deref(), Some("#inc-2026-11-20-checkout-down"));
    assert_eq!(i.title, "Checkout down");
    let a = entity::action_item::Entity::find_by_id(item)
        .one(db.conn())
        .await
        .unwrap()
        .expect("the action item survives the rebuild");
    assert_eq!(a.incident_id, incident, "filled from its postmortem");
    assert_eq!(a.postmortem_id, Some(pm));
    let events = entity::incident_event::Entity::find()
        .all(db.conn())
        .await
        .unwrap();
    assert_eq!(events.len(), 1);

    // The constraints are still there: unique channels, references to incidents (from
    // the rebuilt tables and from the tables that pointed at the old one), NOT NULL on
    // the new column.
    let refused = [
        format!(
            "INSERT INTO incidents (id, title, severity, highest_severity, status, channel, \
             customer_impact, restricted, false_alarm, declared_by, started_at, detected_at, \
             declared_at, updated_at) VALUES ({}, 'x', 'sev3', 'sev3', 'investigating', \
             '#inc-2026-11-20-checkout-down', FALSE, FALSE, FALSE, {}, {T}, {T}, {T}, {T})",
            q(Uuid::now_v7()),
            q(user)
        ),
        format!(
            "INSERT INTO incident_events (id, incident_id, at, kind, message) \
             VALUES ({}, {}, {T}, 'note', 'orphan')",
            q(Uuid::now_v7()),
            q(Uuid::now_v7())
        ),
        format!(
            "INSERT INTO action_items (id, incident_id, title, description, owner_id, due_at, \
             priority, status, version, created_at, updated_at) VALUES ({}, {}, 'orphan', '', \
             {}, {T}, 'p2', 'open', 1, {T}, {T})",
            q(Uuid::now_v7()),
            q(Uuid::now_v7()),
            q(user)
        ),
        format!(
            "INSERT INTO action_items (id, title, description, owner_id, due_at, priority, \
             status, version, created_at, updated_at) VALUES ({}, 'no incident', '', {}, {T}, \
             'p2', 'open', 1, {T}, {T})",
            q(Uuid::now_v7()),
            q(user)
        ),
    ];
    for sql in refused {
        assert!(
            db.conn().execute_unprepared(&sql).await.is_err(),
            "accepted: {sql}"
        );
    }
    // Two tickets without a channel do not collide.
    for _ in 0..2 {
        db.conn()
            .execute_unprepared(&format!(
                "INSERT INTO incidents (id, title, severity, highest_severity, status, \
                 customer_impact, restricted, false_alarm, declared_by, started_at, \
                 detected_at, declared_at, updated_at) VALUES ({}, 'ticket', 'sev4', 'sev4', \
                 'investigating', FALSE, FALSE, FALSE, {}, {T}, {T}, {T}, {T})",
                q(Uuid::now_v7()),
                q(user)
            ))
            .await
            .unwrap();
    }
    if backend == Backend::Sqlite {
        let row = db
            .conn()
            .query_one_raw(sea_orm::Statement::from_string(
                sea_orm::DatabaseBackend::Sqlite,
                "SELECT count(*) AS n FROM sqlite_master WHERE type = 'index' AND name IN \
                 ('idx_incidents_declared', 'idx_incidents_started', \
                 'idx_action_items_postmortem', 'idx_action_items_owner', \
                 'idx_action_items_due', 'idx_action_items_incident')",
            ))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(row.try_get::<i64>("", "n").unwrap(), 6, "indexes recreated");
        let fk = db
            .conn()
            .query_one_raw(sea_orm::Statement::from_string(
                sea_orm::DatabaseBackend::Sqlite,
                "SELECT count(*) AS n FROM pragma_foreign_key_check",
            ))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(fk.try_get::<i64>("", "n").unwrap(), 0);
    }
    db.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upgrade_keeps_rows_sqlite() {
    upgrade_keeps_rows(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upgrade_keeps_rows_postgres() {
    upgrade_keeps_rows(Backend::Postgres).await;
}
