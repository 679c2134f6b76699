//! Keeping what is finished for a documented period, then pruning it: delivered (or
//! failed, or inbox-only) notifications, and resolved alerts with their pages. The
//! periods are configuration (`FIREBREAK_RETAIN_*`, see the README). Outbound events are
//! kept as long as notifications.

use super::ServiceResult;
use super::paging::RESOLVED;
use crate::db::Db;
use chrono::{DateTime, Duration, Utc};
use entity::{alert, delivery, event, notification, page};
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter};

#[derive(Debug, Clone, Copy)]
pub struct Retention {
    pub notifications: Duration,
    pub alerts: Duration,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pruned {
    pub notifications: u64,
    pub alerts: u64,
}

/// Deletes what is past its retention at `now`.
pub async fn prune(db: &Db, now: DateTime<Utc>, keep: Retention) -> ServiceResult<Pruned> {
    // Finished deliveries of old notifications first, then the old notifications that
    // have none left (one still being retried is kept until it finishes).
    let cutoff = now - keep.notifications;
    let old_notifications = Query::select()
        .column(notification::Column::Id)
        .from(notification::Entity)
        .and_where(notification::Column::CreatedAt.lt(cutoff))
        .to_owned();
    let txn = db.begin_write().await?;
    delivery::Entity::delete_many()
        .filter(delivery::Column::NotificationId.in_subquery(old_notifications))
        .filter(delivery::Column::NextAttemptAt.is_null())
        .exec(&txn)
        .await?;
    let notifications = notification::Entity::delete_many()
        .filter(notification::COLUMN.created_at.lt(cutoff))
        .filter(
            notification::Column::Id.not_in_subquery(
                Query::select()
                    .column(delivery::Column::NotificationId)
                    .from(delivery::Entity)
                    // NOT IN over a NULL is never true: event deliveries have none.
                    .and_where(delivery::Column::NotificationId.is_not_null())
                    .to_owned(),
            ),
        )
        .exec(&txn)
        .await?
        .rows_affected;
    // Outbound events likewise: finished deliveries, then events with none left.
    let old_events = Query::select()
        .column(event::Column::Id)
        .from(event::Entity)
        .and_where(event::Column::OccurredAt.lt(cutoff))
        .to_owned();
    delivery::Entity::delete_many()
        .filter(delivery::Column::EventId.in_subquery(old_events))
        .filter(delivery::Column::NextAttemptAt.is_null())
        .exec(&txn)
        .await?;
    event::Entity::delete_many()
        .filter(event::COLUMN.occurred_at.lt(cutoff))
        .filter(
            event::Column::Id.not_in_subquery(
                Query::select()
                    .column(delivery::Column::EventId)
                    .from(delivery::Entity)
                    .and_where(delivery::Column::EventId.is_not_null())
                    .to_owned(),
            ),
        )
        .exec(&txn)
        .await?;
    txn.commit().await?;
    let old = Condition::all()
        .add(alert::COLUMN.status.eq(RESOLVED))
        .add(alert::Column::ResolvedAt.lt(now - keep.alerts));
    let txn = db.begin_write().await?;
    page::Entity::delete_many()
        .filter(
            page::Column::AlertId.in_subquery(
                Query::select()
                    .column(alert::Column::Id)
                    .from(alert::Entity)
                    .cond_where(old.clone())
                    .to_owned(),
            ),
        )
        .exec(&txn)
        .await?;
    let alerts = alert::Entity::delete_many()
        .filter(old)
        .exec(&txn)
        .await?
        .rows_affected;
    txn.commit().await?;
    Ok(Pruned {
        notifications,
        alerts,
    })
}
