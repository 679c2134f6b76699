//! Paging: alerts and the pages they send, integrations that raise alerts (keys stored
//! hashed), escalation policies per team, load-limit and compensation settings per team,
//! and the organization's engineering lead and VP Engineering.

use crate::helpers::{fk, index};
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

async fn add(manager: &SchemaManager<'_>, table: &str, col: ColumnDef) -> Result<(), DbErr> {
    // One column per statement: SQLite adds one column per ALTER TABLE.
    manager
        .alter_table(
            Table::alter()
                .table(table.to_owned())
                .add_column(col)
                .to_owned(),
        )
        .await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        add(manager, "organization", uuid_null("engineering_lead_id")).await?;
        add(manager, "organization", uuid_null("vp_engineering_id")).await?;
        add(
            manager,
            "teams",
            integer("page_warn_above").default(2).to_owned(),
        )
        .await?;
        add(
            manager,
            "teams",
            integer("page_breach_at").default(5).to_owned(),
        )
        .await?;
        add(
            manager,
            "teams",
            integer("night_start_minute").default(22 * 60).to_owned(),
        )
        .await?;
        add(
            manager,
            "teams",
            integer("night_end_minute").default(7 * 60).to_owned(),
        )
        .await?;
        add(
            manager,
            "teams",
            integer("rest_per_night_page_minutes").default(0).to_owned(),
        )
        .await?;
        add(
            manager,
            "teams",
            big_integer("pay_per_hour_minor").default(0).to_owned(),
        )
        .await?;
        add(
            manager,
            "teams",
            big_integer("pay_per_week_minor").default(0).to_owned(),
        )
        .await?;
        add(
            manager,
            "teams",
            string("currency").default("EUR").to_owned(),
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table("escalation_policies")
                    .col(uuid("team_id").primary_key())
                    // [{ "targets": [...], "delayMinutes": n }]
                    .col(json("steps"))
                    .col(integer("repeats"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut fk("escalation_policies", "team_id", "teams"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("integrations")
                    .col(pk_uuid("id"))
                    .col(uuid("team_id"))
                    .col(string("name"))
                    .col(string("kind"))
                    // SHA-256 of the secret key, hex.
                    .col(string_uniq("key_hash"))
                    .col(string("severity_label"))
                    // { "critical": "sev1", … }
                    .col(json("severity_map"))
                    .col(string("default_severity"))
                    .col(uuid("created_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone_null("revoked_at"))
                    .foreign_key(&mut fk("integrations", "team_id", "teams"))
                    .foreign_key(&mut fk("integrations", "created_by", "users"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("alerts")
                    .col(pk_uuid("id"))
                    .col(uuid_null("team_id"))
                    .col(uuid_null("integration_id"))
                    .col(uuid_null("incident_id"))
                    // Where it came from: an integration's name, `manual`, `incident`.
                    .col(string("source"))
                    // The alert's name at its source (Alertmanager's alertname).
                    .col(string("name"))
                    // Alertmanager's groupKey, or a generic dedup key.
                    .col(string_null("dedup_key"))
                    .col(text("summary"))
                    .col(string("severity"))
                    .col(string("status"))
                    .col(integer("position"))
                    .col(timestamp_with_time_zone("entered_step_at"))
                    .col(boolean("unrouted"))
                    .col(uuid_null("triggered_by"))
                    // Hash of the last notification applied: a repeat changes nothing.
                    .col(string_null("notification_hash"))
                    // The source's alerts in the group, as last reported.
                    .col(json_null("details"))
                    .col(timestamp_with_time_zone_null("snoozed_until"))
                    .col(timestamp_with_time_zone_null("acknowledged_at"))
                    .col(uuid_null("acknowledged_by"))
                    .col(timestamp_with_time_zone_null("resolved_at"))
                    .col(uuid_null("resolved_by"))
                    .col(integer("version"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut fk("alerts", "team_id", "teams"))
                    .foreign_key(&mut fk("alerts", "integration_id", "integrations"))
                    .foreign_key(&mut fk("alerts", "incident_id", "incidents"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_alerts_dedup",
            "alerts",
            &["integration_id", "dedup_key", "created_at"],
            false,
        )
        .await?;
        index(
            manager,
            "idx_alerts_incident",
            "alerts",
            &["incident_id"],
            false,
        )
        .await?;
        index(
            manager,
            "idx_alerts_status",
            "alerts",
            &["status", "entered_step_at"],
            false,
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table("pages")
                    .col(pk_uuid("id"))
                    .col(uuid("alert_id"))
                    .col(uuid("user_id"))
                    // Why: `on_call`, `team_leads`, …, `fallback:<target>`, `reassigned`.
                    .col(string("via"))
                    .col(integer("position"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("acknowledge_by"))
                    .col(timestamp_with_time_zone_null("acknowledged_at"))
                    .foreign_key(&mut fk("pages", "alert_id", "alerts"))
                    .foreign_key(&mut fk("pages", "user_id", "users"))
                    .to_owned(),
            )
            .await?;
        index(manager, "idx_pages_alert", "pages", &["alert_id"], false).await?;
        index(
            manager,
            "idx_pages_user",
            "pages",
            &["user_id", "created_at"],
            false,
        )
        .await
    }
}
