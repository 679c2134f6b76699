//! Handoffs: before each one its document is made (unless its author started it) and
//! the outgoing person asked to write it; at the handoff the incoming person is told;
//! a document still unacknowledged later is reminded. The document is pre-filled at read
//! time with the outgoing person's rotation (see `schedules::handoffs`).

use super::when;
use crate::db::Db;
use crate::services::ServiceResult;
use crate::services::notifications::{self, Kind, Note};
use crate::services::schedules::{domain_layer, layers_of, lock_schedule};
use chrono::{DateTime, Utc};
use entity::{handoff_document, schedule};
use scheduler::due::handoff::{self, Step};
use scheduler::oncall::layer::Span;
use scheduler::oncall::shifts::handoffs;
use sea_orm::{EntityTrait, QueryFilter};

pub(super) async fn run(db: &Db, now: DateTime<Utc>) -> ServiceResult<usize> {
    let schedules = schedule::Entity::find().all(db.conn()).await?;
    let ids: Vec<_> = schedules.iter().map(|s| s.id).collect();
    let layers = layers_of(db.conn(), &ids).await?;
    let window = Span::new(
        now - handoff::LOOK_BACK,
        now + handoff::PREPARE_BEFORE + chrono::Duration::minutes(1),
    );
    let mut written = 0;
    for (row, members) in &layers {
        let layer = domain_layer(row, members);
        for h in handoffs(&layer, window) {
            let doc = handoff_document::Entity::find()
                .filter(handoff_document::COLUMN.layer_id.eq(h.layer))
                .filter(handoff_document::COLUMN.at.eq(h.at))
                .one(db.conn())
                .await?;
            let submitted = doc.as_ref().is_some_and(|d| d.submitted_at.is_some());
            let acknowledged = doc.as_ref().is_some_and(|d| d.acknowledged_at.is_some());
            let Some((step, at)) = handoff::latest(h.at, submitted, acknowledged, now) else {
                continue;
            };
            // What the author is told about their rotation, read before the write
            // transaction (which holds SQLite's write lock), as the author may see it.
            let summary = if step == Step::Prepare {
                rotation_summary(db, &h).await?
            } else {
                String::new()
            };
            // The document and its notifications in one transaction, under the schedule's
            // lock (the one every edit of the schedule and its documents takes).
            let txn = db.begin_write().await?;
            lock_schedule(&txn, row.schedule_id).await?;
            let doc = crate::services::schedules::handoffs::ensure(&txn, &h, now).await?;
            let layer_name = &row.name;
            let mut notes = Vec::new();
            let note = |recipient, kind, subject: String, body: String| Note {
                recipient,
                kind,
                html: None,
                subject,
                body,
                object_type: "handoff",
                object_id: doc.id,
                occasion: format!("{}:{}", step.key(), at.timestamp()),
            };
            match step {
                Step::Prepare => notes.push(note(
                    h.outgoing,
                    Kind::HandoffWrite,
                    format!("Write your handoff: {layer_name}"),
                    format!(
                        "Your rotation on {layer_name} ends at {}. Write the handoff document: what happened, what is flaky, what to watch. It is pre-filled with your rotation's pages and incidents. {summary}",
                        when(h.at)
                    ),
                )),
                Step::Incoming => notes.push(note(
                    h.incoming,
                    Kind::HandoffIncoming,
                    format!("You are on call: {layer_name}"),
                    format!(
                        "You are on call on {layer_name} from {}. Read and acknowledge the handoff document.",
                        when(h.at)
                    ),
                )),
                Step::Unacknowledged => {
                    notes.push(note(
                        h.incoming,
                        Kind::HandoffUnacknowledged,
                        format!("Acknowledge the handoff: {layer_name}"),
                        format!("The handoff of {layer_name} at {} is not acknowledged yet.", when(h.at)),
                    ));
                    if !submitted {
                        notes.push(note(
                            h.outgoing,
                            Kind::HandoffUnacknowledged,
                            format!("Your handoff is still unwritten: {layer_name}"),
                            format!("The handoff of {layer_name} at {} has no document yet.", when(h.at)),
                        ));
                    }
                }
            }
            written += notifications::write(&txn, &notes, now).await?.len();
            txn.commit().await?;
        }
    }
    Ok(written)
}

/// The first line of the draft (pages and the noisiest source) of `h`'s outgoing rotation,
/// as its author may see it.
async fn rotation_summary(
    db: &Db,
    h: &scheduler::oncall::shifts::Handoff,
) -> ServiceResult<String> {
    use crate::services::schedules::handoffs::{Rotation, draft, rotation_paging};
    let Some(author) = entity::user::Entity::find_by_id(h.outgoing)
        .one(db.conn())
        .await?
    else {
        return Ok(String::new());
    };
    let reader = crate::auth::CurrentUser {
        id: author.id,
        subject: author.subject,
        role: author.role,
    };
    let rotation = Rotation {
        layer: h.layer,
        from: h.outgoing_since,
        to: h.at,
        outgoing: h.outgoing,
    };
    let paging = rotation_paging(db, &reader, &[rotation])
        .await?
        .pop()
        .map(|(_, p)| p)
        .unwrap_or_default();
    Ok(draft(&[], &paging)
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned())
}
