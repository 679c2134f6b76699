//! Incidents: declare, work, resolve. Every change appends to the timeline in the same
//! transaction and reads the incident under a lock first; the rules themselves live in
//! `scheduler::domain::incident`, visibility in `services::visibility`. One module per use
//! case: reads (`queries`), `declaration`, `edits` (fields, roles, notes, participants) and
//! the `lifecycle` (acknowledge, severity, updates, mitigation, resolution, links).

use crate::auth::CurrentUser;
use crate::services::{Ctx, ServiceError, ServiceResult, parse_id};
use chrono::{DateTime, Utc};
use entity::{Role, TimelineKind, incident, incident_event};
use scheduler::domain::incident::State;
use scheduler::domain::reason::Reason;
use scheduler::domain::{references, text};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DbErr, SqlErr};
use serde_json::{Value, json};
use uuid::Uuid;

mod declaration;
mod edits;
mod lifecycle;
mod pages;
mod queries;

use crate::services::visibility::{find_visible, find_visible_locked, visible_to};
pub use declaration::*;
pub use edits::*;
pub use lifecycle::*;
pub use pages::*;
pub use queries::*;

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

/// One timeline entry per changed field, with its value before and after: "Corrected" for
/// instants (`…At`), "Changed" for the rest.
async fn log_field_changes(
    conn: &impl ConnectionTrait,
    incident_id: Uuid,
    at: DateTime<Utc>,
    author: Uuid,
    changes: Vec<(&str, Value, Value)>,
) -> ServiceResult<()> {
    for (field, before, after) in changes {
        let verb = if field.ends_with("At") {
            "Corrected"
        } else {
            "Changed"
        };
        log(
            conn,
            incident_id,
            at,
            Some(author),
            TimelineKind::FieldChanged,
            format!("{verb} {field}"),
            Some(json!({ field: before })),
            Some(json!({ field: after })),
        )
        .await?;
    }
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

/// the incident's row locked until commit.
/// Starts a write on an incident: a responder who can see it, inside a write transaction,
async fn begin_change<'a>(
    ctx: Ctx<'a>,
    id: &str,
) -> ServiceResult<(&'a CurrentUser, crate::db::WriteTxn, incident::Model)> {
    let user = ctx.principal.require(Role::Responder)?;
    let id = parse_id(id, "incident")?;
    let txn = ctx.db.begin_write().await?;
    let row = find_visible_locked(&txn, user, id).await?;
    Ok((user, txn, row))
}

fn id_json(id: Option<Uuid>) -> Value {
    id.map_or(Value::Null, |i| Value::String(i.to_string()))
}
