//! Deadlines: postmortems (the Incident Commander before, at and after the deadline; the
//! team's managers once overdue) and action items (the owner the day before and daily
//! once overdue; the team's managers after the organization's number of overdue days).

use super::{OrgSettings, commit, when};
use crate::db::Db;
use crate::services::ServiceResult;
use crate::services::notifications::audience::{incident_names, leads, managers, role_holders};
use crate::services::notifications::{Kind, Note};
use chrono::{DateTime, Duration, Utc};
use entity::{ActionItemStatus, IncidentRole, PostmortemStatus, action_item, incident, postmortem};
use scheduler::due;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use std::collections::HashMap;
use uuid::Uuid;

/// Earliest reminder: a local day before the deadline (up to 25 hours on a long day).
const AHEAD: Duration = Duration::hours(26);

async fn incidents_by_id(
    db: &Db,
    ids: impl IntoIterator<Item = Uuid>,
) -> ServiceResult<HashMap<Uuid, incident::Model>> {
    Ok(incident::Entity::find()
        .filter(incident::Column::Id.is_in(ids))
        .all(db.conn())
        .await?
        .into_iter()
        .map(|i| (i.id, i))
        .collect())
}

pub(super) async fn postmortems(
    db: &Db,
    now: DateTime<Utc>,
    org: &OrgSettings,
) -> ServiceResult<usize> {
    let open = postmortem::Entity::find()
        .filter(postmortem::COLUMN.status.ne(PostmortemStatus::Published))
        .filter(postmortem::COLUMN.due_at.lte(now + AHEAD))
        .all(db.conn())
        .await?;
    let incidents = incidents_by_id(db, open.iter().map(|p| p.incident_id)).await?;
    let ids: Vec<Uuid> = incidents.keys().copied().collect();
    let commanders = role_holders(db.conn(), &ids, IncidentRole::Commander).await?;
    let mut written = 0;
    for pm in &open {
        let Some(i) = incidents.get(&pm.incident_id) else {
            continue;
        };
        let Some((step, at)) = due::postmortem::latest(pm.due_at, false, now, org.zone) else {
            continue;
        };
        let mut to = match commanders.get(&i.id) {
            Some(c) => vec![*c],
            None => leads(db.conn(), i.team_id).await?,
        };
        if step.tells_managers() {
            for m in managers(db.conn(), i.team_id).await? {
                if !to.contains(&m) {
                    to.push(m);
                }
            }
        }
        let names = incident_names(db.conn(), i, &to).await?;
        let notes: Vec<Note> = to
            .iter()
            .map(|r| {
                let name = &names[r];
                let (subject, body) = match step {
                    due::postmortem::Step::DayBefore => (
                        format!("Postmortem due within a day: {name}"),
                        format!("The postmortem of {name} is due at {}.", when(pm.due_at)),
                    ),
                    due::postmortem::Step::Deadline => (
                        format!("Postmortem due now: {name}"),
                        format!("The postmortem of {name} was due at {}.", when(pm.due_at)),
                    ),
                    due::postmortem::Step::Overdue(n) => (
                        format!("Postmortem overdue ({n} d): {name}"),
                        format!(
                            "The postmortem of {name} was due at {} and is not published yet.",
                            when(pm.due_at)
                        ),
                    ),
                };
                Note {
                    recipient: *r,
                    kind: Kind::PostmortemDue,
                    html: None,
                    subject,
                    body,
                    object_type: "postmortem",
                    object_id: pm.id,
                    occasion: format!("{}:{}", step.key(), at.timestamp()),
                }
            })
            .collect();
        written += commit(db, &notes, now).await?;
    }
    Ok(written)
}

pub(super) async fn action_items(
    db: &Db,
    now: DateTime<Utc>,
    org: &OrgSettings,
) -> ServiceResult<usize> {
    let open = action_item::Entity::find()
        .filter(
            action_item::Column::Status
                .is_not_in([ActionItemStatus::Done, ActionItemStatus::WontDo]),
        )
        .filter(action_item::COLUMN.due_at.lte(now + AHEAD))
        .all(db.conn())
        .await?;
    let incidents = incidents_by_id(db, open.iter().map(|a| a.incident_id)).await?;
    let mut written = 0;
    for item in &open {
        let Some(i) = incidents.get(&item.incident_id) else {
            continue;
        };
        let Some((step, at, tell_managers)) = due::action_item::latest(
            item.due_at,
            false,
            now,
            org.zone,
            org.action_item_managers_after_days,
        ) else {
            continue;
        };
        let mut to = vec![item.owner_id];
        if tell_managers {
            for m in managers(db.conn(), i.team_id).await? {
                if !to.contains(&m) {
                    to.push(m);
                }
            }
        }
        let names = incident_names(db.conn(), i, &to).await?;
        let notes: Vec<Note> = to
            .iter()
            .map(|r| {
                let name = &names[r];
                // A restricted incident's item title may say what the incident is about.
                let title = if !name.visible {
                    "an action item".to_owned()
                } else {
                    format!("“{}”", item.title)
                };
                let (subject, body) = match step {
                    due::action_item::Step::DayBefore => (
                        format!("Action item due within a day: {title}"),
                        format!("{title} (from {name}) is due at {}.", when(item.due_at)),
                    ),
                    due::action_item::Step::Overdue(n) => (
                        format!("Action item overdue ({n} d): {title}"),
                        format!("{title} (from {name}) was due at {}.", when(item.due_at)),
                    ),
                };
                Note {
                    recipient: *r,
                    kind: Kind::ActionItemDue,
                    html: None,
                    subject,
                    body,
                    object_type: "action_item",
                    object_id: item.id,
                    occasion: format!("{}:{}", step.key(), at.timestamp()),
                }
            })
            .collect();
        written += commit(db, &notes, now).await?;
    }
    Ok(written)
}
