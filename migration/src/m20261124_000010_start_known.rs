//! Whether someone said when an incident's impact began (time to detect is unknown
//! otherwise, not zero). Existing incidents: known where the start differs from detection.

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
                    .add_column(boolean("start_known").default(false))
                    .to_owned(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared("UPDATE incidents SET start_known = (started_at <> detected_at)")
            .await
            .map(|_| ())
    }
}
