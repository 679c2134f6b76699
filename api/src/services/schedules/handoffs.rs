//! Handoff documents: at each rotation change the outgoing on-caller writes what happened,
//! what is flaky and what to watch (about five lines), and the incoming one acknowledges
//! it. A document is keyed by (layer, instant); the worker creates them on time, and
//! `submit` creates one if it has not yet.

use super::{domain_layer, lock_schedule, reader};
use crate::services::pagination::{Page, PageRequest};
use crate::services::visibility::visible_to;
use crate::services::{Ctx, ServiceError, ServiceResult, parse_id};
use chrono::{DateTime, Utc};
use entity::{Role, alert, handoff_document, incident, layer_member, page, schedule_layer};
use scheduler::domain::reason::Reason;
use scheduler::domain::{instant, text};
use scheduler::oncall::shifts::{Handoff, handoff_exactly_at};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

/// Most incidents a document lists from the outgoing rotation.
pub const MAX_INCIDENTS: u64 = 50;

/// The document of `handoff`, created (unsubmitted) if there is none yet. The caller
/// holds the schedule's lock.
pub async fn ensure(
    conn: &impl ConnectionTrait,
    handoff: &Handoff,
    now: DateTime<Utc>,
) -> ServiceResult<handoff_document::Model> {
    if let Some(doc) = handoff_document::Entity::find()
        .filter(handoff_document::COLUMN.layer_id.eq(handoff.layer))
        .filter(handoff_document::COLUMN.at.eq(handoff.at))
        .one(conn)
        .await?
    {
        return Ok(doc);
    }
    Ok(handoff_document::ActiveModel {
        id: Set(Uuid::now_v7()),
        layer_id: Set(handoff.layer),
        at: Set(handoff.at),
        outgoing_since: Set(handoff.outgoing_since),
        outgoing_id: Set(handoff.outgoing),
        incoming_id: Set(handoff.incoming),
        notes: Set(String::new()),
        submitted_at: Set(None),
        submitted_by: Set(None),
        acknowledged_at: Set(None),
        acknowledged_by: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(conn)
    .await?)
}

/// The outgoing on-caller (or a manager of the team) writes the document of the handoff
/// of `layer` at `at`; submitting again replaces the notes until it is acknowledged.
pub async fn submit(
    ctx: Ctx<'_>,
    layer: &str,
    at: DateTime<Utc>,
    notes: &str,
) -> ServiceResult<handoff_document::Model> {
    let caller = ctx.principal.require(Role::Responder)?;
    let layer_id = parse_id(layer, "layer")?;
    let at = instant::check("at", at)?;
    let notes = text::multi_line("notes", notes, 4000)?;
    let txn = ctx.db.begin_write().await?;
    let row = schedule_layer::Entity::find_by_id(layer_id)
        .one(&txn)
        .await?
        .ok_or(ServiceError::NotFound("layer"))?;
    let schedule = lock_schedule(&txn, row.schedule_id).await?;
    let members = layer_member::Entity::find()
        .filter(layer_member::COLUMN.layer_id.eq(layer_id))
        .all(&txn)
        .await?;
    let handoff = handoff_exactly_at(&domain_layer(&row, &members), at).ok_or_else(|| {
        ServiceError::invalid(
            Reason::NotAHandoff,
            "no handoff of this layer happens at that instant",
        )
    })?;
    let doc = ensure(&txn, &handoff, ctx.now).await?;
    // The document's own lock, the one acknowledging takes: notes never change after (or
    // while) the incoming person acknowledges them.
    let doc = handoff_document::Entity::find_by_id(doc.id)
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(ServiceError::NotFound("handoff document"))?;
    if doc.outgoing_id != caller.id
        && !crate::services::teams::manages_team(&txn, schedule.team_id, caller).await?
    {
        return Err(ServiceError::forbidden(
            Reason::NotHandoffParty,
            "only the outgoing on-caller (or a manager of the team) writes the handoff",
        ));
    }
    if doc.acknowledged_at.is_some() {
        return Err(ServiceError::conflict(
            Reason::HandoffAcknowledged,
            "the incoming on-caller already acknowledged this handoff",
        ));
    }
    let version = doc.version;
    let mut am = doc.into_active_model();
    am.notes = Set(notes);
    am.submitted_at = Set(Some(ctx.now));
    am.submitted_by = Set(Some(caller.id));
    am.version = Set(version + 1);
    am.updated_at = Set(ctx.now);
    let doc = am.update(&txn).await?;
    txn.commit().await?;
    Ok(doc)
}

/// The incoming on-caller acknowledges a submitted document, once.
pub async fn acknowledge(ctx: Ctx<'_>, id: &str) -> ServiceResult<handoff_document::Model> {
    let caller = ctx.principal.require(Role::Responder)?;
    let id = parse_id(id, "handoff document")?;
    let txn = ctx.db.begin_write().await?;
    let doc = handoff_document::Entity::find_by_id(id)
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(ServiceError::NotFound("handoff document"))?;
    if doc.incoming_id != caller.id {
        return Err(ServiceError::forbidden(
            Reason::NotHandoffParty,
            "only the incoming on-caller acknowledges the handoff",
        ));
    }
    if doc.submitted_at.is_none() {
        return Err(ServiceError::conflict(
            Reason::HandoffNotSubmitted,
            "the outgoing on-caller has not submitted the handoff yet",
        ));
    }
    if doc.acknowledged_at.is_some() {
        return Err(ServiceError::conflict(
            Reason::HandoffAcknowledged,
            "this handoff was already acknowledged",
        ));
    }
    let version = doc.version;
    let mut am = doc.into_active_model();
    am.acknowledged_at = Set(Some(ctx.now));
    am.acknowledged_by = Set(Some(caller.id));
    am.version = Set(version + 1);
    am.updated_at = Set(ctx.now);
    let doc = am.update(&txn).await?;
    txn.commit().await?;
    Ok(doc)
}

pub async fn get(ctx: Ctx<'_>, id: &str) -> ServiceResult<handoff_document::Model> {
    reader(ctx)?;
    handoff_document::Entity::find_by_id(parse_id(id, "handoff document")?)
        .one(ctx.db.conn())
        .await?
        .ok_or(ServiceError::NotFound("handoff document"))
}

/// The documents of a schedule's layers, newest first, a page at a time.
pub async fn list(
    ctx: Ctx<'_>,
    schedule: &str,
    page: &PageRequest,
) -> ServiceResult<Page<handoff_document::Model>> {
    reader(ctx)?;
    let sid = super::schedule_id(schedule)?;
    let layers = schedule_layer::Entity::find()
        .select_only()
        .column(schedule_layer::Column::Id)
        .filter(schedule_layer::COLUMN.schedule_id.eq(sid));
    let mut q = handoff_document::Entity::find()
        .filter(
            handoff_document::Column::LayerId.in_subquery(sea_orm::QueryTrait::into_query(layers)),
        )
        .order_by_desc(handoff_document::COLUMN.id)
        .limit(page.fetch_limit());
    if let Some(after) = &page.after {
        q = q.filter(
            handoff_document::COLUMN
                .id
                .lt(crate::services::pagination::cursor_id(after)?),
        );
    }
    let rows = q.all(ctx.db.conn()).await?;
    Ok(Page::from_overfetch(rows, page))
}

/// The rotation a document covers: its layer and the outgoing person's span.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rotation {
    pub layer: Uuid,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// Whose rotation it was.
    pub outgoing: Uuid,
}

impl From<&handoff_document::Model> for Rotation {
    fn from(d: &handoff_document::Model) -> Self {
        Rotation {
            layer: d.layer_id,
            from: d.outgoing_since,
            to: d.at,
            outgoing: d.outgoing_id,
        }
    }
}

/// The team of each rotation's layer (through its schedule): two statements.
async fn rotation_teams(
    db: &crate::db::Db,
    rotations: &[Rotation],
) -> ServiceResult<std::collections::HashMap<Uuid, Uuid>> {
    let layers =
        super::layers_by_ids(db, &rotations.iter().map(|r| r.layer).collect::<Vec<_>>()).await?;
    let schedules = super::by_ids(
        db,
        &layers.iter().map(|l| l.schedule_id).collect::<Vec<_>>(),
    )
    .await?;
    Ok(layers
        .iter()
        .filter_map(|l| {
            schedules
                .iter()
                .find(|s| s.id == l.schedule_id)
                .map(|s| (l.id, s.team_id))
        })
        .collect())
}

/// For each rotation, the incidents of its schedule's team declared during it that
/// `user` may see (restricted ones stay invisible to others), oldest first, at most
/// [`MAX_INCIDENTS`] each: what documents are pre-filled with. Three statements for any
/// number of rotations.
pub async fn rotation_incidents(
    db: &crate::db::Db,
    user: &crate::auth::CurrentUser,
    rotations: &[Rotation],
) -> ServiceResult<Vec<(Rotation, Vec<incident::Model>)>> {
    if rotations.is_empty() {
        return Ok(vec![]);
    }
    let teams = rotation_teams(db, rotations).await?;
    let team_of = |layer: Uuid| teams.get(&layer).copied();
    let mut any = sea_orm::Condition::any();
    for r in rotations {
        if let Some(team) = team_of(r.layer) {
            any = any.add(
                sea_orm::Condition::all()
                    .add(incident::COLUMN.team_id.eq(team))
                    .add(incident::COLUMN.declared_at.gte(r.from))
                    .add(incident::COLUMN.declared_at.lt(r.to)),
            );
        }
    }
    let rows = incident::Entity::find()
        .filter(any)
        .filter(visible_to(user))
        .order_by_asc(incident::COLUMN.declared_at)
        .all(db.conn())
        .await?;
    Ok(rotations
        .iter()
        .map(|r| {
            let team = team_of(r.layer);
            let mine: Vec<incident::Model> = rows
                .iter()
                .filter(|i| i.team_id.is_some() && i.team_id == team)
                .filter(|i| r.from <= i.declared_at && i.declared_at < r.to)
                .take(MAX_INCIDENTS as usize)
                .cloned()
                .collect();
            (*r, mine)
        })
        .collect())
}

/// Most pages listed per rotation.
pub const MAX_PAGES: usize = 100;
/// Most alert sources listed per rotation.
pub const MAX_SOURCES: usize = 5;

/// The paging side of a rotation: the outgoing person's pages, and the team's noisiest
/// alert sources while it lasted.
#[derive(Debug, Clone, Default)]
pub struct RotationPaging {
    pub pages: Vec<page::Model>,
    pub sources: Vec<scheduler::paging::report::Source>,
}

/// For each rotation, its paging as `reader` may see it (four statements for any number
/// of rotations): pages and alerts about a restricted incident the reader may not see are
/// left out (an incident's alert carries its title). Alerts raised for incidents are left
/// out of the sources: the incidents are listed on their own.
pub async fn rotation_paging(
    db: &crate::db::Db,
    reader: &crate::auth::CurrentUser,
    rotations: &[Rotation],
) -> ServiceResult<Vec<(Rotation, RotationPaging)>> {
    use crate::services::paging::load_report::{alert_fact, page_fact};
    use scheduler::paging::report::{AlertFact, PageFact, noisiest};
    if rotations.is_empty() {
        return Ok(vec![]);
    }
    let teams = rotation_teams(db, rotations).await?;
    let team_of = |layer: Uuid| teams.get(&layer).copied();
    let (mut by_team, mut by_person) = (sea_orm::Condition::any(), sea_orm::Condition::any());
    for r in rotations {
        by_person = by_person.add(
            sea_orm::Condition::all()
                .add(page::COLUMN.user_id.eq(r.outgoing))
                .add(page::COLUMN.created_at.gte(r.from))
                .add(page::COLUMN.created_at.lt(r.to)),
        );
        if let Some(team) = team_of(r.layer) {
            by_team = by_team.add(
                sea_orm::Condition::all()
                    .add(alert::COLUMN.team_id.eq(team))
                    .add(alert::COLUMN.created_at.gte(r.from))
                    .add(alert::COLUMN.created_at.lt(r.to)),
            );
        }
    }
    let seen_alerts = sea_orm::sea_query::Query::select()
        .column(alert::Column::Id)
        .from(alert::Entity)
        .cond_where(
            sea_orm::Condition::any()
                .add(alert::Column::IncidentId.is_null())
                .add(alert::Column::IncidentId.in_subquery(
                    crate::services::visibility::incidents_where(visible_to(reader)),
                )),
        )
        .to_owned();
    let pages = page::Entity::find()
        .filter(by_person)
        .filter(page::Column::AlertId.in_subquery(seen_alerts.clone()))
        .order_by_asc(page::COLUMN.created_at)
        .all(db.conn())
        .await?;
    let alerts = alert::Entity::find()
        .filter(by_team)
        .filter(alert::COLUMN.source.ne("incident"))
        .filter(alert::Column::Id.in_subquery(seen_alerts))
        .all(db.conn())
        .await?;
    let page_facts: Vec<PageFact> = pages.iter().map(page_fact).collect();
    Ok(rotations
        .iter()
        .map(|r| {
            let team = team_of(r.layer);
            let span = scheduler::oncall::layer::Span::new(r.from, r.to);
            let mine: Vec<page::Model> = pages
                .iter()
                .filter(|p| p.user_id == r.outgoing && span.contains(p.created_at))
                .take(MAX_PAGES)
                .cloned()
                .collect();
            let facts: Vec<AlertFact> = alerts
                .iter()
                .filter(|a| team.is_some() && a.team_id == team)
                .map(alert_fact)
                .collect();
            let mut sources = noisiest(&page_facts, &facts, span);
            sources.truncate(MAX_SOURCES);
            (
                *r,
                RotationPaging {
                    pages: mine,
                    sources,
                },
            )
        })
        .collect())
}

/// The draft a document's editor starts from: a line on the rotation's paging, then one
/// line per incident of the rotation.
pub fn draft(incidents: &[incident::Model], paging: &RotationPaging) -> String {
    let mut lines = vec![format!(
        "Pages: {}.{}",
        paging.pages.len(),
        match paging.sources.first() {
            Some(s) => format!(" Noisiest: {} {} ({} alerts).", s.source, s.name, s.alerts),
            None => String::new(),
        }
    )];
    if incidents.is_empty() {
        lines.push("No incidents during this rotation.".to_owned());
        return lines.join("\n");
    }
    lines.extend(incidents.iter().map(|i| {
        format!(
            "- {} {} ({}): {}",
            i.severity.as_str(),
            scheduler::domain::references::incident_name(i.channel.as_deref(), &i.title),
            i.status.as_str().to_lowercase(),
            i.title
        )
    }));
    lines.join("\n")
}
