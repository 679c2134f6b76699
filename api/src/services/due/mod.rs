//! The scan: what has become due at `now`, asked of the pure core (`scheduler::due`) for
//! each object in its current state, and written as notifications under their
//! deduplication keys, each object's in one transaction. Running it twice, in two
//! workers at once, or after a missed tick does no harm; after a long gap it sends each
//! object's latest occasion only.

mod deadlines;
mod handoffs;
mod incidents;
mod load;

use super::notifications::{self, Note};
use super::{ServiceResult, paging};
use crate::db::Db;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use entity::organization;
use sea_orm::EntityTrait;

/// What one scan did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Summary {
    /// Notifications written (not counting occasions already written before).
    pub notifications: usize,
    pub escalated: usize,
    pub retriggered: usize,
}

/// The organization's zone (local days and weeks) and its escalation-to-managers day.
pub(crate) struct OrgSettings {
    pub zone: Tz,
    pub action_item_managers_after_days: i64,
}

async fn org(db: &Db) -> ServiceResult<OrgSettings> {
    let row = organization::Entity::find_by_id(1).one(db.conn()).await?;
    Ok(OrgSettings {
        zone: row
            .as_ref()
            .and_then(|o| o.time_zone.parse().ok())
            .unwrap_or(chrono_tz::UTC),
        action_item_managers_after_days: row
            .map_or(3, |o| i64::from(o.action_item_managers_after_days)),
    })
}

/// Runs everything that is due at `now`.
pub async fn run(db: &Db, now: DateTime<Utc>) -> ServiceResult<Summary> {
    let org = org(db).await?;
    let alerts = paging::alerts::run_due(db, now).await?;
    let mut written = 0;
    written += incidents::run(db, now).await?;
    written += deadlines::postmortems(db, now, &org).await?;
    written += deadlines::action_items(db, now, &org).await?;
    written += handoffs::run(db, now).await?;
    written += load::run(db, now, &org).await?;
    Ok(Summary {
        notifications: written,
        escalated: alerts.escalated,
        retriggered: alerts.retriggered,
    })
}

/// Writes one object's notes in their own transaction; how many were new.
async fn commit(db: &Db, notes: &[Note], now: DateTime<Utc>) -> ServiceResult<usize> {
    if notes.is_empty() {
        return Ok(0);
    }
    let txn = db.begin_write().await?;
    let written = notifications::write(&txn, notes, now).await?;
    txn.commit().await?;
    Ok(written.len())
}

/// An instant as people read it in a notification: UTC, to the minute.
fn when(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}
