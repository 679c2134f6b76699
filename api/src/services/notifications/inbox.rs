//! A person's notifications, newest first, and marking them read: what a frontend shows
//! as an inbox. Nobody reads anyone else's.

use crate::services::pagination::{Page, PageRequest, cursor_id};
use crate::services::{Ctx, ServiceResult};
use entity::{Role, notification};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

/// The caller's notifications, newest first (keyset on the time-ordered id).
pub async fn mine(
    ctx: Ctx<'_>,
    page: &PageRequest,
    unread_only: bool,
) -> ServiceResult<Page<notification::Model>> {
    let caller = ctx.principal.require(Role::Viewer)?;
    let mut q = notification::Entity::find()
        .filter(notification::COLUMN.recipient_id.eq(caller.id))
        .order_by_desc(notification::COLUMN.id)
        .limit(page.fetch_limit());
    if unread_only {
        q = q.filter(notification::Column::ReadAt.is_null());
    }
    if let Some(after) = &page.after {
        q = q.filter(notification::COLUMN.id.lt(cursor_id(after)?));
    }
    Ok(Page::from_overfetch(q.all(ctx.db.conn()).await?, page))
}

/// How many of the caller's notifications are unread.
pub async fn unread_count(ctx: Ctx<'_>) -> ServiceResult<u64> {
    use sea_orm::PaginatorTrait;
    let caller = ctx.principal.require(Role::Viewer)?;
    Ok(notification::Entity::find()
        .filter(notification::COLUMN.recipient_id.eq(caller.id))
        .filter(notification::Column::ReadAt.is_null())
        .count(ctx.db.conn())
        .await?)
}

/// Marks the caller's notifications `ids` read (all of them when `ids` is None); others'
/// and unknown ids are ignored. Returns how many changed.
pub async fn mark_read(ctx: Ctx<'_>, ids: Option<&[String]>) -> ServiceResult<u64> {
    let caller = ctx.principal.require(Role::Viewer)?;
    let mut q = notification::Entity::update_many()
        .col_expr(notification::Column::ReadAt, Expr::value(ctx.now))
        .filter(notification::COLUMN.recipient_id.eq(caller.id))
        .filter(notification::Column::ReadAt.is_null());
    if let Some(ids) = ids {
        if ids.len() > 100 {
            return Err(crate::services::ServiceError::invalid(
                scheduler::domain::reason::Reason::ValueOutOfRange,
                "mark at most 100 notifications at once (or all, without ids)",
            ));
        }
        let ids: Vec<Uuid> = ids.iter().filter_map(|s| Uuid::parse_str(s).ok()).collect();
        q = q.filter(notification::Column::Id.is_in(ids));
    }
    Ok(q.exec(ctx.db.conn()).await?.rows_affected)
}

/// The deliveries of `notifications` (one statement), for a page of the inbox.
pub async fn deliveries_of(
    db: &crate::db::Db,
    notifications: &[Uuid],
) -> ServiceResult<Vec<entity::delivery::Model>> {
    Ok(entity::delivery::Entity::find()
        .filter(entity::delivery::Column::NotificationId.is_in(notifications.iter().copied()))
        .order_by_asc(entity::delivery::COLUMN.id)
        .all(db.conn())
        .await?)
}
