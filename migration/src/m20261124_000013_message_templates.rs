//! Message templates teams own: organization-wide (`scope` = `org`) or per team (`scope` =
//! the team's id), one per kind and scope.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("message_templates")
                    .col(pk_uuid("id"))
                    .col(string("scope"))
                    .col(string("kind"))
                    .col(text("body"))
                    .col(uuid("updated_by"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_message_templates_scope_kind")
                    .table("message_templates")
                    .col("scope")
                    .col("kind")
                    .unique()
                    .to_owned(),
            )
            .await
    }
}
