//! A team's week, as stored: the incidents declared and resolved in it, the postmortems
//! still open, the action items overdue at the digest's instant, and the load report's
//! figures. Counts are counted by the database and lists are capped, so a team with a
//! long history costs the same few statements as a new one.
//!
//! Read in one of two scopes: everything, for the digest's readers (managers and admins,
//! who may see every incident), or without restricted incidents, the alerts raised for
//! them and their pages, for a team's Slack channel.

use crate::services::ServiceResult;
use crate::services::paging::load_report::{self, Scope};
use chrono::{DateTime, Utc};
use entity::{
    ActionItemStatus, PostmortemStatus, Severity, action_item, incident, postmortem, team, user,
};
use scheduler::due::digest::{Load, load_by_person};
use scheduler::oncall::Span;
use scheduler::paging::report::Source;
use sea_orm::sea_query::{Query, SelectStatement};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use std::collections::{BTreeMap, HashMap, HashSet};
use uuid::Uuid;

/// Items listed per section; the counts say how many there are in all.
pub(super) const LISTED: u64 = 10;

pub(super) struct TeamWeek {
    pub team: team::Model,
    pub declared: u64,
    pub resolved: u64,
    pub by_severity: BTreeMap<String, u64>,
    /// The first declared in the week.
    pub declared_list: Vec<incident::Model>,
    pub postmortems_open: u64,
    pub postmortems_overdue: u64,
    /// Earliest deadline first, with their incidents.
    pub postmortems: Vec<(postmortem::Model, incident::Model)>,
    pub items_overdue: u64,
    /// Most overdue first, with their incidents.
    pub overdue_items: Vec<(action_item::Model, incident::Model)>,
    pub load: Vec<Load>,
    /// The load report's noisiest sources (at most 10).
    pub sources: Vec<Source>,
    /// Names of the people the figures mention (load rows, action item owners).
    pub names: HashMap<Uuid, String>,
}

fn in_scope(scope: Scope) -> Condition {
    match scope {
        Scope::Everything => Condition::all(),
        Scope::Unrestricted => Condition::all().add(incident::Column::Restricted.eq(false)),
    }
}

/// The ids of `team`'s incidents in `scope`, as a subquery.
fn incidents_of(team: Uuid, scope: Scope) -> SelectStatement {
    Query::select()
        .column(incident::Column::Id)
        .from(incident::Entity)
        .and_where(incident::Column::TeamId.eq(team))
        .cond_where(in_scope(scope))
        .to_owned()
}

/// Reads `team`'s week `span` as it stood at `at` (the digest's instant).
pub(super) async fn team_week(
    conn: &impl ConnectionTrait,
    team: &team::Model,
    span: Span,
    at: DateTime<Utc>,
    scope: Scope,
) -> ServiceResult<TeamWeek> {
    let declared_in_week = || {
        incident::Entity::find()
            .filter(incident::COLUMN.team_id.eq(team.id))
            .filter(in_scope(scope))
            .filter(incident::COLUMN.declared_at.gte(span.start))
            .filter(incident::COLUMN.declared_at.lt(span.end))
            .filter(incident::COLUMN.duplicate_of.is_null())
    };
    let by_severity: BTreeMap<String, u64> = declared_in_week()
        .select_only()
        .column(incident::Column::Severity)
        .column_as(incident::Column::Id.count(), "n")
        .group_by(incident::Column::Severity)
        .into_tuple::<(Severity, i64)>()
        .all(conn)
        .await?
        .into_iter()
        .map(|(s, n)| (<&str>::from(s).to_owned(), n.max(0) as u64))
        .collect();
    let declared_list = declared_in_week()
        .order_by_asc(incident::Column::DeclaredAt)
        .limit(LISTED)
        .all(conn)
        .await?;
    let resolved = incident::Entity::find()
        .filter(incident::COLUMN.team_id.eq(team.id))
        .filter(in_scope(scope))
        .filter(incident::COLUMN.resolved_at.gte(span.start))
        .filter(incident::COLUMN.resolved_at.lt(span.end))
        .count(conn)
        .await?;
    let open = || {
        postmortem::Entity::find()
            .filter(postmortem::COLUMN.status.ne(PostmortemStatus::Published))
            .filter(postmortem::Column::IncidentId.in_subquery(incidents_of(team.id, scope)))
    };
    let postmortems_open = open().count(conn).await?;
    let postmortems_overdue = open()
        .filter(postmortem::COLUMN.due_at.lt(at))
        .count(conn)
        .await?;
    let postmortems = open()
        .order_by_asc(postmortem::Column::DueAt)
        .limit(LISTED)
        .all(conn)
        .await?;
    let overdue = || {
        action_item::Entity::find()
            .filter(
                action_item::Column::Status
                    .is_not_in([ActionItemStatus::Done, ActionItemStatus::WontDo]),
            )
            .filter(action_item::COLUMN.due_at.lt(at))
            .filter(action_item::Column::IncidentId.in_subquery(incidents_of(team.id, scope)))
    };
    let items_overdue = overdue().count(conn).await?;
    let items = overdue()
        .order_by_asc(action_item::Column::DueAt)
        .limit(LISTED)
        .all(conn)
        .await?;
    let wanted: HashSet<Uuid> = postmortems
        .iter()
        .map(|p| p.incident_id)
        .chain(items.iter().map(|i| i.incident_id))
        .collect();
    let incidents: HashMap<Uuid, incident::Model> = incident::Entity::find()
        .filter(incident::Column::Id.is_in(wanted))
        .all(conn)
        .await?
        .into_iter()
        .map(|i| (i.id, i))
        .collect();
    let report = load_report::gather(conn, team, span, scope).await?;
    let load = load_by_person(&report.rows, load_report::limits(team));
    let people: HashSet<Uuid> = load
        .iter()
        .map(|l| l.user)
        .chain(items.iter().map(|i| i.owner_id))
        .collect();
    let names = user::Entity::find()
        .filter(user::Column::Id.is_in(people))
        .all(conn)
        .await?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect();
    let with_incident = |incident_id: Uuid| incidents.get(&incident_id).cloned();
    Ok(TeamWeek {
        team: team.clone(),
        declared: by_severity.values().sum(),
        resolved,
        by_severity,
        declared_list,
        postmortems_open,
        postmortems_overdue,
        postmortems: postmortems
            .into_iter()
            .filter_map(|p| with_incident(p.incident_id).map(|i| (p, i)))
            .collect(),
        items_overdue,
        overdue_items: items
            .into_iter()
            .filter_map(|a| with_incident(a.incident_id).map(|i| (a, i)))
            .collect(),
        load,
        sources: report.sources,
        names,
    })
}
