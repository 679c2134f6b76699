//! Calendar feeds: RFC 5545 calendars of coming shifts that calendar applications
//! subscribe to. They cannot send headers, so each feed has a secret token carried in
//! the query string: 32 random bytes, shown once, stored as its SHA-256 (a token with
//! that much entropy needs no slow hash), rotated by issuing again, revocable. The
//! holder's rights are checked again on every fetch. Request logs record the path only,
//! never the query string, so a token never reaches a log line.

use super::{find_schedule, reader};
use crate::db::Db;
use crate::services::audit::{self, Change};
use crate::services::{Ctx, ServiceError, ServiceResult};
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use entity::{Role, calendar_feed, schedule, user};
use scheduler::oncall::Span;
use scheduler::oncall::shifts::Shift;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde_json::json;
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// How far ahead a feed shows shifts.
pub const HORIZON_WEEKS: i64 = 8;
/// How far back a feed looks for the start of a shift in progress, so its start (and so
/// its UID) does not move with every refresh.
pub const LOOKBACK_DAYS: i64 = 31;

/// Most feeds `mine` lists (one per scope: the holder's own and one per schedule).
pub const MAX_FEEDS: u64 = 100;

/// What a feed shows: the holder's own shifts, or a schedule's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    User,
    Schedule(Uuid),
}

impl Scope {
    fn key(self) -> String {
        match self {
            Scope::User => "user".to_owned(),
            Scope::Schedule(id) => format!("schedule:{id}"),
        }
    }
}

pub fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn new_token() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Issues the caller's token for a feed, replacing (and so revoking) any earlier one.
/// Returns the feed and the token, which is not stored and cannot be shown again.
pub async fn issue(
    ctx: Ctx<'_>,
    schedule: Option<&str>,
) -> ServiceResult<(calendar_feed::Model, String)> {
    let caller = reader(ctx)?;
    let scope = match schedule {
        Some(s) => Scope::Schedule(super::schedule_id(s)?),
        None => Scope::User,
    };
    let token = new_token();
    let txn = ctx.db.begin_write().await?;
    if let Scope::Schedule(id) = scope {
        find_schedule(&txn, id).await?;
    }
    calendar_feed::Entity::delete_many()
        .filter(calendar_feed::COLUMN.user_id.eq(caller.id))
        .filter(calendar_feed::COLUMN.scope.eq(scope.key()))
        .exec(&txn)
        .await?;
    let row = calendar_feed::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(caller.id),
        scope: Set(scope.key()),
        schedule_id: Set(match scope {
            Scope::Schedule(id) => Some(id),
            Scope::User => None,
        }),
        token_hash: Set(hash(&token)),
        created_at: Set(ctx.now),
        last_used_at: Set(None),
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        ctx.now,
        Change {
            actor: Some(caller.id),
            action: "calendar_feed.issue",
            target_type: "calendar_feed",
            target_id: row.id.to_string(),
            before: None,
            after: Some(json!({ "scope": row.scope })),
        },
    )
    .await?;
    txn.commit().await?;
    Ok((row, token))
}

/// Revokes the caller's token for a feed. NOT_FOUND when there is none.
pub async fn revoke(ctx: Ctx<'_>, schedule: Option<&str>) -> ServiceResult<Uuid> {
    let caller = reader(ctx)?;
    let scope = match schedule {
        Some(s) => Scope::Schedule(super::schedule_id(s)?),
        None => Scope::User,
    };
    let txn = ctx.db.begin_write().await?;
    let row = calendar_feed::Entity::find()
        .filter(calendar_feed::COLUMN.user_id.eq(caller.id))
        .filter(calendar_feed::COLUMN.scope.eq(scope.key()))
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(ServiceError::NotFound("calendar feed"))?;
    calendar_feed::Entity::delete_by_id(row.id)
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        ctx.now,
        Change {
            actor: Some(caller.id),
            action: "calendar_feed.revoke",
            target_type: "calendar_feed",
            target_id: row.id.to_string(),
            before: Some(json!({ "scope": row.scope })),
            after: None,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(row.id)
}

/// The caller's feeds (at most one per scope, so a short list).
pub async fn mine(ctx: Ctx<'_>) -> ServiceResult<Vec<calendar_feed::Model>> {
    let caller = reader(ctx)?;
    Ok(calendar_feed::Entity::find()
        .filter(calendar_feed::COLUMN.user_id.eq(caller.id))
        .order_by_asc(calendar_feed::COLUMN.id)
        .limit(MAX_FEEDS)
        .all(ctx.db.conn())
        .await?)
}

/// Why a feed is not served.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    /// No token in the request.
    Missing,
    /// No such token, a revoked one, or one for another feed: indistinguishable.
    Unknown,
    /// The holder may no longer read it (deactivated).
    Forbidden,
}

/// The calendar to render: its name and its shifts (with schedule and layer names).
pub struct Calendar {
    pub name: String,
    /// Where the feed's look-back starts: a shift starting there began earlier.
    pub looks_back_to: DateTime<Utc>,
    pub events: Vec<Event>,
}

pub struct Event {
    pub shift: Shift,
    pub schedule: String,
    pub layer: String,
    pub person: String,
}

/// Checks `token` for the feed at `path_scope` (for user feeds, `path_user` is the id in
/// the path) and gathers its coming shifts.
pub async fn fetch(
    db: &Db,
    now: DateTime<Utc>,
    scope: Scope,
    path_user: Option<Uuid>,
    token: Option<&str>,
) -> Result<Calendar, FeedError> {
    let token = token
        .filter(|t| !t.is_empty())
        .ok_or(FeedError::Refused(Refusal::Missing))?;
    let feed = calendar_feed::Entity::find()
        .filter(calendar_feed::COLUMN.token_hash.eq(hash(token)))
        .one(db.conn())
        .await?
        .ok_or(FeedError::Refused(Refusal::Unknown))?;
    if feed.scope != scope.key() || path_user.is_some_and(|u| u != feed.user_id) {
        return Err(FeedError::Refused(Refusal::Unknown));
    }
    let holder = user::Entity::find_by_id(feed.user_id)
        .one(db.conn())
        .await?
        .ok_or(FeedError::Refused(Refusal::Unknown))?;
    if !holder.active || holder.role < Role::Viewer {
        return Err(FeedError::Refused(Refusal::Forbidden));
    }
    calendar_feed::Entity::update_many()
        .col_expr(calendar_feed::Column::LastUsedAt, Expr::value(now))
        .filter(calendar_feed::COLUMN.id.eq(feed.id))
        .exec(db.conn())
        .await?;
    let span = Span::new(
        now - Duration::days(LOOKBACK_DAYS),
        now + Duration::weeks(HORIZON_WEEKS),
    );
    let (name, shifts): (String, Vec<(Uuid, Shift)>) = match scope {
        Scope::User => (
            format!("On call: {}", holder.name),
            super::queries::shifts_of_user(db, holder.id, span).await?,
        ),
        Scope::Schedule(id) => {
            let loaded = super::load(db, id, span).await.map_err(|e| match e {
                ServiceError::NotFound(_) => FeedError::Refused(Refusal::Unknown),
                other => FeedError::Service(other),
            })?;
            let shifts = scheduler::oncall::shifts::schedule_shifts(
                &loaded.domain_layers(),
                &loaded.domain_overrides(),
                span,
            );
            (
                format!("On call: {}", loaded.schedule.name),
                shifts.into_iter().map(|s| (id, s)).collect(),
            )
        }
    };
    // Shifts still to come or in progress (one in progress keeps its start, or, when it
    // began before the look-back, is keyed on its end: see `http::ical`).
    let shifts: Vec<(Uuid, Shift)> = shifts
        .into_iter()
        .filter(|(_, s)| s.span.end > now)
        .collect();
    let schedule_ids: Vec<Uuid> = shifts.iter().map(|(s, _)| *s).collect();
    let layer_ids: Vec<Uuid> = shifts.iter().map(|(_, s)| s.layer).collect();
    let user_ids: Vec<Uuid> = shifts.iter().map(|(_, s)| s.user).collect();
    let (schedules, layers, users) = tokio::try_join!(
        schedule::Entity::find()
            .filter(schedule::Column::Id.is_in(schedule_ids))
            .all(db.conn()),
        entity::schedule_layer::Entity::find()
            .filter(entity::schedule_layer::Column::Id.is_in(layer_ids))
            .all(db.conn()),
        user::Entity::find()
            .filter(user::Column::Id.is_in(user_ids))
            .all(db.conn()),
    )?;
    let events = shifts
        .into_iter()
        .map(|(sid, shift)| Event {
            schedule: schedules
                .iter()
                .find(|s| s.id == sid)
                .map(|s| s.name.clone())
                .unwrap_or_default(),
            layer: layers
                .iter()
                .find(|l| l.id == shift.layer)
                .map(|l| l.name.clone())
                .unwrap_or_default(),
            person: users
                .iter()
                .find(|u| u.id == shift.user)
                .map(|u| u.name.clone())
                .unwrap_or_default(),
            shift,
        })
        .collect();
    Ok(Calendar {
        name,
        looks_back_to: span.start,
        events,
    })
}

#[derive(Debug)]
pub enum FeedError {
    Refused(Refusal),
    Service(ServiceError),
}

impl From<ServiceError> for FeedError {
    fn from(e: ServiceError) -> Self {
        FeedError::Service(e)
    }
}

impl From<sea_orm::DbErr> for FeedError {
    fn from(e: sea_orm::DbErr) -> Self {
        FeedError::Service(e.into())
    }
}
