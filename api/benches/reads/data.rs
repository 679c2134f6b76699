//! The data set: 10 teams, 500 users, 20,000 incidents over two years, each with three
//! roles, 7 to 13 timeline entries and 1 to 3 status updates; the resolved SEV1/SEV2 ones
//! with a postmortem and two action items. Written straight to the tables in large
//! multi-row inserts (the benchmark measures reads, not how fast it can declare).

use chrono::{DateTime, Duration, Utc};
use entity::{
    ActionItemStatus, IncidentRole, IncidentStatus, PostmortemStatus, Priority, Severity,
    TimelineKind, Visibility, action_item, incident, incident_event, incident_role,
    incident_update, postmortem, user,
};
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DatabaseConnection, EntityTrait, Set, TransactionTrait,
};
use uuid::Uuid;

pub const INCIDENTS: usize = 20_000;
pub const USERS: usize = 500;
pub const TEAMS: usize = 10;
const CHUNK: usize = 400;

/// A small deterministic generator (xorshift): the same data on every run and database.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

pub async fn insert_all<A>(conn: &DatabaseConnection, rows: Vec<A>)
where
    A: ActiveModelTrait + Send,
    <A as ActiveModelTrait>::Entity: EntityTrait,
{
    let txn = conn.begin().await.unwrap();
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<A> = rows.by_ref().take(CHUNK).collect();
        <A::Entity as EntityTrait>::insert_many(chunk)
            .exec_without_returning(&txn)
            .await
            .unwrap();
    }
    txn.commit().await.unwrap();
}

/// Writes the data set for `teams` (made through the API beforehand); returns the users
/// and the incidents.
pub async fn generate(
    conn: &DatabaseConnection,
    teams: &[Uuid],
    now: DateTime<Utc>,
) -> (Vec<Uuid>, Vec<Uuid>) {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let users: Vec<Uuid> = (0..USERS).map(|_| Uuid::now_v7()).collect();
    insert_all(
        conn,
        users
            .iter()
            .enumerate()
            .map(|(n, id)| user::ActiveModel {
                id: Set(*id),
                subject: Set(format!("bench-user-{n}")),
                name: Set(format!("Person {n}")),
                email: Set(None),
                time_zone: Set("Europe/Berlin".into()),
                role: Set(entity::Role::Responder),
                active: Set(true),
                created_at: Set(now),
                updated_at: Set(now),
            })
            .collect(),
    )
    .await;
    let (mut incidents, mut roles, mut events, mut updates, mut pms, mut items) =
        (vec![], vec![], vec![], vec![], vec![], vec![]);
    let severities = [
        Severity::Sev1,
        Severity::Sev2,
        Severity::Sev3,
        Severity::Sev3,
        Severity::Sev4,
    ];
    let kinds = [
        TimelineKind::Note,
        TimelineKind::Decision,
        TimelineKind::ActionTaken,
        TimelineKind::StatusChange,
        TimelineKind::UpdatePosted,
    ];
    let mut incident_ids = vec![];
    for n in 0..INCIDENTS {
        let id = Uuid::now_v7();
        incident_ids.push(id);
        let declared = now - Duration::minutes((INCIDENTS - n) as i64 * 52);
        let severity = severities[rng.below(severities.len() as u64) as usize];
        let resolved = n < INCIDENTS - 40;
        let by = users[rng.below(USERS as u64) as usize];
        let title = format!("Checkout latency spike {n} in region {}", rng.below(12));
        incidents.push(incident::ActiveModel {
            id: Set(id),
            title_folded: Set(title.to_lowercase()),
            title: Set(title),
            public_title: Set(None),
            description: Set(Some("Customers see slow checkouts.".into())),
            severity: Set(severity),
            highest_severity: Set(severity),
            status: Set(if resolved {
                IncidentStatus::Resolved
            } else {
                IncidentStatus::Investigating
            }),
            channel: Set(Some(format!("#inc-bench-{n}"))),
            service_id: Set(None),
            team_id: Set(Some(teams[n % teams.len()])),
            customer_impact: Set(n % 3 == 0),
            detection_source: Set(entity::DetectionSource::Alert),
            restricted: Set(false),
            false_alarm: Set(false),
            duplicate_of: Set(None),
            recurrence_of: Set(None),
            resolution_summary: Set(resolved.then(|| "Rolled back the deploy.".into())),
            declared_by: Set(by),
            started_at: Set(declared),
            start_known: Set(true),
            detected_at: Set(declared),
            declared_at: Set(declared),
            acknowledged_at: Set(Some(declared + Duration::minutes(2))),
            mitigated_at: Set(resolved.then(|| declared + Duration::minutes(30))),
            resolved_at: Set(resolved.then(|| declared + Duration::minutes(45))),
            last_update_at: Set(Some(declared + Duration::minutes(20))),
            last_public_update_at: Set(None),
            eta: Set(None),
            next_update_due_at: Set(None),
            updated_at: Set(declared + Duration::minutes(45)),
        });
        for (k, role) in [
            IncidentRole::Commander,
            IncidentRole::TechLead,
            IncidentRole::CommsLead,
        ]
        .into_iter()
        .enumerate()
        {
            roles.push(incident_role::ActiveModel {
                incident_id: Set(id),
                role: Set(role),
                user_id: Set(users[(rng.below(USERS as u64) as usize + k) % USERS]),
                assigned_at: Set(declared + Duration::minutes(k as i64)),
            });
        }
        for k in 0..(7 + rng.below(7)) {
            events.push(incident_event::ActiveModel {
                id: Set(Uuid::now_v7()),
                incident_id: Set(id),
                at: Set(declared + Duration::minutes(k as i64 * 4)),
                author_id: Set(Some(users[rng.below(USERS as u64) as usize])),
                kind: Set(kinds[rng.below(kinds.len() as u64) as usize]),
                message: Set(format!(
                    "Step {k}: checked the dashboards and the deploy log"
                )),
                before: Set(None),
                after: Set(None),
                ref_incident_id: Set(None),
            });
        }
        for k in 0..(1 + rng.below(3)) {
            updates.push(incident_update::ActiveModel {
                id: Set(Uuid::now_v7()),
                incident_id: Set(id),
                at: Set(declared + Duration::minutes(10 + k as i64 * 10)),
                author_id: Set(by),
                status: Set(IncidentStatus::Investigating),
                message: Set("Still investigating; next update in 30 minutes.".into()),
                public: Set(false),
                next_steps: Set(None),
                eta: Set(None),
            });
        }
        // Past postmortems are published and past action items done, as in a team that
        // keeps up: the worker has the last two days' deadlines to remind of, not years'.
        let settled = n < INCIDENTS - 60;
        if resolved && matches!(severity, Severity::Sev1 | Severity::Sev2) {
            let pm = Uuid::now_v7();
            let text = || String::from("Written up.");
            pms.push(postmortem::ActiveModel::from(postmortem::Model {
                id: pm,
                incident_id: id,
                status: if settled {
                    PostmortemStatus::Published
                } else {
                    PostmortemStatus::Draft
                },
                visibility: Visibility::Internal,
                summary: text(),
                users_affected: text(),
                business_impact: text(),
                root_cause: text(),
                contributing_factors: text(),
                went_well: text(),
                went_poorly: text(),
                remediation: text(),
                public_summary: String::new(),
                public_impact: String::new(),
                public_root_cause: String::new(),
                public_remediation: String::new(),
                due_at: declared + Duration::hours(48),
                submitted_at: None,
                submitted_by: None,
                published_at: settled.then(|| declared + Duration::hours(40)),
                published_by: settled.then_some(by),
                loop_closed_at: None,
                version: 1,
                created_at: declared,
                updated_at: declared,
            }));
            for k in 0..2 {
                items.push(action_item::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    incident_id: Set(id),
                    postmortem_id: Set(Some(pm)),
                    title: Set(format!("Alert on checkout latency ({k})")),
                    description: Set(String::new()),
                    owner_id: Set(by),
                    due_at: Set(declared + Duration::days(14)),
                    priority: Set(Priority::P2),
                    status: Set(if settled {
                        ActionItemStatus::Done
                    } else {
                        ActionItemStatus::Open
                    }),
                    wont_do_reason: Set(None),
                    tracker_url: Set(None),
                    tracker_key: Set(None),
                    completed_at: Set(settled.then(|| declared + Duration::days(7))),
                    version: Set(1),
                    created_at: Set(declared),
                    updated_at: Set(declared),
                });
            }
        }
    }
    insert_all(conn, incidents).await;
    insert_all(conn, roles).await;
    insert_all(conn, events).await;
    insert_all(conn, updates).await;
    insert_all(conn, pms).await;
    insert_all(conn, items).await;
    (users, incident_ids)
}

/// PostgreSQL's statistics, as a database that has lived with its data has them
/// (autovacuum gets there within minutes; without them it scans whole tables). SQLite is
/// left as Firebreak leaves it: no ANALYZE, whose STAT4 tables make SQLite prepare again
/// every statement whose plan depends on a bound value.
pub async fn analyze(conn: &DatabaseConnection) {
    if conn.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
        conn.execute_unprepared("ANALYZE").await.unwrap();
    }
}
