//! Edits of a postmortem's timeline: a correction or hiding of an incident log entry
//! (`source_event_id` set), or an added entry. The incident log itself is never touched.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "postmortem_timeline_entries")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub postmortem_id: Uuid,
    pub source_event_id: Option<Uuid>,
    pub at: DateTimeUtc,
    pub text: String,
    pub hidden: bool,
    pub edited_by: Uuid,
    pub edited_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
