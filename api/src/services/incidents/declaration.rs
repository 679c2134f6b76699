//! Declaring an incident: a title and a severity are enough; channel names come from a
//! counter per base name, never from a scan.

use crate::auth::CurrentUser;
use crate::services::users::active_user_id;
use crate::services::{Ctx, ServiceError, ServiceResult, catalog, parse_id, severity};
use chrono::{DateTime, Duration, Utc};
use entity::{
    DetectionSource, IncidentRole, IncidentStatus, Role, Severity, TimelineKind, incident,
    incident_idempotency, incident_role,
};
use scheduler::domain::incident::{self as rules};
use scheduler::domain::reason::Reason;
use scheduler::domain::{channel, instant, text};
use sea_orm::sea_query::{Alias, Expr, OnConflict, Query};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ConnectionTrait, EntityTrait, ExprTrait, ModelTrait,
    QueryFilter, QuerySelect,
};
use serde_json::json;
use uuid::Uuid;

use super::*;

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
    /// How it came to light; UNKNOWN when not said.
    pub detection_source: DetectionSource,
    /// The alert it is declared from: linked to it, and its people are not paged again.
    pub from_alert: Option<Uuid>,
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
    start_known: bool,
    detected_at: DateTime<Utc>,
    commander_id: Option<Uuid>,
    key: Option<String>,
    detection_source: DetectionSource,
    from_alert: Option<Uuid>,
}

enum Attempt {
    /// Declared, under the channel name it was given.
    Declared(Box<incident::Model>),
    /// The caller's idempotency key names an earlier incident: that one.
    Replayed(Box<incident::Model>),
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
        start_known: input.started_at.is_some(),
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
        detection_source: input.detection_source,
        from_alert: input.from_alert,
    };
    for _ in 0..5 {
        if let Some(first) = replayed(ctx, user, &valid).await? {
            return Ok(first);
        }
        // The channel's number is taken in a statement of its own, before the declaration's
        // transaction: the counter's row is locked for that statement only, so declarations
        // of one title do not queue behind each other's whole transaction (paging included).
        let channel = if channel::opens_channel(valid.severity) {
            Some(reserve_channel(ctx, input.restricted, &valid.title).await?)
        } else {
            None
        };
        let name = channel.as_ref().map(|c| c.name.as_str());
        let attempt = declare_once(
            ctx,
            user,
            &valid,
            name,
            input.customer_impact,
            input.restricted,
        )
        .await;
        if !matches!(attempt, Ok(Attempt::Declared(_)))
            && let Some(c) = channel
        {
            give_back(ctx, c).await;
        }
        match attempt? {
            Attempt::Declared(row) | Attempt::Replayed(row) => return Ok(*row),
            Attempt::Collision => continue,
        }
    }
    Err(ServiceError::conflict(
        Reason::ConcurrentChange,
        "too many concurrent declarations collided; try again",
    ))
}

/// The incident the caller's idempotency key names, if it is recent: read before a
/// channel number is taken, so a replay uses none up. (The declaration's transaction looks
/// again, for a replay that raced this one.)
async fn replayed(
    ctx: Ctx<'_>,
    user: &CurrentUser,
    v: &Valid,
) -> ServiceResult<Option<incident::Model>> {
    let Some(key) = &v.key else {
        return Ok(None);
    };
    let conn = ctx.db.conn();
    match incident_idempotency::Entity::find_by_id((user.id, key.clone()))
        .one(conn)
        .await?
    {
        Some(seen) if within_window(&seen, ctx.now) => {
            Ok(incident::Entity::find_by_id(seen.incident_id)
                .one(conn)
                .await?)
        }
        _ => Ok(None),
    }
}

/// Whether an idempotency key still names its incident: for a day after it was first used.
fn within_window(seen: &incident_idempotency::Model, now: DateTime<Utc>) -> bool {
    seen.created_at > now - Duration::hours(IDEMPOTENCY_WINDOW_HOURS)
}

async fn declare_once(
    ctx: Ctx<'_>,
    user: &CurrentUser,
    v: &Valid,
    channel_name: Option<&str>,
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
        if within_window(&seen, now) {
            let first = incident::Entity::find_by_id(seen.incident_id)
                .one(&txn)
                .await?
                .ok_or(ServiceError::NotFound("incident"))?;
            txn.commit().await?;
            return Ok(Attempt::Replayed(Box::new(first)));
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
        channel: Set(channel_name.map(str::to_owned)),
        service_id: Set(v.service_id),
        team_id: Set(team_id),
        customer_impact: Set(customer_impact),
        detection_source: Set(v.detection_source),
        restricted: Set(restricted),
        false_alarm: Set(false),
        duplicate_of: Set(None),
        recurrence_of: Set(None),
        resolution_summary: Set(None),
        declared_by: Set(user.id),
        started_at: Set(v.started_at),
        start_known: Set(v.start_known),
        detected_at: Set(v.detected_at),
        declared_at: Set(now),
        acknowledged_at: Set(None),
        mitigated_at: Set(None),
        resolved_at: Set(None),
        last_update_at: Set(None),
        last_public_update_at: Set(None),
        eta: Set(None),
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
    // Declared before it pages: subscribers see the incident before its alert.
    crate::services::events::incident(&txn, "incident.declared", &row, json!({}), now).await?;
    match v.from_alert {
        Some(alert) => {
            crate::services::paging::hooks::adopted(&txn, &row, &policy, alert, user.id, now)
                .await?
        }
        None => crate::services::paging::hooks::declared(&txn, &row, &policy, user.id, now).await?,
    }
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
    Ok(Attempt::Declared(Box::new(row)))
}

/// A new incident channel's name: for a restricted incident the date and a random token,
/// otherwise the date and the title's slug, numbered past the names already taken.
pub(super) async fn new_channel(
    txn: &impl ConnectionTrait,
    restricted: bool,
    title: &str,
    now: DateTime<Utc>,
) -> ServiceResult<String> {
    Ok(channel_name(txn, restricted, title, now).await?.name)
}

/// A channel name and, when it was numbered, the counter's base and number.
struct Channel {
    name: String,
    numbered: Option<(String, i32)>,
}

async fn channel_name(
    conn: &impl ConnectionTrait,
    restricted: bool,
    title: &str,
    now: DateTime<Utc>,
) -> ServiceResult<Channel> {
    if restricted {
        Ok(Channel {
            name: channel::restricted_name(now, &random_token()),
            numbered: None,
        })
    } else {
        free_channel(conn, &channel::base_name(now, title)).await
    }
}

/// Takes a channel name for a declaration, committed at once. The counter's upsert is one
/// atomic statement: on PostgreSQL it runs on its own (no transaction round trips); on
/// SQLite it takes its turn in the writer queue like every write.
async fn reserve_channel(ctx: Ctx<'_>, restricted: bool, title: &str) -> ServiceResult<Channel> {
    if restricted || ctx.db.backend() != sea_orm::DatabaseBackend::Sqlite {
        return channel_name(ctx.db.conn(), restricted, title, ctx.now).await;
    }
    let txn = ctx.db.begin_write().await?;
    let taken = channel_name(&txn, restricted, title, ctx.now).await?;
    txn.commit().await?;
    Ok(taken)
}

/// Gives back the number of a channel a declaration did not use (it was refused, collided
/// or turned out a replay), unless a later number has been taken since: so a refused or
/// repeated declaration does not make the next incident of its title skip a number. Best
/// effort: if this fails, the number is skipped, and names stay unique either way.
async fn give_back(ctx: Ctx<'_>, c: Channel) {
    let Some((base, n)) = c.numbered else {
        return;
    };
    let res = async {
        let update = Query::update()
            .table(Alias::new("channel_counters"))
            .value(Alias::new("last"), Expr::col(Alias::new("last")).sub(1))
            .and_where(Expr::col(Alias::new("base")).eq(base.as_str()))
            .and_where(Expr::col(Alias::new("last")).eq(n))
            .to_owned();
        if ctx.db.backend() == sea_orm::DatabaseBackend::Sqlite {
            let txn = ctx.db.begin_write().await?;
            txn.execute(&update).await?;
            txn.commit().await
        } else {
            ctx.db.conn().execute(&update).await.map(|_| ())
        }
    }
    .await;
    if let Err(e) = res {
        tracing::warn!(error = %e, "could not give back channel number {n} of {base}");
    }
}

/// The next free channel name for `base`: one atomic upsert of the base's counter (no
/// scan of the incidents, no race: concurrent declarations of one title queue on the
/// counter's row and each gets its own number), then an indexed look-up that skips names
/// taken before counters existed.
async fn free_channel(txn: &impl ConnectionTrait, base: &str) -> ServiceResult<Channel> {
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
            return Ok(Channel {
                name,
                numbered: Some((base.to_owned(), n)),
            });
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

/// What a declaration deserves to be told without being refused (see
/// `scheduler::domain::severity::declaration_warnings`): message per warning.
pub async fn declaration_warnings(
    ctx: Ctx<'_>,
    row: &incident::Model,
) -> ServiceResult<Vec<(scheduler::domain::severity::DeclarationWarning, String)>> {
    ctx.principal.require(Role::Responder)?;
    let policy = severity::policy_for(ctx.db.conn(), row.severity).await?;
    Ok(
        scheduler::domain::severity::declaration_warnings(&policy, row.customer_impact)
            .into_iter()
            .map(|w| (w, w.message(row.severity)))
            .collect(),
    )
}
