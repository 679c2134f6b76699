//! A team's escalation policy: ordered steps with delays, repeated.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "escalation_policies")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub team_id: Uuid,
    /// `[{"targets": ["on_call" | "team_leads" | "engineering_lead" | "person:<id>"],
    /// "delayMinutes": n}]`
    pub steps: Json,
    pub repeats: i32,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
