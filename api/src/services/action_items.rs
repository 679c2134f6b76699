//! Action items: one owner, a due date and a priority each; tracked until DONE or WONT_DO.
//! Like postmortems, every change names the version it was made against.
//!
//! An item follows up an incident. It can be created while the incident is being worked
//! (work found during the response is tracked at once) or from its postmortem; it joins
//! the incident's postmortem when that exists or is created. Every change takes the
//! incident's row lock first, the lock postmortem creation also takes, so attaching items
//! to a new postmortem and the postmortem's "loop closed" decision never run beside
//! another change to the items.

use super::pagination::{Page, PageRequest};
use super::postmortems::refresh_loop;
use super::visibility::{find_visible, find_visible_locked, incidents_where, visible_to};
use super::{Ctx, ServiceError, ServiceResult, parse_id};
use crate::auth::CurrentUser;
use crate::db::Db;
use chrono::{DateTime, Utc};
use entity::{
    ActionItemStatus, Priority, Role, action_item, action_item_due_change, incident, postmortem,
};
use scheduler::domain::reason::Reason;
use scheduler::domain::{instant, text};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait,
    DatabaseTransaction, EntityTrait, ExprTrait, IntoActiveModel, QueryFilter, QueryOrder,
    QuerySelect,
};
use uuid::Uuid;

async fn active_owner(conn: &impl ConnectionTrait, id: &str) -> ServiceResult<Uuid> {
    super::users::active_user_id(conn, parse_id(id, "user")?).await
}

/// An absolute http(s) URL with a host, checked by a URL parser (so `https://` alone,
/// `javascript:` and other schemes are refused), stored as given.
fn tracker_url(raw: &str) -> ServiceResult<String> {
    let raw = text::single_line("trackerUrl", raw, 2000)?;
    let ok = url::Url::parse(&raw).is_ok_and(|u| {
        matches!(u.scheme(), "http" | "https") && u.host_str().is_some_and(|h| !h.is_empty())
    });
    if !ok {
        return Err(ServiceError::invalid(
            Reason::InvalidUrl,
            "trackerUrl must be an absolute http(s) URL",
        ));
    }
    Ok(raw)
}

/// The incident a new item follows up: the one named, or its postmortem's. NOT_FOUND
/// when the caller may not see it, as if it did not exist.
async fn target_incident(
    conn: &impl ConnectionTrait,
    incident_id: Option<&str>,
    postmortem_id: Option<&str>,
) -> ServiceResult<Uuid> {
    let named = incident_id.map(|i| parse_id(i, "incident")).transpose()?;
    let of_pm = match postmortem_id {
        Some(pm) => Some(
            postmortem::Entity::find_by_id(parse_id(pm, "postmortem")?)
                .one(conn)
                .await?
                .ok_or(ServiceError::NotFound("postmortem"))?
                .incident_id,
        ),
        None => None,
    };
    match (named, of_pm) {
        (Some(a), Some(b)) if a != b => Err(ServiceError::invalid(
            Reason::ActionItemTarget,
            "the postmortem is not the named incident's",
        )),
        (Some(id), _) | (None, Some(id)) => Ok(id),
        (None, None) => Err(ServiceError::invalid(
            Reason::ActionItemTarget,
            "name the incident (incidentId) or the postmortem (postmortemId) the item follows up",
        )),
    }
}

/// The incident's postmortem, if it has one.
async fn postmortem_of(
    conn: &impl ConnectionTrait,
    incident_id: Uuid,
) -> ServiceResult<Option<Uuid>> {
    Ok(postmortem::Entity::find()
        .select_only()
        .column(postmortem::Column::Id)
        .filter(postmortem::COLUMN.incident_id.eq(incident_id))
        .into_tuple::<Uuid>()
        .one(conn)
        .await?)
}

/// A new item names its incident, its postmortem, or both.
#[derive(Debug)]
pub struct NewItem {
    pub incident_id: Option<String>,
    pub postmortem_id: Option<String>,
    pub title: String,
    pub description: String,
    pub owner_id: String,
    pub due_at: DateTime<Utc>,
    pub priority: Priority,
    pub tracker_url: Option<String>,
    pub tracker_key: Option<String>,
}

pub async fn create(ctx: Ctx<'_>, input: NewItem) -> ServiceResult<action_item::Model> {
    let user = ctx.principal.require(Role::Responder)?;
    let title = text::single_line("title", &input.title, 200)?;
    let description = text::multi_line("description", &input.description, 10_000)?;
    let url = input.tracker_url.as_deref().map(tracker_url).transpose()?;
    let key = input
        .tracker_key
        .as_deref()
        .map(|k| text::single_line("trackerKey", k, 100))
        .transpose()?;
    let due_at = instant::check("dueAt", input.due_at)?;
    let txn = ctx.db.begin_write().await?;
    let incident_id = target_incident(
        &txn,
        input.incident_id.as_deref(),
        input.postmortem_id.as_deref(),
    )
    .await?;
    let not_found = if input.incident_id.is_some() {
        "incident"
    } else {
        "postmortem"
    };
    find_visible_locked(&txn, user, incident_id)
        .await
        .map_err(|_| ServiceError::NotFound(not_found))?;
    let pm_id = postmortem_of(&txn, incident_id).await?;
    let owner = active_owner(&txn, &input.owner_id).await?;
    owner_sees_incident(&txn, incident_id, owner, user.id, ctx.now).await?;
    let row = action_item::ActiveModel {
        id: Set(Uuid::now_v7()),
        incident_id: Set(incident_id),
        postmortem_id: Set(pm_id),
        title: Set(title),
        description: Set(description),
        owner_id: Set(owner),
        due_at: Set(due_at),
        priority: Set(input.priority),
        status: Set(ActionItemStatus::Open),
        wont_do_reason: Set(None),
        tracker_url: Set(url),
        tracker_key: Set(key),
        completed_at: Set(None),
        version: Set(1),
        created_at: Set(ctx.now),
        updated_at: Set(ctx.now),
    }
    .insert(&txn)
    .await?;
    if let Some(pm) = pm_id {
        refresh_loop(&txn, pm, ctx.now).await?;
    }
    crate::services::events::action_item(&txn, "action_item.created", &row, ctx.now).await?;
    txn.commit().await?;
    Ok(row)
}

#[derive(Debug, Default)]
pub struct Changes {
    pub title: Option<String>,
    pub description: Option<String>,
    pub owner_id: Option<String>,
    pub due_at: Option<DateTime<Utc>>,
    pub priority: Option<Priority>,
    pub status: Option<ActionItemStatus>,
    pub wont_do_reason: Option<String>,
    pub tracker_url: Option<Option<String>>,
    pub tracker_key: Option<Option<String>>,
}

async fn begin_change<'a>(
    ctx: Ctx<'a>,
    id: &str,
    expected: i32,
) -> ServiceResult<(&'a CurrentUser, crate::db::WriteTxn, action_item::Model)> {
    let user = ctx.principal.require(Role::Responder)?;
    let id = parse_id(id, "action item")?;
    let txn = ctx.db.begin_write().await?;
    let item = action_item::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(ServiceError::NotFound("action item"))?;
    find_visible_locked(&txn, user, item.incident_id)
        .await
        .map_err(|_| ServiceError::NotFound("action item"))?;
    let res = action_item::Entity::update_many()
        .col_expr(
            action_item::Column::Version,
            Expr::col(action_item::Column::Version).add(1),
        )
        .col_expr(action_item::Column::UpdatedAt, Expr::value(ctx.now))
        .filter(action_item::COLUMN.id.eq(id))
        .filter(action_item::COLUMN.version.eq(expected))
        .exec(&txn)
        .await?;
    if res.rows_affected == 0 {
        return Err(ServiceError::conflict(
            Reason::StaleVersion,
            format!(
                "the action item changed since version {expected}: reload it and apply your change again"
            ),
        ));
    }
    let item = action_item::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(ServiceError::NotFound("action item"))?;
    Ok((user, txn, item))
}

pub async fn update(
    ctx: Ctx<'_>,
    id: &str,
    expected: i32,
    c: Changes,
) -> ServiceResult<action_item::Model> {
    let title = c
        .title
        .as_deref()
        .map(|t| text::single_line("title", t, 200))
        .transpose()?;
    let description = c
        .description
        .as_deref()
        .map(|d| text::multi_line("description", d, 10_000))
        .transpose()?;
    let url = match c.tracker_url {
        Some(Some(u)) => Some(Some(tracker_url(&u)?)),
        other => other,
    };
    let key = match c.tracker_key {
        Some(Some(k)) => Some(Some(text::single_line("trackerKey", &k, 100)?)),
        other => other,
    };
    let reason = c
        .wont_do_reason
        .as_deref()
        .map(|r| text::multi_line("wontDoReason", r, 2000))
        .transpose()?
        .filter(|r| !r.is_empty());
    let due_at = instant::check_opt("dueAt", c.due_at)?;
    let (user, txn, item) = begin_change(ctx, id, expected).await?;
    let pm_id = item.postmortem_id;
    let mut am = item.clone().into_active_model();
    if let Some(v) = title {
        am.title = Set(v);
    }
    if let Some(v) = description {
        am.description = Set(v);
    }
    if let Some(owner) = c.owner_id {
        let owner = active_owner(&txn, &owner).await?;
        if owner != item.owner_id {
            owner_sees_incident(&txn, item.incident_id, owner, user.id, ctx.now).await?;
        }
        am.owner_id = Set(owner);
    }
    if let Some(v) = due_at
        && v != item.due_at
    {
        // Kept, so that moving a date cannot hide a miss (see the metrics).
        action_item_due_change::ActiveModel {
            id: Set(Uuid::now_v7()),
            action_item_id: Set(item.id),
            from_due: Set(item.due_at),
            to_due: Set(v),
            changed_by: Set(user.id),
            changed_at: Set(ctx.now),
        }
        .insert(&txn)
        .await?;
        am.due_at = Set(v);
    }
    if let Some(v) = c.priority {
        am.priority = Set(v);
    }
    if let Some(v) = url {
        am.tracker_url = Set(v);
    }
    if let Some(v) = key {
        am.tracker_key = Set(v);
    }
    if let Some(status) = c.status {
        apply_status(&mut am, &item, status, reason, ctx.now)?;
    } else if reason.is_some() && item.status == ActionItemStatus::WontDo {
        am.wont_do_reason = Set(reason);
    }
    let updated = am.update(&txn).await?;
    if let Some(pm) = pm_id {
        refresh_loop(&txn, pm, ctx.now).await?;
    }
    if updated.status == ActionItemStatus::Done && item.status != ActionItemStatus::Done {
        crate::services::events::action_item(&txn, "action_item.completed", &updated, ctx.now)
            .await?;
    }
    txn.commit().await?;
    Ok(updated)
}

fn apply_status(
    am: &mut action_item::ActiveModel,
    item: &action_item::Model,
    status: ActionItemStatus,
    reason: Option<String>,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    match status {
        ActionItemStatus::WontDo => {
            let reason = reason
                .or_else(|| item.wont_do_reason.clone())
                .ok_or_else(|| {
                    ServiceError::invalid(
                        Reason::WontDoNeedsReason,
                        "WONT_DO needs a reason (wontDoReason)",
                    )
                })?;
            am.wont_do_reason = Set(Some(reason));
            am.completed_at = Set(None);
        }
        ActionItemStatus::Done => {
            if item.status != ActionItemStatus::Done {
                am.completed_at = Set(Some(now));
            }
            am.wont_do_reason = Set(None);
        }
        ActionItemStatus::Open | ActionItemStatus::InProgress => {
            am.completed_at = Set(None);
            am.wont_do_reason = Set(None);
        }
    }
    am.status = Set(status);
    Ok(())
}

pub async fn complete(ctx: Ctx<'_>, id: &str, expected: i32) -> ServiceResult<action_item::Model> {
    let (_, txn, item) = begin_change(ctx, id, expected).await?;
    if item.status == ActionItemStatus::Done {
        return Err(ServiceError::conflict(
            Reason::AlreadyDone,
            "the action item is already done",
        ));
    }
    let pm_id = item.postmortem_id;
    let mut am = item.clone().into_active_model();
    apply_status(&mut am, &item, ActionItemStatus::Done, None, ctx.now)?;
    let updated = am.update(&txn).await?;
    if let Some(pm) = pm_id {
        refresh_loop(&txn, pm, ctx.now).await?;
    }
    crate::services::events::action_item(&txn, "action_item.completed", &updated, ctx.now).await?;
    txn.commit().await?;
    Ok(updated)
}

/// An action item's owner must be able to see its incident: they become a participant
/// (logged in the incident's timeline) unless they already are.
async fn owner_sees_incident(
    txn: &DatabaseTransaction,
    incident_id: Uuid,
    owner: Uuid,
    actor: Uuid,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    super::incidents::ensure_participant(
        txn,
        incident_id,
        owner,
        actor,
        now,
        "Added the owner of an action item as a participant",
    )
    .await
}

pub async fn get(ctx: Ctx<'_>, id: &str) -> ServiceResult<action_item::Model> {
    let user = ctx.principal.require(Role::Viewer)?;
    let item = action_item::Entity::find_by_id(parse_id(id, "action item")?)
        .one(ctx.db.conn())
        .await?
        .ok_or(ServiceError::NotFound("action item"))?;
    find_visible(ctx.db.conn(), user, item.incident_id)
        .await
        .map_err(|_| ServiceError::NotFound("action item"))?;
    Ok(item)
}

/// Items of the given incidents, for batch loading, by due date.
pub async fn of_incidents(db: &Db, ids: &[Uuid]) -> ServiceResult<Vec<action_item::Model>> {
    Ok(action_item::Entity::find()
        .filter(action_item::Column::IncidentId.is_in(ids.iter().copied()))
        .order_by_asc(action_item::COLUMN.due_at)
        .order_by_asc(action_item::COLUMN.id)
        .all(db.conn())
        .await?)
}

/// Items of the given postmortems, for batch loading, by due date.
pub async fn of_postmortems(db: &Db, ids: &[Uuid]) -> ServiceResult<Vec<action_item::Model>> {
    Ok(action_item::Entity::find()
        .filter(action_item::Column::PostmortemId.is_in(ids.iter().copied()))
        .order_by_asc(action_item::COLUMN.due_at)
        .order_by_asc(action_item::COLUMN.id)
        .all(db.conn())
        .await?)
}

#[derive(Debug, Default)]
pub struct Filter {
    pub owner_id: Option<String>,
    pub team_id: Option<String>,
    pub statuses: Vec<ActionItemStatus>,
    pub priorities: Vec<Priority>,
    /// Open or in progress with a due date before this instant.
    pub overdue_at: Option<DateTime<Utc>>,
    pub postmortem_id: Option<String>,
    pub incident_id: Option<String>,
}

/// By id (creation order); only items of incidents the caller may see.
pub async fn list(
    ctx: Ctx<'_>,
    f: &Filter,
    page: &PageRequest,
) -> ServiceResult<Page<action_item::Model>> {
    let user = ctx.principal.require(Role::Viewer)?;
    let mut q = action_item::Entity::find()
        .filter(action_item::Column::IncidentId.in_subquery(incidents_where(visible_to(user))))
        .order_by_asc(action_item::COLUMN.id)
        .limit(page.fetch_limit());
    if let Some(after) = &page.after {
        q = q.filter(
            action_item::COLUMN
                .id
                .gt(super::pagination::cursor_id(after)?),
        );
    }
    if let Some(owner) = &f.owner_id {
        q = q.filter(action_item::COLUMN.owner_id.eq(parse_id(owner, "user")?));
    }
    if let Some(pm) = &f.postmortem_id {
        q = q.filter(
            action_item::COLUMN
                .postmortem_id
                .eq(parse_id(pm, "postmortem")?),
        );
    }
    if let Some(id) = &f.incident_id {
        q = q.filter(
            action_item::COLUMN
                .incident_id
                .eq(parse_id(id, "incident")?),
        );
    }
    if let Some(team) = &f.team_id {
        let team = parse_id(team, "team")?;
        q = q.filter(action_item::Column::IncidentId.in_subquery(incidents_where(
            Condition::all().add(incident::Column::TeamId.eq(team)),
        )));
    }
    if !f.statuses.is_empty() {
        q = q.filter(action_item::Column::Status.is_in(f.statuses.iter().copied()));
    }
    if !f.priorities.is_empty() {
        q = q.filter(action_item::Column::Priority.is_in(f.priorities.iter().copied()));
    }
    if let Some(at) = instant::check_opt("overdueAt", f.overdue_at)? {
        q = q.filter(action_item::Column::DueAt.lt(at)).filter(
            action_item::Column::Status
                .is_in([ActionItemStatus::Open, ActionItemStatus::InProgress]),
        );
    }
    let rows = q.all(ctx.db.conn()).await?;
    Ok(Page::from_overfetch(rows, page))
}

/// Due-date changes of the given items, oldest first, for batch loading.
pub async fn due_changes_of(
    db: &Db,
    ids: &[Uuid],
) -> ServiceResult<Vec<action_item_due_change::Model>> {
    Ok(action_item_due_change::Entity::find()
        .filter(action_item_due_change::Column::ActionItemId.is_in(ids.iter().copied()))
        .order_by_asc(action_item_due_change::COLUMN.changed_at)
        .all(db.conn())
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tracker_urls_are_parsed() {
        assert!(tracker_url("https://tracker.example/OPS-1").is_ok());
        assert!(tracker_url("http://jira.internal:8080/browse/X-2?x=1").is_ok());
        for bad in [
            "https://",
            "javascript:alert(1)",
            "ftp://x.example/a",
            "tracker/OPS-1",
            "https:// x",
        ] {
            assert!(tracker_url(bad).is_err(), "{bad}");
        }
    }
}
