//! `incident` and `incidents`.

use super::*;

#[derive(InputObject, Default)]
pub struct IncidentFilterInput {
    pub statuses: Option<Vec<IncidentStatus>>,
    pub severities: Option<Vec<Severity>>,
    pub team_id: Option<ID>,
    pub service_id: Option<ID>,
    /// Declared at or after this instant.
    pub declared_from: Option<DateTime<Utc>>,
    /// Declared before this instant.
    pub declared_to: Option<DateTime<Utc>>,
    /// Text in the title, case-insensitive.
    pub text: Option<String>,
}

#[derive(Default)]
pub struct IncidentQuery;

#[Object]
impl IncidentQuery {
    #[graphql(complexity = "crate::graphql::cost::STATEMENT + child_complexity")]
    async fn incident(&self, ctx: &Context<'_>, id: ID) -> Result<Incident> {
        Ok(Incident(incidents::get(service_ctx(ctx), &id).await?))
    }

    /// Incidents the caller may see, newest declared first (ties broken by id); at most
    /// 100 a page.
    #[graphql(
        complexity = "crate::graphql::cost::STATEMENT + crate::graphql::cost::page(first) * child_complexity"
    )]
    async fn incidents(
        &self,
        ctx: &Context<'_>,
        filter: Option<IncidentFilterInput>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<ListConnection<Incident>> {
        let page = PageRequest::new(first, after.as_deref())?;
        let f = filter.unwrap_or_default();
        let filter = IncidentFilter {
            statuses: f.statuses.unwrap_or_default(),
            severities: f.severities.unwrap_or_default(),
            team_id: f.team_id.map(|t| t.0),
            service_id: f.service_id.map(|s| s.0),
            declared_from: f.declared_from,
            declared_to: f.declared_to,
            text: f.text,
        };
        let result = incidents::list(service_ctx(ctx), &filter, &page).await?;
        super::prefetch::prefetch(ctx, &result.items).await?;
        Ok(from_page(
            result,
            page.after.is_some(),
            incidents::incident_cursor,
            Incident,
        ))
    }
}
