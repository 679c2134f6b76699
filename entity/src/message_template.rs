//! A message template a team (or the organization) wrote to replace a shipped one.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "message_templates")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// `org`, or the team's id.
    pub scope: String,
    /// `internal_initial`, `internal_update`, … (`scheduler::domain::message_templates`).
    pub kind: String,
    pub body: String,
    pub updated_by: Uuid,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
