//! Which of a person's methods receive which kind of notification. A kind without rules
//! goes to every verified method; pages always go to every verified method, whatever the
//! rules say (a page must reach its person).

use super::Kind;
use crate::services::{Ctx, ServiceError, ServiceResult, parse_id};
use entity::{Role, contact_method, notification_rule};
use scheduler::domain::reason::Reason;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

/// Sets the methods that receive `kind` for the caller (empty: back to all of them).
pub async fn set(ctx: Ctx<'_>, kind: Kind, methods: &[String]) -> ServiceResult<Vec<Uuid>> {
    let caller = ctx.principal.require(Role::Viewer)?;
    if kind == Kind::Page || kind == Kind::Test {
        return Err(ServiceError::invalid(
            Reason::ValueOutOfRange,
            "pages and test sends always go to every method they are meant for",
        ));
    }
    let ids = methods
        .iter()
        .map(|m| parse_id(m, "contact method"))
        .collect::<ServiceResult<Vec<Uuid>>>()?;
    let txn = ctx.db.begin_write().await?;
    let owned = contact_method::Entity::find()
        .filter(contact_method::COLUMN.user_id.eq(caller.id))
        .filter(contact_method::Column::Id.is_in(ids.clone()))
        .all(&txn)
        .await?;
    if owned.len() != ids.iter().collect::<std::collections::HashSet<_>>().len() {
        return Err(ServiceError::NotFound("contact method"));
    }
    notification_rule::Entity::delete_many()
        .filter(notification_rule::COLUMN.user_id.eq(caller.id))
        .filter(notification_rule::COLUMN.kind.eq(kind.to_string()))
        .exec(&txn)
        .await?;
    for m in &owned {
        notification_rule::Entity::insert(notification_rule::ActiveModel {
            user_id: Set(caller.id),
            kind: Set(kind.to_string()),
            method_id: Set(m.id),
        })
        .exec_without_returning(&txn)
        .await?;
    }
    txn.commit().await?;
    Ok(owned.into_iter().map(|m| m.id).collect())
}

/// The caller's rules: (kind, method ids).
pub async fn mine(ctx: Ctx<'_>) -> ServiceResult<Vec<(String, Uuid)>> {
    let caller = ctx.principal.require(Role::Viewer)?;
    Ok(notification_rule::Entity::find()
        .filter(notification_rule::COLUMN.user_id.eq(caller.id))
        .all(ctx.db.conn())
        .await?
        .into_iter()
        .map(|r| (r.kind, r.method_id))
        .collect())
}
