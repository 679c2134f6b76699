//! The append-only timeline / decision log of an incident.
use crate::enums::TimelineKind;
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "incident_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub incident_id: Uuid,
    pub at: DateTimeUtc,
    pub author_id: Option<Uuid>,
    pub kind: TimelineKind,
    pub message: String,
    pub before: Option<Json>,
    pub after: Option<Json>,
    /// Another incident this entry is about (duplicate, recurrence). Texts naming it are
    /// rendered at read time, for those who may see it.
    pub ref_incident_id: Option<Uuid>,
}

impl ActiveModelBehavior for ActiveModel {}
