//! `incidentMetrics` over 10,000 incidents on SQLite, end to end over HTTP and at the
//! service layer. Run in release mode (not part of the test run):
//!
//!     cargo bench -p firebreak-tests --bench metrics
//!
//! It prints the figures; the target is "well under a second" for the whole request.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::Duration;
use entity::{
    ActionItemStatus, IncidentStatus, PostmortemStatus, Priority, Role, Severity, Visibility,
    action_item, incident, postmortem,
};
use firebreak::auth::{CurrentUser, Principal};
use firebreak::services::metrics::{Figures, MetricsFilter, incident_metrics};
use firebreak_tests::serde_json::json;
use firebreak_tests::{Backend, TestApp, epoch};
use sea_orm::{ActiveValue::Set, EntityTrait};
use std::time::{Duration as StdDuration, Instant};
use uuid::Uuid;

const INCIDENTS: usize = 10_000;

fn stats(mut samples: Vec<StdDuration>) -> String {
    samples.sort();
    let ms = |d: StdDuration| d.as_secs_f64() * 1000.0;
    format!(
        "min {:.1} ms, median {:.1} ms, max {:.1} ms ({} runs)",
        ms(samples[0]),
        ms(samples[samples.len() / 2]),
        ms(samples[samples.len() - 1]),
        samples.len()
    )
}

#[tokio::main]
async fn main() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let (owner_id, viewer_token) = app.named_user("bench-viewer", Role::Viewer).await;
    let owner = Uuid::parse_str(&owner_id).unwrap();
    let start = epoch() - Duration::days(365);
    let seeded = Instant::now();
    let mut incidents = Vec::with_capacity(INCIDENTS);
    let mut postmortems = Vec::new();
    let mut items = Vec::new();
    for n in 0..INCIDENTS {
        let id = Uuid::now_v7();
        let started = start + Duration::minutes((n as i64 * 52_560) / INCIDENTS as i64 * 10);
        let severity = match n % 10 {
            0 => Severity::Sev1,
            1 | 2 => Severity::Sev2,
            3..=6 => Severity::Sev3,
            _ => Severity::Sev4,
        };
        let detected = started + Duration::minutes((n % 17) as i64);
        let resolved = detected + Duration::minutes(30 + (n % 240) as i64);
        incidents.push(incident::ActiveModel {
            id: Set(id),
            title: Set(format!("Incident {n}")),
            title_folded: Set(format!("incident {n}")),
            start_known: Set(true),
            last_public_update_at: Set(None),
            eta: Set(None),
            detection_source: Set(entity::DetectionSource::Alert),
            public_title: Set(None),
            description: Set(None),
            severity: Set(severity),
            highest_severity: Set(severity),
            status: Set(IncidentStatus::Resolved),
            channel: Set(Some(format!("#inc-bench-{n}"))),
            service_id: Set(None),
            team_id: Set(None),
            customer_impact: Set(n % 3 == 0),
            restricted: Set(n % 50 == 0),
            false_alarm: Set(n % 25 == 0),
            duplicate_of: Set(None),
            recurrence_of: Set(None),
            resolution_summary: Set(Some("fixed".into())),
            declared_by: Set(owner),
            started_at: Set(started),
            detected_at: Set(detected),
            declared_at: Set(detected),
            acknowledged_at: Set(Some(detected + Duration::minutes((n % 9) as i64))),
            mitigated_at: Set(None),
            resolved_at: Set(Some(resolved)),
            last_update_at: Set(None),
            next_update_due_at: Set(None),
            updated_at: Set(resolved),
        });
        if matches!(severity, Severity::Sev1 | Severity::Sev2) {
            let pm = Uuid::now_v7();
            let due = resolved + Duration::hours(48);
            postmortems.push(postmortem::ActiveModel {
                id: Set(pm),
                incident_id: Set(id),
                status: Set(PostmortemStatus::Published),
                visibility: Set(Visibility::Internal),
                summary: Set("s".into()),
                users_affected: Set(String::new()),
                business_impact: Set(String::new()),
                root_cause: Set(String::new()),
                contributing_factors: Set(String::new()),
                went_well: Set(String::new()),
                went_poorly: Set(String::new()),
                remediation: Set(String::new()),
                public_summary: Set(String::new()),
                public_impact: Set(String::new()),
                public_root_cause: Set(String::new()),
                public_remediation: Set(String::new()),
                due_at: Set(due),
                submitted_at: Set(None),
                submitted_by: Set(None),
                published_at: Set(Some(due + Duration::hours((n % 5) as i64 - 2))),
                published_by: Set(None),
                loop_closed_at: Set(None),
                version: Set(1),
                created_at: Set(resolved),
                updated_at: Set(resolved),
            });
            for k in 0..2 {
                let due = resolved + Duration::days(7 + k);
                items.push(action_item::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    incident_id: Set(id),
                    postmortem_id: Set(Some(pm)),
                    title: Set("fix it".into()),
                    description: Set(String::new()),
                    owner_id: Set(owner),
                    due_at: Set(due),
                    priority: Set(Priority::P2),
                    status: Set(if n % 3 == 0 {
                        ActionItemStatus::Open
                    } else {
                        ActionItemStatus::Done
                    }),
                    wont_do_reason: Set(None),
                    tracker_url: Set(None),
                    tracker_key: Set(None),
                    completed_at: Set((n % 3 != 0).then(|| due - Duration::days(1))),
                    version: Set(1),
                    created_at: Set(resolved),
                    updated_at: Set(resolved),
                });
            }
        }
    }
    let conn = app.db().conn();
    let (n_pm, n_items) = (postmortems.len(), items.len());
    for chunk in incidents.chunks(500) {
        incident::Entity::insert_many(chunk.to_vec())
            .exec(conn)
            .await
            .unwrap();
    }
    for chunk in postmortems.chunks(500) {
        postmortem::Entity::insert_many(chunk.to_vec())
            .exec(conn)
            .await
            .unwrap();
    }
    for chunk in items.chunks(500) {
        action_item::Entity::insert_many(chunk.to_vec())
            .exec(conn)
            .await
            .unwrap();
    }
    println!(
        "seeded {INCIDENTS} incidents, {n_pm} postmortems, {n_items} action items in {:.1} s",
        seeded.elapsed().as_secs_f64()
    );

    let from = start;
    let to = epoch() + Duration::days(1);
    let filter = MetricsFilter {
        from,
        to,
        team_id: None,
        service_id: None,
        severity: None,
    };
    for (label, role) in [
        ("service layer, viewer (visibility filter)", Role::Viewer),
        ("service layer, manager", Role::Manager),
    ] {
        let principal = Principal::User(CurrentUser {
            id: owner,
            subject: "bench-viewer".into(),
            role,
        });
        let ctx = firebreak::services::Ctx {
            db: app.db(),
            principal: &principal,
            now: app.now(),
        };
        let mut samples = Vec::new();
        let mut total = 0;
        for _ in 0..20 {
            let t = Instant::now();
            let r = incident_metrics(ctx, &filter, Figures::ALL).await.unwrap();
            samples.push(t.elapsed());
            total = r.total + r.false_alarms;
        }
        println!("{label}: {} incidents counted; {}", total, stats(samples));
    }

    let query = "query Metrics($f: IncidentMetricsFilter!) { incidentMetrics(filter: $f) { total falseAlarms bySeverity { severity count } mttd { meanSeconds medianSeconds p90Seconds sampleSize } mtta { medianSeconds } mttr { medianSeconds p90Seconds } weekly { week count } recurrenceRate postmortems { due doneOnTime doneLate overdue } actionItemsDue actionItemCompletionRate } }";
    let vars = json!({ "f": { "from": from, "to": to } });
    let mut samples = Vec::new();
    let mut weeks = 0;
    for _ in 0..20 {
        let t = Instant::now();
        let res = app.gql(Some(&viewer_token), query, vars.clone()).await;
        samples.push(t.elapsed());
        weeks = res.ok()["incidentMetrics"]["weekly"]
            .as_array()
            .unwrap()
            .len();
    }
    println!(
        "GraphQL over HTTP (viewer, {weeks} weekly buckets): {}",
        stats(samples)
    );
}
