//! Reading incidents: one by id, keyset pages with filters, and their relations in batches.

use crate::db::Db;
use crate::services::pagination::{Page, PageRequest, parse_time_key, time_key};
use crate::services::{Ctx, ServiceResult, parse_id};
use chrono::{DateTime, Utc};
use entity::{
    IncidentStatus, Role, Severity, incident, incident_event, incident_role, incident_update,
};
use scheduler::domain::{instant, text};
use sea_orm::sea_query::{Expr, LikeExpr};
use sea_orm::{
    ColumnTrait, Condition, EntityTrait, ExprTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use super::*;

// ---------------------------------------------------------------------------------------
// Reads

pub async fn get(ctx: Ctx<'_>, id: &str) -> ServiceResult<incident::Model> {
    let user = ctx.principal.require(Role::Viewer)?;
    find_visible(ctx.db.conn(), user, parse_id(id, "incident")?).await
}

#[derive(Debug, Default)]
pub struct IncidentFilter {
    pub statuses: Vec<IncidentStatus>,
    pub severities: Vec<Severity>,
    pub team_id: Option<String>,
    pub service_id: Option<String>,
    /// Declared at or after.
    pub declared_from: Option<DateTime<Utc>>,
    /// Declared before.
    pub declared_to: Option<DateTime<Utc>>,
    /// Case-insensitive text in the title.
    pub text: Option<String>,
}

/// The keyset key of an incident in lists: (declaredAt, id).
pub fn incident_cursor(i: &incident::Model) -> String {
    time_key(i.declared_at, i.id)
}

/// Newest declared first, ties broken by id; only what the caller may see.
pub async fn list(
    ctx: Ctx<'_>,
    filter: &IncidentFilter,
    page: &PageRequest,
) -> ServiceResult<Page<incident::Model>> {
    let user = ctx.principal.require(Role::Viewer)?;
    let declared_from = instant::check_opt("declaredFrom", filter.declared_from)?;
    let declared_to = instant::check_opt("declaredTo", filter.declared_to)?;
    let search = filter
        .text
        .as_deref()
        .map(text::search)
        .transpose()?
        .flatten();
    let mut query = incident::Entity::find()
        .filter(visible_to(user))
        .order_by_desc(incident::COLUMN.declared_at)
        .order_by_desc(incident::COLUMN.id)
        .limit(page.fetch_limit());
    if let Some(after) = &page.after {
        let (at, id) = parse_time_key(after)?;
        query = query.filter(
            Condition::any()
                .add(incident::Column::DeclaredAt.lt(at))
                .add(
                    Condition::all()
                        .add(incident::Column::DeclaredAt.eq(at))
                        .add(incident::Column::Id.lt(id)),
                ),
        );
    }
    if !filter.statuses.is_empty() {
        query = query.filter(incident::Column::Status.is_in(filter.statuses.iter().copied()));
    }
    if !filter.severities.is_empty() {
        query = query.filter(incident::Column::Severity.is_in(filter.severities.iter().copied()));
    }
    if let Some(team) = &filter.team_id {
        query = query.filter(incident::COLUMN.team_id.eq(parse_id(team, "team")?));
    }
    if let Some(svc) = &filter.service_id {
        query = query.filter(incident::COLUMN.service_id.eq(parse_id(svc, "service")?));
    }
    if let Some(from) = declared_from {
        query = query.filter(incident::Column::DeclaredAt.gte(from));
    }
    if let Some(to) = declared_to {
        query = query.filter(incident::Column::DeclaredAt.lt(to));
    }
    if let Some(folded) = search {
        // Folded in Rust on write and here, so both databases match alike.
        let escaped = folded
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        query = query.filter(
            Expr::col(incident::Column::TitleFolded)
                .like(LikeExpr::new(format!("%{escaped}%")).escape('\\')),
        );
    }
    let rows = query.all(ctx.db.conn()).await?;
    Ok(Page::from_overfetch(rows, page))
}

/// A role assignment with its holder (`None` only if the user row is gone).
pub type Held = (incident_role::Model, Option<entity::user::Model>);

/// Role assignments of the given incidents with their holders, for batch loading: one
/// statement, the holders joined in (a role is hardly ever shown without its holder).
pub async fn roles_of(db: &Db, ids: &[Uuid]) -> ServiceResult<Vec<Held>> {
    use entity::user;
    use sea_orm::{JoinType, QuerySelect};
    // The entity declares no relation to users: the join's condition is built here.
    let holder: sea_orm::RelationDef = incident_role::Entity::belongs_to(user::Entity)
        .from(incident_role::Column::UserId)
        .to(user::Column::Id)
        .into();
    Ok(incident_role::Entity::find()
        .join(JoinType::LeftJoin, holder)
        .filter(incident_role::Column::IncidentId.is_in(ids.iter().copied()))
        .order_by_asc(incident_role::COLUMN.assigned_at)
        .select_also(user::Entity)
        .all(db.conn())
        .await?)
}

/// The people added to the given incidents, for batch loading.
pub async fn participants_of(
    db: &Db,
    ids: &[Uuid],
) -> ServiceResult<Vec<entity::incident_participant::Model>> {
    use entity::incident_participant;
    Ok(incident_participant::Entity::find()
        .filter(incident_participant::Column::IncidentId.is_in(ids.iter().copied()))
        .order_by_asc(incident_participant::COLUMN.added_at)
        .all(db.conn())
        .await?)
}

/// Timelines of the given incidents, oldest entry first.
pub async fn events_of(db: &Db, ids: &[Uuid]) -> ServiceResult<Vec<incident_event::Model>> {
    Ok(incident_event::Entity::find()
        .filter(incident_event::Column::IncidentId.is_in(ids.iter().copied()))
        .order_by_asc(incident_event::COLUMN.at)
        .order_by_asc(incident_event::COLUMN.id)
        .all(db.conn())
        .await?)
}

/// Status updates of the given incidents, oldest first.
pub async fn updates_of(db: &Db, ids: &[Uuid]) -> ServiceResult<Vec<incident_update::Model>> {
    Ok(incident_update::Entity::find()
        .filter(incident_update::Column::IncidentId.is_in(ids.iter().copied()))
        .order_by_asc(incident_update::COLUMN.at)
        .order_by_asc(incident_update::COLUMN.id)
        .all(db.conn())
        .await?)
}
