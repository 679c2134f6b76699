//! The organization's settings. There is exactly one organization per deployment.

use super::audit::{self, Change};
use super::{Ctx, ServiceError, ServiceResult};
use crate::db::Db;
use chrono::{DateTime, Utc};
use entity::{Role, organization};
use scheduler::domain::reason::Reason;
use scheduler::domain::{text, zone};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, DbErr, EntityTrait, IntoActiveModel, QuerySelect,
};
use serde_json::json;

const ORG_ID: i32 = 1;

/// Creates the organization row on first start; a no-op afterwards (and when several
/// replicas race: the loser's insert is ignored).
pub async fn ensure_exists(db: &Db, now: DateTime<Utc>) -> ServiceResult<()> {
    if organization::Entity::find_by_id(ORG_ID)
        .one(db.conn())
        .await?
        .is_some()
    {
        return Ok(());
    }
    let row = organization::ActiveModel {
        id: Set(ORG_ID),
        name: Set("Firebreak".into()),
        time_zone: Set("UTC".into()),
        postmortem_due_hours: Set(scheduler::domain::deadlines::DEFAULT_POSTMORTEM_HOURS as i32),
        allow_self_publication: Set(false),
        engineering_lead_id: Set(None),
        vp_engineering_id: Set(None),
        action_item_managers_after_days: Set(3),
        digest_enabled: Set(true),
        digest_weekday: Set(1),
        digest_hour: Set(9),
        updated_at: Set(now),
    };
    let insert = organization::Entity::insert(row)
        .on_conflict(
            OnConflict::column(organization::Column::Id)
                .do_nothing()
                .to_owned(),
        )
        .exec(db.conn())
        .await;
    match insert {
        Ok(_) | Err(DbErr::RecordNotInserted) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// The weekly digest's day (stored as an ISO weekday, Monday 1 to Sunday 7).
pub fn digest_weekday(m: &organization::Model) -> chrono::Weekday {
    chrono::Weekday::try_from(u8::try_from(m.digest_weekday.clamp(1, 7) - 1).unwrap_or(0))
        .unwrap_or(chrono::Weekday::Mon)
}

pub async fn get(db: &Db) -> ServiceResult<organization::Model> {
    organization::Entity::find_by_id(ORG_ID)
        .one(db.conn())
        .await?
        .ok_or(ServiceError::NotFound("organization"))
}

#[derive(Debug, Default)]
pub struct UpdateOrganization {
    pub name: Option<String>,
    pub time_zone: Option<String>,
    pub postmortem_due_hours: Option<i32>,
    pub allow_self_publication: Option<bool>,
    pub action_item_managers_after_days: Option<i32>,
    pub digest_enabled: Option<bool>,
    pub digest_weekday: Option<chrono::Weekday>,
    pub digest_hour: Option<i32>,
}

fn snapshot(m: &organization::Model) -> serde_json::Value {
    json!({ "name": m.name, "timeZone": m.time_zone, "postmortemDueHours": m.postmortem_due_hours,
           "allowSelfPublication": m.allow_self_publication,
           "actionItemManagersAfterDays": m.action_item_managers_after_days,
           "digestEnabled": m.digest_enabled, "digestWeekday": m.digest_weekday, "digestHour": m.digest_hour })
}

pub async fn update(ctx: Ctx<'_>, input: UpdateOrganization) -> ServiceResult<organization::Model> {
    let actor = ctx.principal.require(Role::Admin)?;
    let name = input
        .name
        .as_deref()
        .map(|n| text::single_line("name", n, 200))
        .transpose()?;
    let time_zone = input
        .time_zone
        .as_deref()
        .map(|z| zone::parse(z).map(|tz| tz.name().to_owned()))
        .transpose()?;

    if let Some(h) = input.postmortem_due_hours
        && !(1..=24 * 30).contains(&h)
    {
        return Err(ServiceError::invalid(
            Reason::ValueOutOfRange,
            "postmortemDueHours must be between 1 and 720",
        ));
    }
    if let Some(d) = input.action_item_managers_after_days
        && !(1..=365).contains(&d)
    {
        return Err(ServiceError::invalid(
            Reason::ValueOutOfRange,
            "actionItemManagersAfterDays must be between 1 and 365",
        ));
    }
    if let Some(h) = input.digest_hour
        && !(0..=23).contains(&h)
    {
        return Err(ServiceError::invalid(
            Reason::ValueOutOfRange,
            "digestHour must be between 0 and 23",
        ));
    }
    let txn = ctx.db.begin_write().await?;
    let current = organization::Entity::find_by_id(ORG_ID)
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(ServiceError::NotFound("organization"))?;
    let before = snapshot(&current);
    let mut active = current.into_active_model();
    if let Some(name) = name {
        active.name = Set(name);
    }
    if let Some(tz) = time_zone {
        active.time_zone = Set(tz);
    }
    if let Some(h) = input.postmortem_due_hours {
        active.postmortem_due_hours = Set(h);
    }
    if let Some(v) = input.allow_self_publication {
        active.allow_self_publication = Set(v);
    }
    if let Some(d) = input.action_item_managers_after_days {
        active.action_item_managers_after_days = Set(d);
    }
    if let Some(v) = input.digest_enabled {
        active.digest_enabled = Set(v);
    }
    if let Some(d) = input.digest_weekday {
        active.digest_weekday = Set(d.number_from_monday() as i16);
    }
    if let Some(h) = input.digest_hour {
        active.digest_hour = Set(h as i16);
    }
    active.updated_at = Set(ctx.now);
    let updated = active.update(&txn).await?;
    audit::record(
        &txn,
        ctx.now,
        Change {
            actor: Some(actor.id),
            action: "organization.update",
            target_type: "organization",
            target_id: ORG_ID.to_string(),
            before: Some(before),
            after: Some(snapshot(&updated)),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}
