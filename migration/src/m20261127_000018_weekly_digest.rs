//! The managers' weekly digest: the organization's chosen weekday and hour (and whether
//! it is sent at all), an HTML rendering beside a notification's text, and a
//! deduplication key for events written by the scan (a team's digest for Slack), so two
//! workers write one.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite's ALTER TABLE adds one at a time.
        let columns = [
            (
                "organization",
                boolean("digest_enabled").default(true).to_owned(),
            ),
            // ISO weekday, Monday 1 to Sunday 7.
            (
                "organization",
                small_integer("digest_weekday").default(1).to_owned(),
            ),
            (
                "organization",
                small_integer("digest_hour").default(9).to_owned(),
            ),
            ("notifications", text_null("html").to_owned()),
            ("events", string_null("dedup_key").to_owned()),
        ];
        for (table, column) in columns {
            manager
                .alter_table(Table::alter().table(table).add_column(column).to_owned())
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("uq_events_dedup_key")
                    .table("events")
                    .col("dedup_key")
                    .unique()
                    .to_owned(),
            )
            .await
    }
}
