//! Postmortems: created on resolution of SEV1/SEV2 incidents (or on request), written
//! blamelessly, reviewed, published. Every change names the version it was made against;
//! a stale version is refused with CONFLICT, never silently overwritten.

use super::visibility::{find_visible, find_visible_locked, visible_names};
use super::{Ctx, ServiceError, ServiceResult, parse_id};
use crate::auth::CurrentUser;
use crate::db::Db;
use chrono::{DateTime, Duration, Utc};
use entity::{
    IncidentStatus, PostmortemStatus, Role, Visibility, action_item, incident, incident_event,
    organization, postmortem, postmortem_timeline_entry,
};
use scheduler::domain::postmortem::{self as rules, Edit, Line};
use scheduler::domain::reason::Reason;
use scheduler::domain::{deadlines, instant, references, text};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction,
    EntityTrait, ExprTrait, IntoActiveModel, QueryFilter, QueryOrder,
};
use uuid::Uuid;

const FIELD_MAX: usize = 20_000;

/// Creates the postmortem of a just-resolved incident when the policy of its highest
/// severity requires one (by default SEV1 and SEV2), unless it was a false alarm or a
/// duplicate. A re-resolved
/// incident keeps its postmortem and deadline.
pub async fn create_if_required(
    txn: &DatabaseTransaction,
    i: &incident::Model,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let policy = super::severity::policy_for(txn, i.highest_severity).await?;
    if !deadlines::postmortem_required(
        policy.postmortem_required,
        i.false_alarm,
        i.duplicate_of.is_some(),
    ) {
        return Ok(());
    }
    ensure(txn, i, now).await.map(|_| ())
}

async fn existing(
    conn: &impl ConnectionTrait,
    incident_id: Uuid,
) -> ServiceResult<Option<postmortem::Model>> {
    Ok(postmortem::Entity::find()
        .filter(postmortem::COLUMN.incident_id.eq(incident_id))
        .one(conn)
        .await?)
}

async fn ensure(
    txn: &DatabaseTransaction,
    i: &incident::Model,
    now: DateTime<Utc>,
) -> ServiceResult<postmortem::Model> {
    if let Some(pm) = existing(txn, i.id).await? {
        return Ok(pm);
    }
    let hours = organization::Entity::find_by_id(1)
        .one(txn)
        .await?
        .map_or(deadlines::DEFAULT_POSTMORTEM_HOURS, |o| {
            i64::from(o.postmortem_due_hours)
        });
    let resolved = i.resolved_at.unwrap_or(now);
    let pm = postmortem::ActiveModel {
        id: Set(Uuid::now_v7()),
        incident_id: Set(i.id),
        status: Set(PostmortemStatus::Draft),
        visibility: Set(Visibility::Internal),
        summary: Set(String::new()),
        users_affected: Set(String::new()),
        business_impact: Set(String::new()),
        root_cause: Set(String::new()),
        contributing_factors: Set(String::new()),
        went_well: Set(String::new()),
        went_poorly: Set(String::new()),
        remediation: Set(String::new()),
        public_summary: Set(String::new()),
        public_impact: Set(String::new()),
        public_root_cause: Set(String::new()),
        public_remediation: Set(String::new()),
        due_at: Set(deadlines::postmortem_due(resolved, hours)),
        submitted_at: Set(None),
        submitted_by: Set(None),
        published_at: Set(None),
        published_by: Set(None),
        loop_closed_at: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(txn)
    .await?;
    // Work tracked during the incident joins its postmortem. The caller holds the
    // incident's lock, which every action-item change takes first.
    action_item::Entity::update_many()
        .col_expr(action_item::Column::PostmortemId, Expr::value(pm.id))
        .filter(action_item::COLUMN.incident_id.eq(i.id))
        .filter(action_item::Column::PostmortemId.is_null())
        .exec(txn)
        .await?;
    refresh_loop(txn, pm.id, now).await?;
    postmortem::Entity::find_by_id(pm.id)
        .one(txn)
        .await?
        .ok_or(ServiceError::NotFound("postmortem"))
}

/// Starts a postmortem for any resolved incident (SEV3/SEV4 ones are optional).
pub async fn start(ctx: Ctx<'_>, incident_id: &str) -> ServiceResult<postmortem::Model> {
    let user = ctx.principal.require(Role::Responder)?;
    let id = parse_id(incident_id, "incident")?;
    let txn = ctx.db.begin_write().await?;
    // Under the incident's lock: two concurrent starts queue, the second finds the first.
    let i = find_visible_locked(&txn, user, id).await?;
    if i.status != IncidentStatus::Resolved {
        return Err(ServiceError::invalid(
            Reason::PostmortemNeedsResolution,
            "postmortems start once the incident is resolved",
        ));
    }
    if existing(&txn, i.id).await?.is_some() {
        return Err(ServiceError::conflict(
            Reason::PostmortemExists,
            "this incident already has a postmortem",
        ));
    }
    let pm = ensure(&txn, &i, ctx.now).await?;
    txn.commit().await?;
    Ok(pm)
}

/// The postmortem and its incident, if the caller may see the incident.
async fn find(
    conn: &impl ConnectionTrait,
    user: &CurrentUser,
    id: Uuid,
) -> ServiceResult<(postmortem::Model, incident::Model)> {
    let pm = postmortem::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(ServiceError::NotFound("postmortem"))?;
    let i = find_visible(conn, user, pm.incident_id)
        .await
        .map_err(|_| ServiceError::NotFound("postmortem"))?;
    Ok((pm, i))
}

pub async fn get(ctx: Ctx<'_>, id: &str) -> ServiceResult<postmortem::Model> {
    let user = ctx.principal.require(Role::Viewer)?;
    Ok(find(ctx.db.conn(), user, parse_id(id, "postmortem")?)
        .await?
        .0)
}

/// Postmortems of the given incidents, for batch loading (visibility is the incident's,
/// checked where the incident was loaded).
pub async fn of_incidents(db: &Db, ids: &[Uuid]) -> ServiceResult<Vec<postmortem::Model>> {
    Ok(postmortem::Entity::find()
        .filter(postmortem::Column::IncidentId.is_in(ids.iter().copied()))
        .all(db.conn())
        .await?)
}

/// Postmortems by id, for batch loading (reached from objects the caller could see).
pub async fn by_ids(db: &Db, ids: &[Uuid]) -> ServiceResult<Vec<postmortem::Model>> {
    Ok(postmortem::Entity::find()
        .filter(postmortem::Column::Id.is_in(ids.iter().copied()))
        .all(db.conn())
        .await?)
}

/// Moves the version on, refusing a stale `expected` (race-free: one conditional UPDATE).
async fn bump(
    txn: &DatabaseTransaction,
    id: Uuid,
    expected: i32,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let res = postmortem::Entity::update_many()
        .col_expr(
            postmortem::Column::Version,
            Expr::col(postmortem::Column::Version).add(1),
        )
        .col_expr(postmortem::Column::UpdatedAt, Expr::value(now))
        .filter(postmortem::COLUMN.id.eq(id))
        .filter(postmortem::COLUMN.version.eq(expected))
        .exec(txn)
        .await?;
    if res.rows_affected == 0 {
        return Err(ServiceError::conflict(
            Reason::StaleVersion,
            format!(
                "the postmortem changed since version {expected}: reload it and apply your change again"
            ),
        ));
    }
    Ok(())
}

/// Starts a versioned change: responder, visible, version current, not yet published
/// (a published postmortem is final, its timeline and visibility included).
async fn begin_change<'a>(
    ctx: Ctx<'a>,
    id: &str,
    expected: i32,
) -> ServiceResult<(
    &'a CurrentUser,
    crate::db::WriteTxn,
    postmortem::Model,
    incident::Model,
)> {
    let user = ctx.principal.require(Role::Responder)?;
    let id = parse_id(id, "postmortem")?;
    let txn = ctx.db.begin_write().await?;
    find(&txn, user, id).await?;
    bump(&txn, id, expected, ctx.now).await?;
    let (pm, i) = find(&txn, user, id).await?;
    if pm.status == PostmortemStatus::Published {
        return Err(ServiceError::conflict(
            Reason::PostmortemPublished,
            "a published postmortem is final",
        ));
    }
    Ok((user, txn, pm, i))
}

#[derive(Debug, Default)]
pub struct Fields {
    pub summary: Option<String>,
    pub users_affected: Option<String>,
    pub business_impact: Option<String>,
    pub root_cause: Option<String>,
    pub contributing_factors: Option<String>,
    pub went_well: Option<String>,
    pub went_poorly: Option<String>,
    pub remediation: Option<String>,
    pub public_summary: Option<String>,
    pub public_impact: Option<String>,
    pub public_root_cause: Option<String>,
    pub public_remediation: Option<String>,
}

fn field(name: &'static str, v: Option<String>) -> ServiceResult<Option<String>> {
    v.map(|v| text::multi_line(name, &v, FIELD_MAX).map_err(Into::into))
        .transpose()
}

pub async fn update(
    ctx: Ctx<'_>,
    id: &str,
    expected: i32,
    f: Fields,
) -> ServiceResult<postmortem::Model> {
    let summary = field("summary", f.summary)?;
    let users_affected = field("usersAffected", f.users_affected)?;
    let business_impact = field("businessImpact", f.business_impact)?;
    let root_cause = field("rootCause", f.root_cause)?;
    let contributing = field("contributingFactors", f.contributing_factors)?;
    let went_well = field("wentWell", f.went_well)?;
    let went_poorly = field("wentPoorly", f.went_poorly)?;
    let remediation = field("remediation", f.remediation)?;
    let public_summary = field("publicSummary", f.public_summary)?;
    let public_impact = field("publicImpact", f.public_impact)?;
    let public_root_cause = field("publicRootCause", f.public_root_cause)?;
    let public_remediation = field("publicRemediation", f.public_remediation)?;
    let (_, txn, pm, _) = begin_change(ctx, id, expected).await?;
    let mut am = pm.into_active_model();
    let set = |slot: &mut sea_orm::ActiveValue<String>, v: Option<String>| {
        if let Some(v) = v {
            *slot = Set(v);
        }
    };
    set(&mut am.summary, summary);
    set(&mut am.users_affected, users_affected);
    set(&mut am.business_impact, business_impact);
    set(&mut am.root_cause, root_cause);
    set(&mut am.contributing_factors, contributing);
    set(&mut am.went_well, went_well);
    set(&mut am.went_poorly, went_poorly);
    set(&mut am.remediation, remediation);
    set(&mut am.public_summary, public_summary);
    set(&mut am.public_impact, public_impact);
    set(&mut am.public_root_cause, public_root_cause);
    set(&mut am.public_remediation, public_remediation);
    let updated = am.update(&txn).await?;
    txn.commit().await?;
    Ok(updated)
}

/// DRAFT → IN_REVIEW → PUBLISHED (or back from review to draft), with who and when.
pub async fn set_status(
    ctx: Ctx<'_>,
    id: &str,
    expected: i32,
    to: PostmortemStatus,
) -> ServiceResult<postmortem::Model> {
    let (user, txn, pm, _) = begin_change(ctx, id, expected).await?;
    rules::advance(pm.status, to)
        .map_err(|m| ServiceError::conflict(Reason::PostmortemTransition, m))?;
    if to == PostmortemStatus::Published {
        if pm.summary.trim().is_empty() {
            return Err(ServiceError::invalid(
                Reason::SummaryRequired,
                "write a summary before publishing",
            ));
        }
        if pm.visibility == Visibility::Public {
            public_summary_written(&pm)?;
        }
        let self_publication = organization::Entity::find_by_id(1)
            .one(&txn)
            .await?
            .is_some_and(|o| o.allow_self_publication);
        if pm.submitted_by == Some(user.id) && !self_publication {
            return Err(ServiceError::forbidden(
                Reason::SelfPublication,
                "someone other than the person who submitted it for review publishes a \
                 postmortem (an admin can allow self-publication in the organization settings)",
            ));
        }
        // Checked again at publication: whoever made it public, publishing a public
        // postmortem takes a manager or an admin.
        if pm.visibility == Visibility::Public && user.role < Role::Manager {
            return Err(public_needs_manager());
        }
    }
    let mut am = pm.into_active_model();
    am.status = Set(to);
    match to {
        PostmortemStatus::InReview => {
            am.submitted_at = Set(Some(ctx.now));
            am.submitted_by = Set(Some(user.id));
        }
        PostmortemStatus::Published => {
            am.published_at = Set(Some(ctx.now));
            am.published_by = Set(Some(user.id));
        }
        PostmortemStatus::Draft => {}
    }
    let updated = am.update(&txn).await?;
    if to == PostmortemStatus::Published {
        crate::services::events::postmortem_published(&txn, &updated, ctx.now).await?;
    }
    txn.commit().await?;
    Ok(updated)
}

/// A public postmortem speaks with its own public text: never the internal one.
fn public_summary_written(pm: &postmortem::Model) -> ServiceResult<()> {
    if pm.public_summary.trim().is_empty() {
        return Err(ServiceError::invalid(
            Reason::PublicSummaryRequired,
            "write the public summary (publicSummary) before making the postmortem public",
        ));
    }
    Ok(())
}

fn public_needs_manager() -> ServiceError {
    ServiceError::forbidden(
        Reason::PublicNeedsManager,
        "making a postmortem public takes a manager or an admin",
    )
}

/// PUBLIC needs a manager or an admin (a public text speaks for the company); restricted
/// incidents' postmortems never go public. Checked again at publication.
pub async fn set_visibility(
    ctx: Ctx<'_>,
    id: &str,
    expected: i32,
    to: Visibility,
) -> ServiceResult<postmortem::Model> {
    let (user, txn, pm, i) = begin_change(ctx, id, expected).await?;
    if to == Visibility::Public {
        if i.restricted {
            return Err(ServiceError::invalid(
                Reason::RestrictedStaysInternal,
                "a restricted incident's postmortem stays internal",
            ));
        }
        if user.role < Role::Manager {
            return Err(public_needs_manager());
        }
        public_summary_written(&pm)?;
    }
    let mut am = pm.into_active_model();
    am.visibility = Set(to);
    let updated = am.update(&txn).await?;
    txn.commit().await?;
    Ok(updated)
}

/// The incident log with this postmortem's edits applied; entries naming another incident
/// are rendered for `user` (see `scheduler::domain::references`).
pub async fn timeline(ctx: Ctx<'_>, pm: &postmortem::Model) -> ServiceResult<Vec<Line>> {
    let user = ctx.principal.require(Role::Viewer)?;
    let db = ctx.db;
    let (events, edits) = tokio::try_join!(
        incident_event::Entity::find()
            .filter(incident_event::COLUMN.incident_id.eq(pm.incident_id))
            .order_by_asc(incident_event::COLUMN.at)
            .order_by_asc(incident_event::COLUMN.id)
            .all(db.conn()),
        postmortem_timeline_entry::Entity::find()
            .filter(postmortem_timeline_entry::COLUMN.postmortem_id.eq(pm.id))
            .all(db.conn()),
    )?;
    let refs: Vec<Uuid> = events.iter().filter_map(|e| e.ref_incident_id).collect();
    let channels = visible_names(db.conn(), user, &refs).await?;
    let log: Vec<(Uuid, DateTime<Utc>, String)> = events
        .into_iter()
        .map(|e| {
            let other = e.ref_incident_id.and_then(|r| channels.get(&r));
            let text = references::timeline_text(e.kind, &e.message, other.map(String::as_str));
            (e.id, e.at, text)
        })
        .collect();
    let edits: Vec<Edit> = edits
        .into_iter()
        .map(|e| Edit {
            id: e.id,
            source: e.source_event_id,
            at: e.at,
            text: e.text,
            hidden: e.hidden,
        })
        .collect();
    Ok(rules::merge_timeline(&log, &edits))
}

pub async fn add_timeline_entry(
    ctx: Ctx<'_>,
    id: &str,
    expected: i32,
    at: DateTime<Utc>,
    line: &str,
) -> ServiceResult<postmortem::Model> {
    let line = text::single_line("text", line, 2000)?;
    let (user, txn, pm, i) = begin_change(ctx, id, expected).await?;
    check_at(&i, at, ctx.now)?;
    postmortem_timeline_entry::ActiveModel {
        id: Set(Uuid::now_v7()),
        postmortem_id: Set(pm.id),
        source_event_id: Set(None),
        at: Set(at),
        text: Set(line),
        hidden: Set(false),
        edited_by: Set(user.id),
        edited_at: Set(ctx.now),
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok(pm)
}

fn check_at(i: &incident::Model, at: DateTime<Utc>, now: DateTime<Utc>) -> ServiceResult<()> {
    instant::check("at", at)?;
    // Entries may reach back a week before impact began (the deploy that caused it).
    if at > now || at < i.started_at - Duration::days(7) {
        return Err(ServiceError::invalid(
            Reason::TimelineEntryOutOfRange,
            "a timeline entry lies between a week before the incident started and now",
        ));
    }
    Ok(())
}

/// Corrects or hides a line: `entry` is the id of an incident log entry or of an added
/// line. The incident log itself is never changed.
pub async fn edit_timeline_entry(
    ctx: Ctx<'_>,
    id: &str,
    expected: i32,
    entry: &str,
    new_text: Option<String>,
    at: Option<DateTime<Utc>>,
    hidden: Option<bool>,
) -> ServiceResult<postmortem::Model> {
    let entry = parse_id(entry, "timeline entry")?;
    let new_text = new_text
        .as_deref()
        .map(|t| text::single_line("text", t, 2000))
        .transpose()?;
    let (user, txn, pm, i) = begin_change(ctx, id, expected).await?;
    if let Some(at) = at {
        check_at(&i, at, ctx.now)?;
    }
    let edit = postmortem_timeline_entry::Entity::find()
        .filter(postmortem_timeline_entry::COLUMN.postmortem_id.eq(pm.id))
        .filter(
            sea_orm::Condition::any()
                .add(postmortem_timeline_entry::Column::Id.eq(entry))
                .add(postmortem_timeline_entry::Column::SourceEventId.eq(entry)),
        )
        .one(&txn)
        .await?;
    match edit {
        Some(e) => {
            let mut am = e.into_active_model();
            if let Some(t) = new_text {
                am.text = Set(t);
            }
            if let Some(at) = at {
                am.at = Set(at);
            }
            if let Some(h) = hidden {
                am.hidden = Set(h);
            }
            am.edited_by = Set(user.id);
            am.edited_at = Set(ctx.now);
            am.update(&txn).await?;
        }
        None => {
            let event = incident_event::Entity::find_by_id(entry)
                .one(&txn)
                .await?
                .filter(|e| e.incident_id == i.id)
                .ok_or(ServiceError::NotFound("timeline entry"))?;
            postmortem_timeline_entry::ActiveModel {
                id: Set(Uuid::now_v7()),
                postmortem_id: Set(pm.id),
                source_event_id: Set(Some(event.id)),
                at: Set(at.unwrap_or(event.at)),
                text: Set(new_text.unwrap_or(event.message)),
                hidden: Set(hidden.unwrap_or(false)),
                edited_by: Set(user.id),
                edited_at: Set(ctx.now),
            }
            .insert(&txn)
            .await?;
        }
    }
    txn.commit().await?;
    Ok(pm)
}

/// Records (or un-records) that every action item is closed.
pub async fn refresh_loop(
    txn: &DatabaseTransaction,
    postmortem_id: Uuid,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let statuses: Vec<entity::ActionItemStatus> = action_item::Entity::find()
        .filter(action_item::COLUMN.postmortem_id.eq(postmortem_id))
        .all(txn)
        .await?
        .into_iter()
        .map(|a| a.status)
        .collect();
    let closed = rules::loop_closed(&statuses);
    let pm = postmortem::Entity::find_by_id(postmortem_id)
        .one(txn)
        .await?
        .ok_or(ServiceError::NotFound("postmortem"))?;
    let next = match (closed, pm.loop_closed_at) {
        (true, None) => Some(Some(now)),
        (false, Some(_)) => Some(None),
        _ => None,
    };
    if let Some(value) = next {
        let mut am = pm.into_active_model();
        am.loop_closed_at = Set(value);
        am.update(txn).await?;
    }
    Ok(())
}

/// What the library of postmortems is filtered by.
#[derive(Debug, Default)]
pub struct ListFilter {
    pub statuses: Vec<PostmortemStatus>,
    pub team_id: Option<String>,
    pub service_id: Option<String>,
    /// The incident's highest severity.
    pub severities: Vec<entity::Severity>,
    /// The incident started at or after.
    pub from: Option<DateTime<Utc>>,
    /// The incident started before.
    pub to: Option<DateTime<Utc>>,
    /// Text in the incident's title (case-insensitive, folded like incident search).
    pub text: Option<String>,
}

/// Postmortems of incidents the caller may see, newest first (by creation), filtered.
pub async fn list(
    ctx: Ctx<'_>,
    f: &ListFilter,
    page: &crate::services::pagination::PageRequest,
) -> ServiceResult<crate::services::pagination::Page<postmortem::Model>> {
    use sea_orm::sea_query::LikeExpr;
    use sea_orm::{Condition, QuerySelect};
    let user = ctx.principal.require(Role::Viewer)?;
    let from = instant::check_opt("from", f.from)?;
    let to = instant::check_opt("to", f.to)?;
    let search = f.text.as_deref().map(text::search).transpose()?.flatten();
    let mut incidents = Condition::all().add(super::visibility::visible_to(user));
    if let Some(team) = &f.team_id {
        incidents = incidents.add(incident::Column::TeamId.eq(parse_id(team, "team")?));
    }
    if let Some(svc) = &f.service_id {
        incidents = incidents.add(incident::Column::ServiceId.eq(parse_id(svc, "service")?));
    }
    if !f.severities.is_empty() {
        incidents =
            incidents.add(incident::Column::HighestSeverity.is_in(f.severities.iter().copied()));
    }
    if let Some(from) = from {
        incidents = incidents.add(incident::Column::StartedAt.gte(from));
    }
    if let Some(to) = to {
        incidents = incidents.add(incident::Column::StartedAt.lt(to));
    }
    if let Some(folded) = search {
        let escaped = folded
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        incidents = incidents.add(
            Expr::col(incident::Column::TitleFolded)
                .like(LikeExpr::new(format!("%{escaped}%")).escape('\\')),
        );
    }
    let mut q = postmortem::Entity::find()
        .filter(
            postmortem::Column::Id
                .in_subquery(super::visibility::postmortems_of_incidents_where(incidents)),
        )
        .order_by_desc(postmortem::COLUMN.id)
        .limit(page.fetch_limit());
    if !f.statuses.is_empty() {
        q = q.filter(postmortem::Column::Status.is_in(f.statuses.iter().copied()));
    }
    if let Some(after) = &page.after {
        q = q.filter(
            postmortem::COLUMN
                .id
                .lt(crate::services::pagination::cursor_id(after)?),
        );
    }
    let rows = q.all(ctx.db.conn()).await?;
    Ok(crate::services::pagination::Page::from_overfetch(
        rows, page,
    ))
}
