//! Which incident roles a severity expects (null: the product default for it).

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
                    .add_column(json_null("expected_roles"))
                    .to_owned(),
            )
            .await
    }
}
