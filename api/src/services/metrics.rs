//! Incident metrics over a period: the data is read in a few statements (incidents, and
//! as the figures asked for need them first pages, postmortems, action items and their
//! due-date changes, earlier incidents; all filtered in SQL) and computed by the pure
//! core.

use super::visibility::incidents_where;
use super::visibility::{visible_names, visible_to};
use super::{Ctx, ServiceError, ServiceResult, parse_id};
use chrono::{DateTime, Duration, Utc};
use entity::{
    ActionItemStatus, DetectionSource, Role, Severity, action_item, incident, postmortem,
};
use scheduler::domain::instant;
use scheduler::domain::metrics::{
    self, ActionItemSample, IncidentSample, PostmortemSample, Report,
};
use scheduler::domain::reason::Reason;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, QuerySelect,
};
use uuid::Uuid;

#[derive(Debug)]
pub struct MetricsFilter {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub team_id: Option<String>,
    pub service_id: Option<String>,
    pub severity: Option<Severity>,
}

/// Which figures the caller wants beyond the incidents' own: each costs statements of its
/// own (the action items and their due-date changes, over a year, cost more than the rest
/// together), so figures nobody asked for are not read.
#[derive(Debug, Clone, Copy)]
pub struct Figures {
    /// `mtta` and `notPaged`: when each incident was first paged about.
    pub acknowledgement: bool,
    /// `recurrenceRate`: which earlier incidents the caller may see.
    pub recurrences: bool,
    /// The postmortem figures.
    pub postmortems: bool,
    /// The action-item figures.
    pub action_items: bool,
}

impl Figures {
    /// The incidents' own figures only.
    pub const NONE: Figures = Figures {
        acknowledgement: false,
        recurrences: false,
        postmortems: false,
        action_items: false,
    };
    pub const ALL: Figures = Figures {
        acknowledgement: true,
        recurrences: true,
        postmortems: true,
        action_items: true,
    };
}

/// The longest period one request may cover.
const MAX_PERIOD_DAYS: i64 = 5 * 366;

/// The columns of an incident the figures need (and no more).
#[derive(Debug, FromQueryResult)]
struct IncidentRow {
    id: Uuid,
    highest_severity: Severity,
    started_at: DateTime<Utc>,
    start_known: bool,
    detected_at: DateTime<Utc>,
    declared_at: DateTime<Utc>,
    acknowledged_at: Option<DateTime<Utc>>,
    mitigated_at: Option<DateTime<Utc>>,
    resolved_at: Option<DateTime<Utc>>,
    false_alarm: bool,
    duplicate_of: Option<Uuid>,
    recurrence_of: Option<Uuid>,
    detection_source: DetectionSource,
}

pub async fn incident_metrics(
    ctx: Ctx<'_>,
    f: &MetricsFilter,
    wanted: Figures,
) -> ServiceResult<Report> {
    let user = ctx.principal.require(Role::Viewer)?;
    instant::check("from", f.from)?;
    instant::check("to", f.to)?;
    if f.from >= f.to {
        return Err(ServiceError::invalid(
            Reason::InvalidPeriod,
            "`from` must be before `to`",
        ));
    }
    if f.to - f.from > Duration::days(MAX_PERIOD_DAYS) {
        return Err(ServiceError::invalid(
            Reason::InvalidPeriod,
            "a period covers at most five years",
        ));
    }
    // Which incidents the figures are about: filters and visibility, but no period (the
    // postmortem and action-item figures have periods of their own).
    let mut scope = Condition::all().add(visible_to(user));
    if let Some(team) = &f.team_id {
        scope = scope.add(incident::Column::TeamId.eq(parse_id(team, "team")?));
    }
    if let Some(svc) = &f.service_id {
        scope = scope.add(incident::Column::ServiceId.eq(parse_id(svc, "service")?));
    }
    if let Some(sev) = f.severity {
        // One severity counts: the highest the incident reached.
        scope = scope.add(incident::Column::HighestSeverity.eq(sev));
    }
    let in_period = scope
        .clone()
        .add(incident::Column::StartedAt.gte(f.from))
        .add(incident::Column::StartedAt.lt(f.to));
    let scoped_incidents = |cond: Condition| {
        Query::select()
            .column(incident::Column::Id)
            .from(incident::Entity)
            .cond_where(cond)
            .to_owned()
    };
    let db = ctx.db.conn();
    // When each incident of the period was first paged about (time to acknowledge runs
    // from there).
    let first_page_query = Query::select()
        .column((entity::alert::Entity, entity::alert::Column::IncidentId))
        .expr_as(
            Expr::col((entity::page::Entity, entity::page::Column::CreatedAt)).min(),
            sea_orm::sea_query::Alias::new("first_paged"),
        )
        .from(entity::page::Entity)
        .inner_join(
            entity::alert::Entity,
            Expr::col((entity::alert::Entity, entity::alert::Column::Id))
                .equals((entity::page::Entity, entity::page::Column::AlertId)),
        )
        .and_where(
            Expr::col((entity::alert::Entity, entity::alert::Column::IncidentId))
                .in_subquery(scoped_incidents(in_period.clone())),
        )
        .group_by_col((entity::alert::Entity, entity::alert::Column::IncidentId))
        .to_owned();
    let backend = db.get_database_backend();
    let (rows, pms, items, first) = tokio::try_join!(
        incident::Entity::find()
            .select_only()
            .columns([
                incident::Column::Id,
                incident::Column::HighestSeverity,
                incident::Column::StartedAt,
                incident::Column::StartKnown,
                incident::Column::DetectedAt,
                incident::Column::DeclaredAt,
                incident::Column::AcknowledgedAt,
                incident::Column::MitigatedAt,
                incident::Column::ResolvedAt,
                incident::Column::FalseAlarm,
                incident::Column::DuplicateOf,
                incident::Column::RecurrenceOf,
                incident::Column::DetectionSource,
            ])
            .filter(in_period.clone())
            .into_model::<IncidentRow>()
            .all(db),
        // Postmortems of the period's incidents.
        when(
            wanted.postmortems,
            postmortem::Entity::find()
                .select_only()
                .columns([postmortem::Column::DueAt, postmortem::Column::PublishedAt])
                .filter(
                    postmortem::Column::IncidentId.in_subquery(scoped_incidents(in_period.clone()))
                )
                .into_tuple::<(DateTime<Utc>, Option<DateTime<Utc>>)>()
                .all(db)
        ),
        // Action items due in the period, of postmortems of incidents in scope.
        when(
            wanted.action_items,
            action_item::Entity::find()
                .select_only()
                .columns([
                    action_item::Column::Id,
                    action_item::Column::DueAt,
                    action_item::Column::CompletedAt,
                    action_item::Column::Status,
                ])
                .filter(action_item::Column::DueAt.gte(f.from))
                .filter(action_item::Column::DueAt.lt(f.to))
                .filter(action_item::Column::IncidentId.in_subquery(incidents_where(scope.clone())))
                .into_tuple::<(Uuid, DateTime<Utc>, Option<DateTime<Utc>>, ActionItemStatus)>()
                .all(db)
        ),
        when(
            wanted.acknowledgement,
            db.query_all_raw(backend.build(&first_page_query))
        ),
    )?;
    let mut first_pages: std::collections::HashMap<Uuid, DateTime<Utc>> = Default::default();
    for row in first {
        let id: Uuid = row.try_get("", "incident_id")?;
        let at: DateTime<Utc> = row.try_get("", "first_paged")?;
        first_pages.insert(id, at);
    }
    // A recurrence counts only when the caller may see the earlier incident too: a link to
    // a restricted incident must not reveal that it exists.
    let earlier: Vec<Uuid> = if wanted.recurrences {
        rows.iter().filter_map(|r| r.recurrence_of).collect()
    } else {
        vec![]
    };
    let visible_earlier = visible_names(db, user, &earlier).await?;
    let incidents: Vec<IncidentSample> = rows
        .into_iter()
        .map(|r| IncidentSample {
            severity: r.highest_severity,
            started: r.started_at,
            detected: r.detected_at,
            declared: r.declared_at,
            acknowledged: r.acknowledged_at,
            first_paged: first_pages.get(&r.id).copied(),
            mitigated: r.mitigated_at,
            resolved: r.resolved_at,
            start_known: r.start_known,
            false_alarm: r.false_alarm,
            duplicate: r.duplicate_of.is_some(),
            recurrence: r
                .recurrence_of
                .is_some_and(|e| visible_earlier.contains_key(&e)),
            detection: r.detection_source,
        })
        .collect();
    let postmortems: Vec<PostmortemSample> = pms
        .into_iter()
        .map(|(due, published)| PostmortemSample { due, published })
        .collect();
    // Items whose date was moved after it had already passed missed it, whatever the new
    // date says.
    let item_ids: Vec<Uuid> = items.iter().map(|i| i.0).collect();
    let missed: std::collections::HashSet<Uuid> = if item_ids.is_empty() {
        Default::default()
    } else {
        super::action_items::due_changes_of(ctx.db, &item_ids)
            .await?
            .into_iter()
            .filter(|c| metrics::moved_after_missing(c.from_due, c.changed_at))
            .map(|c| c.action_item_id)
            .collect()
    };
    let items: Vec<ActionItemSample> = items
        .into_iter()
        .map(|(id, due, completed, status)| ActionItemSample {
            due,
            completed,
            done: status == ActionItemStatus::Done,
            closed: matches!(status, ActionItemStatus::Done | ActionItemStatus::WontDo),
            missed_earlier: missed.contains(&id),
        })
        .collect();
    // Weeks are the organization's weeks.
    let tz = super::organization::get(ctx.db)
        .await
        .ok()
        .and_then(|o| scheduler::domain::zone::parse(&o.time_zone).ok())
        .unwrap_or(chrono_tz::UTC);
    Ok(metrics::report(
        f.from,
        f.to,
        ctx.now,
        tz,
        &incidents,
        &postmortems,
        &items,
    ))
}

/// The rows `query` reads, or none without a statement when they are not `wanted`.
async fn when<T>(
    wanted: bool,
    query: impl std::future::Future<Output = Result<Vec<T>, sea_orm::DbErr>>,
) -> Result<Vec<T>, sea_orm::DbErr> {
    if wanted { query.await } else { Ok(vec![]) }
}
