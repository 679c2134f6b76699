//! Policies that act: which severities owe a postmortem (null: the product default), and
//! when an incident last told customers (communication owed until then).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("severity_policies")
                    .add_column(boolean_null("postmortem_required"))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("incidents")
                    .add_column(timestamp_with_time_zone_null("last_public_update_at"))
                    .to_owned(),
            )
            .await
    }
}
