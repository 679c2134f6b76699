//! Responders act on alerts: trigger one for a team, acknowledge, resolve, escalate now,
//! reassign to a person, snooze; list them and one's pages. `run_due` is what the worker
//! calls on time: it escalates unacknowledged alerts whose step's delay ran out and
//! re-triggers snoozed ones.

use super::{ACKNOWLEDGED, Already, NewAlert, RESOLVED, TRIGGERED, page_targets, policy_of};
use crate::services::pagination::{Page, PageRequest};
use crate::services::{Ctx, ServiceError, ServiceResult, parse_id};
use chrono::{DateTime, Utc};
use entity::{Role, Severity, alert, page};
use scheduler::domain::reason::Reason;
use scheduler::domain::{instant, text};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

/// Pages a team now: the one call behind a chat `/page` command.
pub async fn trigger(
    ctx: Ctx<'_>,
    team: &str,
    summary: &str,
    severity: Severity,
) -> ServiceResult<alert::Model> {
    let user = ctx.principal.require(Role::Responder)?;
    let team = parse_id(team, "team")?;
    let summary = text::single_line("summary", summary, 500)?;
    let txn = ctx.db.begin_write().await?;
    crate::services::catalog::active_team(&txn, team).await?;
    let policy = crate::services::severity::policy_for(&txn, severity).await?;
    let (row, _) = super::open(
        &txn,
        NewAlert {
            team_id: Some(team),
            integration_id: None,
            incident_id: None,
            source: "manual".into(),
            name: summary.clone(),
            dedup_key: None,
            summary,
            severity,
            triggered_by: Some(user.id),
            details: None,
            notification_hash: None,
        },
        &policy.pages,
        ctx.now,
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// The alert under its row lock, if the caller may see it (an alert about a restricted
/// incident is as invisible as the incident).
async fn locked(
    ctx: Ctx<'_>,
    conn: &impl ConnectionTrait,
    id: &str,
) -> ServiceResult<alert::Model> {
    let a = alert::Entity::find_by_id(parse_id(id, "alert")?)
        .lock_exclusive()
        .one(conn)
        .await?
        .ok_or(ServiceError::NotFound("alert"))?;
    visible(ctx, &a).await?;
    Ok(a)
}

fn must_be_open(a: &alert::Model) -> ServiceResult<()> {
    if a.status == RESOLVED {
        return Err(ServiceError::conflict(
            Reason::AlertResolved,
            "the alert is resolved",
        ));
    }
    Ok(())
}

async fn save(
    conn: &impl ConnectionTrait,
    am: alert::ActiveModel,
    now: DateTime<Utc>,
) -> ServiceResult<alert::Model> {
    let mut am = am;
    let version = match &am.version {
        sea_orm::ActiveValue::Set(v) | sea_orm::ActiveValue::Unchanged(v) => *v,
        _ => 0,
    };
    am.version = Set(version + 1);
    am.updated_at = Set(now);
    Ok(am.update(conn).await?)
}

/// Acknowledging any page acknowledges the alert (and stops its escalation).
pub(crate) async fn acknowledge_in(
    conn: &impl ConnectionTrait,
    a: alert::Model,
    user: Uuid,
    now: DateTime<Utc>,
) -> ServiceResult<alert::Model> {
    page::Entity::update_many()
        .col_expr(page::Column::AcknowledgedAt, Expr::value(now))
        .filter(page::COLUMN.alert_id.eq(a.id))
        .filter(page::Column::AcknowledgedAt.is_null())
        .exec(conn)
        .await?;
    let mut am = a.into_active_model();
    am.status = Set(ACKNOWLEDGED.into());
    am.acknowledged_at = Set(Some(now));
    am.acknowledged_by = Set(Some(user));
    am.snoozed_until = Set(None);
    let row = save(conn, am, now).await?;
    crate::services::events::alert(
        conn,
        "alert.acknowledged",
        &row,
        serde_json::json!({ "acknowledgedBy": user.to_string() }),
        now,
    )
    .await?;
    Ok(row)
}

pub async fn acknowledge(ctx: Ctx<'_>, id: &str) -> ServiceResult<alert::Model> {
    let user = ctx.principal.require(Role::Responder)?;
    let txn = ctx.db.begin_write().await?;
    let a = locked(ctx, &txn, id).await?;
    must_be_open(&a)?;
    if a.status == ACKNOWLEDGED && a.snoozed_until.is_none() {
        return Err(ServiceError::conflict(
            Reason::AlreadyAcknowledged,
            "the alert was already acknowledged",
        ));
    }
    let row = acknowledge_in(&txn, a, user.id, ctx.now).await?;
    txn.commit().await?;
    Ok(row)
}

/// Resolves the alert; `by` is None when its source says it resolved on its own.
pub(crate) async fn resolve_in(
    conn: &impl ConnectionTrait,
    a: alert::Model,
    by: Option<Uuid>,
    now: DateTime<Utc>,
) -> ServiceResult<alert::Model> {
    let mut am = a.into_active_model();
    am.status = Set(RESOLVED.into());
    am.resolved_at = Set(Some(now));
    am.resolved_by = Set(by);
    am.snoozed_until = Set(None);
    let row = save(conn, am, now).await?;
    crate::services::events::alert(conn, "alert.resolved", &row, serde_json::json!({}), now)
        .await?;
    Ok(row)
}

pub async fn resolve(ctx: Ctx<'_>, id: &str) -> ServiceResult<alert::Model> {
    let user = ctx.principal.require(Role::Responder)?;
    let txn = ctx.db.begin_write().await?;
    let a = locked(ctx, &txn, id).await?;
    must_be_open(&a)?;
    let row = resolve_in(&txn, a, Some(user.id), ctx.now).await?;
    txn.commit().await?;
    Ok(row)
}

/// Moves the alert to the step at `position` and pages its targets.
async fn move_to(
    conn: &impl ConnectionTrait,
    a: alert::Model,
    position: u32,
    actor: Option<Uuid>,
    now: DateTime<Utc>,
    already: Already,
) -> ServiceResult<alert::Model> {
    let policy = policy_of(conn, a.team_id).await?;
    let targets = policy
        .step(position)
        .map(|s| s.targets.clone())
        .unwrap_or_default();
    let mut am = a.into_active_model();
    am.position = Set(position as i32);
    am.entered_step_at = Set(now);
    am.status = Set(TRIGGERED.into());
    am.snoozed_until = Set(None);
    am.acknowledged_at = Set(None);
    am.acknowledged_by = Set(None);
    let a = save(conn, am, now).await?;
    page_targets(conn, &a, &targets, position, actor, now, already).await?;
    alert::Entity::find_by_id(a.id)
        .one(conn)
        .await?
        .ok_or(ServiceError::NotFound("alert"))
}

/// Escalates now, to the next step (the last step stays the last).
pub async fn escalate(ctx: Ctx<'_>, id: &str) -> ServiceResult<alert::Model> {
    let user = ctx.principal.require(Role::Responder)?;
    let txn = ctx.db.begin_write().await?;
    let a = locked(ctx, &txn, id).await?;
    must_be_open(&a)?;
    let policy = policy_of(&txn, a.team_id).await?;
    let next = (a.position as u32 + 1).min(policy.positions().saturating_sub(1));
    let row = move_to(&txn, a, next, Some(user.id), ctx.now, Already::Position).await?;
    txn.commit().await?;
    Ok(row)
}

/// Pages a named person about the alert (it is theirs now; triggered again).
pub async fn reassign(ctx: Ctx<'_>, id: &str, to: &str) -> ServiceResult<alert::Model> {
    let user = ctx.principal.require(Role::Responder)?;
    let to = parse_id(to, "user")?;
    let txn = ctx.db.begin_write().await?;
    let a = locked(ctx, &txn, id).await?;
    must_be_open(&a)?;
    crate::services::schedules::on_call_capable(&txn, to).await?;
    let mut am = a.into_active_model();
    am.status = Set(TRIGGERED.into());
    am.entered_step_at = Set(ctx.now);
    am.snoozed_until = Set(None);
    am.unrouted = Set(false);
    am.acknowledged_at = Set(None);
    am.acknowledged_by = Set(None);
    let a = save(&txn, am, ctx.now).await?;
    let wait = policy_of(&txn, a.team_id)
        .await?
        .step(a.position as u32)
        .map_or(chrono::Duration::minutes(15), |s| s.delay);
    super::record_pages(
        &txn,
        &a,
        &[(to, "reassigned".into())],
        a.position as u32,
        Some(user.id),
        ctx.now,
        wait,
    )
    .await?;
    txn.commit().await?;
    Ok(a)
}

/// Acknowledged for now; triggered again at `until` (by the worker's `run_due`).
pub async fn snooze(ctx: Ctx<'_>, id: &str, until: DateTime<Utc>) -> ServiceResult<alert::Model> {
    let user = ctx.principal.require(Role::Responder)?;
    let until = instant::check("until", until)?;
    if until <= ctx.now {
        return Err(ServiceError::invalid(
            Reason::InstantOutOfRange,
            "a snooze ends in the future",
        ));
    }
    let txn = ctx.db.begin_write().await?;
    let a = locked(ctx, &txn, id).await?;
    must_be_open(&a)?;
    let a = acknowledge_in(&txn, a, user.id, ctx.now).await?;
    let mut am = a.into_active_model();
    am.snoozed_until = Set(Some(until));
    let row = save(&txn, am, ctx.now).await?;
    txn.commit().await?;
    Ok(row)
}

/// What `run_due` did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Due {
    pub escalated: usize,
    pub retriggered: usize,
}

/// Escalates every unacknowledged alert whose step's delay has run out and re-triggers
/// every snoozed alert whose snooze ended; each alert under its own lock, so two workers
/// never both act on one. Alerts of a severity that pages nobody (SEV4) never escalate.
/// Called by the worker; goes through every candidate, a batch at a time.
pub async fn run_due(db: &crate::db::Db, now: DateTime<Utc>) -> ServiceResult<Due> {
    let mut due = Due::default();
    let mut after: Option<Uuid> = None;
    loop {
        let mut q = alert::Entity::find()
            .filter(
                sea_orm::Condition::any()
                    .add(alert::COLUMN.status.eq(TRIGGERED))
                    .add(
                        sea_orm::Condition::all()
                            .add(alert::COLUMN.status.eq(ACKNOWLEDGED))
                            .add(alert::Column::SnoozedUntil.lte(now)),
                    ),
            )
            .order_by_asc(alert::COLUMN.id)
            .limit(500);
        if let Some(a) = after {
            q = q.filter(alert::COLUMN.id.gt(a));
        }
        let batch = q.all(db.conn()).await?;
        let Some(last) = batch.last() else {
            break;
        };
        after = Some(last.id);
        for c in batch {
            run_one(db, c.id, now, &mut due).await?;
        }
    }
    Ok(due)
}

async fn run_one(
    db: &crate::db::Db,
    id: Uuid,
    now: DateTime<Utc>,
    due: &mut Due,
) -> ServiceResult<()> {
    let txn = db.begin_write().await?;
    let Some(a) = alert::Entity::find_by_id(id)
        .lock_exclusive()
        .one(&txn)
        .await?
    else {
        return Ok(());
    };
    if crate::services::severity::policy_for(&txn, a.severity)
        .await?
        .pages
        .is_empty()
    {
        return Ok(());
    }
    let policy = policy_of(&txn, a.team_id).await?;
    if a.status == ACKNOWLEDGED && a.snoozed_until.is_some_and(|u| u <= now) {
        // Back to the step it was at: its targets are paged again (whoever they are now).
        let position = a.position as u32;
        move_to(&txn, a, position, None, now, Already::Nobody).await?;
        due.retriggered += 1;
    } else if a.status == TRIGGERED
        && let Some(next) = policy.due_position(a.position as u32, a.entered_step_at, now)
    {
        move_to(&txn, a, next, None, now, Already::Position).await?;
        due.escalated += 1;
    }
    txn.commit().await?;
    Ok(())
}

/// Turns an alert into an incident in one call: its team, severity and summary (the
/// title may be given), detected by an alert, the alert linked.
pub async fn declare_incident(
    ctx: Ctx<'_>,
    id: &str,
    title: Option<String>,
) -> ServiceResult<entity::incident::Model> {
    ctx.principal.require(Role::Responder)?;
    let a = get(ctx, id).await?;
    if a.incident_id.is_some() {
        return Err(ServiceError::conflict(
            Reason::AlreadyExists,
            "this alert already has an incident",
        ));
    }
    must_be_open(&a)?;
    crate::services::incidents::declare(
        ctx,
        crate::services::incidents::Declare {
            title: title.unwrap_or_else(|| a.summary.clone()),
            severity: Some(a.severity),
            team_id: a.team_id.map(|t| t.to_string()),
            detection_source: entity::DetectionSource::Alert,
            from_alert: Some(a.id),
            ..Default::default()
        },
    )
    .await
}

pub async fn get(ctx: Ctx<'_>, id: &str) -> ServiceResult<alert::Model> {
    ctx.principal.require(Role::Viewer)?;
    let a = alert::Entity::find_by_id(parse_id(id, "alert")?)
        .one(ctx.db.conn())
        .await?
        .ok_or(ServiceError::NotFound("alert"))?;
    visible(ctx, &a).await?;
    Ok(a)
}

/// An alert about a restricted incident is as invisible as the incident.
async fn visible(ctx: Ctx<'_>, a: &alert::Model) -> ServiceResult<()> {
    if let Some(i) = a.incident_id {
        let user = ctx.principal.require(Role::Viewer)?;
        crate::services::visibility::find_visible(ctx.db.conn(), user, i)
            .await
            .map_err(|_| ServiceError::NotFound("alert"))?;
    }
    Ok(())
}

#[derive(Debug, Default)]
pub struct Filter {
    pub team_id: Option<String>,
    pub statuses: Vec<String>,
    pub unrouted: Option<bool>,
}

/// Newest first; alerts of restricted incidents only for those who may see them.
pub async fn list(
    ctx: Ctx<'_>,
    f: &Filter,
    page: &PageRequest,
) -> ServiceResult<Page<alert::Model>> {
    let user = ctx.principal.require(Role::Viewer)?;
    let mut q = alert::Entity::find()
        .filter(
            sea_orm::Condition::any()
                .add(alert::Column::IncidentId.is_null())
                .add(alert::Column::IncidentId.in_subquery(
                    crate::services::visibility::incidents_where(
                        crate::services::visibility::visible_to(user),
                    ),
                )),
        )
        .order_by_desc(alert::COLUMN.id)
        .limit(page.fetch_limit());
    if let Some(after) = &page.after {
        q = q.filter(
            alert::COLUMN
                .id
                .lt(crate::services::pagination::cursor_id(after)?),
        );
    }
    if let Some(t) = &f.team_id {
        q = q.filter(alert::COLUMN.team_id.eq(parse_id(t, "team")?));
    }
    if !f.statuses.is_empty() {
        q = q.filter(alert::Column::Status.is_in(f.statuses.clone()));
    }
    if let Some(u) = f.unrouted {
        q = q.filter(alert::COLUMN.unrouted.eq(u));
    }
    let rows = q.all(ctx.db.conn()).await?;
    Ok(Page::from_overfetch(rows, page))
}

/// The caller's pages, newest first.
pub async fn my_pages(ctx: Ctx<'_>, page: &PageRequest) -> ServiceResult<Page<page::Model>> {
    let me = ctx.principal.user()?;
    let mut q = page::Entity::find()
        .filter(page::COLUMN.user_id.eq(me.id))
        .order_by_desc(page::COLUMN.id)
        .limit(page.fetch_limit());
    if let Some(after) = &page.after {
        q = q.filter(
            page::COLUMN
                .id
                .lt(crate::services::pagination::cursor_id(after)?),
        );
    }
    let rows = q.all(ctx.db.conn()).await?;
    Ok(Page::from_overfetch(rows, page))
}

/// Pages of the given alerts, for batch loading.
pub async fn pages_of(db: &crate::db::Db, alerts: &[Uuid]) -> ServiceResult<Vec<page::Model>> {
    Ok(page::Entity::find()
        .filter(page::Column::AlertId.is_in(alerts.iter().copied()))
        .order_by_asc(page::COLUMN.created_at)
        .all(db.conn())
        .await?)
}

pub async fn by_ids(db: &crate::db::Db, ids: &[Uuid]) -> ServiceResult<Vec<alert::Model>> {
    Ok(alert::Entity::find()
        .filter(alert::Column::Id.is_in(ids.iter().copied()))
        .all(db.conn())
        .await?)
}
