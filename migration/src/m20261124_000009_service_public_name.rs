//! A service's name for customers, distinct from its catalog name.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("services")
                    .add_column(string_null("public_name"))
                    .to_owned(),
            )
            .await
    }
}
