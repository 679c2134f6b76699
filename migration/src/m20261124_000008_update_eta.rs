//! Status updates carry next steps and an estimated time to resolution; the incident keeps
//! the latest ETA.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("incident_updates")
                    .add_column(text_null("next_steps"))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("incident_updates")
                    .add_column(timestamp_with_time_zone_null("eta"))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("incidents")
                    .add_column(timestamp_with_time_zone_null("eta"))
                    .to_owned(),
            )
            .await
    }
}
