//! On-call schedules: layers with their members, overrides, handoff documents and
//! calendar feed tokens; a team's default schedule and minimum rotation size.

use crate::helpers::{fk, index};
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Two statements: SQLite adds one column per ALTER TABLE.
        manager
            .alter_table(
                Table::alter()
                    .table("teams")
                    .add_column(uuid_null("default_schedule_id"))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("teams")
                    .add_column(integer("min_rotation_size").default(4))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("schedules")
                    .col(pk_uuid("id"))
                    .col(uuid("team_id"))
                    .col(string("name"))
                    .col(text("description"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut fk("schedules", "team_id", "teams"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_schedules_team",
            "schedules",
            &["team_id", "id"],
            false,
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table("schedule_layers")
                    .col(pk_uuid("id"))
                    .col(uuid("schedule_id"))
                    .col(string("name"))
                    .col(integer("position"))
                    .col(string("time_zone"))
                    // Minutes after local midnight; both NULL for all day.
                    .col(integer_null("window_start"))
                    .col(integer_null("window_end"))
                    // Monday is bit 0.
                    .col(integer("weekdays"))
                    .col(integer("rotation_days"))
                    .col(integer("handoff_minute"))
                    .col(date("start_date"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut fk("schedule_layers", "schedule_id", "schedules"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_layers_schedule",
            "schedule_layers",
            &["schedule_id", "position"],
            false,
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table("layer_members")
                    .col(uuid("layer_id"))
                    .col(uuid("user_id"))
                    .col(integer("position"))
                    .col(boolean("shadow"))
                    .primary_key(Index::create().col("layer_id").col("user_id"))
                    .foreign_key(&mut fk("layer_members", "layer_id", "schedule_layers"))
                    .foreign_key(&mut fk("layer_members", "user_id", "users"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_layer_members_user",
            "layer_members",
            &["user_id"],
            false,
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table("schedule_overrides")
                    .col(pk_uuid("id"))
                    .col(uuid("schedule_id"))
                    .col(uuid_null("layer_id"))
                    .col(uuid("user_id"))
                    .col(uuid_null("replaces_user_id"))
                    .col(timestamp_with_time_zone("starts_at"))
                    .col(timestamp_with_time_zone("ends_at"))
                    .col(uuid("created_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut fk("schedule_overrides", "schedule_id", "schedules"))
                    .foreign_key(&mut fk("schedule_overrides", "layer_id", "schedule_layers"))
                    .foreign_key(&mut fk("schedule_overrides", "user_id", "users"))
                    .foreign_key(&mut fk("schedule_overrides", "replaces_user_id", "users"))
                    .foreign_key(&mut fk("schedule_overrides", "created_by", "users"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_overrides_schedule",
            "schedule_overrides",
            &["schedule_id", "ends_at"],
            false,
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table("handoff_documents")
                    .col(pk_uuid("id"))
                    .col(uuid("layer_id"))
                    .col(timestamp_with_time_zone("at"))
                    .col(timestamp_with_time_zone("outgoing_since"))
                    .col(uuid("outgoing_id"))
                    .col(uuid("incoming_id"))
                    .col(text("notes"))
                    .col(timestamp_with_time_zone_null("submitted_at"))
                    .col(uuid_null("submitted_by"))
                    .col(timestamp_with_time_zone_null("acknowledged_at"))
                    .col(uuid_null("acknowledged_by"))
                    .col(integer("version"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut fk("handoff_documents", "layer_id", "schedule_layers"))
                    .foreign_key(&mut fk("handoff_documents", "outgoing_id", "users"))
                    .foreign_key(&mut fk("handoff_documents", "incoming_id", "users"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_handoffs_layer_at",
            "handoff_documents",
            &["layer_id", "at"],
            true,
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table("calendar_feeds")
                    .col(pk_uuid("id"))
                    .col(uuid("user_id"))
                    // `user` for the holder's own shifts, else `schedule:<id>`.
                    .col(string("scope"))
                    .col(uuid_null("schedule_id"))
                    // SHA-256 of the secret, hex: the secret itself is shown once.
                    .col(string_uniq("token_hash"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone_null("last_used_at"))
                    .foreign_key(&mut fk("calendar_feeds", "user_id", "users"))
                    .foreign_key(&mut fk("calendar_feeds", "schedule_id", "schedules"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_feeds_user_scope",
            "calendar_feeds",
            &["user_id", "scope"],
            true,
        )
        .await
    }
}
