//! The public status page: no token needed. Only customer-facing, unrestricted incidents,
//! only their public updates, and never names of people or internal fields.

use super::context::{request, state};
use crate::services::incidents;
use async_graphql::{Context, Enum, ID, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{IncidentStatus, Severity};

/// Customer-facing impact, from the severity.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum PublicImpact {
    MajorOutage,
    PartialOutage,
    DegradedPerformance,
}

#[derive(SimpleObject)]
pub struct PublicUpdate {
    pub at: DateTime<Utc>,
    pub status: IncidentStatus,
    pub message: String,
}

#[derive(SimpleObject)]
pub struct PublicIncident {
    pub id: ID,
    /// The incident's public title, or "Service disruption" when none was given (internal
    /// titles are never shown).
    pub title: String,
    pub status: IncidentStatus,
    pub impact: PublicImpact,
    pub started_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    /// Public updates, newest first.
    pub updates: Vec<PublicUpdate>,
}

/// A published public postmortem: its public fields only, never names of people.
#[derive(SimpleObject)]
pub struct PublicPostmortem {
    pub id: ID,
    pub title: String,
    pub summary: String,
    /// Duration and who was affected.
    pub impact: String,
    pub root_cause: String,
    /// What we are doing about it.
    pub remediation: String,
    pub published_at: Option<DateTime<Utc>>,
}

#[derive(SimpleObject)]
pub struct StatusPage {
    /// Incidents not yet resolved.
    pub ongoing: Vec<PublicIncident>,
    /// Incidents resolved in the last 7 days.
    pub recent: Vec<PublicIncident>,
    /// Published public postmortems, newest first.
    pub postmortems: Vec<PublicPostmortem>,
    pub generated_at: DateTime<Utc>,
}

#[derive(Default)]
pub struct StatusPageQuery;

#[Object]
impl StatusPageQuery {
    /// Public: no authentication.
    async fn status_page(&self, ctx: &Context<'_>) -> Result<StatusPage> {
        let now = request(ctx).now;
        let rows = incidents::status_page(&state(ctx).db, now).await?;
        let mut page = StatusPage {
            ongoing: vec![],
            recent: vec![],
            postmortems: vec![],
            generated_at: now,
        };
        for (pm, i) in crate::services::postmortems::public(&state(ctx).db).await? {
            let duration = scheduler::domain::postmortem::downtime(i.started_at, i.resolved_at)
                .map(scheduler::domain::templates::human_duration)
                .unwrap_or_default();
            let affected = if pm.users_affected.trim().is_empty() {
                String::new()
            } else {
                format!(" Affected: {}.", pm.users_affected.trim())
            };
            page.postmortems.push(PublicPostmortem {
                id: ID(pm.id.to_string()),
                title: i
                    .public_title
                    .clone()
                    .unwrap_or_else(|| "Service disruption".into()),
                summary: pm.summary,
                impact: format!("Duration: {duration}.{affected}"),
                root_cause: pm.root_cause,
                remediation: pm.remediation,
                published_at: pm.published_at,
            });
        }
        for (i, updates) in rows {
            let entry = PublicIncident {
                id: ID(i.id.to_string()),
                title: i
                    .public_title
                    .unwrap_or_else(|| "Service disruption".into()),
                status: i.status,
                impact: match i.severity {
                    Severity::Sev1 => PublicImpact::MajorOutage,
                    Severity::Sev2 => PublicImpact::PartialOutage,
                    Severity::Sev3 | Severity::Sev4 => PublicImpact::DegradedPerformance,
                },
                started_at: i.started_at,
                resolved_at: i.resolved_at,
                updates: updates
                    .into_iter()
                    .map(|u| PublicUpdate {
                        at: u.at,
                        status: u.status,
                        message: u.message,
                    })
                    .collect(),
            };
            if i.resolved_at.is_some() {
                page.recent.push(entry);
            } else {
                page.ongoing.push(entry);
            }
        }
        Ok(page)
    }
}
