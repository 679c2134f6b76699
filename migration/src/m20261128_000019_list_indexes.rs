//! Indexes in the order the newest-first lists read: a person's pages and notifications
//! and a team's alerts are pages of `id DESC` (UUIDv7, so newest first) under a filter.
//! The indexes they had, on the filter and `created_at`, made every page read all of
//! the person's rows and sort them: with 2,000 pages a page of 50 read 2,000 rows and
//! 2,000 alerts (found by the reference benchmark). With the id in the index a page reads
//! its 51 rows and stops.

use crate::helpers::index;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        index(
            manager,
            "idx_pages_user_id",
            "pages",
            &["user_id", "id"],
            false,
        )
        .await?;
        index(
            manager,
            "idx_notifications_recipient_id",
            "notifications",
            &["recipient_id", "id"],
            false,
        )
        .await?;
        index(
            manager,
            "idx_alerts_team_id",
            "alerts",
            &["team_id", "id"],
            false,
        )
        .await
    }
}
