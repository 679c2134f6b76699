//! Status updates: internal, or public (then shown on the status page).
use crate::enums::IncidentStatus;
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "incident_updates")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub incident_id: Uuid,
    pub at: DateTimeUtc,
    pub author_id: Uuid,
    pub status: IncidentStatus,
    pub message: String,
    pub public: bool,
    /// What happens next, as stated in this update.
    pub next_steps: Option<String>,
    /// Estimated time to resolution, as stated in this update.
    pub eta: Option<DateTimeUtc>,
}

impl ActiveModelBehavior for ActiveModel {}
