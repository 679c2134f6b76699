//! The notification outbox: one row per recipient and occasion (the inbox shows these);
//! its deliveries, one per contact method, are `delivery` rows.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notifications")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub recipient_id: Uuid,
    pub kind: String,
    pub subject: String,
    pub body: String,
    /// The same as `body`, as HTML, for notifications with tables (the weekly digest).
    pub html: Option<String>,
    pub object_type: String,
    pub object_id: Uuid,
    #[sea_orm(unique)]
    pub dedup_key: String,
    pub created_at: DateTimeUtc,
    pub read_at: Option<DateTimeUtc>,
}

impl ActiveModelBehavior for ActiveModel {}
