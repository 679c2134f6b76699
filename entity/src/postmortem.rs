//! The blameless postmortem of one incident.
use crate::enums::{PostmortemStatus, Visibility};
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "postmortems")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub incident_id: Uuid,
    pub status: PostmortemStatus,
    pub visibility: Visibility,
    pub summary: String,
    pub users_affected: String,
    pub business_impact: String,
    pub root_cause: String,
    pub contributing_factors: String,
    pub went_well: String,
    pub went_poorly: String,
    /// "What we are doing about it", the public remediation summary.
    pub remediation: String,
    /// The public version, written for customers (the status page shows only these).
    pub public_summary: String,
    pub public_impact: String,
    pub public_root_cause: String,
    pub public_remediation: String,
    pub due_at: DateTimeUtc,
    pub submitted_at: Option<DateTimeUtc>,
    pub submitted_by: Option<Uuid>,
    pub published_at: Option<DateTimeUtc>,
    pub published_by: Option<Uuid>,
    pub loop_closed_at: Option<DateTimeUtc>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
