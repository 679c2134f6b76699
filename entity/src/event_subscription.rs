//! An admin's subscription to outbound events: a signed webhook, or a team's Slack.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "event_subscriptions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub kind: String,
    pub label: String,
    pub team_id: Option<Uuid>,
    pub target: String,
    pub secret: Option<String>,
    pub types: Json,
    pub include_restricted: bool,
    pub created_by: Uuid,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
