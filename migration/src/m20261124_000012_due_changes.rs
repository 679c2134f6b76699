//! Every change of an action item's due date, so moving a date cannot hide a miss.

use crate::helpers::fk;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("action_item_due_changes")
                    .col(pk_uuid("id"))
                    .col(uuid("action_item_id"))
                    .col(timestamp_with_time_zone("from_due"))
                    .col(timestamp_with_time_zone("to_due"))
                    .col(uuid("changed_by"))
                    .col(timestamp_with_time_zone("changed_at"))
                    .foreign_key(&mut fk(
                        "action_item_due_changes",
                        "action_item_id",
                        "action_items",
                    ))
                    .foreign_key(&mut fk("action_item_due_changes", "changed_by", "users"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_due_changes_item")
                    .table("action_item_due_changes")
                    .col("action_item_id")
                    .to_owned(),
            )
            .await
    }
}
