//! Users: created and changed by admins, created by the `token` command for the first admin,
//! and (when switched on) provisioned from an identity provider's token.

use super::audit::{self, Change};
use super::pagination::{Page, PageRequest};
use super::{Ctx, ServiceError, ServiceResult, parse_id};
use crate::auth::keys::{scoped_subject, unscoped_subject};
use crate::auth::{CurrentUser, KeySource, VerifiedToken};
use crate::db::Db;
use chrono::{DateTime, Utc};
use entity::{Role, team_manager, user};
use scheduler::domain::reason::Reason;
use scheduler::domain::{text, zone};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel,
    ModelTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::json;
use uuid::Uuid;

fn snapshot(u: &user::Model) -> serde_json::Value {
    json!({
        "subject": u.subject,
        "name": u.name,
        "email": u.email,
        "timeZone": u.time_zone,
        "role": u.role.as_str(),
        "active": u.active,
    })
}

/// The signed-in user behind a verified token, read from the database on every request so
/// role changes and deactivations apply at once. Unknown subjects are refused unless the
/// token comes from an identity provider and auto-provisioning is on.
pub async fn authenticate(
    db: &Db,
    token: &VerifiedToken,
    auto_provision: bool,
    now: DateTime<Utc>,
) -> ServiceResult<Option<CurrentUser>> {
    let scoped = scoped_subject(token.source, &token.subject);
    let found = user::Entity::find()
        .filter(user::COLUMN.subject.eq(scoped.as_str()))
        .one(db.conn())
        .await?;
    let row = match found {
        Some(row) => row,
        None if auto_provision && token.source == KeySource::IdentityProvider => {
            provision_viewer(db, &token.subject, now).await?
        }
        None => return Ok(None),
    };
    Ok(row.active.then_some(CurrentUser {
        id: row.id,
        subject: unscoped_subject(&row.subject).to_owned(),
        role: row.role,
    }))
}

async fn provision_viewer(
    db: &Db,
    subject: &str,
    now: DateTime<Utc>,
) -> ServiceResult<user::Model> {
    let sub = text::single_line("sub", subject, 255)?;
    let subject = scoped_subject(KeySource::IdentityProvider, &sub);
    let txn = db.begin_write().await?;
    if let Some(existing) = user::Entity::find()
        .filter(user::COLUMN.subject.eq(subject.as_str()))
        .one(&txn)
        .await?
    {
        return Ok(existing);
    }
    let row = insert_user(&txn, &subject, &sub, None, "UTC", Role::Viewer, now).await?;
    audit::record(
        &txn,
        now,
        Change {
            actor: None,
            action: "user.provision",
            target_type: "user",
            target_id: row.id.to_string(),
            before: None,
            after: Some(snapshot(&row)),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

async fn insert_user(
    conn: &impl ConnectionTrait,
    subject: &str,
    name: &str,
    email: Option<String>,
    time_zone: &str,
    role: Role,
    now: DateTime<Utc>,
) -> ServiceResult<user::Model> {
    user::ActiveModel {
        id: Set(Uuid::now_v7()),
        subject: Set(subject.to_owned()),
        name: Set(name.to_owned()),
        email: Set(email),
        time_zone: Set(time_zone.to_owned()),
        role: Set(role),
        active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(conn)
    .await
    .map_err(|e| {
        ServiceError::from_db_unique(
            e,
            format!(
                "a user with login `{}` already exists",
                unscoped_subject(subject)
            ),
        )
    })
}

/// For the local `firebreak token` command, which has database access and so acts as the
/// operator: creates the user or sets its role (and reactivates it). Audited with no actor.
pub async fn upsert_local(
    db: &Db,
    login: &str,
    role: Role,
    now: DateTime<Utc>,
) -> ServiceResult<user::Model> {
    let login = text::single_line("user", login, 255)?;
    let subject = scoped_subject(KeySource::Local, &login);
    let txn = db.begin_write().await?;
    let existing = user::Entity::find()
        .filter(user::COLUMN.subject.eq(subject.as_str()))
        .lock_exclusive()
        .one(&txn)
        .await?;
    let (row, before, action) = match existing {
        Some(current) if current.role == role && current.active => {
            txn.commit().await?;
            return Ok(current);
        }
        Some(current) => {
            let before = snapshot(&current);
            let mut active = current.into_active_model();
            active.role = Set(role);
            active.active = Set(true);
            active.updated_at = Set(now);
            (active.update(&txn).await?, Some(before), "user.update")
        }
        None => (
            insert_user(&txn, &subject, &login, None, "UTC", role, now).await?,
            None,
            "user.create",
        ),
    };
    audit::record(
        &txn,
        now,
        Change {
            actor: None,
            action,
            target_type: "user",
            target_id: row.id.to_string(),
            before,
            after: Some(snapshot(&row)),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

pub async fn get(ctx: Ctx<'_>, id: &str) -> ServiceResult<user::Model> {
    ctx.principal.require(Role::Viewer)?;
    let id = parse_id(id, "user")?;
    user::Entity::find_by_id(id)
        .one(ctx.db.conn())
        .await?
        .ok_or(ServiceError::NotFound("user"))
}

/// The id of an active user; unknown and deactivated users are both NOT_FOUND (people are
/// assigned roles and action items only while active).
pub(crate) async fn active_user_id(conn: &impl ConnectionTrait, id: Uuid) -> ServiceResult<Uuid> {
    user::Entity::find_by_id(id)
        .one(conn)
        .await?
        .filter(|u| u.active)
        .map(|u| u.id)
        .ok_or(ServiceError::NotFound("user"))
}

pub async fn by_ids(db: &Db, ids: &[Uuid]) -> ServiceResult<Vec<user::Model>> {
    Ok(user::Entity::find()
        .filter(user::Column::Id.is_in(ids.iter().copied()))
        .all(db.conn())
        .await?)
}

#[derive(Debug, Default)]
pub struct UserFilter {
    pub active: Option<bool>,
    pub role: Option<Role>,
}

pub async fn list(
    ctx: Ctx<'_>,
    filter: &UserFilter,
    page: &PageRequest,
) -> ServiceResult<Page<user::Model>> {
    ctx.principal.require(Role::Viewer)?;
    let mut query = user::Entity::find()
        .order_by_asc(user::COLUMN.id)
        .limit(page.fetch_limit());
    if let Some(after) = &page.after {
        query = query.filter(user::COLUMN.id.gt(super::pagination::cursor_id(after)?));
    }
    if let Some(active) = filter.active {
        query = query.filter(user::COLUMN.active.eq(active));
    }
    if let Some(role) = filter.role {
        query = query.filter(user::Column::Role.eq(role));
    }
    let rows = query.all(ctx.db.conn()).await?;
    Ok(Page::from_overfetch(rows, page))
}

#[derive(Debug)]
pub struct NewUser {
    pub login: String,
    pub name: String,
    pub email: Option<String>,
    pub time_zone: Option<String>,
    pub role: Role,
    pub identity_provider: bool,
}

pub async fn create(ctx: Ctx<'_>, input: NewUser) -> ServiceResult<user::Model> {
    let actor = ctx.principal.require(Role::Admin)?;
    let login = text::single_line("login", &input.login, 255)?;
    let name = text::single_line("name", &input.name, 200)?;
    let email = input
        .email
        .as_deref()
        .map(|e| text::email("email", e))
        .transpose()?;
    let tz = match input.time_zone.as_deref() {
        Some(z) => zone::parse(z)?.name().to_owned(),
        None => super::organization::get(ctx.db).await?.time_zone,
    };
    let txn = ctx.db.begin_write().await?;
    let source = if input.identity_provider {
        KeySource::IdentityProvider
    } else {
        KeySource::Local
    };
    let subject = scoped_subject(source, &login);
    let row = insert_user(&txn, &subject, &name, email, &tz, input.role, ctx.now).await?;
    audit::record(
        &txn,
        ctx.now,
        Change {
            actor: Some(actor.id),
            action: "user.create",
            target_type: "user",
            target_id: row.id.to_string(),
            before: None,
            after: Some(snapshot(&row)),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

#[derive(Debug, Default)]
pub struct UserChanges {
    pub name: Option<String>,
    /// `Some(None)` clears the address.
    pub email: Option<Option<String>>,
    pub time_zone: Option<String>,
    pub role: Option<Role>,
    pub active: Option<bool>,
}

/// Admins change anyone; everyone may change their own name, e-mail and time zone (but not
/// their own role or activity).
pub async fn update(ctx: Ctx<'_>, id: &str, changes: UserChanges) -> ServiceResult<user::Model> {
    let caller = ctx.principal.user()?;
    let id = parse_id(id, "user")?;
    let is_admin = caller.role >= Role::Admin;
    if !is_admin && (caller.id != id || changes.role.is_some() || changes.active.is_some()) {
        return Err(ServiceError::forbidden(
            Reason::AdminOnly,
            "only admins change other users, roles and activity",
        ));
    }
    if caller.id == id && changes.active == Some(false) {
        return Err(ServiceError::invalid(
            Reason::CannotDeactivateSelf,
            "you cannot deactivate yourself",
        ));
    }
    if caller.id == id && changes.role.is_some_and(|r| r < Role::Admin) {
        return Err(ServiceError::invalid(
            Reason::CannotDemoteSelf,
            "you cannot lower your own role; ask another admin",
        ));
    }
    let name = changes
        .name
        .as_deref()
        .map(|n| text::single_line("name", n, 200))
        .transpose()?;
    let email = match changes.email {
        Some(Some(e)) => Some(Some(text::email("email", &e)?)),
        other => other,
    };
    let tz = changes
        .time_zone
        .as_deref()
        .map(|z| zone::parse(z).map(|t| t.name().to_owned()))
        .transpose()?;

    let txn = ctx.db.begin_write().await?;
    let current = user::Entity::find_by_id(id)
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(ServiceError::NotFound("user"))?;
    let before = snapshot(&current);
    let current_role = current.role;
    let mut active = current.into_active_model();
    if let Some(v) = name {
        active.name = Set(v);
    }
    if let Some(v) = email {
        active.email = Set(v);
    }
    if let Some(v) = tz {
        active.time_zone = Set(v);
    }
    if let Some(v) = changes.role {
        active.role = Set(v);
    }
    if let Some(v) = changes.active {
        active.active = Set(v);
    }
    active.updated_at = Set(ctx.now);
    let demoted = changes.role.is_some_and(|r| r < Role::Manager) && current_role >= Role::Manager;
    let updated = active.update(&txn).await?;
    if demoted {
        drop_team_manager_rights(&txn, caller.id, updated.id, ctx.now).await?;
    }
    let after = snapshot(&updated);
    if after != before {
        let action = match (changes.active, changes.role) {
            (Some(false), _) => "user.deactivate",
            (Some(true), _) => "user.reactivate",
            (_, Some(_)) => "user.role_change",
            _ => "user.update",
        };
        audit::record(
            &txn,
            ctx.now,
            Change {
                actor: Some(caller.id),
                action,
                target_type: "user",
                target_id: updated.id.to_string(),
                before: Some(before),
                after: Some(after),
            },
        )
        .await?;
    }
    txn.commit().await?;
    Ok(updated)
}

/// A user who loses the manager role loses the team-manager rights that came with it
/// (each removal audited), so a later promotion does not silently restore them.
async fn drop_team_manager_rights(
    txn: &impl ConnectionTrait,
    actor: Uuid,
    user_id: Uuid,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let rows = team_manager::Entity::find()
        .filter(team_manager::COLUMN.user_id.eq(user_id))
        .all(txn)
        .await?;
    for row in rows {
        let team_id = row.team_id;
        row.delete(txn).await?;
        audit::record(
            txn,
            now,
            Change {
                actor: Some(actor),
                action: "team.manager_remove",
                target_type: "team",
                target_id: format!("{team_id}/{user_id}"),
                before: Some(json!({ "manager": true })),
                after: Some(json!({ "manager": false, "because": "role lowered below manager" })),
            },
        )
        .await?;
    }
    Ok(())
}
