//! Keeping what is finished for a documented period, then pruning it: delivered (or
//! failed, or inbox-only) notifications, and resolved alerts with their pages. The
//! periods are configuration (`FIREBREAK_RETAIN_*`, see the README).

use super::ServiceResult;
use super::paging::RESOLVED;
use crate::db::Db;
use chrono::{DateTime, Duration, Utc};
use entity::{alert, notification, page};
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
    let notifications = notification::Entity::delete_many()
        .filter(notification::COLUMN.created_at.lt(now - keep.notifications))
        .filter(
            Condition::any()
                .add(notification::Column::DeliveredAt.is_not_null())
                .add(notification::Column::FailedAt.is_not_null())
                .add(notification::Column::NextAttemptAt.is_null()),
        )
        .exec(db.conn())
        .await?
        .rows_affected;
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
