//! The notification outbox: every notification is a row written in the same transaction
//! as the decision that caused it, under a deduplication key that is unique in the
//! database (kind + object + occasion + recipient). A replayed job, a restart or two
//! workers at once find the key taken and write nothing; a crash before the commit
//! loses the decision and the notification together, and the next scan makes both.

pub mod audience;
pub mod contact;
pub mod delivery;
pub mod inbox;
pub mod rules;

use super::ServiceResult;
use chrono::{DateTime, Utc};
use entity::{contact_method, delivery as delivery_row, notification, notification_rule};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect,
};
use std::collections::HashSet;
use uuid::Uuid;

/// What a notification is about, as stored and as GraphQL shows it.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    strum::Display,
    strum::EnumString,
    strum::IntoStaticStr,
    async_graphql::Enum,
)]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
#[graphql(name = "NotificationKind")]
pub enum Kind {
    /// You are paged about an alert.
    Page,
    /// An incident's status update is overdue.
    StatusUpdateDue,
    /// Customers are owed word about an incident.
    CustomerUpdateDue,
    /// A postmortem's deadline is near, here, or past.
    PostmortemDue,
    /// An action item is due within a day, or overdue.
    ActionItemDue,
    /// Write the handoff document of your rotation.
    HandoffWrite,
    /// You are on call from this handoff.
    HandoffIncoming,
    /// A handoff document is still not acknowledged.
    HandoffUnacknowledged,
    /// Someone passed the team's weekly page warning level or limit.
    LoadLimit,
    /// Someone was paged at night and is owed rest.
    NightPage,
    /// The managers' weekly digest of their teams' last week.
    WeeklyDigest,
    /// A test send to one contact method (`sendTestNotification`).
    Test,
}

/// A notification to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub recipient: Uuid,
    pub kind: Kind,
    pub subject: String,
    pub body: String,
    /// The body as HTML, where it has tables (e-mail sends both as alternatives).
    pub html: Option<String>,
    pub object_type: &'static str,
    pub object_id: Uuid,
    /// The occasion, e.g. the due instant or step: with kind, object and recipient it
    /// makes the deduplication key.
    pub occasion: String,
}

impl Note {
    pub fn dedup_key(&self) -> String {
        format!(
            "{}:{}:{}:{}:{}",
            self.kind, self.object_type, self.object_id, self.occasion, self.recipient
        )
    }
}

/// Whether every one of `notes` is already in the outbox (true for none).
pub async fn all_written(conn: &impl ConnectionTrait, notes: &[Note]) -> ServiceResult<bool> {
    let keys: HashSet<String> = notes.iter().map(Note::dedup_key).collect();
    Ok(written_keys(conn, &keys).await?.len() >= keys.len())
}

/// Those of `keys` already in the outbox. One statement (none for no keys).
pub async fn written_keys(
    conn: &impl ConnectionTrait,
    keys: &HashSet<String>,
) -> ServiceResult<HashSet<String>> {
    if keys.is_empty() {
        return Ok(HashSet::new());
    }
    Ok(notification::Entity::find()
        .select_only()
        .column(notification::Column::DedupKey)
        .filter(notification::Column::DedupKey.is_in(keys.iter().cloned()))
        .into_tuple::<String>()
        .all(conn)
        .await?
        .into_iter()
        .collect())
}

/// Writes `notes` unless their keys are already taken, each with a delivery to every
/// method its recipient chose for its kind (pages: every verified method); returns the
/// notification ids written. A recipient without a verified method has it in their inbox
/// only.
pub async fn write(
    conn: &impl ConnectionTrait,
    notes: &[Note],
    now: DateTime<Utc>,
) -> ServiceResult<Vec<Uuid>> {
    if notes.is_empty() {
        return Ok(Vec::new());
    }
    let recipients: HashSet<Uuid> = notes.iter().map(|n| n.recipient).collect();
    let methods = contact_method::Entity::find()
        .filter(contact_method::Column::UserId.is_in(recipients.iter().copied()))
        .filter(contact_method::Column::VerifiedAt.is_not_null())
        .all(conn)
        .await?;
    let rules = notification_rule::Entity::find()
        .filter(notification_rule::Column::UserId.is_in(recipients))
        .all(conn)
        .await?;
    let mut written = Vec::new();
    let mut seen = HashSet::new();
    // In key order, so two workers writing the same notes lock them in the same order.
    let mut notes: Vec<&Note> = notes.iter().collect();
    notes.sort_by_cached_key(|n| n.dedup_key());
    for note in notes {
        let key = note.dedup_key();
        if !seen.insert(key.clone()) {
            continue;
        }
        let Some(id) = insert(conn, note, key, now).await? else {
            continue;
        };
        written.push(id);
        let chosen: Vec<Uuid> = rules
            .iter()
            .filter(|r| r.user_id == note.recipient && r.kind == note.kind.to_string())
            .map(|r| r.method_id)
            .collect();
        let targets = methods.iter().filter(|m| {
            m.user_id == note.recipient
                && (note.kind == Kind::Page || chosen.is_empty() || chosen.contains(&m.id))
        });
        for m in targets {
            deliver_to(conn, id, m.id, now).await?;
        }
    }
    Ok(written)
}

/// Inserts one notification unless its key is taken; its id if it was new.
async fn insert(
    conn: &impl ConnectionTrait,
    note: &Note,
    key: String,
    now: DateTime<Utc>,
) -> ServiceResult<Option<Uuid>> {
    let id = Uuid::now_v7();
    let row = notification::ActiveModel {
        id: sea_orm::Set(id),
        recipient_id: sea_orm::Set(note.recipient),
        kind: sea_orm::Set(note.kind.to_string()),
        subject: sea_orm::Set(note.subject.clone()),
        body: sea_orm::Set(note.body.clone()),
        html: sea_orm::Set(note.html.clone()),
        object_type: sea_orm::Set(note.object_type.to_owned()),
        object_id: sea_orm::Set(note.object_id),
        dedup_key: sea_orm::Set(key),
        created_at: sea_orm::Set(now),
        read_at: sea_orm::Set(None),
    };
    let inserted = notification::Entity::insert(row)
        .on_conflict(
            OnConflict::column(notification::Column::DedupKey)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    Ok((inserted == 1).then_some(id))
}

/// A delivery of `notification` to `method`, due now.
async fn deliver_to(
    conn: &impl ConnectionTrait,
    notification: Uuid,
    method: Uuid,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let id = Uuid::now_v7();
    delivery_row::ActiveModel {
        id: sea_orm::Set(id),
        notification_id: sea_orm::Set(Some(notification)),
        method_id: sea_orm::Set(Some(method)),
        event_id: sea_orm::Set(None),
        subscription_id: sea_orm::Set(None),
        attempts: sea_orm::Set(0),
        next_attempt_at: sea_orm::Set(Some(now)),
        claimed_until: sea_orm::Set(None),
        delivered_at: sea_orm::Set(None),
        failed_at: sea_orm::Set(None),
        last_error: sea_orm::Set(None),
        created_at: sea_orm::Set(now),
    }
    .insert(conn)
    .await?;
    pending::record(id);
    Ok(())
}

/// Writes a test send of `note` to `method` alone, verified or not (that is what a test
/// send is for).
pub async fn write_test(
    conn: &impl ConnectionTrait,
    note: &Note,
    method: Uuid,
    now: DateTime<Utc>,
) -> ServiceResult<Uuid> {
    let id = insert(conn, note, note.dedup_key(), now)
        .await?
        .ok_or_else(|| {
            super::ServiceError::Internal(anyhow::anyhow!("a test send's key was taken"))
        })?;
    deliver_to(conn, id, method, now).await?;
    Ok(id)
}

/// Notifications written while handling one request or job, so that whoever runs it can
/// queue their deliveries once its transaction has committed (a task-local, like the
/// statement counter: the services that write notifications need not know about queues).
pub mod pending {
    use std::future::Future;
    use std::sync::{Arc, Mutex};
    use uuid::Uuid;

    pub type Written = Arc<Mutex<Vec<Uuid>>>;

    tokio::task_local! {
        static WRITTEN: Written;
    }

    pub(crate) fn record(id: Uuid) {
        let _ = WRITTEN.try_with(|w| w.lock().unwrap_or_else(|p| p.into_inner()).push(id));
    }

    /// Runs `fut`, collecting the ids of the deliveries it writes.
    pub async fn collecting<F: Future>(written: Written, fut: F) -> F::Output {
        WRITTEN.scope(written, fut).await
    }

    /// Takes what was collected.
    pub fn take(written: &Written) -> Vec<Uuid> {
        std::mem::take(&mut *written.lock().unwrap_or_else(|p| p.into_inner()))
    }
}
