//! Incidents: declare, work, resolve. Every change appends to the timeline in the same
//! transaction; the rules themselves live in `scheduler::domain::incident`.

use super::page::{Page, PageRequest};
use super::users::active_user_id;
use super::{Ctx, ServiceError, ServiceResult, catalog, parse_id, severity};
use crate::auth::CurrentUser;
use crate::db::Db;
use chrono::{DateTime, Duration, Utc};
use entity::{
    IncidentRole, IncidentStatus, Role, Severity, TimelineKind, incident, incident_event,
    incident_idempotency, incident_participant, incident_role, incident_update, service,
};
use scheduler::domain::incident::{self as rules, RuleError, State};
use scheduler::domain::reason::Reason;
use scheduler::domain::{channel, instant, references, text};
use sea_orm::sea_query::{Alias, Expr, LikeExpr, OnConflict, Query};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DbErr,
    EntityTrait, ExprTrait, IntoActiveModel, ModelTrait, QueryFilter, QueryOrder, QuerySelect,
    SqlErr,
};
use serde_json::{Value, json};
use uuid::Uuid;

const TITLE_MAX: usize = 200;
const TEXT_MAX: usize = 10_000;
/// How long an idempotency key keeps returning the first incident.
const IDEMPOTENCY_WINDOW_HOURS: i64 = 24;

fn state(i: &incident::Model) -> State {
    State {
        status: i.status,
        acknowledged: i.acknowledged_at.is_some(),
        mitigated: i.mitigated_at.is_some(),
    }
}

fn title(v: &str) -> ServiceResult<String> {
    Ok(text::single_line("title", v, TITLE_MAX)?)
}

fn long_text(field: &'static str, v: &str) -> ServiceResult<String> {
    Ok(text::multi_line(field, v, TEXT_MAX)?)
}

fn required_text(field: &'static str, v: &str) -> ServiceResult<String> {
    let t = long_text(field, v)?;
    if t.is_empty() {
        return Err(ServiceError::invalid(
            Reason::TextEmpty,
            format!("{field} must not be empty"),
        ));
    }
    Ok(t)
}

fn is_unique_violation(err: &DbErr) -> bool {
    matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
}

/// Appends one timeline entry.
#[allow(clippy::too_many_arguments)]
async fn log(
    conn: &impl ConnectionTrait,
    incident_id: Uuid,
    at: DateTime<Utc>,
    author: Option<Uuid>,
    kind: TimelineKind,
    message: impl Into<String>,
    before: Option<Value>,
    after: Option<Value>,
) -> ServiceResult<()> {
    incident_event::ActiveModel {
        id: Set(Uuid::now_v7()),
        incident_id: Set(incident_id),
        at: Set(at),
        author_id: Set(author),
        kind: Set(kind),
        message: Set(message.into()),
        before: Set(before),
        after: Set(after),
        ref_incident_id: Set(None),
    }
    .insert(conn)
    .await?;
    Ok(())
}

/// Appends a timeline entry about another incident: the link is stored as an id only,
/// and the text naming it is rendered at read time for readers who may see it.
async fn log_reference(
    conn: &impl ConnectionTrait,
    incident_id: Uuid,
    at: DateTime<Utc>,
    author: Uuid,
    kind: TimelineKind,
    other: Uuid,
    after: Option<Value>,
) -> ServiceResult<()> {
    incident_event::ActiveModel {
        id: Set(Uuid::now_v7()),
        incident_id: Set(incident_id),
        at: Set(at),
        author_id: Set(Some(author)),
        kind: Set(kind),
        message: Set(references::timeline_text(kind, "", None)),
        before: Set(None),
        after: Set(after),
        ref_incident_id: Set(Some(other)),
    }
    .insert(conn)
    .await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Visibility

/// Whether `user` may see `incident`: everything unrestricted; restricted incidents only
/// for their role holders, the declarer, people added to them, managers and admins.
async fn can_see(
    conn: &impl ConnectionTrait,
    user: &CurrentUser,
    i: &incident::Model,
) -> ServiceResult<bool> {
    if !i.restricted || user.role >= Role::Manager || i.declared_by == user.id {
        return Ok(true);
    }
    let holds_role = incident_role::Entity::find()
        .filter(incident_role::COLUMN.incident_id.eq(i.id))
        .filter(incident_role::COLUMN.user_id.eq(user.id))
        .one(conn)
        .await?
        .is_some();
    if holds_role {
        return Ok(true);
    }
    Ok(incident_participant::Entity::find_by_id((i.id, user.id))
        .one(conn)
        .await?
        .is_some())
}

/// The same rule as [`can_see`], as a SQL condition for lists and counts.
pub(crate) fn visible_to(user: &CurrentUser) -> Condition {
    if user.role >= Role::Manager {
        return Condition::all();
    }
    Condition::any()
        .add(incident::Column::Restricted.eq(false))
        .add(incident::Column::DeclaredBy.eq(user.id))
        .add(
            incident::Column::Id.in_subquery(
                Query::select()
                    .column(incident_role::Column::IncidentId)
                    .from(incident_role::Entity)
                    .and_where(Expr::col(incident_role::Column::UserId).eq(user.id))
                    .to_owned(),
            ),
        )
        .add(
            incident::Column::Id.in_subquery(
                Query::select()
                    .column(incident_participant::Column::IncidentId)
                    .from(incident_participant::Entity)
                    .and_where(Expr::col(incident_participant::Column::UserId).eq(user.id))
                    .to_owned(),
            ),
        )
}

pub(crate) async fn find_visible(
    conn: &impl ConnectionTrait,
    user: &CurrentUser,
    id: Uuid,
) -> ServiceResult<incident::Model> {
    let row = incident::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(ServiceError::NotFound("incident"))?;
    visible_or_not_found(conn, user, row).await
}

/// Like [`find_visible`], reading the row under a lock for the rest of the transaction
/// (`FOR UPDATE` on PostgreSQL; on SQLite `BEGIN IMMEDIATE` already serialises writers),
/// so of two concurrent changes the second sees the first's result and its rule check
/// refuses it instead of both passing and both writing.
pub(crate) async fn find_visible_locked(
    conn: &impl ConnectionTrait,
    user: &CurrentUser,
    id: Uuid,
) -> ServiceResult<incident::Model> {
    let row = incident::Entity::find_by_id(id)
        .lock_exclusive()
        .one(conn)
        .await?
        .ok_or(ServiceError::NotFound("incident"))?;
    visible_or_not_found(conn, user, row).await
}

async fn visible_or_not_found(
    conn: &impl ConnectionTrait,
    user: &CurrentUser,
    row: incident::Model,
) -> ServiceResult<incident::Model> {
    if can_see(conn, user, &row).await? {
        Ok(row)
    } else {
        // A restricted incident's existence is not revealed.
        Err(ServiceError::NotFound("incident"))
    }
}

/// The channels of those of `ids` that `user` may see: what texts naming another
/// incident are rendered with. One statement.
pub async fn visible_channels(
    conn: &impl ConnectionTrait,
    user: &CurrentUser,
    ids: &[Uuid],
) -> ServiceResult<std::collections::HashMap<Uuid, String>> {
    if ids.is_empty() {
        return Ok(Default::default());
    }
    Ok(incident::Entity::find()
        .select_only()
        .column(incident::Column::Id)
        .column(incident::Column::Channel)
        .filter(incident::Column::Id.is_in(ids.iter().copied()))
        .filter(visible_to(user))
        .into_tuple::<(Uuid, String)>()
        .all(conn)
        .await?
        .into_iter()
        .collect())
}

/// Starts a write on an incident: a responder who can see it, inside a write transaction,
/// the incident's row locked until commit.
async fn begin_change<'a>(
    ctx: Ctx<'a>,
    id: &str,
) -> ServiceResult<(
    &'a CurrentUser,
    sea_orm::DatabaseTransaction,
    incident::Model,
)> {
    let user = ctx.principal.require(Role::Responder)?;
    let id = parse_id(id, "incident")?;
    let txn = ctx.db.begin_write().await?;
    let row = find_visible_locked(&txn, user, id).await?;
    Ok((user, txn, row))
}

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
    format!("{}|{}", i.declared_at.to_rfc3339(), i.id)
}

fn parse_cursor(raw: &str) -> ServiceResult<(DateTime<Utc>, Uuid)> {
    let bad = || {
        ServiceError::invalid(
            Reason::InvalidCursor,
            "`after` is not a cursor from this API",
        )
    };
    let (at, id) = raw.split_once('|').ok_or_else(bad)?;
    let at = DateTime::parse_from_rfc3339(at)
        .map_err(|_| bad())?
        .with_timezone(&Utc);
    let id = Uuid::parse_str(id).map_err(|_| bad())?;
    Ok((at, id))
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
        let (at, id) = parse_cursor(after)?;
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

/// Role assignments of the given incidents, for batch loading.
pub async fn roles_of(db: &Db, ids: &[Uuid]) -> ServiceResult<Vec<incident_role::Model>> {
    Ok(incident_role::Entity::find()
        .filter(incident_role::Column::IncidentId.is_in(ids.iter().copied()))
        .order_by_asc(incident_role::COLUMN.assigned_at)
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

// ---------------------------------------------------------------------------------------
// Declaring

#[derive(Debug, Default)]
pub struct Declare {
    pub title: String,
    pub severity: Option<Severity>,
    pub public_title: Option<String>,
    pub description: Option<String>,
    pub service_id: Option<String>,
    pub team_id: Option<String>,
    pub started_at: Option<DateTime<Utc>>,
    pub detected_at: Option<DateTime<Utc>>,
    pub customer_impact: bool,
    pub restricted: bool,
    pub commander_id: Option<String>,
    pub idempotency_key: Option<String>,
}

/// The validated input, ready to write.
struct Valid {
    title: String,
    severity: Severity,
    public_title: Option<String>,
    description: Option<String>,
    service_id: Option<Uuid>,
    team_id: Option<Uuid>,
    started_at: DateTime<Utc>,
    detected_at: DateTime<Utc>,
    commander_id: Option<Uuid>,
    key: Option<String>,
}

enum Attempt {
    Done(Box<incident::Model>),
    /// A unique key collided with a concurrent declaration: try again.
    Collision,
}

pub async fn declare(ctx: Ctx<'_>, input: Declare) -> ServiceResult<incident::Model> {
    let user = ctx.principal.require(Role::Responder)?;
    let severity = input.severity.ok_or_else(|| {
        ServiceError::invalid(
            Reason::SeverityRequired,
            "choose a severity: there is no default",
        )
    })?;
    let detected_at = instant::check_opt("detectedAt", input.detected_at)?.unwrap_or(ctx.now);
    let started_at = instant::check_opt("startedAt", input.started_at)?.unwrap_or(detected_at);
    rules::check_times(started_at, detected_at, ctx.now, ctx.now)?;
    let valid = Valid {
        title: title(&input.title)?,
        severity,
        public_title: input.public_title.as_deref().map(title).transpose()?,
        description: input
            .description
            .as_deref()
            .map(|d| long_text("description", d))
            .transpose()?
            .filter(|d| !d.is_empty()),
        service_id: input
            .service_id
            .as_deref()
            .map(|s| parse_id(s, "service"))
            .transpose()?,
        team_id: input
            .team_id
            .as_deref()
            .map(|s| parse_id(s, "team"))
            .transpose()?,
        started_at,
        detected_at,
        commander_id: input
            .commander_id
            .as_deref()
            .map(|s| parse_id(s, "user"))
            .transpose()?,
        key: input
            .idempotency_key
            .as_deref()
            .map(|k| text::single_line("idempotencyKey", k, 200))
            .transpose()?,
    };
    for _ in 0..5 {
        match declare_once(ctx, user, &valid, input.customer_impact, input.restricted).await? {
            Attempt::Done(row) => return Ok(*row),
            Attempt::Collision => continue,
        }
    }
    Err(ServiceError::conflict(
        Reason::ConcurrentChange,
        "too many concurrent declarations collided; try again",
    ))
}

async fn declare_once(
    ctx: Ctx<'_>,
    user: &CurrentUser,
    v: &Valid,
    customer_impact: bool,
    restricted: bool,
) -> ServiceResult<Attempt> {
    let now = ctx.now;
    let txn = ctx.db.begin_write().await?;
    if let Some(key) = &v.key
        && let Some(seen) = incident_idempotency::Entity::find_by_id((user.id, key.clone()))
            .one(&txn)
            .await?
    {
        if seen.created_at > now - Duration::hours(IDEMPOTENCY_WINDOW_HOURS) {
            let first = incident::Entity::find_by_id(seen.incident_id)
                .one(&txn)
                .await?
                .ok_or(ServiceError::NotFound("incident"))?;
            txn.commit().await?;
            return Ok(Attempt::Done(Box::new(first)));
        }
        seen.delete(&txn).await?;
    }
    let svc = match v.service_id {
        Some(sid) => Some(catalog::active_service(&txn, sid).await?),
        None => None,
    };
    if let Some(tid) = v.team_id {
        catalog::active_team(&txn, tid).await?;
    }
    let team_id = catalog::check_placement(v.team_id, svc.as_ref())?;
    let commander = match v.commander_id {
        Some(id) => active_user_id(&txn, id).await?,
        None => user.id,
    };

    let channel_name = if restricted {
        channel::restricted_name(now, &random_token())
    } else {
        free_channel(&txn, &channel::base_name(now, &v.title)).await?
    };

    let policy = severity::policy_for(&txn, v.severity).await?;
    let id = Uuid::now_v7();
    let row = incident::ActiveModel {
        id: Set(id),
        title: Set(v.title.clone()),
        title_folded: Set(text::fold(&v.title)),
        public_title: Set(v.public_title.clone()),
        description: Set(v.description.clone()),
        severity: Set(v.severity),
        highest_severity: Set(v.severity),
        status: Set(IncidentStatus::Investigating),
        channel: Set(channel_name.clone()),
        service_id: Set(v.service_id),
        team_id: Set(team_id),
        customer_impact: Set(customer_impact),
        restricted: Set(restricted),
        false_alarm: Set(false),
        duplicate_of: Set(None),
        recurrence_of: Set(None),
        resolution_summary: Set(None),
        declared_by: Set(user.id),
        started_at: Set(v.started_at),
        detected_at: Set(v.detected_at),
        declared_at: Set(now),
        acknowledged_at: Set(None),
        mitigated_at: Set(None),
        resolved_at: Set(None),
        last_update_at: Set(None),
        next_update_due_at: Set(scheduler::domain::severity::next_update_due(&policy, now)),
        updated_at: Set(now),
    };
    let row = match row.insert(&txn).await {
        Ok(r) => r,
        Err(e) if is_unique_violation(&e) => return Ok(Attempt::Collision),
        Err(e) => return Err(e.into()),
    };
    incident_role::ActiveModel {
        incident_id: Set(id),
        role: Set(IncidentRole::Commander),
        user_id: Set(commander),
        assigned_at: Set(now),
    }
    .insert(&txn)
    .await?;
    log(
        &txn,
        id,
        now,
        Some(user.id),
        TimelineKind::Declared,
        format!("Declared {}: {}", v.severity.as_str(), v.title),
        None,
        Some(json!({
            "severity": v.severity,
            "channel": channel_name,
            "commander": commander.to_string(),
            "customerImpact": customer_impact,
            "restricted": restricted,
        })),
    )
    .await?;
    if let Some(key) = &v.key {
        let inserted = incident_idempotency::ActiveModel {
            user_id: Set(user.id),
            key: Set(key.clone()),
            incident_id: Set(id),
            created_at: Set(now),
        }
        .insert(&txn)
        .await;
        match inserted {
            Ok(_) => {}
            Err(e) if is_unique_violation(&e) => return Ok(Attempt::Collision),
            Err(e) => return Err(e.into()),
        }
    }
    txn.commit().await?;
    Ok(Attempt::Done(Box::new(row)))
}

/// The next free channel name for `base`: one atomic upsert of the base's counter (no
/// scan of the incidents, no race: concurrent declarations of one title queue on the
/// counter's row and each gets its own number), then an indexed look-up that skips names
/// taken before counters existed.
async fn free_channel(txn: &impl ConnectionTrait, base: &str) -> ServiceResult<String> {
    let backend = txn.get_database_backend();
    for _ in 0..1000 {
        let upsert = Query::insert()
            .into_table(Alias::new("channel_counters"))
            .columns([Alias::new("base"), Alias::new("last")])
            .values_panic([base.into(), 1.into()])
            .on_conflict(
                OnConflict::column(Alias::new("base"))
                    .value(
                        Alias::new("last"),
                        Expr::col((Alias::new("channel_counters"), Alias::new("last"))).add(1),
                    )
                    .to_owned(),
            )
            .returning_col(Alias::new("last"))
            .to_owned();
        let row = txn
            .query_one_raw(backend.build(&upsert))
            .await?
            .ok_or_else(|| ServiceError::Internal(anyhow::anyhow!("upsert returned no row")))?;
        let n: i32 = row.try_get("", "last")?;
        let name = channel::numbered(base, i64::from(n));
        let taken = incident::Entity::find()
            .select_only()
            .column(incident::Column::Id)
            .filter(incident::COLUMN.channel.eq(name.as_str()))
            .into_tuple::<Uuid>()
            .one(txn)
            .await?
            .is_some();
        if !taken {
            return Ok(name);
        }
    }
    Err(ServiceError::Internal(anyhow::anyhow!(
        "no free channel name for {base}"
    )))
}

/// Eight random lower-case letters and digits: a restricted channel's token.
fn random_token() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyz23456789";
    let mut rng = rand::rng();
    (0..8)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect()
}

// ---------------------------------------------------------------------------------------
// Working an incident

#[derive(Debug, Default)]
pub struct Changes {
    pub title: Option<String>,
    pub public_title: Option<Option<String>>,
    pub description: Option<Option<String>>,
    pub service_id: Option<Option<String>>,
    pub team_id: Option<Option<String>>,
    pub customer_impact: Option<bool>,
    pub started_at: Option<DateTime<Utc>>,
    pub detected_at: Option<DateTime<Utc>>,
}

fn id_json(id: Option<Uuid>) -> Value {
    id.map_or(Value::Null, |i| Value::String(i.to_string()))
}

/// Changes fields; each changed field gets its own timeline entry with before and after.
pub async fn update(ctx: Ctx<'_>, id: &str, c: Changes) -> ServiceResult<incident::Model> {
    let (user, txn, row) = begin_change(ctx, id).await?;
    state(&row).can_change()?;
    let mut am = row.clone().into_active_model();
    let mut changed: Vec<(&str, Value, Value)> = Vec::new();
    if let Some(t) = c.title {
        let t = title(&t)?;
        if t != row.title {
            changed.push(("title", json!(row.title), json!(t)));
            am.title_folded = Set(text::fold(&t));
            am.title = Set(t);
        }
    }
    if let Some(pt) = c.public_title {
        let pt = pt.as_deref().map(title).transpose()?;
        if pt != row.public_title {
            changed.push(("publicTitle", json!(row.public_title), json!(pt)));
            am.public_title = Set(pt);
        }
    }
    if let Some(d) = c.description {
        let d = d
            .as_deref()
            .map(|d| long_text("description", d))
            .transpose()?
            .filter(|d| !d.is_empty());
        if d != row.description {
            changed.push(("description", json!(row.description), json!(d)));
            am.description = Set(d);
        }
    }
    // A newly named service or team must be active; the resulting pair must belong
    // together (a new service without a team moves the incident to the service's team).
    let new_service = match c.service_id.as_ref().map(|s| s.as_deref()) {
        Some(Some(sid)) if Some(parse_id(sid, "service")?) != row.service_id => {
            Some(catalog::active_service(&txn, parse_id(sid, "service")?).await?)
        }
        _ => None,
    };
    let mut team = match &c.team_id {
        Some(t) => t.as_deref().map(|t| parse_id(t, "team")).transpose()?,
        None => row.team_id,
    };
    if let Some(tid) = team
        && Some(tid) != row.team_id
    {
        catalog::active_team(&txn, tid).await?;
    }
    let service = match &c.service_id {
        Some(s) => s.as_deref().map(|s| parse_id(s, "service")).transpose()?,
        None => row.service_id,
    };
    if c.service_id.is_some() || c.team_id.is_some() {
        let svc = match (new_service, service) {
            (Some(n), _) => Some(n),
            (None, Some(sid)) => service::Entity::find_by_id(sid).one(&txn).await?,
            (None, None) => None,
        };
        if c.team_id.is_none() && svc.is_some() && c.service_id.is_some() {
            team = None;
        }
        team = catalog::check_placement(team, svc.as_ref())?;
    }
    if service != row.service_id {
        changed.push(("service", id_json(row.service_id), id_json(service)));
        am.service_id = Set(service);
    }
    if team != row.team_id {
        changed.push(("team", id_json(row.team_id), id_json(team)));
        am.team_id = Set(team);
    }
    if let Some(ci) = c.customer_impact
        && ci != row.customer_impact
    {
        changed.push(("customerImpact", json!(row.customer_impact), json!(ci)));
        am.customer_impact = Set(ci);
    }
    let started = instant::check_opt("startedAt", c.started_at)?.unwrap_or(row.started_at);
    let detected = instant::check_opt("detectedAt", c.detected_at)?.unwrap_or(row.detected_at);
    if started != row.started_at || detected != row.detected_at {
        rules::check_times(started, detected, row.declared_at, ctx.now)?;
        if started != row.started_at {
            changed.push(("startedAt", json!(row.started_at), json!(started)));
            am.started_at = Set(started);
        }
        if detected != row.detected_at {
            changed.push(("detectedAt", json!(row.detected_at), json!(detected)));
            am.detected_at = Set(detected);
        }
    }
    if changed.is_empty() {
        txn.commit().await?;
        return Ok(row);
    }
    am.updated_at = Set(ctx.now);
    let updated = am.update(&txn).await?;
    for (field, before, after) in changed {
        let verb = if field.ends_with("At") {
            "Corrected"
        } else {
            "Changed"
        };
        log(
            &txn,
            row.id,
            ctx.now,
            Some(user.id),
            TimelineKind::FieldChanged,
            format!("{verb} {field}"),
            Some(json!({ field: before })),
            Some(json!({ field: after })),
        )
        .await?;
    }
    txn.commit().await?;
    Ok(updated)
}

pub async fn acknowledge(ctx: Ctx<'_>, id: &str) -> ServiceResult<incident::Model> {
    let (user, txn, row) = begin_change(ctx, id).await?;
    state(&row).acknowledge()?;
    let mut am = row.clone().into_active_model();
    am.acknowledged_at = Set(Some(ctx.now));
    am.updated_at = Set(ctx.now);
    let updated = am.update(&txn).await?;
    log(
        &txn,
        row.id,
        ctx.now,
        Some(user.id),
        TimelineKind::Acknowledged,
        "Acknowledged",
        None,
        None,
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

/// The next update deadline after the last update (or the declaration) under `severity`.
async fn next_due(
    conn: &impl ConnectionTrait,
    row: &incident::Model,
    severity: Severity,
) -> ServiceResult<Option<DateTime<Utc>>> {
    let policy = severity::policy_for(conn, severity).await?;
    let last = row.last_update_at.unwrap_or(row.declared_at);
    Ok(scheduler::domain::severity::next_update_due(&policy, last))
}

pub async fn change_severity(
    ctx: Ctx<'_>,
    id: &str,
    to: Severity,
    reason: &str,
) -> ServiceResult<incident::Model> {
    let reason = required_text("reason", reason)?;
    let (user, txn, row) = begin_change(ctx, id).await?;
    state(&row).change_severity(row.severity, to)?;
    let mut am = row.clone().into_active_model();
    am.severity = Set(to);
    am.highest_severity = Set(rules::highest(row.highest_severity, to));
    am.next_update_due_at = Set(next_due(&txn, &row, to).await?);
    am.updated_at = Set(ctx.now);
    let updated = am.update(&txn).await?;
    let direction = if to.is_worse_than(row.severity) {
        "Upgraded"
    } else {
        "Downgraded"
    };
    log(
        &txn,
        row.id,
        ctx.now,
        Some(user.id),
        TimelineKind::SeverityChange,
        format!("{direction} severity: {reason}"),
        Some(json!({ "severity": row.severity })),
        Some(json!({ "severity": to })),
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

pub async fn assign_role(
    ctx: Ctx<'_>,
    id: &str,
    role: IncidentRole,
    user_id: &str,
    acknowledge_conflict: bool,
) -> ServiceResult<incident::Model> {
    let assignee = parse_id(user_id, "user")?;
    let (user, txn, row) = begin_change(ctx, id).await?;
    state(&row).can_change()?;
    active_user_id(&txn, assignee).await?;
    let current = incident_role::Entity::find()
        .filter(incident_role::COLUMN.incident_id.eq(row.id))
        .all(&txn)
        .await?;
    let previous = current.iter().find(|r| r.role == role).map(|r| r.user_id);
    if previous == Some(assignee) {
        txn.commit().await?;
        return Ok(row);
    }
    let holders: Vec<(IncidentRole, Uuid)> = current.iter().map(|r| (r.role, r.user_id)).collect();
    let conflict = rules::check_role_assignment(role, assignee, &holders, acknowledge_conflict)?;
    match current.into_iter().find(|r| r.role == role) {
        Some(existing) => {
            let mut am = existing.into_active_model();
            am.user_id = Set(assignee);
            am.assigned_at = Set(ctx.now);
            am.update(&txn).await?;
        }
        None => {
            incident_role::ActiveModel {
                incident_id: Set(row.id),
                role: Set(role),
                user_id: Set(assignee),
                assigned_at: Set(ctx.now),
            }
            .insert(&txn)
            .await?;
        }
    }
    let verb = if previous.is_some() {
        "Reassigned"
    } else {
        "Assigned"
    };
    log(
        &txn,
        row.id,
        ctx.now,
        Some(user.id),
        TimelineKind::RoleChange,
        format!("{verb} {}", role.as_str()),
        Some(json!({ "role": role, "user": id_json(previous) })),
        Some(json!({ "role": role, "user": assignee.to_string() })),
    )
    .await?;
    if conflict {
        log(
            &txn,
            row.id,
            ctx.now,
            Some(user.id),
            TimelineKind::RoleConflictAcknowledged,
            "Called out: the Incident Commander is also the Technical Lead",
            None,
            Some(json!({ "user": assignee.to_string() })),
        )
        .await?;
    }
    let mut am = row.clone().into_active_model();
    am.updated_at = Set(ctx.now);
    let updated = am.update(&txn).await?;
    txn.commit().await?;
    Ok(updated)
}

pub async fn post_update(
    ctx: Ctx<'_>,
    id: &str,
    message: &str,
    status: IncidentStatus,
    public: bool,
) -> ServiceResult<(incident::Model, incident_update::Model)> {
    let message = required_text("message", message)?;
    let (user, txn, row) = begin_change(ctx, id).await?;
    state(&row).post_update(status)?;
    if public && (!row.customer_impact || row.restricted) {
        return Err(ServiceError::invalid(
            Reason::PublicUpdateNotAllowed,
            "public updates are for customer-facing, unrestricted incidents",
        ));
    }
    let update = incident_update::ActiveModel {
        id: Set(Uuid::now_v7()),
        incident_id: Set(row.id),
        at: Set(ctx.now),
        author_id: Set(user.id),
        status: Set(status),
        message: Set(message.clone()),
        public: Set(public),
    }
    .insert(&txn)
    .await?;
    let policy = severity::policy_for(&txn, row.severity).await?;
    let mut am = row.clone().into_active_model();
    am.status = Set(status);
    am.last_update_at = Set(Some(ctx.now));
    am.next_update_due_at = Set(scheduler::domain::severity::next_update_due(
        &policy, ctx.now,
    ));
    am.updated_at = Set(ctx.now);
    let updated = am.update(&txn).await?;
    if status != row.status {
        log(
            &txn,
            row.id,
            ctx.now,
            Some(user.id),
            TimelineKind::StatusChange,
            format!("Status {} → {}", row.status.as_str(), status.as_str()),
            Some(json!({ "status": row.status })),
            Some(json!({ "status": status })),
        )
        .await?;
    }
    log(
        &txn,
        row.id,
        ctx.now,
        Some(user.id),
        TimelineKind::UpdatePosted,
        message,
        None,
        Some(json!({ "status": status, "public": public, "update": update.id.to_string() })),
    )
    .await?;
    txn.commit().await?;
    Ok((updated, update))
}

/// The kinds a person logs by hand.
pub fn loggable(kind: TimelineKind) -> bool {
    matches!(
        kind,
        TimelineKind::Decision | TimelineKind::ActionTaken | TimelineKind::Note
    )
}

pub async fn log_event(
    ctx: Ctx<'_>,
    id: &str,
    kind: TimelineKind,
    message: &str,
) -> ServiceResult<incident::Model> {
    if !loggable(kind) {
        return Err(ServiceError::invalid(
            Reason::NotLoggable,
            "only decisions, actions and notes are logged by hand",
        ));
    }
    let message = required_text("message", message)?;
    let (user, txn, row) = begin_change(ctx, id).await?;
    state(&row).can_change()?;
    log(
        &txn,
        row.id,
        ctx.now,
        Some(user.id),
        kind,
        message,
        None,
        None,
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

pub async fn mark_mitigated(ctx: Ctx<'_>, id: &str) -> ServiceResult<incident::Model> {
    let (user, txn, row) = begin_change(ctx, id).await?;
    state(&row).mark_mitigated()?;
    let mut am = row.clone().into_active_model();
    am.mitigated_at = Set(Some(ctx.now));
    am.status = Set(IncidentStatus::Monitoring);
    am.updated_at = Set(ctx.now);
    let updated = am.update(&txn).await?;
    log(
        &txn,
        row.id,
        ctx.now,
        Some(user.id),
        TimelineKind::Mitigated,
        "Mitigated: monitoring for recurrence",
        Some(json!({ "status": row.status })),
        Some(json!({ "status": IncidentStatus::Monitoring })),
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

pub async fn resolve(
    ctx: Ctx<'_>,
    id: &str,
    summary: &str,
    false_alarm: bool,
) -> ServiceResult<incident::Model> {
    let summary = required_text("summary", summary)?;
    let (user, txn, row) = begin_change(ctx, id).await?;
    state(&row).resolve()?;
    let updated = close(
        &txn,
        ctx.now,
        user.id,
        row,
        Some(summary),
        false_alarm,
        None,
    )
    .await?;
    super::postmortems::create_if_required(&txn, &updated, ctx.now).await?;
    txn.commit().await?;
    Ok(updated)
}

/// Resolves: with a summary, or as a duplicate of another incident (whose summary is
/// rendered at read time: see [`references`]).
async fn close(
    txn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    author: Uuid,
    row: incident::Model,
    summary: Option<String>,
    false_alarm: bool,
    duplicate_of: Option<Uuid>,
) -> ServiceResult<incident::Model> {
    let mut am = row.clone().into_active_model();
    am.status = Set(IncidentStatus::Resolved);
    am.resolved_at = Set(Some(now));
    am.resolution_summary = Set(summary.clone());
    am.false_alarm = Set(false_alarm);
    am.next_update_due_at = Set(None);
    if duplicate_of.is_some() {
        am.duplicate_of = Set(duplicate_of);
    }
    am.updated_at = Set(now);
    let updated = am.update(txn).await?;
    let after = json!({ "status": IncidentStatus::Resolved, "falseAlarm": false_alarm });
    match duplicate_of {
        Some(other) => {
            log_reference(
                txn,
                row.id,
                now,
                author,
                TimelineKind::MarkedDuplicate,
                other,
                Some(after),
            )
            .await?
        }
        None => {
            let summary = summary.unwrap_or_default();
            let message = if false_alarm {
                format!("Closed as a false alarm: {summary}")
            } else {
                format!("Resolved: {summary}")
            };
            log(
                txn,
                row.id,
                now,
                Some(author),
                TimelineKind::Resolved,
                message,
                Some(json!({ "status": row.status })),
                Some(after),
            )
            .await?
        }
    }
    Ok(updated)
}

pub async fn reopen(ctx: Ctx<'_>, id: &str, reason: &str) -> ServiceResult<incident::Model> {
    let reason = required_text("reason", reason)?;
    let (user, txn, row) = begin_change(ctx, id).await?;
    state(&row).reopen()?;
    let mut am = row.clone().into_active_model();
    am.status = Set(IncidentStatus::Investigating);
    am.resolved_at = Set(None);
    am.false_alarm = Set(false);
    am.duplicate_of = Set(None);
    am.updated_at = Set(ctx.now);
    // A reopened incident owes an update one cadence from now.
    let policy = severity::policy_for(&txn, row.severity).await?;
    am.next_update_due_at = Set(scheduler::domain::severity::next_update_due(
        &policy, ctx.now,
    ));
    let updated = am.update(&txn).await?;
    log(
        &txn,
        row.id,
        ctx.now,
        Some(user.id),
        TimelineKind::Reopened,
        format!("Reopened: {reason}"),
        Some(json!({ "status": row.status, "resolvedAt": row.resolved_at })),
        Some(json!({ "status": IncidentStatus::Investigating })),
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

pub async fn mark_duplicate(ctx: Ctx<'_>, id: &str, of: &str) -> ServiceResult<incident::Model> {
    let of = parse_id(of, "incident")?;
    let (user, txn, row) = begin_change(ctx, id).await?;
    state(&row).resolve()?;
    // Locked too: the original must not become a duplicate itself meanwhile (a cycle of
    // two concurrent marks deadlocks on PostgreSQL, and the loser gets CONFLICT).
    let original = find_visible_locked(&txn, user, of).await?;
    rules::check_link(row.id, row.declared_at, original.id, original.declared_at)?;
    if original.duplicate_of.is_some() {
        return Err(RuleError::DuplicateOfDuplicate.into());
    }
    let updated = close(&txn, ctx.now, user.id, row, None, false, Some(original.id)).await?;
    txn.commit().await?;
    Ok(updated)
}

/// Links an incident to an earlier one it repeats. Allowed after resolution too: it is
/// learning, not response.
pub async fn link_recurrence(
    ctx: Ctx<'_>,
    id: &str,
    earlier: &str,
) -> ServiceResult<incident::Model> {
    let earlier = parse_id(earlier, "incident")?;
    let (user, txn, row) = begin_change(ctx, id).await?;
    let first = find_visible(&txn, user, earlier).await?;
    rules::check_link(row.id, row.declared_at, first.id, first.declared_at)?;
    let mut am = row.clone().into_active_model();
    am.recurrence_of = Set(Some(first.id));
    am.updated_at = Set(ctx.now);
    let updated = am.update(&txn).await?;
    log_reference(
        &txn,
        row.id,
        ctx.now,
        user.id,
        TimelineKind::RecurrenceLinked,
        first.id,
        None,
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

/// Adds a person to an incident (for restricted incidents: lets them see it).
pub async fn add_participant(
    ctx: Ctx<'_>,
    id: &str,
    user_id: &str,
) -> ServiceResult<incident::Model> {
    let who = parse_id(user_id, "user")?;
    let (user, txn, row) = begin_change(ctx, id).await?;
    active_user_id(&txn, who).await?;
    ensure_participant(&txn, row.id, who, user.id, ctx.now, "Added a participant").await?;
    txn.commit().await?;
    Ok(row)
}

/// Makes `who` a participant of the incident (so they can see it when it is restricted),
/// logged, unless they already are. Race-free: a concurrent insert of the same pair is
/// absorbed by `ON CONFLICT DO NOTHING`.
pub(crate) async fn ensure_participant(
    txn: &impl ConnectionTrait,
    incident_id: Uuid,
    who: Uuid,
    actor: Uuid,
    now: DateTime<Utc>,
    why: &str,
) -> ServiceResult<()> {
    let inserted = incident_participant::Entity::insert(incident_participant::ActiveModel {
        incident_id: Set(incident_id),
        user_id: Set(who),
        added_at: Set(now),
    })
    .on_conflict(
        OnConflict::columns([
            incident_participant::Column::IncidentId,
            incident_participant::Column::UserId,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec(txn)
    .await;
    match inserted {
        Ok(_) => {
            log(
                txn,
                incident_id,
                now,
                Some(actor),
                TimelineKind::ParticipantAdded,
                why,
                None,
                Some(json!({ "user": who.to_string() })),
            )
            .await
        }
        Err(DbErr::RecordNotInserted) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------------------------------
// The public status page

/// Resolved incidents stay on the status page this long.
pub const STATUS_PAGE_RECENT_DAYS: i64 = 7;

/// Customer-facing, unrestricted incidents that are open or were resolved recently, with
/// their public updates only. False alarms and duplicates are left out.
pub async fn status_page(
    db: &Db,
    now: DateTime<Utc>,
) -> ServiceResult<Vec<(incident::Model, Vec<incident_update::Model>)>> {
    let incidents = incident::Entity::find()
        .filter(incident::COLUMN.customer_impact.eq(true))
        .filter(incident::COLUMN.restricted.eq(false))
        .filter(incident::COLUMN.false_alarm.eq(false))
        .filter(incident::Column::DuplicateOf.is_null())
        .filter(
            Condition::any()
                .add(incident::Column::ResolvedAt.is_null())
                .add(
                    incident::Column::ResolvedAt.gt(now - Duration::days(STATUS_PAGE_RECENT_DAYS)),
                ),
        )
        .order_by_desc(incident::COLUMN.declared_at)
        .limit(50)
        .all(db.conn())
        .await?;
    let ids: Vec<Uuid> = incidents.iter().map(|i| i.id).collect();
    let updates = incident_update::Entity::find()
        .filter(incident_update::Column::IncidentId.is_in(ids))
        .filter(incident_update::COLUMN.public.eq(true))
        .order_by_desc(incident_update::COLUMN.at)
        .all(db.conn())
        .await?;
    Ok(incidents
        .into_iter()
        .map(|i| {
            let mine = updates
                .iter()
                .filter(|u| u.incident_id == i.id)
                .cloned()
                .collect();
            (i, mine)
        })
        .collect())
}
