//! The public status page: read with a handful of statements, and shared between requests
//! through a short-lived cache, so anonymous traffic (and a request repeating the field
//! through a thousand aliases) costs at most one load per cache period.

use super::ServiceResult;
use crate::db::Db;
use chrono::{DateTime, Utc};
use entity::{IncidentStatus, PostmortemStatus, Visibility, incident, incident_update, postmortem};
use scheduler::domain::postmortem::downtime;
use scheduler::domain::status_page::{self as policy, Impact};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::sync::Arc;
use std::time::{Duration, Instant};
use uuid::Uuid;

/// One incident as customers see it.
#[derive(Debug, Clone)]
pub struct PublicIncident {
    pub id: Uuid,
    pub title: String,
    pub status: IncidentStatus,
    pub impact: Impact,
    pub started_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    /// Public updates, newest first.
    pub updates: Vec<PublicUpdate>,
    /// Said when it closed, if it needs saying (a false alarm customers had heard of).
    pub closing_note: Option<&'static str>,
}

#[derive(Debug, Clone)]
pub struct PublicUpdate {
    pub at: DateTime<Utc>,
    pub status: IncidentStatus,
    pub message: String,
}

/// A published public postmortem: its public fields only.
#[derive(Debug, Clone)]
pub struct PublicPostmortem {
    pub id: Uuid,
    pub title: String,
    pub summary: String,
    pub impact: String,
    pub root_cause: String,
    pub remediation: String,
    pub published_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone)]
pub struct StatusPage {
    pub ongoing: Vec<PublicIncident>,
    pub recent: Vec<PublicIncident>,
    pub postmortems: Vec<PublicPostmortem>,
    pub generated_at: DateTime<Utc>,
}

/// `scheduler::domain::status_page::shown`, in SQL.
fn public_incidents() -> sea_orm::Select<incident::Entity> {
    incident::Entity::find()
        .filter(incident::COLUMN.customer_impact.eq(true))
        .filter(incident::COLUMN.restricted.eq(false))
        .filter(incident::Column::DuplicateOf.is_null())
        .filter(
            sea_orm::Condition::any()
                .add(incident::COLUMN.false_alarm.eq(false))
                .add(incident::Column::LastPublicUpdateAt.is_not_null()),
        )
}

/// Loads the page: ongoing and recent incidents apart (ongoing ones never drop off behind
/// recent ones), their public updates, and the public postmortems; five statements, run
/// concurrently.
pub async fn load(db: &Db, now: DateTime<Utc>) -> ServiceResult<StatusPage> {
    let conn = db.conn();
    let (ongoing, recent, postmortems) = tokio::try_join!(
        public_incidents()
            .filter(incident::Column::ResolvedAt.is_null())
            .order_by_desc(incident::COLUMN.declared_at)
            .limit(policy::MAX_ONGOING)
            .all(conn),
        public_incidents()
            .filter(incident::Column::ResolvedAt.gt(policy::recent_since(now)))
            .order_by_desc(incident::COLUMN.resolved_at)
            .limit(policy::MAX_RECENT)
            .all(conn),
        postmortem::Entity::find()
            .filter(postmortem::COLUMN.status.eq(PostmortemStatus::Published))
            .filter(postmortem::COLUMN.visibility.eq(Visibility::Public))
            .order_by_desc(postmortem::COLUMN.published_at)
            .limit(policy::MAX_POSTMORTEMS)
            .all(conn),
    )?;
    let ids: Vec<Uuid> = ongoing.iter().chain(&recent).map(|i| i.id).collect();
    let (updates, pm_incidents) = tokio::try_join!(
        incident_update::Entity::find()
            .filter(incident_update::Column::IncidentId.is_in(ids))
            .filter(incident_update::COLUMN.public.eq(true))
            .order_by_desc(incident_update::COLUMN.at)
            .all(conn),
        incident::Entity::find()
            .filter(incident::Column::Id.is_in(postmortems.iter().map(|p| p.incident_id)))
            .filter(incident::COLUMN.restricted.eq(false))
            .all(conn),
    )?;
    let entry = |i: incident::Model| PublicIncident {
        id: i.id,
        title: policy::title(i.public_title.as_deref()),
        status: i.status,
        impact: policy::impact(i.severity),
        started_at: i.started_at,
        resolved_at: i.resolved_at,
        closing_note: i
            .resolved_at
            .and_then(|_| policy::closing_note(i.false_alarm)),
        updates: updates
            .iter()
            .filter(|u| u.incident_id == i.id)
            .take(policy::MAX_UPDATES)
            .map(|u| PublicUpdate {
                at: u.at,
                status: u.status,
                message: u.message.clone(),
            })
            .collect(),
    };
    let postmortems = postmortems
        .into_iter()
        .filter_map(|pm| {
            let i = pm_incidents.iter().find(|i| i.id == pm.incident_id)?;
            Some(PublicPostmortem {
                id: pm.id,
                title: policy::title(i.public_title.as_deref()),
                // The public version only: the internal text never reaches customers.
                impact: policy::postmortem_impact(
                    downtime(i.started_at, i.resolved_at),
                    &pm.public_impact,
                ),
                summary: pm.public_summary,
                root_cause: pm.public_root_cause,
                remediation: pm.public_remediation,
                published_at: pm.published_at,
            })
        })
        .collect();
    Ok(StatusPage {
        ongoing: ongoing.into_iter().map(entry).collect(),
        recent: recent.into_iter().map(entry).collect(),
        postmortems,
        generated_at: now,
    })
}

/// The page, shared by every request for `ttl`. Concurrent requests that find it stale
/// wait for one load (the lock is held while loading) instead of each loading it.
pub struct StatusPageCache {
    ttl: Duration,
    slot: tokio::sync::Mutex<Option<(Instant, Arc<StatusPage>)>>,
}

impl StatusPageCache {
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            slot: tokio::sync::Mutex::new(None),
        }
    }

    pub async fn get(&self, db: &Db, now: DateTime<Utc>) -> ServiceResult<Arc<StatusPage>> {
        let mut slot = self.slot.lock().await;
        if let Some((at, page)) = slot.as_ref()
            && at.elapsed() < self.ttl
        {
            return Ok(Arc::clone(page));
        }
        let page = Arc::new(load(db, now).await?);
        *slot = (!self.ttl.is_zero()).then(|| (Instant::now(), Arc::clone(&page)));
        Ok(page)
    }
}
