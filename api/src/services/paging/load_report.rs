//! The managers' on-call load report for a team and a range (at most 93 days): gathers
//! shifts (from the team's schedules, overrides applied), pages, alerts and incidents led,
//! and hands them to `scheduler::paging::report`. Managers and admins only.

use crate::services::{Ctx, ServiceError, ServiceResult, parse_id};
use chrono::{DateTime, Duration, Utc};
use entity::{
    IncidentRole, Role, alert, incident, incident_role, organization, page, schedule, user,
};
use scheduler::oncall::Span;
use scheduler::paging::load::{Compensation, Limits, NightWindow};
use scheduler::paging::report::{self, AlertFact, Input, PageFact, Report, Settings};
use sea_orm::sea_query::Query;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, QueryTrait,
};
use std::collections::HashMap;
use uuid::Uuid;

pub struct LoadReport {
    pub report: Report,
    pub currency: String,
    pub team: entity::team::Model,
}

pub async fn load_report(
    ctx: Ctx<'_>,
    team: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> ServiceResult<LoadReport> {
    ctx.principal.require(Role::Manager)?;
    let team = crate::services::schedules::team_of(ctx.db.conn(), parse_id(team, "team")?).await?;
    let span = crate::services::schedules::queries::range(from, to)?;
    let report = gather(ctx.db.conn(), &team, span, Scope::Everything).await?;
    Ok(LoadReport {
        report,
        currency: team.currency.clone(),
        team,
    })
}

/// What a report counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scope {
    /// Everything: for managers and admins, who may see every incident.
    Everything,
    /// Leaving out restricted incidents, the alerts raised for them and their pages: for
    /// destinations that may not know of them (a team's Slack channel).
    Unrestricted,
}

/// The report of `team` over `span` (the load report's, the weekly digest's).
pub(crate) async fn gather(
    db: &impl ConnectionTrait,
    team: &entity::team::Model,
    span: Span,
    scope: Scope,
) -> ServiceResult<Report> {
    let restricted = || {
        Query::select()
            .column(incident::Column::Id)
            .from(incident::Entity)
            .and_where(incident::Column::Restricted.eq(true))
            .to_owned()
    };
    let counted = || match scope {
        Scope::Everything => Condition::all(),
        Scope::Unrestricted => Condition::any()
            .add(alert::Column::IncidentId.is_null())
            .add(alert::Column::IncidentId.not_in_subquery(restricted())),
    };
    let org = organization::Entity::find_by_id(1)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound("organization"))?;
    let org_zone = org.time_zone.parse().unwrap_or(chrono_tz::UTC);

    // Hours on call: the team's schedules, overrides applied, primaries only.
    let schedule_ids: Vec<Uuid> = schedule::Entity::find()
        .filter(schedule::COLUMN.team_id.eq(team.id))
        .all(db)
        .await?
        .into_iter()
        .map(|s| s.id)
        .collect();
    let (layers, overrides) = tokio::try_join!(
        crate::services::schedules::layers_of(db, &schedule_ids),
        crate::services::schedules::overrides_in(db, &schedule_ids, span)
    )?;
    let mut on_call: Vec<(Uuid, Span)> = vec![];
    for (row, members) in &layers {
        let l = crate::services::schedules::domain_layer(row, members);
        let os: Vec<_> = overrides
            .iter()
            .filter(|o| o.schedule_id == row.schedule_id)
            .map(crate::services::schedules::domain_override)
            .collect();
        on_call.extend(
            scheduler::oncall::shifts::layer_shifts(&l, &os, span)
                .into_iter()
                .filter(|s| !s.shadow)
                .map(|s| (s.user, s.span)),
        );
    }

    // Pages of the team's alerts in the range, and the alerts raised in it.
    let team_alerts = alert::Entity::find()
        .select_only()
        .column(alert::Column::Id)
        .filter(alert::COLUMN.team_id.eq(team.id))
        .filter(counted())
        .into_query();
    let pages = page::Entity::find()
        .filter(page::Column::AlertId.in_subquery(team_alerts))
        .filter(page::COLUMN.created_at.gte(span.start))
        .filter(page::COLUMN.created_at.lt(span.end))
        .all(db)
        .await?;
    let alerts = alert::Entity::find()
        .filter(alert::COLUMN.team_id.eq(team.id))
        .filter(counted())
        .filter(alert::COLUMN.created_at.gte(span.start))
        .filter(alert::COLUMN.created_at.lt(span.end))
        .all(db)
        .await?;

    // Incidents led: the team's incidents declared in the range, by their commander.
    let declared: HashMap<Uuid, DateTime<Utc>> = incident::Entity::find()
        .filter(incident::COLUMN.team_id.eq(team.id))
        .filter(match scope {
            Scope::Everything => Condition::all(),
            Scope::Unrestricted => Condition::all().add(incident::COLUMN.restricted.eq(false)),
        })
        .filter(incident::COLUMN.declared_at.gte(span.start))
        .filter(incident::COLUMN.declared_at.lt(span.end))
        .all(db)
        .await?
        .into_iter()
        .map(|i| (i.id, i.declared_at))
        .collect();
    let led: Vec<(Uuid, DateTime<Utc>)> = incident_role::Entity::find()
        .filter(incident_role::Column::IncidentId.is_in(declared.keys().copied()))
        .filter(incident_role::COLUMN.role.eq(IncidentRole::Commander))
        .all(db)
        .await?
        .into_iter()
        .filter_map(|r| declared.get(&r.incident_id).map(|at| (r.user_id, *at)))
        .collect();

    let mut people: Vec<Uuid> = on_call.iter().map(|(u, _)| *u).collect();
    people.extend(pages.iter().map(|p| p.user_id));
    people.extend(led.iter().map(|(u, _)| *u));
    let zones: HashMap<Uuid, chrono_tz::Tz> = user::Entity::find()
        .filter(user::Column::Id.is_in(people))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.time_zone.parse().unwrap_or(chrono_tz::UTC)))
        .collect();
    let settings = Settings {
        org_zone,
        night: NightWindow {
            start: scheduler::oncall::local::time_at_minute(team.night_start_minute),
            end: scheduler::oncall::local::time_at_minute(team.night_end_minute),
        },
        limits: limits(team),
        compensation: Compensation {
            rest_per_night_page: Duration::minutes(i64::from(team.rest_per_night_page_minutes)),
            per_hour_minor: team.pay_per_hour_minor,
            per_week_minor: team.pay_per_week_minor,
            currency: team.currency.clone(),
        },
    };
    let page_facts: Vec<PageFact> = pages.iter().map(page_fact).collect();
    let alert_facts: Vec<AlertFact> = alerts.iter().map(alert_fact).collect();
    Ok(report::report(&Input {
        range: span,
        on_call: &on_call,
        pages: &page_facts,
        alerts: &alert_facts,
        led: &led,
        zones: &zones,
        settings: &settings,
    }))
}

/// A team's weekly page limits (the report's levels, the load reminders, the digest).
pub(crate) fn limits(team: &entity::team::Model) -> Limits {
    Limits {
        warn_above: u32::try_from(team.page_warn_above).unwrap_or(2),
        breach_at: u32::try_from(team.page_breach_at).unwrap_or(5),
    }
}

/// A page as the report's pure core reads it.
pub(crate) fn page_fact(p: &page::Model) -> PageFact {
    PageFact {
        user: p.user_id,
        at: p.created_at,
        alert: p.alert_id,
    }
}

/// An alert as the report's pure core reads it (resolved by its source when nobody pressed
/// resolve).
pub(crate) fn alert_fact(a: &alert::Model) -> AlertFact {
    AlertFact {
        id: a.id,
        source: a.source.clone(),
        name: a.name.clone(),
        created: a.created_at,
        acknowledged: a.acknowledged_at,
        resolved: a.resolved_at,
        resolved_by_source: a.resolved_at.is_some() && a.resolved_by.is_none(),
    }
}
