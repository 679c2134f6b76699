//! The audit log of administrative changes, written in the same transaction as the change.

use super::pagination::{Page, PageRequest};
use super::{Ctx, ServiceResult};
use chrono::{DateTime, Utc};
use entity::{Role, audit_log};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde_json::Value;
use uuid::Uuid;

/// One administrative change: who did `action` to which target, with the state before and
/// after (None where the target did not exist before, or no longer exists after).
pub struct Change<'a> {
    pub actor: Option<Uuid>,
    pub action: &'a str,
    pub target_type: &'a str,
    pub target_id: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

pub async fn record(
    conn: &impl ConnectionTrait,
    at: DateTime<Utc>,
    change: Change<'_>,
) -> ServiceResult<()> {
    audit_log::ActiveModel {
        id: Set(Uuid::now_v7()),
        actor_id: Set(change.actor),
        action: Set(change.action.to_owned()),
        target_type: Set(change.target_type.to_owned()),
        target_id: Set(change.target_id),
        before: Set(change.before),
        after: Set(change.after),
        at: Set(at),
    }
    .insert(conn)
    .await?;
    Ok(())
}

/// Newest first. Admins only.
pub async fn list(ctx: Ctx<'_>, page: &PageRequest) -> ServiceResult<Page<audit_log::Model>> {
    ctx.principal.require(Role::Admin)?;
    let mut query = audit_log::Entity::find()
        .order_by_desc(audit_log::COLUMN.id)
        .limit(page.fetch_limit());
    if let Some(after) = &page.after {
        let after = super::pagination::cursor_id(after)?;
        query = query.filter(audit_log::COLUMN.id.lt(after));
    }
    let rows = query.all(ctx.db.conn()).await?;
    Ok(Page::from_overfetch(rows, page))
}
