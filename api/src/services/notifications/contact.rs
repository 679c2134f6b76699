//! A person's contact methods: e-mail addresses and webhooks, several of each. A method
//! receives nothing until a test send proved it works: a webhook that answers the test
//! with 2xx is verified; an e-mail carries a code that the person enters
//! (`verifyContactMethod`). A webhook's URL and signing secret are shown once, when it is
//! added, and never again.

use super::{Kind, Note, write_test};
use crate::outbound::{self, Outbound, OutboundError};
use crate::services::audit::{self, Change};
use crate::services::{Ctx, ServiceError, ServiceResult, parse_id};
use chrono::Duration;
use entity::{Role, contact_method};
use scheduler::domain::reason::Reason;
use scheduler::domain::text;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, ExprTrait, PaginatorTrait,
    QueryFilter, QueryOrder,
};
use serde_json::json;
use sha2::{Digest, Sha256};
use uuid::Uuid;

pub const WEBHOOK: &str = "webhook";
pub const EMAIL: &str = "email";

/// Most contact methods one person may have.
pub const MAX_METHODS: u64 = 10;
/// How long an e-mailed verification code works.
pub const CODE_VALID_FOR: Duration = Duration::minutes(30);
/// Wrong guesses that void a code.
pub const MAX_GUESSES: i32 = 5;
/// At most one test send per method in this time.
pub const TEST_EVERY: Duration = Duration::minutes(1);

/// A newly added method and, for a webhook, its signing secret (shown this once).
pub struct NewMethod {
    pub method: contact_method::Model,
    pub secret: Option<String>,
}

fn refused(e: OutboundError) -> ServiceError {
    match e {
        OutboundError::PrivateAddress => ServiceError::invalid(
            Reason::OutboundTargetRefused,
            "webhooks to loopback, private or internal addresses are not allowed here",
        ),
        _ => ServiceError::invalid(Reason::InvalidUrl, "url must be an absolute http(s) URL"),
    }
}

fn hash(code: &str) -> String {
    hex::encode(Sha256::digest(code.as_bytes()))
}

/// Adds a method for the caller, unverified.
pub async fn add(
    ctx: Ctx<'_>,
    outbound: &Outbound,
    kind: &str,
    target: &str,
    label: &str,
) -> ServiceResult<NewMethod> {
    let caller = ctx.principal.require(Role::Viewer)?;
    let label = if label.trim().is_empty() {
        kind.to_owned()
    } else {
        text::single_line("label", label, 100)?
    };
    let (target, secret) = match kind {
        WEBHOOK => {
            if target.len() > 2000 {
                return Err(ServiceError::invalid(
                    Reason::TextTooLong,
                    "url is longer than 2000 characters",
                ));
            }
            let url = outbound::check_url(target, outbound.allows_private()).map_err(refused)?;
            (url.to_string(), Some(outbound::new_secret()))
        }
        EMAIL => {
            if !outbound.sends_email() {
                return Err(ServiceError::invalid(
                    Reason::EmailNotConfigured,
                    "this server has no mail server configured (FIREBREAK_SMTP_URL)",
                ));
            }
            (text::email("address", target)?, None)
        }
        _ => {
            return Err(ServiceError::invalid(
                Reason::ValueOutOfRange,
                "kind must be EMAIL or WEBHOOK",
            ));
        }
    };
    let txn = ctx.db.begin_write().await?;
    let count = contact_method::Entity::find()
        .filter(contact_method::COLUMN.user_id.eq(caller.id))
        .count(&txn)
        .await?;
    if count >= MAX_METHODS {
        return Err(ServiceError::invalid(
            Reason::ValueOutOfRange,
            format!("at most {MAX_METHODS} contact methods per person"),
        ));
    }
    let method = contact_method::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(caller.id),
        kind: Set(kind.to_owned()),
        label: Set(label),
        target: Set(target),
        secret: Set(secret.clone()),
        verified_at: Set(None),
        code_hash: Set(None),
        code_expires_at: Set(None),
        code_attempts: Set(0),
        pending_code: Set(None),
        tested_at: Set(None),
        created_at: Set(ctx.now),
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        ctx.now,
        Change {
            actor: Some(caller.id),
            action: "contact_method.add",
            target_type: "contact_method",
            target_id: method.id.to_string(),
            before: None,
            after: Some(json!({ "kind": method.kind, "label": method.label })),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(NewMethod { method, secret })
}

async fn own(ctx: Ctx<'_>, id: &str) -> ServiceResult<contact_method::Model> {
    let caller = ctx.principal.require(Role::Viewer)?;
    let id = parse_id(id, "contact method")?;
    contact_method::Entity::find_by_id(id)
        .filter(contact_method::COLUMN.user_id.eq(caller.id))
        .one(ctx.db.conn())
        .await?
        .ok_or(ServiceError::NotFound("contact method"))
}

/// Removes one of the caller's methods (its rules and pending deliveries go with it).
pub async fn remove(ctx: Ctx<'_>, id: &str) -> ServiceResult<bool> {
    let method = own(ctx, id).await?;
    let txn = ctx.db.begin_write().await?;
    contact_method::Entity::delete_by_id(method.id)
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        ctx.now,
        Change {
            actor: Some(method.user_id),
            action: "contact_method.remove",
            target_type: "contact_method",
            target_id: method.id.to_string(),
            before: Some(json!({ "kind": method.kind, "label": method.label })),
            after: None,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(true)
}

/// The caller's methods, oldest first.
pub async fn mine(ctx: Ctx<'_>) -> ServiceResult<Vec<contact_method::Model>> {
    let caller = ctx.principal.require(Role::Viewer)?;
    Ok(contact_method::Entity::find()
        .filter(contact_method::COLUMN.user_id.eq(caller.id))
        .order_by_asc(contact_method::COLUMN.id)
        .all(ctx.db.conn())
        .await?)
}

/// Sends a test notification to one of the caller's methods through the outbox (signed,
/// retried like any other), at most one a minute per method. An e-mail carries a fresh
/// verification code, added by the worker when it sends it: the stored notification (and
/// so the inbox) never holds it.
pub async fn send_test(ctx: Ctx<'_>, id: &str) -> ServiceResult<Uuid> {
    let method = own(ctx, id).await?;
    let code = format!("{:06}", rand::random::<u32>() % 1_000_000);
    let txn = ctx.db.begin_write().await?;
    // Conditional: of two test sends within a minute, one goes.
    let mut stamp = contact_method::Entity::update_many()
        .col_expr(contact_method::Column::TestedAt, Expr::value(ctx.now))
        .filter(contact_method::COLUMN.id.eq(method.id))
        .filter(
            sea_orm::Condition::any()
                .add(contact_method::Column::TestedAt.is_null())
                .add(contact_method::Column::TestedAt.lte(ctx.now - TEST_EVERY)),
        );
    if method.kind == EMAIL {
        stamp = stamp
            .col_expr(contact_method::Column::CodeHash, Expr::value(hash(&code)))
            .col_expr(contact_method::Column::PendingCode, Expr::value(code))
            .col_expr(contact_method::Column::CodeAttempts, Expr::value(0))
            .col_expr(
                contact_method::Column::CodeExpiresAt,
                Expr::value(ctx.now + CODE_VALID_FOR),
            );
    }
    if stamp.exec(&txn).await?.rows_affected == 0 {
        return Err(ServiceError::conflict(
            Reason::TestSendTooSoon,
            "at most one test send a minute per contact method",
        ));
    }
    let body = if method.kind == EMAIL {
        "This is a test from Firebreak. Enter the verification code this e-mail carries (valid for 30 minutes).".to_owned()
    } else {
        "This is a test from Firebreak: this webhook works once it answers with 2xx.".to_owned()
    };
    let note = Note {
        recipient: method.user_id,
        kind: Kind::Test,
        html: None,
        subject: format!("Firebreak test: {}", method.label),
        body,
        object_type: "contact_method",
        object_id: method.id,
        occasion: Uuid::now_v7().to_string(),
    };
    let sent = write_test(&txn, &note, method.id, ctx.now).await?;
    txn.commit().await?;
    Ok(sent)
}

/// Verifies an e-mail method with the code its test send carried. Five wrong guesses void
/// the code (each guess is counted, so aliases in one request do not get more).
pub async fn verify(ctx: Ctx<'_>, id: &str, code: &str) -> ServiceResult<contact_method::Model> {
    let method = own(ctx, id).await?;
    // Count the guess first, conditionally: a guess past the limit finds nothing to count.
    let counted = contact_method::Entity::update_many()
        .col_expr(
            contact_method::Column::CodeAttempts,
            Expr::col(contact_method::Column::CodeAttempts).add(1),
        )
        .filter(contact_method::COLUMN.id.eq(method.id))
        .filter(contact_method::Column::CodeAttempts.lt(MAX_GUESSES))
        .exec(ctx.db.conn())
        .await?
        .rows_affected;
    let good = counted == 1
        && method.code_hash.as_deref() == Some(hash(code.trim()).as_str())
        && method.code_expires_at.is_some_and(|t| t > ctx.now);
    if !good {
        return Err(ServiceError::invalid(
            Reason::VerificationCodeInvalid,
            "the code is wrong, expired or used up: send a new test",
        ));
    }
    let txn = ctx.db.begin_write().await?;
    let mut am: contact_method::ActiveModel = method.into();
    am.verified_at = Set(Some(ctx.now));
    am.code_hash = Set(None);
    am.code_expires_at = Set(None);
    am.pending_code = Set(None);
    let method = am.update(&txn).await?;
    txn.commit().await?;
    Ok(method)
}
