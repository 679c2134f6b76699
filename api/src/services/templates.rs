//! Message templates teams own: the organization's replace the shipped ones, a team's
//! replace the organization's for that team's incidents. Admins write the organization's,
//! admins and a team's managers the team's. Checked on save (`scheduler::domain::
//! message_templates::validate`); every change audited.

use super::audit::{self, Change};
use super::{Ctx, ServiceError, ServiceResult, parse_id};
use crate::db::Db;
use entity::{Role, message_template};
use scheduler::domain::message_templates::{self as rules, TemplateKind};
use scheduler::domain::reason::Reason;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::json;
use uuid::Uuid;

/// The scope of organization-wide templates.
pub const ORG_SCOPE: &str = "org";

fn scope(team: Option<Uuid>) -> String {
    team.map_or_else(|| ORG_SCOPE.to_owned(), |t| t.to_string())
}

/// Who may write templates of a scope: admins; for a team, also its managers.
async fn require_writer(
    ctx: Ctx<'_>,
    conn: &impl sea_orm::ConnectionTrait,
    team: Option<Uuid>,
) -> ServiceResult<Uuid> {
    match team {
        None => Ok(ctx.principal.require(Role::Admin)?.id),
        Some(t) => {
            super::catalog::active_team(conn, t).await?;
            Ok(super::teams::require_team_manager(ctx, conn, t).await?.id)
        }
    }
}

/// The templates written for the organization (no team) or for a team, by kind.
pub async fn list(
    ctx: Ctx<'_>,
    team_id: Option<&str>,
) -> ServiceResult<Vec<message_template::Model>> {
    ctx.principal.require(Role::Viewer)?;
    let team = team_id.map(|t| parse_id(t, "team")).transpose()?;
    Ok(message_template::Entity::find()
        .filter(message_template::COLUMN.scope.eq(scope(team)))
        .order_by_asc(message_template::COLUMN.kind)
        .all(ctx.db.conn())
        .await?)
}

/// The templates of the given scopes (`org`, team ids), for batch loading.
pub async fn of_scopes(db: &Db, scopes: &[String]) -> ServiceResult<Vec<message_template::Model>> {
    Ok(message_template::Entity::find()
        .filter(message_template::Column::Scope.is_in(scopes.iter().cloned()))
        .all(db.conn())
        .await?)
}

/// Saves a template after checking it; it replaces the one below it for its scope.
pub async fn set(
    ctx: Ctx<'_>,
    team_id: Option<&str>,
    kind: TemplateKind,
    body: &str,
) -> ServiceResult<message_template::Model> {
    let team = team_id.map(|t| parse_id(t, "team")).transpose()?;
    rules::validate(kind, body)
        .map_err(|e| ServiceError::invalid(Reason::TemplateInvalid, e.to_string()))?;
    let txn = ctx.db.begin_write().await?;
    let actor = require_writer(ctx, &txn, team).await?;
    let row = message_template::ActiveModel {
        id: sea_orm::ActiveValue::Set(Uuid::now_v7()),
        scope: sea_orm::ActiveValue::Set(scope(team)),
        kind: sea_orm::ActiveValue::Set(kind.as_str().to_owned()),
        body: sea_orm::ActiveValue::Set(body.to_owned()),
        updated_by: sea_orm::ActiveValue::Set(actor),
        updated_at: sea_orm::ActiveValue::Set(ctx.now),
    };
    message_template::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([
                message_template::Column::Scope,
                message_template::Column::Kind,
            ])
            .update_columns([
                message_template::Column::Body,
                message_template::Column::UpdatedBy,
                message_template::Column::UpdatedAt,
            ])
            .to_owned(),
        )
        .exec(&txn)
        .await?;
    let saved = message_template::Entity::find()
        .filter(message_template::COLUMN.scope.eq(scope(team)))
        .filter(message_template::COLUMN.kind.eq(kind.as_str()))
        .one(&txn)
        .await?
        .ok_or(ServiceError::NotFound("message template"))?;
    audit::record(
        &txn,
        ctx.now,
        Change {
            actor: Some(actor),
            action: "message_template.set",
            target_type: "message_template",
            target_id: format!("{}/{}", scope(team), kind.as_str()),
            before: None,
            after: Some(json!({ "body": body })),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(saved)
}

/// Removes a template: the one below it (the organization's, then the shipped one) applies
/// again.
pub async fn reset(ctx: Ctx<'_>, team_id: Option<&str>, kind: TemplateKind) -> ServiceResult<()> {
    let team = team_id.map(|t| parse_id(t, "team")).transpose()?;
    let txn = ctx.db.begin_write().await?;
    let actor = require_writer(ctx, &txn, team).await?;
    message_template::Entity::delete_many()
        .filter(message_template::COLUMN.scope.eq(scope(team)))
        .filter(message_template::COLUMN.kind.eq(kind.as_str()))
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        ctx.now,
        Change {
            actor: Some(actor),
            action: "message_template.reset",
            target_type: "message_template",
            target_id: format!("{}/{}", scope(team), kind.as_str()),
            before: None,
            after: None,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Checks a template without saving it (for a preview): the caller must be able to write
/// templates of some scope, so a responder previews, an admin or manager saves.
pub fn check(ctx: Ctx<'_>, kind: TemplateKind, body: &str) -> ServiceResult<()> {
    ctx.principal.require(Role::Responder)?;
    rules::validate(kind, body)
        .map_err(|e| ServiceError::invalid(Reason::TemplateInvalid, e.to_string()))
}
