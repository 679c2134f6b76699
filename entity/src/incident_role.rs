//! Who holds which role in an incident; one holder per role.
use crate::enums::IncidentRole;
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "incident_roles")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub incident_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub role: IncidentRole,
    pub user_id: Uuid,
    pub assigned_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
