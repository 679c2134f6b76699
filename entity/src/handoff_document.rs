//! The note an outgoing on-caller leaves the incoming one at a rotation change, keyed by
//! (layer, instant).
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "handoff_documents")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub layer_id: Uuid,
    pub at: DateTimeUtc,
    /// When the outgoing person's rotation began.
    pub outgoing_since: DateTimeUtc,
    pub outgoing_id: Uuid,
    pub incoming_id: Uuid,
    pub notes: String,
    pub submitted_at: Option<DateTimeUtc>,
    pub submitted_by: Option<Uuid>,
    pub acknowledged_at: Option<DateTimeUtc>,
    pub acknowledged_by: Option<Uuid>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
