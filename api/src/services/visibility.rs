//! Who may see which incident: the one rule, in one SQL encoding, used by every list,
//! count and single-object check (incidents, postmortems, action items, metrics).

use crate::auth::CurrentUser;
use crate::services::{ServiceError, ServiceResult};
use entity::{Role, incident, incident_participant, incident_role, postmortem};
use sea_orm::sea_query::{Expr, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, ExprTrait, QueryFilter, QuerySelect,
};
use uuid::Uuid;

/// Whether a user may see an incident, as a SQL condition: everything unrestricted;
/// restricted incidents only for their role holders, the declarer, participants (people
/// added, owners of their action items), managers and admins. Lists, counts and the
/// single-object look-ups below all use this one encoding.
pub(crate) fn visible_to(user: &CurrentUser) -> Condition {
    if user.role >= Role::Manager {
        return Condition::all();
    }
    Condition::any()
        .add(incident::Column::Restricted.eq(false))
        .add(incident::Column::DeclaredBy.eq(user.id))
        .add(
            incident::Column::Id.in_subquery(
                Query::select()
                    .column(incident_role::Column::IncidentId)
                    .from(incident_role::Entity)
                    .and_where(Expr::col(incident_role::Column::UserId).eq(user.id))
                    .to_owned(),
            ),
        )
        .add(
            incident::Column::Id.in_subquery(
                Query::select()
                    .column(incident_participant::Column::IncidentId)
                    .from(incident_participant::Entity)
                    .and_where(Expr::col(incident_participant::Column::UserId).eq(user.id))
                    .to_owned(),
            ),
        )
}

/// The incident, if `user` may see it; otherwise NOT_FOUND (a restricted incident's
/// existence is not revealed). One statement.
pub(crate) async fn find_visible(
    conn: &impl ConnectionTrait,
    user: &CurrentUser,
    id: Uuid,
) -> ServiceResult<incident::Model> {
    incident::Entity::find_by_id(id)
        .filter(visible_to(user))
        .one(conn)
        .await?
        .ok_or(ServiceError::NotFound("incident"))
}

/// Like [`find_visible`], reading the row under a lock for the rest of the transaction
/// (`FOR UPDATE` on PostgreSQL; on SQLite `BEGIN IMMEDIATE` already serialises writers),
/// so of two concurrent changes the second sees the first's result and its rule check
/// refuses it instead of both passing and both writing.
pub(crate) async fn find_visible_locked(
    conn: &impl ConnectionTrait,
    user: &CurrentUser,
    id: Uuid,
) -> ServiceResult<incident::Model> {
    incident::Entity::find_by_id(id)
        .filter(visible_to(user))
        .lock_exclusive()
        .one(conn)
        .await?
        .ok_or(ServiceError::NotFound("incident"))
}

/// Those of `ids` that `user` may see. One statement.
pub async fn visible_by_ids(
    conn: &impl ConnectionTrait,
    user: &CurrentUser,
    ids: &[Uuid],
) -> ServiceResult<Vec<incident::Model>> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    Ok(incident::Entity::find()
        .filter(incident::Column::Id.is_in(ids.iter().copied()))
        .filter(visible_to(user))
        .all(conn)
        .await?)
}

/// How texts name those of `ids` that `user` may see (their channel, or a ticket's
/// title): what texts naming another incident are rendered with. One statement.
pub async fn visible_names(
    conn: &impl ConnectionTrait,
    user: &CurrentUser,
    ids: &[Uuid],
) -> ServiceResult<std::collections::HashMap<Uuid, String>> {
    if ids.is_empty() {
        return Ok(Default::default());
    }
    Ok(incident::Entity::find()
        .select_only()
        .column(incident::Column::Id)
        .column(incident::Column::Channel)
        .column(incident::Column::Title)
        .filter(incident::Column::Id.is_in(ids.iter().copied()))
        .filter(visible_to(user))
        .into_tuple::<(Uuid, Option<String>, String)>()
        .all(conn)
        .await?
        .into_iter()
        .map(|(id, channel, title)| {
            (
                id,
                scheduler::domain::references::incident_name(channel.as_deref(), &title),
            )
        })
        .collect())
}

/// The incidents visible to `user` and matching `incidents`, as a subquery of their ids.
pub(crate) fn incidents_where(incidents: Condition) -> SelectStatement {
    Query::select()
        .column(incident::Column::Id)
        .from(incident::Entity)
        .cond_where(incidents)
        .to_owned()
}

/// The ids of postmortems whose incident matches `incidents`, as a subquery.
pub(crate) fn postmortems_of_incidents_where(incidents: Condition) -> SelectStatement {
    Query::select()
        .column(postmortem::Column::Id)
        .from(postmortem::Entity)
        .and_where(
            Expr::col(postmortem::Column::IncidentId).in_subquery(incidents_where(incidents)),
        )
        .to_owned()
}
