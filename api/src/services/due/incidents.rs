//! Open incidents: an overdue status update reminds the Incident Commander, then the
//! team's leads; customers owed word remind the Communications Lead.

use super::{commit, when};
use crate::db::Db;
use crate::services::ServiceResult;
use crate::services::notifications::audience::{incident_names, leads, role_holders};
use crate::services::notifications::{Kind, Note};
use chrono::{DateTime, Utc};
use entity::{IncidentRole, IncidentStatus, incident};
use scheduler::due::communication::{self, UpdateStep};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter};

pub(super) async fn run(db: &Db, now: DateTime<Utc>) -> ServiceResult<usize> {
    let open = incident::Entity::find()
        .filter(incident::COLUMN.status.ne(IncidentStatus::Resolved))
        .filter(
            Condition::any()
                .add(incident::Column::NextUpdateDueAt.lte(now))
                .add(
                    Condition::all()
                        .add(incident::COLUMN.customer_impact.eq(true))
                        .add(incident::Column::LastPublicUpdateAt.is_null()),
                ),
        )
        .all(db.conn())
        .await?;
    if open.is_empty() {
        return Ok(0);
    }
    let ids: Vec<_> = open.iter().map(|i| i.id).collect();
    let commanders = role_holders(db.conn(), &ids, IncidentRole::Commander).await?;
    let comms = role_holders(db.conn(), &ids, IncidentRole::CommsLead).await?;
    // The four policies, read once for every incident of the scan.
    let policies = crate::services::severity::all(db.conn()).await?;
    let mut written = 0;
    for i in &open {
        let mut notes = Vec::new();
        if let Some((step, at)) = communication::status_update(i.next_update_due_at, now) {
            let to = match (step, commanders.get(&i.id)) {
                (UpdateStep::Commander, Some(c)) => vec![*c],
                _ => leads(db.conn(), i.team_id).await?,
            };
            let names = incident_names(db.conn(), i, &to).await?;
            for r in to {
                let name = &names[&r];
                notes.push(Note {
                    recipient: r,
                    kind: Kind::StatusUpdateDue,
                    html: None,
                    subject: format!("Status update overdue: {name}"),
                    body: format!(
                        "The next status update of {name} was due at {}. Post one, even \"still investigating\".",
                        when(at)
                    ),
                    object_type: "incident",
                    object_id: i.id,
                    occasion: format!("{}:{}", at.timestamp(), step_key(step)),
                });
            }
        }
        let policy = policies
            .iter()
            .find(|p| p.severity == i.severity)
            .ok_or(crate::services::ServiceError::NotFound("severity policy"))?;
        let owed = scheduler::domain::severity::customer_communication_owed(
            policy,
            i.customer_impact,
            false,
            i.last_public_update_at.is_some(),
        );
        if let Some(at) = communication::customers(owed, i.declared_at, now) {
            let to = match comms.get(&i.id).or(commanders.get(&i.id)) {
                Some(p) => vec![*p],
                None => leads(db.conn(), i.team_id).await?,
            };
            let names = incident_names(db.conn(), i, &to).await?;
            for r in to {
                let name = &names[&r];
                notes.push(Note {
                    recipient: r,
                    kind: Kind::CustomerUpdateDue,
                    html: None,
                    subject: format!("Customers are owed word: {name}"),
                    body: format!(
                        "{name} affects customers and no public update has been posted yet. Post one on the status page."
                    ),
                    object_type: "incident",
                    object_id: i.id,
                    occasion: at.timestamp().to_string(),
                });
            }
        }
        written += commit(db, &notes, now).await?;
    }
    Ok(written)
}

fn step_key(s: UpdateStep) -> &'static str {
    match s {
        UpdateStep::Commander => "commander",
        UpdateStep::TeamLead => "team-lead",
    }
}
