//! The incident core: incidents, their roles, timeline, status updates, participants,
//! idempotency keys and the severity policy overrides.

use crate::helpers::fk;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn index(table: &str, name: &str, cols: &[&str]) -> IndexCreateStatement {
    let mut i = Index::create();
    i.name(format!("idx_{table}_{name}"))
        .table(table.to_owned());
    for c in cols {
        i.col(ToString::to_string(c));
    }
    i.to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("incidents")
                    .col(pk_uuid("id"))
                    .col(string("title"))
                    .col(string_null("public_title"))
                    .col(text_null("description"))
                    .col(string("severity"))
                    .col(string("highest_severity"))
                    .col(string("status"))
                    .col(string_uniq("channel"))
                    .col(uuid_null("service_id"))
                    .col(uuid_null("team_id"))
                    .col(boolean("customer_impact"))
                    .col(boolean("restricted"))
                    .col(boolean("false_alarm"))
                    .col(uuid_null("duplicate_of"))
                    .col(uuid_null("recurrence_of"))
                    .col(text_null("resolution_summary"))
                    .col(uuid("declared_by"))
                    .col(timestamp_with_time_zone("started_at"))
                    .col(timestamp_with_time_zone("detected_at"))
                    .col(timestamp_with_time_zone("declared_at"))
                    .col(timestamp_with_time_zone_null("acknowledged_at"))
                    .col(timestamp_with_time_zone_null("mitigated_at"))
                    .col(timestamp_with_time_zone_null("resolved_at"))
                    .col(timestamp_with_time_zone_null("last_update_at"))
                    .col(timestamp_with_time_zone_null("next_update_due_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut fk("incidents", "service_id", "services"))
                    .foreign_key(&mut fk("incidents", "team_id", "teams"))
                    .foreign_key(&mut fk("incidents", "declared_by", "users"))
                    .foreign_key(&mut fk("incidents", "duplicate_of", "incidents"))
                    .foreign_key(&mut fk("incidents", "recurrence_of", "incidents"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("incidents", "declared", &["declared_at", "id"]))
            .await?;
        manager
            .create_index(index("incidents", "started", &["started_at"]))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("incident_roles")
                    .col(uuid("incident_id"))
                    .col(string("role"))
                    .col(uuid("user_id"))
                    .col(timestamp_with_time_zone("assigned_at"))
                    .primary_key(Index::create().col("incident_id").col("role"))
                    .foreign_key(&mut fk("incident_roles", "incident_id", "incidents"))
                    .foreign_key(&mut fk("incident_roles", "user_id", "users"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("incident_roles", "user", &["user_id"]))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("incident_events")
                    .col(pk_uuid("id"))
                    .col(uuid("incident_id"))
                    .col(timestamp_with_time_zone("at"))
                    .col(uuid_null("author_id"))
                    .col(string("kind"))
                    .col(text("message"))
                    .col(json_binary_null("before"))
                    .col(json_binary_null("after"))
                    .foreign_key(&mut fk("incident_events", "incident_id", "incidents"))
                    .foreign_key(&mut fk("incident_events", "author_id", "users"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("incident_events", "incident", &["incident_id", "at"]))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("incident_updates")
                    .col(pk_uuid("id"))
                    .col(uuid("incident_id"))
                    .col(timestamp_with_time_zone("at"))
                    .col(uuid("author_id"))
                    .col(string("status"))
                    .col(text("message"))
                    .col(boolean("public"))
                    .foreign_key(&mut fk("incident_updates", "incident_id", "incidents"))
                    .foreign_key(&mut fk("incident_updates", "author_id", "users"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "incident_updates",
                "incident",
                &["incident_id", "at"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("incident_participants")
                    .col(uuid("incident_id"))
                    .col(uuid("user_id"))
                    .col(timestamp_with_time_zone("added_at"))
                    .primary_key(Index::create().col("incident_id").col("user_id"))
                    .foreign_key(&mut fk("incident_participants", "incident_id", "incidents"))
                    .foreign_key(&mut fk("incident_participants", "user_id", "users"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("incident_participants", "user", &["user_id"]))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("incident_idempotency")
                    .col(uuid("user_id"))
                    .col(string("key"))
                    .col(uuid("incident_id"))
                    .col(timestamp_with_time_zone("created_at"))
                    .primary_key(Index::create().col("user_id").col("key"))
                    .foreign_key(&mut fk("incident_idempotency", "incident_id", "incidents"))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("severity_policies")
                    .col(string("severity").primary_key())
                    .col(integer_null("respond_within_minutes"))
                    .col(boolean("business_hours_only"))
                    .col(json_binary("pages"))
                    .col(integer_null("update_every_minutes"))
                    .col(string("customer_comms"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "severity_policies",
            "incident_idempotency",
            "incident_participants",
            "incident_updates",
            "incident_events",
            "incident_roles",
            "incidents",
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
