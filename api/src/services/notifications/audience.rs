//! Who is told: an incident's role holders, a team's leads and managers (admins when a
//! team has none), and how an incident is named to each of them. A restricted incident
//! is named only to people who may see it; anyone else reads "a restricted incident".

use crate::auth::CurrentUser;
use crate::services::ServiceResult;
use crate::services::visibility::visible_by_ids;
use entity::{
    IncidentRole, Role, TeamRole, incident, incident_role, team_manager, team_member, user,
};
use scheduler::domain::references::incident_name;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use std::collections::HashMap;
use uuid::Uuid;

/// The holder of `role` on each of `incidents`.
pub async fn role_holders(
    conn: &impl ConnectionTrait,
    incidents: &[Uuid],
    role: IncidentRole,
) -> ServiceResult<HashMap<Uuid, Uuid>> {
    Ok(incident_role::Entity::find()
        .filter(incident_role::Column::IncidentId.is_in(incidents.iter().copied()))
        .filter(incident_role::COLUMN.role.eq(role))
        .all(conn)
        .await?
        .into_iter()
        .map(|r| (r.incident_id, r.user_id))
        .collect())
}

async fn active(conn: &impl ConnectionTrait, ids: Vec<Uuid>) -> ServiceResult<Vec<Uuid>> {
    if ids.is_empty() {
        return Ok(ids);
    }
    Ok(user::Entity::find()
        .filter(user::Column::Id.is_in(ids))
        .filter(user::COLUMN.active.eq(true))
        .all(conn)
        .await?
        .into_iter()
        .map(|u| u.id)
        .collect())
}

/// Active admins: whoever is told when nobody else is.
pub async fn admins(conn: &impl ConnectionTrait) -> ServiceResult<Vec<Uuid>> {
    Ok(user::Entity::find()
        .filter(user::COLUMN.role.eq(Role::Admin))
        .filter(user::COLUMN.active.eq(true))
        .all(conn)
        .await?
        .into_iter()
        .map(|u| u.id)
        .collect())
}

/// The active managers of `team`; the admins when it has none (or there is no team).
pub async fn managers(conn: &impl ConnectionTrait, team: Option<Uuid>) -> ServiceResult<Vec<Uuid>> {
    if let Some(team) = team {
        let ids = team_manager::Entity::find()
            .filter(team_manager::COLUMN.team_id.eq(team))
            .all(conn)
            .await?
            .into_iter()
            .map(|m| m.user_id)
            .collect();
        let ids = active(conn, ids).await?;
        if !ids.is_empty() {
            return Ok(ids);
        }
    }
    admins(conn).await
}

/// The active leads of `team`; its managers (or the admins) when it has none.
pub async fn leads(conn: &impl ConnectionTrait, team: Option<Uuid>) -> ServiceResult<Vec<Uuid>> {
    if let Some(team) = team {
        let ids = team_member::Entity::find()
            .filter(team_member::COLUMN.team_id.eq(team))
            .filter(team_member::COLUMN.team_role.eq(TeamRole::Lead))
            .all(conn)
            .await?
            .into_iter()
            .map(|m| m.user_id)
            .collect();
        let ids = active(conn, ids).await?;
        if !ids.is_empty() {
            return Ok(ids);
        }
    }
    managers(conn, team).await
}

/// How an incident is named to one reader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named {
    pub name: String,
    /// Whether the reader may see the incident (and so anything that quotes it).
    pub visible: bool,
}

impl std::fmt::Display for Named {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name)
    }
}

/// How `incident` is named to each of `readers`: its channel (or quoted title), or, for
/// a restricted incident a reader may not see, a phrase that reveals nothing.
pub async fn incident_names(
    conn: &impl ConnectionTrait,
    incident: &incident::Model,
    readers: &[Uuid],
) -> ServiceResult<HashMap<Uuid, Named>> {
    let name = incident_name(incident.channel.as_deref(), &incident.title);
    let mut names = HashMap::new();
    let people = if incident.restricted && !readers.is_empty() {
        user::Entity::find()
            .filter(user::Column::Id.is_in(readers.iter().copied()))
            .all(conn)
            .await?
    } else {
        Vec::new()
    };
    for reader in readers {
        let visible = if incident.restricted {
            match people.iter().find(|p| p.id == *reader) {
                Some(p) => {
                    let as_user = CurrentUser {
                        id: p.id,
                        subject: p.subject.clone(),
                        role: p.role,
                    };
                    !visible_by_ids(conn, &as_user, &[incident.id])
                        .await?
                        .is_empty()
                }
                None => false,
            }
        } else {
            true
        };
        names.insert(
            *reader,
            Named {
                name: if visible {
                    name.clone()
                } else {
                    "a restricted incident".to_owned()
                },
                visible,
            },
        );
    }
    Ok(names)
}
