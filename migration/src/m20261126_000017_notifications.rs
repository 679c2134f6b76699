//! The notification outbox, personal contact methods, notification rules and the worker's
//! settings.
//!
//! A notification is written in the same transaction as the decision that caused it,
//! under a deduplication key (kind + object + occasion + recipient) that is unique in the
//! database: a replayed job, a restart or two workers at once never write a second one.
//! Its deliveries (one per contact method: attempts, next attempt, claimed until,
//! delivered, failed, last error) are written with it, so retry timing follows the
//! injectable clock.

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
                    // `email` or `webhook`.
                    .col(string("kind"))
                    // What the user calls it ("work phone's mail", "pager bridge").
                    .col(string("label"))
                    // Where to: the address or the webhook URL (a secret; shown once).
                    .col(text("target"))
                    // A webhook's Standard Webhooks signing secret (`whsec_…`). Kept in
                    // clear: signing needs it, unlike a key that only has to be checked.
                    .col(text_null("secret"))
                    // Set once a test send proved the method works (a webhook answered
                    // 2xx; an e-mail's code came back). Nothing else is sent before.
                    .col(timestamp_with_time_zone_null("verified_at"))
                    // SHA-256 of the code an e-mail test send carried, until it expires or
                    // five wrong guesses void it.
                    .col(string_null("code_hash"))
                    .col(timestamp_with_time_zone_null("code_expires_at"))
                    .col(integer("code_attempts").default(0))
                    // The code itself only until its e-mail is sent (the worker needs it;
                    // nobody reads it back), then only its hash.
                    .col(string_null("pending_code"))
                    // The last test send: at most one a minute.
                    .col(timestamp_with_time_zone_null("tested_at"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut fk("contact_methods", "user_id", "users"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_contact_methods_user",
            "contact_methods",
            &["user_id"],
            false,
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
                    // `handoff`, `page`, `user`, `contact_method`, and its id.
                    .col(string("object_type"))
                    .col(uuid("object_id"))
                    .col(string_uniq("dedup_key"))
                    .col(timestamp_with_time_zone("created_at"))
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
            "idx_notifications_created",
            "notifications",
            &["created_at"],
            false,
        )
        .await?;
        // Outbound events: what happened, written in the same transaction as the change,
        // for the subscriptions admins register (webhooks, and a team's Slack).
        manager
            .create_table(
                Table::create()
                    .table("events")
                    .col(pk_uuid("id"))
                    // `incident.declared`, `alert.paged`, … (see the README).
                    .col(string("type"))
                    .col(uuid_null("team_id"))
                    // About a restricted incident: only subscriptions opted in get it.
                    .col(boolean("restricted"))
                    .col(string("object_type"))
                    .col(uuid("object_id"))
                    .col(json("payload"))
                    .col(timestamp_with_time_zone("occurred_at"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_events_occurred",
            "events",
            &["occurred_at"],
            false,
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table("event_subscriptions")
                    .col(pk_uuid("id"))
                    // `webhook` (Standard Webhooks, signed) or `slack` (an incoming webhook).
                    .col(string("kind"))
                    .col(string("label"))
                    // Only this team's events (a Slack channel is a team's).
                    .col(uuid_null("team_id"))
                    .col(text("target"))
                    .col(text_null("secret"))
                    // The event types it wants: `["incident.resolved", …]`; empty: all.
                    .col(json("types"))
                    .col(boolean("include_restricted"))
                    .col(uuid("created_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut fk("event_subscriptions", "team_id", "teams"))
                    .foreign_key(&mut fk("event_subscriptions", "created_by", "users"))
                    .to_owned(),
            )
            .await?;
        // One delivery per notification and contact method, or per event and subscription,
        // each with its own attempts: an e-mail server that is down does not hold back the
        // webhook.
        manager
            .create_table(
                Table::create()
                    .table("deliveries")
                    .col(pk_uuid("id"))
                    .col(uuid_null("notification_id"))
                    .col(uuid_null("method_id"))
                    .col(uuid_null("event_id"))
                    .col(uuid_null("subscription_id"))
                    .col(integer("attempts").default(0))
                    // Null: nothing more to do.
                    .col(timestamp_with_time_zone_null("next_attempt_at"))
                    // A worker delivering it holds it until then.
                    .col(timestamp_with_time_zone_null("claimed_until"))
                    .col(timestamp_with_time_zone_null("delivered_at"))
                    .col(timestamp_with_time_zone_null("failed_at"))
                    .col(text_null("last_error"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut fk("deliveries", "notification_id", "notifications"))
                    .foreign_key(
                        &mut fk("deliveries", "method_id", "contact_methods")
                            .on_delete(ForeignKeyAction::Cascade)
                            .to_owned(),
                    )
                    .foreign_key(&mut fk("deliveries", "event_id", "events"))
                    .foreign_key(
                        &mut fk("deliveries", "subscription_id", "event_subscriptions")
                            .on_delete(ForeignKeyAction::Cascade)
                            .to_owned(),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_deliveries_event_subscription",
            "deliveries",
            &["event_id", "subscription_id"],
            true,
        )
        .await?;
        index(
            manager,
            "idx_deliveries_notification_method",
            "deliveries",
            &["notification_id", "method_id"],
            true,
        )
        .await?;
        index(
            manager,
            "idx_deliveries_next_attempt",
            "deliveries",
            &["next_attempt_at"],
            false,
        )
        .await?;
        // Which of a person's methods receive which kind of notification; a kind without
        // rules goes to every verified method, and pages always go to all of them.
        manager
            .create_table(
                Table::create()
                    .table("notification_rules")
                    .col(uuid("user_id"))
                    .col(string("kind"))
                    .col(uuid("method_id"))
                    .primary_key(Index::create().col("user_id").col("kind").col("method_id"))
                    .foreign_key(&mut fk("notification_rules", "user_id", "users"))
                    .foreign_key(
                        &mut fk("notification_rules", "method_id", "contact_methods")
                            .on_delete(ForeignKeyAction::Cascade)
                            .to_owned(),
                    )
                    .to_owned(),
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
