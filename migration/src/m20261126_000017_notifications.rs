//! The notification outbox, personal contact methods and the worker's settings.
//!
//! A notification is written in the same transaction as the decision that caused it,
//! under a deduplication key (kind + object + occasion + recipient) that is unique in the
//! database: a replayed job, a restart or two workers at once never write a second one.
//! Its delivery state (attempts, next attempt, claimed until, delivered, failed, last
//! error) lives on the same row, so retry timing follows the injectable clock.

use crate::helpers::{fk, index};
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("contact_methods")
                    .col(pk_uuid("id"))
                    .col(uuid("user_id"))
                    // `webhook` (e-mail and Slack come later).
                    .col(string("kind"))
                    // Where to: the webhook URL (a secret; never shown again).
                    .col(text("target"))
                    // The Standard Webhooks signing secret (`whsec_…`). Kept in clear:
                    // signing needs it, unlike a key that only has to be checked.
                    .col(text("secret"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut fk("contact_methods", "user_id", "users"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_contact_methods_user_kind",
            "contact_methods",
            &["user_id", "kind"],
            true,
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table("notifications")
                    .col(pk_uuid("id"))
                    .col(uuid("recipient_id"))
                    .col(string("kind"))
                    .col(text("subject"))
                    .col(text("body"))
                    // What it is about: `incident`, `postmortem`, `action_item`, `alert`,
                    // `handoff`, `user`, and its id.
                    .col(string("object_type"))
                    .col(uuid("object_id"))
                    .col(string_uniq("dedup_key"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(integer("attempts").default(0))
                    // Null: nothing (more) to deliver.
                    .col(timestamp_with_time_zone_null("next_attempt_at"))
                    // A worker delivering it holds it until then.
                    .col(timestamp_with_time_zone_null("claimed_until"))
                    .col(timestamp_with_time_zone_null("delivered_at"))
                    .col(timestamp_with_time_zone_null("failed_at"))
                    .col(text_null("last_error"))
                    .col(timestamp_with_time_zone_null("read_at"))
                    .foreign_key(&mut fk("notifications", "recipient_id", "users"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_notifications_recipient",
            "notifications",
            &["recipient_id", "created_at"],
            false,
        )
        .await?;
        index(
            manager,
            "idx_notifications_next_attempt",
            "notifications",
            &["next_attempt_at"],
            false,
        )
        .await?;
        index(
            manager,
            "idx_notifications_created",
            "notifications",
            &["created_at"],
            false,
        )
        .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("organization")
                    .add_column(
                        integer("action_item_managers_after_days")
                            .default(3)
                            .to_owned(),
                    )
                    .to_owned(),
            )
            .await
    }
}
