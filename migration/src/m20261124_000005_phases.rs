//! How an incident was detected (a metrics dimension).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("incidents")
                    .add_column(string("detection_source").default("unknown"))
                    .to_owned(),
            )
            .await
    }
}
