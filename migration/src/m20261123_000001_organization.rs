//! The organization, its people and what they own: users, teams, services, the audit log.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("organization")
                    .col(integer("id").primary_key())
                    .col(string("name"))
                    .col(string("time_zone"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("users")
                    .col(pk_uuid("id"))
                    .col(string_uniq("subject"))
                    .col(string("name"))
                    .col(string_null("email"))
                    .col(string("time_zone"))
                    .col(string("role"))
                    .col(boolean("active"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("teams")
                    .col(pk_uuid("id"))
                    .col(string_uniq("name"))
                    .col(text_null("description"))
                    .col(boolean("active"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .to_owned(),
            )
            .await?;

        for (table, extra) in [("team_members", true), ("team_managers", false)] {
            let mut create = Table::create();
            create
                .table(table)
                .col(uuid("team_id"))
                .col(uuid("user_id"))
                .col(timestamp_with_time_zone("created_at"))
                .primary_key(Index::create().col("team_id").col("user_id"))
                .foreign_key(
                    ForeignKey::create()
                        .from(table, "team_id")
                        .to("teams", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(table, "user_id")
                        .to("users", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                );
            if extra {
                create.col(string("team_role"));
            }
            manager.create_table(create.to_owned()).await?;
            manager
                .create_index(
                    Index::create()
                        .name(format!("idx_{table}_user"))
                        .table(table)
                        .col("user_id")
                        .to_owned(),
                )
                .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table("services")
                    .col(pk_uuid("id"))
                    .col(string_uniq("name"))
                    .col(text_null("description"))
                    .col(uuid("team_id"))
                    .col(boolean("active"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .from("services", "team_id")
                            .to("teams", "id"),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("audit_log")
                    .col(pk_uuid("id"))
                    .col(uuid_null("actor_id"))
                    .col(string("action"))
                    .col(string("target_type"))
                    .col(string("target_id"))
                    .col(json_binary_null("before"))
                    .col(json_binary_null("after"))
                    .col(timestamp_with_time_zone("at"))
                    .foreign_key(
                        ForeignKey::create()
                            .from("audit_log", "actor_id")
                            .to("users", "id"),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_audit_log_at")
                    .table("audit_log")
                    .col("at")
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "audit_log",
            "services",
            "team_managers",
            "team_members",
            "teams",
            "users",
            "organization",
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
