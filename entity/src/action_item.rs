//! A follow-up of an incident: one owner, a due date, a priority. Created during the
//! incident or from its postmortem; it joins the postmortem once there is one.
use crate::enums::{ActionItemStatus, Priority};
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "action_items")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub incident_id: Uuid,
    pub postmortem_id: Option<Uuid>,
    pub title: String,
    pub description: String,
    pub owner_id: Uuid,
    pub due_at: DateTimeUtc,
    pub priority: Priority,
    pub status: ActionItemStatus,
    pub wont_do_reason: Option<String>,
    pub tracker_url: Option<String>,
    pub tracker_key: Option<String>,
    pub completed_at: Option<DateTimeUtc>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
