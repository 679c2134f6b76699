//! An outbound event: what happened, for event subscriptions.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(column_name = "type")]
    pub kind: String,
    pub team_id: Option<Uuid>,
    pub restricted: bool,
    pub object_type: String,
    pub object_id: Uuid,
    pub payload: Json,
    pub occurred_at: DateTimeUtc,
    /// Set for events the scan writes (a team's weekly digest): one per key.
    #[sea_orm(unique)]
    pub dedup_key: Option<String>,
}

impl ActiveModelBehavior for ActiveModel {}
