//! A postmortem's public version, written for customers: its own summary, impact, root cause
//! and remediation (the status page shows only these, never the internal text).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for col in [
            "public_summary",
            "public_impact",
            "public_root_cause",
            "public_remediation",
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table("postmortems")
                        .add_column(text(col).default(""))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
