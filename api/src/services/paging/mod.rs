//! Paging: alerts and the pages they send. Who is paged is decided by
//! `scheduler::paging` (targets, fallbacks, escalation steps) from a directory of the
//! moment built here (the team's on-call from its default schedule, its leads, the
//! organization's engineering lead and VP Engineering, the admins); this module persists
//! the decisions in the caller's transaction.

pub mod alerts;
pub mod hooks;
pub mod inbound;
pub mod integrations;
pub mod load_report;
pub mod settings;

use super::{ServiceError, ServiceResult};
use chrono::{DateTime, Duration, Utc};
use entity::{
    PageTarget, Role, Severity, TeamRole, alert, escalation_policy, organization, page, team,
    team_member, user,
};
use scheduler::oncall::Span;
use scheduler::paging::escalation::{Policy, Step};
use scheduler::paging::routing::{self, Directory, Routing, Target, Via};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QuerySelect,
};
use std::collections::HashSet;
use uuid::Uuid;

pub const TRIGGERED: &str = "triggered";
pub const ACKNOWLEDGED: &str = "acknowledged";
pub const RESOLVED: &str = "resolved";

/// The people behind the targets for `team` at `now`.
pub(crate) async fn directory(
    conn: &impl ConnectionTrait,
    team: Option<&team::Model>,
    named: &[Uuid],
    now: DateTime<Utc>,
) -> ServiceResult<Directory> {
    let mut dir = Directory::default();
    if let Some(team) = team {
        if let Some(sid) = team.default_schedule_id {
            let layers = super::schedules::layers_of(conn, &[sid]).await?;
            let reach = Duration::days(i64::from(scheduler::oncall::rules::MAX_ROTATION_DAYS) + 2);
            let overrides: Vec<_> =
                super::schedules::overrides_in(conn, &[sid], Span::new(now - reach, now + reach))
                    .await?
                    .iter()
                    .map(super::schedules::domain_override)
                    .collect();
            for (row, members) in &layers {
                let l = super::schedules::domain_layer(row, members);
                if let Some(s) = scheduler::oncall::shifts::on_call(&l, &overrides, now).primary
                    && !dir.on_call.contains(&s.user)
                {
                    dir.on_call.push(s.user);
                }
            }
        }
        dir.team_leads = team_member::Entity::find()
            .filter(team_member::COLUMN.team_id.eq(team.id))
            .filter(team_member::COLUMN.team_role.eq(TeamRole::Lead))
            .all(conn)
            .await?
            .into_iter()
            .map(|m| m.user_id)
            .collect();
    }
    if let Some(org) = organization::Entity::find_by_id(1).one(conn).await? {
        dir.engineering_lead = org.engineering_lead_id;
        dir.vp_engineering = org.vp_engineering_id;
    }
    dir.admins = user::Entity::find()
        .filter(user::COLUMN.role.eq(Role::Admin))
        .filter(user::COLUMN.active.eq(true))
        .all(conn)
        .await?
        .into_iter()
        .map(|u| u.id)
        .collect();
    let mut candidates: Vec<Uuid> = dir.on_call.clone();
    candidates.extend(&dir.team_leads);
    candidates.extend(dir.engineering_lead);
    candidates.extend(dir.vp_engineering);
    candidates.extend(named);
    dir.active = user::Entity::find()
        .filter(user::Column::Id.is_in(candidates))
        .filter(user::COLUMN.active.eq(true))
        .all(conn)
        .await?
        .into_iter()
        .map(|u| u.id)
        .chain(dir.admins.iter().copied())
        .collect::<HashSet<Uuid>>();
    Ok(dir)
}

/// A step's targets as stored: `on_call`, `team_leads`, `engineering_lead`,
/// `vp_engineering`, `person:<id>`.
pub fn parse_target(s: &str) -> Option<Target> {
    match s {
        "on_call" => Some(Target::OnCall),
        "team_leads" => Some(Target::TeamLeads),
        "engineering_lead" => Some(Target::EngineeringLead),
        "vp_engineering" => Some(Target::VpEngineering),
        other => other
            .strip_prefix("person:")
            .and_then(|id| Uuid::parse_str(id).ok())
            .map(Target::Person),
    }
}

pub fn target_name(t: Target) -> String {
    match t {
        Target::OnCall => "on_call".into(),
        Target::TeamLeads => "team_leads".into(),
        Target::EngineeringLead => "engineering_lead".into(),
        Target::VpEngineering => "vp_engineering".into(),
        Target::Person(p) => format!("person:{p}"),
        Target::Admins => "admins".into(),
    }
}

/// The team's escalation policy (the product default when it has none).
pub(crate) async fn policy_of(
    conn: &impl ConnectionTrait,
    team: Option<Uuid>,
) -> ServiceResult<Policy> {
    let Some(team) = team else {
        return Ok(Policy::default_for_team());
    };
    let Some(row) = escalation_policy::Entity::find_by_id(team)
        .one(conn)
        .await?
    else {
        return Ok(Policy::default_for_team());
    };
    let steps = row
        .steps
        .as_array()
        .map(|steps| {
            steps
                .iter()
                .map(|s| Step {
                    targets: s["targets"]
                        .as_array()
                        .map(|t| {
                            t.iter()
                                .filter_map(|x| x.as_str().and_then(parse_target))
                                .collect()
                        })
                        .unwrap_or_default(),
                    delay: Duration::minutes(s["delayMinutes"].as_i64().unwrap_or(15)),
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(Policy {
        steps,
        repeats: u32::try_from(row.repeats).unwrap_or(0),
    })
}

/// The people already paged about `alert`.
pub(crate) async fn paged(
    conn: &impl ConnectionTrait,
    alert: Uuid,
) -> ServiceResult<Vec<page::Model>> {
    Ok(page::Entity::find()
        .filter(page::COLUMN.alert_id.eq(alert))
        .all(conn)
        .await?)
}

fn via_name(v: Via) -> String {
    match v {
        Via::Target(t) => target_name(t),
        Via::Fallback(t) => format!("fallback:{}", target_name(t)),
    }
}

/// Who counts as already paged, and is left out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Already {
    /// Anyone paged about the alert (a severity raise pages only the new people).
    Alert,
    /// Anyone paged about any alert of the incident.
    Incident(Uuid),
    /// Anyone paged at this escalation position (a step, or its repeat, pages its
    /// targets again, except those it already reached).
    Position,
    /// Nobody: everyone the targets reach is paged (again), as when a snooze ends.
    Nobody,
}

/// Pages whoever `targets` reach for `alert` (nobody twice, as `already` says), with the
/// policy's next step as the fallback; marks the alert unrouted when nobody at all could
/// be paged. A person paged about a restricted incident becomes one of its participants.
pub(crate) async fn page_targets(
    conn: &impl ConnectionTrait,
    alert: &alert::Model,
    targets: &[Target],
    position: u32,
    actor: Option<Uuid>,
    now: DateTime<Utc>,
    already: Already,
) -> ServiceResult<Routing> {
    let team = match alert.team_id {
        Some(t) => team::Entity::find_by_id(t).one(conn).await?,
        None => None,
    };
    let policy = policy_of(conn, alert.team_id).await?;
    let fallbacks = policy.fallbacks(position);
    let named: Vec<Uuid> = targets
        .iter()
        .chain(fallbacks.iter())
        .filter_map(|t| match t {
            Target::Person(p) => Some(*p),
            _ => None,
        })
        .collect();
    let dir = directory(conn, team.as_ref(), &named, now).await?;
    let already: Vec<Uuid> = match already {
        Already::Nobody => vec![],
        Already::Alert => paged(conn, alert.id)
            .await?
            .into_iter()
            .map(|p| p.user_id)
            .collect(),
        Already::Position => paged(conn, alert.id)
            .await?
            .into_iter()
            .filter(|p| p.position == position as i32)
            .map(|p| p.user_id)
            .collect(),
        Already::Incident(i) => {
            let alerts: Vec<Uuid> = alert::Entity::find()
                .filter(alert::COLUMN.incident_id.eq(i))
                .all(conn)
                .await?
                .into_iter()
                .map(|a| a.id)
                .collect();
            page::Entity::find()
                .filter(page::Column::AlertId.is_in(alerts))
                .all(conn)
                .await?
                .into_iter()
                .map(|p| p.user_id)
                .collect()
        }
    };
    let routing = routing::route(targets, &fallbacks, &dir, &already);
    let wait = policy
        .step(position)
        .map_or(Duration::minutes(15), |s| s.delay);
    record_pages(
        conn,
        alert,
        &routing
            .pages
            .iter()
            .map(|(u, v)| (*u, via_name(*v)))
            .collect::<Vec<_>>(),
        position,
        actor,
        now,
        wait,
    )
    .await?;
    if routing.unrouted != alert.unrouted && (already.is_empty() || routing.unrouted) {
        let mut am: alert::ActiveModel = alert.clone().into();
        am.unrouted = Set(routing.unrouted);
        am.update(conn).await?;
    }
    Ok(routing)
}

/// Stores pages of `alert` (each acknowledged by `now + wait`); people paged about a
/// restricted incident become its participants.
pub(crate) async fn record_pages(
    conn: &impl ConnectionTrait,
    alert: &alert::Model,
    people: &[(Uuid, String)],
    position: u32,
    actor: Option<Uuid>,
    now: DateTime<Utc>,
    wait: Duration,
) -> ServiceResult<()> {
    // People paged about a restricted incident must see it: they become participants.
    let restricted = match alert.incident_id {
        Some(incident) if !people.is_empty() => entity::incident::Entity::find_by_id(incident)
            .select_only()
            .column(entity::incident::Column::Restricted)
            .into_tuple::<bool>()
            .one(conn)
            .await?
            .is_some_and(|restricted| restricted)
            .then_some(incident),
        _ => None,
    };
    let mut notes = Vec::with_capacity(people.len());
    for (user, via) in people {
        let id = Uuid::now_v7();
        notes.push(crate::services::notifications::Note {
            recipient: *user,
            kind: crate::services::notifications::Kind::Page,
            html: None,
            subject: format!(
                "Paged [{}]: {}",
                <&str>::from(alert.severity),
                alert.summary
            ),
            body: format!(
                "{}\nSource: {}. Acknowledge by {}.",
                alert.summary,
                alert.source,
                (now + wait).format("%Y-%m-%d %H:%M UTC")
            ),
            object_type: "alert",
            object_id: alert.id,
            occasion: id.to_string(),
        });
        page::ActiveModel {
            id: Set(id),
            alert_id: Set(alert.id),
            user_id: Set(*user),
            via: Set(via.clone()),
            position: Set(position as i32),
            created_at: Set(now),
            acknowledge_by: Set(now + wait),
            acknowledged_at: Set(None),
        }
        .insert(conn)
        .await?;
        if let Some(incident) = restricted {
            // Adds and logs only whom the incident does not have yet.
            super::incidents::ensure_participant(
                conn,
                incident,
                *user,
                actor.unwrap_or(*user),
                now,
                "Paged about this incident",
            )
            .await?;
        }
    }
    // Pages reach people through the outbox, in this same transaction.
    crate::services::notifications::write(conn, &notes, now).await?;
    if !people.is_empty() {
        let paged: Vec<serde_json::Value> = people
            .iter()
            .map(|(u, via)| serde_json::json!({ "userId": u.to_string(), "via": via }))
            .collect();
        crate::services::events::alert(
            conn,
            "alert.paged",
            alert,
            serde_json::json!({ "pages": paged, "escalationPosition": position }),
            now,
        )
        .await?;
    }
    Ok(())
}

/// A new alert, triggered, at escalation position 0.
pub(crate) struct NewAlert {
    pub team_id: Option<Uuid>,
    pub integration_id: Option<Uuid>,
    pub incident_id: Option<Uuid>,
    pub source: String,
    pub name: String,
    pub dedup_key: Option<String>,
    pub summary: String,
    pub severity: Severity,
    pub triggered_by: Option<Uuid>,
    pub details: Option<serde_json::Value>,
    pub notification_hash: Option<String>,
}

/// Opens an alert and pages its first targets: `pages`, its severity policy's (which the
/// caller has read already: none for a severity that pages nobody).
pub(crate) async fn open(
    conn: &impl ConnectionTrait,
    new: NewAlert,
    pages: &[PageTarget],
    now: DateTime<Utc>,
) -> ServiceResult<(alert::Model, Routing)> {
    // Nobody has been paged about an alert that is only now opened.
    open_leaving_out(conn, new, pages, now, Already::Nobody).await
}

/// Like [`open`], leaving out whoever `already` names.
pub(crate) async fn open_leaving_out(
    conn: &impl ConnectionTrait,
    new: NewAlert,
    pages: &[PageTarget],
    now: DateTime<Utc>,
    already: Already,
) -> ServiceResult<(alert::Model, Routing)> {
    let row = alert::ActiveModel {
        id: Set(Uuid::now_v7()),
        team_id: Set(new.team_id),
        integration_id: Set(new.integration_id),
        incident_id: Set(new.incident_id),
        source: Set(new.source),
        name: Set(new.name),
        dedup_key: Set(new.dedup_key),
        summary: Set(new.summary),
        severity: Set(new.severity),
        status: Set(TRIGGERED.into()),
        position: Set(0),
        entered_step_at: Set(now),
        unrouted: Set(false),
        triggered_by: Set(new.triggered_by),
        notification_hash: Set(new.notification_hash),
        details: Set(new.details),
        snoozed_until: Set(None),
        acknowledged_at: Set(None),
        acknowledged_by: Set(None),
        resolved_at: Set(None),
        resolved_by: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(conn)
    .await?;
    let targets: Vec<Target> = pages.iter().copied().map(Target::from).collect();
    let routing = page_targets(conn, &row, &targets, 0, new.triggered_by, now, already).await?;
    let row = alert::Entity::find_by_id(row.id)
        .one(conn)
        .await?
        .ok_or(ServiceError::NotFound("alert"))?;
    Ok((row, routing))
}
