//! A team's week, as stored: the incidents declared in it, the postmortems still open,
//! the action items overdue at the digest's instant, and the load report's figures. Read
//! once per team however many managers get it; each reader then sees it through
//! [`super::render::view`], restricted incidents filtered to what they may see.

use crate::services::ServiceResult;
use crate::services::notifications::audience::role_holders;
use crate::services::paging::load_report;
use chrono::{DateTime, Utc};
use entity::{
    ActionItemStatus, IncidentRole, PostmortemStatus, action_item, alert, incident, postmortem,
    team, user,
};
use scheduler::due::digest::{Load, load_by_person};
use scheduler::oncall::Span;
use scheduler::paging::report::Source;
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

pub(super) struct TeamWeek {
    pub team: team::Model,
    /// Declared in the week, oldest first.
    pub declared: Vec<incident::Model>,
    /// Not yet published, earliest deadline first, with their incidents.
    pub postmortems: Vec<(postmortem::Model, incident::Model)>,
    /// Open and past their due date at the digest's instant, most overdue first.
    pub overdue_items: Vec<(action_item::Model, incident::Model)>,
    pub load: Vec<Load>,
    /// The load report's noisiest sources (at most 10).
    pub sources: Vec<Source>,
    /// Sources (source, name) of alerts raised for an incident, with the incident: an
    /// alert raised by declaring an incident is named after its title, so a reader who
    /// may not see the incident must not see the source either.
    pub incident_sources: Vec<((String, String), Uuid)>,
    /// The commander of each incident declared in the week (the load report counts
    /// incidents led by them; a reader who may not see one must not count it either).
    pub commanders: HashMap<Uuid, Uuid>,
    /// Which of the incidents mentioned anywhere are restricted.
    pub restricted: HashSet<Uuid>,
    /// Names of the people the figures mention (load rows, action item owners).
    pub names: HashMap<Uuid, String>,
}

/// Reads `team`'s week `span` as it stood at `at` (the digest's instant).
pub(super) async fn team_week(
    conn: &impl ConnectionTrait,
    team: &team::Model,
    span: Span,
    at: DateTime<Utc>,
) -> ServiceResult<TeamWeek> {
    let declared = incident::Entity::find()
        .filter(incident::COLUMN.team_id.eq(team.id))
        .filter(incident::COLUMN.declared_at.gte(span.start))
        .filter(incident::COLUMN.declared_at.lt(span.end))
        .filter(incident::COLUMN.duplicate_of.is_null())
        .order_by_asc(incident::Column::DeclaredAt)
        .all(conn)
        .await?;
    let of_team = || {
        Query::select()
            .column(incident::Column::Id)
            .from(incident::Entity)
            .and_where(incident::Column::TeamId.eq(team.id))
            .to_owned()
    };
    let postmortems = postmortem::Entity::find()
        .filter(postmortem::COLUMN.status.ne(PostmortemStatus::Published))
        .filter(postmortem::Column::IncidentId.in_subquery(of_team()))
        .order_by_asc(postmortem::Column::DueAt)
        .all(conn)
        .await?;
    let items = action_item::Entity::find()
        .filter(
            action_item::Column::Status
                .is_not_in([ActionItemStatus::Done, ActionItemStatus::WontDo]),
        )
        .filter(action_item::COLUMN.due_at.lt(at))
        .filter(action_item::Column::IncidentId.in_subquery(of_team()))
        .order_by_asc(action_item::Column::DueAt)
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
    let incident_sources: Vec<((String, String), Uuid)> = alert::Entity::find()
        .select_only()
        .columns([
            alert::Column::Source,
            alert::Column::Name,
            alert::Column::IncidentId,
        ])
        .filter(alert::COLUMN.team_id.eq(team.id))
        .filter(alert::COLUMN.created_at.gte(span.start))
        .filter(alert::COLUMN.created_at.lt(span.end))
        .filter(alert::COLUMN.incident_id.is_not_null())
        .into_tuple::<(String, String, Uuid)>()
        .all(conn)
        .await?
        .into_iter()
        .map(|(source, name, incident)| ((source, name), incident))
        .collect();
    let mut restricted: HashSet<Uuid> = incident::Entity::find()
        .select_only()
        .column(incident::Column::Id)
        .filter(incident::Column::Id.is_in(incident_sources.iter().map(|(_, i)| *i)))
        .filter(incident::COLUMN.restricted.eq(true))
        .into_tuple::<Uuid>()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    restricted.extend(
        declared
            .iter()
            .chain(incidents.values())
            .filter(|i| i.restricted)
            .map(|i| i.id),
    );
    let declared_ids: Vec<Uuid> = declared.iter().map(|i| i.id).collect();
    let commanders = role_holders(conn, &declared_ids, IncidentRole::Commander).await?;
    let report = load_report::gather(conn, team, span).await?;
    let load = load_by_person(&report.rows);
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
        declared,
        postmortems: postmortems
            .into_iter()
            .filter_map(|p| with_incident(p.incident_id).map(|i| (p, i)))
            .collect(),
        overdue_items: items
            .into_iter()
            .filter_map(|a| with_incident(a.incident_id).map(|i| (a, i)))
            .collect(),
        load,
        sources: report.sources,
        incident_sources,
        commanders,
        restricted,
        names,
    })
}

impl TeamWeek {
    /// Every incident the week mentions (what a reader's visibility is asked about).
    pub fn incident_ids(&self) -> impl Iterator<Item = Uuid> + '_ {
        self.declared
            .iter()
            .map(|i| i.id)
            .chain(self.postmortems.iter().map(|(_, i)| i.id))
            .chain(self.overdue_items.iter().map(|(_, i)| i.id))
            .chain(self.incident_sources.iter().map(|(_, i)| *i))
    }
}
