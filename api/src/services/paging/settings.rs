//! Who paging reaches beyond the schedules: the organization's engineering lead and VP
//! Engineering (admins set them), and each team's escalation policy (its managers).

use super::{parse_target, policy_of};
use crate::services::audit::{self, Change};
use crate::services::{Ctx, ServiceError, ServiceResult, parse_id};
use entity::{Role, escalation_policy, organization};
use scheduler::domain::reason::Reason;
use scheduler::paging::escalation::Policy;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait, IntoActiveModel, QuerySelect};
use serde_json::json;
use uuid::Uuid;

pub async fn set_people(
    ctx: Ctx<'_>,
    lead: Option<&str>,
    vp: Option<&str>,
) -> ServiceResult<(Option<Uuid>, Option<Uuid>)> {
    let actor = ctx.principal.require(Role::Admin)?;
    let lead = lead.map(|l| parse_id(l, "user")).transpose()?;
    let vp = vp.map(|v| parse_id(v, "user")).transpose()?;
    let txn = ctx.db.begin_write().await?;
    for u in lead.iter().chain(vp.iter()) {
        crate::services::schedules::on_call_capable(&txn, *u).await?;
    }
    let org = organization::Entity::find_by_id(1)
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(ServiceError::NotFound("organization"))?;
    let before = json!({ "engineeringLead": org.engineering_lead_id, "vpEngineering": org.vp_engineering_id });
    let mut am = org.into_active_model();
    am.engineering_lead_id = Set(lead);
    am.vp_engineering_id = Set(vp);
    am.updated_at = Set(ctx.now);
    am.update(&txn).await?;
    audit::record(
        &txn,
        ctx.now,
        Change {
            actor: Some(actor.id),
            action: "organization.paging_people",
            target_type: "organization",
            target_id: "1".into(),
            before: Some(before),
            after: Some(json!({ "engineeringLead": lead, "vpEngineering": vp })),
        },
    )
    .await?;
    txn.commit().await?;
    Ok((lead, vp))
}

pub async fn escalation_policy(ctx: Ctx<'_>, team: &str) -> ServiceResult<Policy> {
    ctx.principal.require(Role::Viewer)?;
    let team = parse_id(team, "team")?;
    crate::services::schedules::team_of(ctx.db.conn(), team).await?;
    policy_of(ctx.db.conn(), Some(team)).await
}

pub async fn set_escalation_policy(
    ctx: Ctx<'_>,
    team: &str,
    steps: Vec<(Vec<String>, i32)>,
    repeats: i32,
) -> ServiceResult<Policy> {
    let team = parse_id(team, "team")?;
    if steps.is_empty() || steps.len() > 10 || !(0..=9).contains(&repeats) {
        return Err(ServiceError::invalid(
            Reason::ValueOutOfRange,
            "an escalation policy has 1 to 10 steps and 0 to 9 repeats",
        ));
    }
    let mut stored = vec![];
    for (targets, delay) in &steps {
        if !(1..=1440).contains(delay) || targets.is_empty() {
            return Err(ServiceError::invalid(
                Reason::ValueOutOfRange,
                "each step has targets and a delay of 1 to 1440 minutes",
            ));
        }
        for t in targets {
            if parse_target(t).is_none() {
                return Err(ServiceError::invalid(
                    Reason::ValueOutOfRange,
                    format!(
                        "unknown target `{t}`: on_call, team_leads, engineering_lead, vp_engineering or person:<id>"
                    ),
                ));
            }
        }
        stored.push(json!({ "targets": targets, "delayMinutes": delay }));
    }
    let txn = ctx.db.begin_write().await?;
    let actor = crate::services::teams::require_team_manager(ctx, &txn, team).await?;
    let existing = escalation_policy::Entity::find_by_id(team)
        .lock_exclusive()
        .one(&txn)
        .await?;
    let before = existing
        .as_ref()
        .map(|e| json!({ "steps": e.steps, "repeats": e.repeats }));
    let row = escalation_policy::ActiveModel {
        team_id: Set(team),
        steps: Set(json!(stored)),
        repeats: Set(repeats),
        updated_at: Set(ctx.now),
    };
    if existing.is_some() {
        row.update(&txn).await?;
    } else {
        row.insert(&txn).await?;
    }
    audit::record(
        &txn,
        ctx.now,
        Change {
            actor: Some(actor.id),
            action: "team.escalation_policy",
            target_type: "team",
            target_id: team.to_string(),
            before,
            after: Some(json!({ "steps": stored, "repeats": repeats })),
        },
    )
    .await?;
    let policy = policy_of(&txn, Some(team)).await?;
    txn.commit().await?;
    Ok(policy)
}
