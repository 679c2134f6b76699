//! The public status page: no token needed. The policy (what is shown, how it is worded)
//! is `scheduler::domain::status_page`; the page is loaded and shared between requests by
//! `services::status_page`.

use super::context::{data, request};
use crate::services::status_page as page;
use async_graphql::{Context, Enum, ID, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entity::IncidentStatus;

/// Customer-facing impact, from the severity.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "scheduler::domain::status_page::Impact")]
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
    /// Public updates, newest first (at most 50).
    pub updates: Vec<PublicUpdate>,
    /// Said when it closed, if it needs saying: a false alarm that customers had been told
    /// about stays, with this note, instead of vanishing.
    pub closing_note: Option<String>,
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
    /// Incidents not yet resolved (at most 100).
    pub ongoing: Vec<PublicIncident>,
    /// Incidents resolved in the last 7 days (at most 50).
    pub recent: Vec<PublicIncident>,
    /// Published public postmortems, newest first (at most 50).
    pub postmortems: Vec<PublicPostmortem>,
    /// When the page was read (it is shared between requests for a few seconds).
    pub generated_at: DateTime<Utc>,
}

fn incident(i: &page::PublicIncident) -> PublicIncident {
    PublicIncident {
        id: ID(i.id.to_string()),
        title: i.title.clone(),
        status: i.status,
        impact: PublicImpact::from(i.impact),
        started_at: i.started_at,
        resolved_at: i.resolved_at,
        closing_note: i.closing_note.map(str::to_owned),
        updates: i
            .updates
            .iter()
            .map(|u| PublicUpdate {
                at: u.at,
                status: u.status,
                message: u.message.clone(),
            })
            .collect(),
    }
}

#[derive(Default)]
pub struct StatusPageQuery;

#[Object]
impl StatusPageQuery {
    /// Public: no authentication. Shared between requests for a few seconds
    /// (`FIREBREAK_STATUS_PAGE_CACHE`), so repeating it costs at most one read.
    #[graphql(complexity = "super::cost::CACHED_READ + child_complexity")]
    async fn status_page(&self, ctx: &Context<'_>) -> Result<StatusPage> {
        let s = data(ctx);
        let p = s.status_page.get(&s.db, request(ctx).now).await?;
        Ok(StatusPage {
            ongoing: p.ongoing.iter().map(incident).collect(),
            recent: p.recent.iter().map(incident).collect(),
            postmortems: p
                .postmortems
                .iter()
                .map(|pm| PublicPostmortem {
                    id: ID(pm.id.to_string()),
                    title: pm.title.clone(),
                    summary: pm.summary.clone(),
                    impact: pm.impact.clone(),
                    root_cause: pm.root_cause.clone(),
                    remediation: pm.remediation.clone(),
                    published_at: pm.published_at,
                })
                .collect(),
            generated_at: p.generated_at,
        })
    }
}
