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

#[derive(SimpleObject)]
pub struct StatusPage {
    /// Incidents not yet resolved.
    pub ongoing: Vec<PublicIncident>,
    /// Incidents resolved in the last 7 days.
    pub recent: Vec<PublicIncident>,
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
            generated_at: now,
        };
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
