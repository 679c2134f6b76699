//! Postmortems, their timeline edits, action items, and the postmortem deadline setting.

use crate::helpers::fk;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("organization")
                    .add_column(integer("postmortem_due_hours").default(48))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("postmortems")
                    .col(pk_uuid("id"))
                    .col(uuid_uniq("incident_id"))
                    .col(string("status"))
                    .col(string("visibility"))
                    .col(text("summary"))
                    .col(text("users_affected"))
                    .col(text("business_impact"))
                    .col(text("root_cause"))
                    .col(text("contributing_factors"))
                    .col(text("went_well"))
                    .col(text("went_poorly"))
                    .col(text("remediation"))
                    .col(timestamp_with_time_zone("due_at"))
                    .col(timestamp_with_time_zone_null("submitted_at"))
                    .col(uuid_null("submitted_by"))
                    .col(timestamp_with_time_zone_null("published_at"))
                    .col(uuid_null("published_by"))
                    .col(timestamp_with_time_zone_null("loop_closed_at"))
                    .col(integer("version"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut fk("postmortems", "incident_id", "incidents"))
                    .foreign_key(&mut fk("postmortems", "submitted_by", "users"))
                    .foreign_key(&mut fk("postmortems", "published_by", "users"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("postmortem_timeline_entries")
                    .col(pk_uuid("id"))
                    .col(uuid("postmortem_id"))
                    .col(uuid_null("source_event_id"))
                    .col(timestamp_with_time_zone("at"))
                    .col(text("text"))
                    .col(boolean("hidden"))
                    .col(uuid("edited_by"))
                    .col(timestamp_with_time_zone("edited_at"))
                    .foreign_key(&mut fk(
                        "postmortem_timeline_entries",
                        "postmortem_id",
                        "postmortems",
                    ))
                    .foreign_key(&mut fk(
                        "postmortem_timeline_entries",
                        "source_event_id",
                        "incident_events",
                    ))
                    .foreign_key(&mut fk("postmortem_timeline_entries", "edited_by", "users"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_pm_timeline_source")
                    .table("postmortem_timeline_entries")
                    .col("postmortem_id")
                    .col("source_event_id")
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("action_items")
                    .col(pk_uuid("id"))
                    .col(uuid("postmortem_id"))
                    .col(string("title"))
                    .col(text("description"))
                    .col(uuid("owner_id"))
                    .col(timestamp_with_time_zone("due_at"))
                    .col(string("priority"))
                    .col(string("status"))
                    .col(text_null("wont_do_reason"))
                    .col(string_null("tracker_url"))
                    .col(string_null("tracker_key"))
                    .col(timestamp_with_time_zone_null("completed_at"))
                    .col(integer("version"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut fk("action_items", "postmortem_id", "postmortems"))
                    .foreign_key(&mut fk("action_items", "owner_id", "users"))
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            ("idx_action_items_postmortem", vec!["postmortem_id"]),
            ("idx_action_items_owner", vec!["owner_id", "status"]),
            ("idx_action_items_due", vec!["due_at"]),
        ] {
            let mut i = Index::create();
            i.name(name).table("action_items");
            for c in cols {
                i.col(c);
            }
            manager.create_index(i.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["action_items", "postmortem_timeline_entries", "postmortems"] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table("organization")
                    .drop_column("postmortem_due_hours")
                    .to_owned(),
            )
            .await
    }
}
