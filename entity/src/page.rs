//! One notification of one person about an alert.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "pages")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub alert_id: Uuid,
    pub user_id: Uuid,
    /// Why: `on_call`, `team_leads`, `engineering_lead`, `vp_engineering`, `person`,
    /// `admins`, with `fallback:` before it when the targets reached nobody; `reassigned`.
    pub via: String,
    pub position: i32,
    pub created_at: DateTimeUtc,
    pub acknowledge_by: DateTimeUtc,
    pub acknowledged_at: Option<DateTimeUtc>,
}

impl ActiveModelBehavior for ActiveModel {}
