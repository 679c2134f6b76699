//! The scan: what has become due at `now`, asked of the pure core (`scheduler::due`) for
//! each object in its current state, and written as notifications under their
//! deduplication keys, each object's in one transaction. Running it twice, in two
//! workers at once, or after a missed tick does no harm; after a long gap it sends each
//! object's latest occasion only.

mod deadlines;
pub mod digest;
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
    /// The weekly digest's weekday and hour, if it is sent.
    pub digest: Option<(chrono::Weekday, u32)>,
}

async fn org(db: &Db) -> ServiceResult<OrgSettings> {
    let row = organization::Entity::find_by_id(1).one(db.conn()).await?;
    Ok(OrgSettings {
        zone: row
            .as_ref()
            .and_then(|o| o.time_zone.parse().ok())
            .unwrap_or(chrono_tz::UTC),
        action_item_managers_after_days: row
            .as_ref()
            .map_or(3, |o| i64::from(o.action_item_managers_after_days)),
        digest: row.filter(|o| o.digest_enabled).map(|o| {
            (
                crate::services::organization::digest_weekday(&o),
                u32::try_from(o.digest_hour.clamp(0, 23)).unwrap_or(9),
            )
        }),
    })
}

/// Runs everything that is due at `now`: [`escalate`], then [`remind`].
pub async fn run(db: &Db, now: DateTime<Utc>) -> ServiceResult<Summary> {
    let alerts = escalate(db, now).await?;
    let reminders = remind(db, now).await?;
    Ok(Summary {
        notifications: reminders.notifications,
        ..alerts
    })
}

/// Escalates unacknowledged alerts and re-triggers snoozed ones (their pages are the most
/// urgent notifications: the worker queues them before it looks at anything else).
pub async fn escalate(db: &Db, now: DateTime<Utc>) -> ServiceResult<Summary> {
    let alerts = paging::alerts::run_due(db, now).await?;
    Ok(Summary {
        notifications: 0,
        escalated: alerts.escalated,
        retriggered: alerts.retriggered,
    })
}

/// Writes the reminders due at `now`. Each area runs even if another failed (its error
/// is logged; the next scan tries again), so one bad row cannot stop every reminder.
pub async fn remind(db: &Db, now: DateTime<Utc>) -> ServiceResult<Summary> {
    let org = org(db).await?;
    let results = [
        ("status updates", incidents::run(db, now).await),
        ("postmortems", deadlines::postmortems(db, now, &org).await),
        ("action items", deadlines::action_items(db, now, &org).await),
        ("handoffs", handoffs::run(db, now).await),
        ("load", load::run(db, now, &org).await),
        ("weekly digest", digest::run(db, now, &org).await),
    ];
    let mut written = 0;
    let mut failed = None;
    for (area, result) in results {
        match result {
            Ok(n) => written += n,
            Err(e) => {
                tracing::warn!(area, error = ?e, "part of the scan failed");
                failed = Some(e);
            }
        }
    }
    match failed {
        Some(e) if written == 0 => Err(e),
        _ => Ok(Summary {
            notifications: written,
            ..Summary::default()
        }),
    }
}

/// Writes one object's notes in their own transaction; how many were new.
async fn commit(db: &Db, notes: &[Note], now: DateTime<Utc>) -> ServiceResult<usize> {
    // Most scans find every occasion already written: check the keys with one read and
    // take no write lock for nothing.
    if notifications::all_written(db.conn(), notes).await? {
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
